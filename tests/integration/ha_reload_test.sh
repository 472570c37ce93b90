#!/bin/bash
# Adding a backup replica to a running load-balancing pair is one operator step (issue 4): the
# backup's peer entry goes into both actives' configs and config-reload applies it, with no
# restart of the actives.
#  1. server1 (primary) + server2 (secondary), mutual TLS, reach load-balancing; a dhclient
#     gets lease A.
#  2. server3 (backup) starts; both actives' config files gain its peer entry and each gets
#     config-reload over its control socket. Same PIDs afterwards, a log line naming the added
#     peer, and both return to load-balancing.
#  3. a second dhclient gets lease B: it reaches the backup through the lease-update stream
#     (lease4-get on server3); lease A, made before the backup existed, reaches it too: the
#     backup's catch-up pull, refused by the actives until their reload named server3, succeeds
#     on its retry.
#  4. a reload with a broken HA section is refused with the JSON path of the error and the pair
#     stays in load-balancing, serving with its running configuration.
# Namespaces tit-<pid>-*, addresses 198.18.0.0/24. Exit 77 = skipped.
set -u -o pipefail
. "$(dirname "$0")/lib.sh"
TIT_BUDGET=${TIT_BUDGET:-240}
tit_init
tit_require jq socat dhclient openssl python3

tit_switch
tit_host s1 02:00:00:00:0a:01 198.18.0.1/24
tit_host s2 02:00:00:00:0a:02 198.18.0.2/24
tit_host s3 02:00:00:00:0a:03 198.18.0.3/24
tit_host ca 02:00:00:00:0c:01
tit_host cb 02:00:00:00:0c:02
S1="$TIT_ID-s1" S2="$TIT_ID-s2" S3="$TIT_ID-s3"

CERTS="$TIT_TMP/certs"
ha_certs "$CERTS" server1=198.18.0.1 server2=198.18.0.2 server3=198.18.0.3
PAIR=(server1=198.18.0.1=primary server2=198.18.0.2=secondary)
TRIO=("${PAIR[@]}" server3=198.18.0.3=backup)

# ---- 1. the pair, lease A ------------------------------------------------------------------------
ha_conf server1 load-balancing "$CERTS" "${PAIR[@]}"
ha_conf server2 load-balancing "$CERTS" "${PAIR[@]}"
ha_start server1 "$S1"
ha_start server2 "$S2"
pid1=${HA_PID[server1]} pid2=${HA_PID[server2]}
check "server1 in load-balancing" ha_wait_state server1 load-balancing 30
check "server2 in load-balancing" ha_wait_state server2 load-balancing 30

tit_dhclient_start "$TIT_TMP/dhca" "$TIT_ID-ca"
dhcpA=$TIT_LAST_PID
check "client A bound" wait_event "$TIT_TMP/dhca" BOUND 1 30
leaseA=$(event_var "$TIT_TMP/dhca/events" new_ip_address BOUND)
[ -n "$leaseA" ] || fail "no address for client A"
log "lease A: $leaseA"

# lease_on <name> <ip>: the address has a lease in <name>'s store.
lease_on() { ha_ctl "$1" "{\"command\":\"lease4-get\",\"arguments\":{\"ip-address\":\"$2\"}}" | grep -q '"result": *0'; }
check "lease A on server1" wait_for 10 "lease A on server1" lease_on server1 "$leaseA"
check "lease A on server2" wait_for 10 "lease A on server2" lease_on server2 "$leaseA"

# ---- 2. the backup joins by config-reload ----------------------------------------------------------
ha_conf server3 load-balancing "$CERTS" "${TRIO[@]}"
ha_start server3 "$S3"
check "server3 in backup" ha_wait_state server3 backup 20

# reload <name>: config-reload over the control socket; prints the answer.
reload() { ha_ctl "$1" '{"command":"config-reload"}'; }
for s in server1 server2; do
  ha_conf "$s" load-balancing "$CERTS" "${TRIO[@]}"
  ans=$(reload "$s")
  echo "$ans" | grep -q '"result": *0' || fail "config-reload of $s refused: $ans"
  grep -q "HA_RECONFIGURE.*peer 'server3' added (backup, https://198.18.0.3:8001/)" "$TIT_TMP/$s/server.log" ||
    fail "$s did not log the added backup peer"
