#!/bin/bash
# An HA pair plus a backup server (three tandemd on a bridge, mutual TLS, configs shaped like
# config-examples/ha-with-backup-*.json), in two variants:
#  lb: load-balancing primary + secondary + backup;
#  hs: hot-standby primary + standby + backup.
# For each variant:
#  1. the active peers reach their normal state, the backup is in `backup` (and stays there);
#  2. a real dhclient gets a lease; the same lease (address, hw-address, expiry) is on the
#     primary, the partner AND the backup (lease4-get over each control socket, and the last
#     record of each one's lease file), and agrees with the expiry dhclient was given;
#  3. dhclient releases it: the release reaches all three (no live lease for the address left
#     in any store), so the backup receives deletions as well as allocations.
# A backup that is never fed (reference ha-protocol.md 1.1, 2.2 "updates to backups") fails 2.
# HA_BACKUP_VARIANTS limits the set ("lb", "hs", default both). Namespaces tit-<pid>-*,
# addresses 198.18.0.0/24. Exit 77 = skipped.
TIT_BUDGET=${TIT_BUDGET:-150}
. "$(dirname "$0")/lib.sh"
tit_init
tit_require dhclient socat jq python3 openssl
VARIANTS=${HA_BACKUP_VARIANTS:-"lb hs"}

tit_switch
tit_host s1 02:00:00:00:01:01 198.18.0.1/24
tit_host s2 02:00:00:00:01:02 198.18.0.2/24
tit_host s3 02:00:00:00:01:03 198.18.0.3/24
ha_certs "$TIT_TMP/certs" server1=198.18.0.1 server2=198.18.0.2 server3=198.18.0.3