done
log "ok: both actives reloaded with the backup's peer entry"
[ "${HA_PID[server1]}" = "$pid1" ] && kill -0 "$pid1" 2>/dev/null || fail "server1 (pid $pid1) is gone"
[ "${HA_PID[server2]}" = "$pid2" ] && kill -0 "$pid2" 2>/dev/null || fail "server2 (pid $pid2) is gone"
for s in server1 server2; do
  p=$(ha_ctl "$s" '{"command":"status-get"}' | jq -r '.arguments.pid // empty')
  want=$pid1; [ "$s" = server2 ] && want=$pid2
  [ -z "$p" ] || [ "$p" = "$want" ] || fail "$s answers with pid $p, started as $want: it was restarted"
done
log "ok: no restart (pids $pid1, $pid2 unchanged)"
check "server1 back in load-balancing" ha_wait_state server1 load-balancing 40
check "server2 back in load-balancing" ha_wait_state server2 load-balancing 40
check "lease A still on server1" lease_on server1 "$leaseA"
check "lease A still on server2" lease_on server2 "$leaseA"

# ---- 3. lease B (and A) on the backup ------------------------------------------------------------
tit_dhclient_start "$TIT_TMP/dhcb" "$TIT_ID-cb"
check "client B bound" wait_event "$TIT_TMP/dhcb" BOUND 1 30
leaseB=$(event_var "$TIT_TMP/dhcb/events" new_ip_address BOUND)
[ -n "$leaseB" ] || fail "no address for client B"
log "lease B: $leaseB"
check "lease B on the backup" wait_for 10 "lease B on server3" lease_on server3 "$leaseB"
check "lease A (made before the backup existed) on the backup" \
  wait_for 30 "lease A on server3" lease_on server3 "$leaseA"

# ---- 4. a broken HA section is refused -----------------------------------------------------------
cp "$TIT_TMP/server1/config.json" "$TIT_TMP/server1/config.good"
jq '.Dhcp4."hooks-libraries"[1].parameters."high-availability"[0].peers[2].role = "boss"' \
  "$TIT_TMP/server1/config.good" >"$TIT_TMP/server1/config.json" || fail "jq"
ans=$(reload server1)
echo "$ans" | grep -q '"result": *1' || fail "broken HA section accepted: $ans"
echo "$ans" | grep -q 'Dhcp4/hooks-libraries/1/parameters/high-availability/0/peers/2/role' ||
  fail "refusal without the JSON path: $ans"
log "ok: broken HA section refused: $(echo "$ans" | jq -r '.text' | head -c 160)"
sleep 3  # more than two heartbeats: a half-applied HA change would show by now
check "server1 still in load-balancing" ha_wait_state server1 load-balancing 1
check "server2 still in load-balancing" ha_wait_state server2 load-balancing 1
[ "$(grep -c 'HA_RECONFIGURE' "$TIT_TMP/server1/server.log")" = 1 ] || fail "server1 reconfigured HA on a refused reload"
# Still serving with the running configuration: client A, restarted, gets its address back
# (INIT-REBOOT with the lease file it kept).
tit_stop "$dhcpA" TERM 5
tit_dhclient_start "$TIT_TMP/dhca" "$TIT_ID-ca"
_rebooted() { [ "$(event_count "$TIT_TMP/dhca/events" REBOOT)" -ge 1 ] || [ "$(event_count "$TIT_TMP/dhca/events" BOUND)" -ge 2 ]; }
check "client A served again after the refused reload" wait_for 30 "client A REBOOT/BOUND" _rebooted
again=$(event_var "$TIT_TMP/dhca/events" new_ip_address)
[ "$again" = "$leaseA" ] || fail "client A got $again after the refused reload, had $leaseA"
cp "$TIT_TMP/server1/config.good" "$TIT_TMP/server1/config.json"
log "PASS"