# same_lease <name> <ip> <hw> <expire>: <name>'s store holds exactly that live lease.
same_lease() {
  local got
  got=$(ha_ctl "$1" "{\"command\":\"lease4-get\",\"arguments\":{\"ip-address\":\"$2\"}}" |
    jq -r '(if type == "array" then .[0] else . end) | select(.result == 0) | .arguments |
           "\(."hw-address") \(.cltt + ."valid-lft") \(.state)"' 2>/dev/null)
  [ "$got" = "$3 $4 0" ] || { log "$1 has [$got] for $2, expected [$3 $4 0]"; return 1; }
}
# csv_lease <name> <ip> <hw> <expire>: the last record for the address in <name>'s lease file.
csv_lease() {
  local r
  r=$(lease_record "$TIT_TMP/$1/leases4.csv" "$2")
  echo "$r" | awk -F, -v hw="$3" -v ex="$4" '{ exit !($2 == hw && $5 == ex && $4 > 0 && $10 == 0) }' ||
    { log "$1's lease file has [$r] for $2, expected hw $3 expire $4"; return 1; }
}
# gone <name> <ip>: no live lease for the address (deleted, or kept as released/expired).
gone() {
  ha_ctl "$1" "{\"command\":\"lease4-get\",\"arguments\":{\"ip-address\":\"$2\"}}" |
    jq -e '(if type == "array" then .[0] else . end) | .result == 3 or (.result == 0 and .arguments.state != 0)' >/dev/null
}

n=0
FIGURES=()
for V in $VARIANTS; do
  n=$((n + 1))
  case $V in
    lb) mode=load-balancing; role2=secondary ;;
    hs) mode=hot-standby; role2=standby ;;
    *) fail "unknown variant $V" ;;
  esac
  for s in server1 server2 server3; do
    rm -rf "${TIT_TMP:?}/$s"
    ha_conf $s $mode "$TIT_TMP/certs" server1=198.18.0.1=primary server2=198.18.0.2=$role2 \
      server3=198.18.0.3=backup
  done
  "${TANDEMD:-$TANDEM_BUILD/dhcpd/tandemd}" -t "$TIT_TMP/server3/config.json" >/dev/null 2>&1 ||
    fail "[$V] tandemd -t rejects the backup's config"
  t0=$SECONDS
  ha_start server1 "$TIT_ID-s1"
  ha_start server2 "$TIT_ID-s2"
  ha_start server3 "$TIT_ID-s3"
  ha_wait_state server1 $mode 30 || fail "[$V] server1 did not reach $mode"
  ha_wait_state server2 $mode 30 || fail "[$V] server2 did not reach $mode"
  [ "$(ha_state server3)" = backup ] || fail "[$V] server3 is '$(ha_state server3)', expected backup"
  log "[$V] ok: server1 and server2 in $mode, server3 in backup ($((SECONDS - t0)) s)"

  # A fresh client namespace per variant: a new MAC, so a new lease.
  tit_host c$n "02:00:00:00:0$n:99"
  cd="$TIT_TMP/dhclient-$V"
  tit_dhclient_start "$cd" "$TIT_ID-c$n"
  dpid=$TIT_LAST_PID
  wait_event "$cd" BOUND 1 25 || fail "[$V] dhclient got no lease"
  ip=$(event_var "$cd/events" new_ip_address BOUND)
  sid=$(event_var "$cd/events" new_dhcp_server_identifier BOUND)
  cexp=$(event_var "$cd/events" new_expiry BOUND)
  mac=$(nsx "$TIT_ID-c$n" cat /sys/class/net/eth0/address)
  [ -n "$ip" ] || fail "[$V] dhclient BOUND without an address"
  if [ $mode = hot-standby ]; then
    [ "$sid" = 198.18.0.1 ] || fail "[$V] lease from $sid, the hot-standby primary must serve all"
  fi
  log "[$V] dhclient bound $ip ($mac) from $sid"

  rec=$(ha_ctl server1 "{\"command\":\"lease4-get\",\"arguments\":{\"ip-address\":\"$ip\"}}")
  [ -n "$rec" ] || rec=$(ha_ctl server2 "{\"command\":\"lease4-get\",\"arguments\":{\"ip-address\":\"$ip\"}}")
  exp=$(echo "$rec" | jq -r '(if type == "array" then .[0] else . end) | .arguments | .cltt + ."valid-lft"')
  [[ "$exp" =~ ^[0-9]+$ ]] || fail "[$V] the serving peer has no lease for $ip: $rec"
  # dhclient's own expiry (epoch) comes from the lease time it was given: within a second or two
  # of the store's (it counts from when it received the DHCPACK).
  [[ "$cexp" =~ ^[0-9]+$ ]] || fail "[$V] dhclient reported no new_expiry"
  [ $((cexp - exp)) -le 2 ] && [ $((exp - cexp)) -le 2 ] ||
    fail "[$V] dhclient expires $ip at $cexp, the store at $exp"
  # The backup is fed without waiting for its answer (no wait-backup-ack): allow it a moment.
  for s in server1 server2 server3; do
    wait_for 5 "$s holding the lease" same_lease $s "$ip" "$mac" "$exp" || fail "[$V] lease $ip not on $s as on the serving peer"
    csv_lease $s "$ip" "$mac" "$exp" || fail "[$V] lease $ip not in $s's lease file"
  done
  log "[$V] ok: lease $ip hw $mac expire $exp on server1, server2 and server3 (stores and lease files)"
  FIGURES+=("[$V] lease $ip on all three ($((SECONDS - t0)) s from start to lease everywhere)")

  # Release: dhclient -r stops the running instance and sends a DHCPRELEASE.
  nsx "$TIT_ID-c$n" timeout 15 dhclient -4 -r -cf "$cd/dhclient.conf" -lf "$cd/dhclient.leases" \
    -pf "$cd/dhclient.pid" -sf "$cd/script" eth0 >>"$cd/dhclient.log" 2>&1
  tit_stop "$dpid" TERM 5
  for s in server1 server2 server3; do
    wait_for 5 "$s dropping the released lease" gone $s "$ip" || fail "[$V] released lease $ip still live on $s"
  done
  [ "$(ha_state server3)" = backup ] || fail "[$V] server3 left backup: '$(ha_state server3)'"
  log "[$V] ok: the release of $ip reached server1, server2 and server3"
  # The active that fed the backup asked it (ha-heartbeat) what it takes: a tandemd backup
  # announces batched updates, so what follows the first update travels batched.
  probed=""
  for s in server1 server2; do
    b=$(ha_ctl $s '{"command":"status-get"}' | jq -c '(if type == "array" then .[0] else . end) |
        .arguments."high-availability"[0]."ha-servers".local."bulk-apply".peers.server3 // false')
    [ "$b" = true ] && probed+="$s "
  done
  [ -n "$probed" ] || fail "[$V] no active peer learnt that the tandemd backup takes batched updates"
  log "[$V] ok: batched updates to the backup from: $probed"

  for s in server3 server2 server1; do tit_stop "${HA_PID[$s]}" TERM 10; done
done
for f in "${FIGURES[@]}"; do log "$f"; done
log "PASS ($n variants)"
