#!/bin/bash
# Two tandemd peers in load-balancing over mutual TLS, in network namespaces on a bridge:
#  1. both reach load-balancing;
#  2. a client's lease (perfdhcp DORA) is on both peers (lease4-get over the control socket);
#  2b. load balancing really splits: 150 exchanges from up to 1000 random clients; each peer
#     sent between 25% and 75% of the DHCPACKs (pkt4-ack-sent), leases exist with even (the
#     primary's pool-split share) and odd (the secondary's) addresses, every lease is on both
#     peers, and no address is held by two clients;
#  3. kill -9 the primary: the secondary reaches partner-down within 5 s and serves a new
#     client (heartbeat-delay 1 s, max-response-delay 3 s, max-unacked-clients 0);
#  4. restart the primary: both return to load-balancing, no lease lost.
# Namespaces: ths-<pid>-{sw,s1,s2,c}; addresses 198.18.0.0/24. Exit 77 = skipped.
set -u -o pipefail
TANDEMD=${TANDEMD:-${TANDEM_BUILD:-/work/main/build-hakea}/dhcpd/tandemd}
SRC=${TANDEM_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
ID="ths-$$"
NS=("$ID-sw" "$ID-s1" "$ID-s2" "$ID-c")
TMP=$(mktemp -d /tmp/ths-ha-pair.XXXXXX)
PIDS=()
log() { printf '[%s ha_pair] %s\n' "$(date +%T.%3N)" "$*" >&2; }
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null; done
  wait 2>/dev/null
  for n in "${NS[@]}"; do ip netns del "$n" 2>/dev/null; done
  if [ $rc -ne 0 ]; then
    for f in "$TMP"/s1/tandemd.log "$TMP"/s2/tandemd.log; do [ -f "$f" ] && { echo "---- $f" >&2; tail -n 30 "$f" >&2; }; done
  fi
  [ "${THS_KEEP:-0}" = 1 ] || rm -rf "$TMP"
  exit $rc
}
trap cleanup EXIT INT TERM
fail() { log "FAIL: $*"; exit 1; }
[ "$(id -u)" = 0 ] || { log "SKIP: needs root"; exit 77; }
[ -x "$TANDEMD" ] || { log "SKIP: no tandemd at $TANDEMD"; exit 77; }
command -v perfdhcp >/dev/null && command -v socat >/dev/null && command -v jq >/dev/null ||
  { log "SKIP: needs perfdhcp, socat and jq"; exit 77; }

for n in "${NS[@]}"; do ip netns add "$n" || fail "netns add $n"; done
ip -n "$ID-sw" link add br0 type bridge && ip -n "$ID-sw" link set br0 up
i=0
for h in s1 s2 c; do
  i=$((i + 1))
  ip link add "ths$$p$i" type veth peer name eth0 netns "$ID-$h" || fail veth
  ip link set "ths$$p$i" netns "$ID-sw"
  ip -n "$ID-sw" link set "ths$$p$i" master br0 up
  ip -n "$ID-$h" link set lo up
  ip -n "$ID-$h" link set eth0 up
done
ip -n "$ID-s1" addr add 198.18.0.1/22 dev eth0
ip -n "$ID-s2" addr add 198.18.0.2/22 dev eth0
ip -n "$ID-c" addr add 198.18.0.100/22 dev eth0

bash "$SRC/config-examples/mkcerts.sh" "$TMP/certs" server1=198.18.0.1 server2=198.18.0.2 >/dev/null || fail mkcerts

mkconf() {  # name
  local me=$1
  mkdir -p "$TMP/$me"
  cat > "$TMP/$me/tandem.json" <<EOC
{"Dhcp4": {
  "interfaces-config": {"interfaces": ["eth0"], "dhcp-socket-type": "raw"},
  "control-socket": {"socket-type": "unix", "socket-name": "$TMP/$me/ctrl.sock"},
  "lease-database": {"type": "memfile", "persist": true, "name": "$TMP/$me/leases4.csv", "lfc-interval": 0},
  "valid-lifetime": 4000, "renew-timer": 1000, "rebind-timer": 2000,
  "hooks-libraries": [
    {"library": "libdhcp_lease_cmds.so"},
    {"library": "libdhcp_ha.so", "parameters": {"high-availability": [{
      "this-server-name": "$me", "mode": "load-balancing",
      "heartbeat-delay": 1000, "max-response-delay": 3000, "max-ack-delay": 1000,
      "max-unacked-clients": 0,
      "trust-anchor": "$TMP/certs/ca.pem", "require-client-certs": true,
      "peers": [
        {"name": "server1", "url": "https://198.18.0.1:8001/", "role": "primary",
         "cert-file": "$TMP/certs/server1.pem", "key-file": "$TMP/certs/server1.key"},
        {"name": "server2", "url": "https://198.18.0.2:8001/", "role": "secondary",
         "cert-file": "$TMP/certs/server2.pem", "key-file": "$TMP/certs/server2.key"}]}]}}],
  "subnet4": [{"id": 1, "subnet": "198.18.0.0/22", "pools": [{"pool": "198.18.1.0 - 198.18.3.250"}]}],
  "loggers": [{"name": "kea-dhcp4", "output_options": [{"output": "$TMP/$me/tandemd.log"}], "severity": "INFO"}]
}}
EOC
}
mkconf server1
mkconf server2
"$TANDEMD" -t "$TMP/server1/tandem.json" >/dev/null || fail "tandemd -t rejects the HA config"
mkdir -p "$TMP/s1" "$TMP/s2"

start() {  # ns-suffix name
  ip netns exec "$ID-$1" "$TANDEMD" -c "$TMP/$2/tandem.json" >>"$TMP/$1/stdout.log" 2>&1 &
  PIDS+=($!)
  eval "PID_$1=$!"
}
ctl() {  # name json
  echo "$2" | timeout 5 socat - "UNIX-CONNECT:$TMP/$1/ctrl.sock" 2>/dev/null
}
state_of() {  # jq, not python: a poll must cost milliseconds, not the failover's resolution
  ctl "$1" '{"command":"status-get"}' | jq -r '.arguments."high-availability"[0]."ha-servers".local.state // "none"' 2>/dev/null ||
    echo none
}
wait_state() {  # name state timeout_s
  local end=$((SECONDS + $3)) s
  while [ $SECONDS -lt $end ]; do
    s=$(state_of "$1"); [ "$s" = "$2" ] && return 0; sleep 0.2
  done
  log "$1 is '$(state_of "$1")', expected $2"
  return 1
}
lease_on() {  # name ip -> exit 0 if present
  ctl "$1" "{\"command\":\"lease4-get\",\"arguments\":{\"ip-address\":\"$2\"}}" | grep -q '"result": *0'
}
# -W: perfdhcp stops at once when -n is reached and counts the exchange still in flight as a
# drop unless told to wait for the last answers (the "1 of 4 dropped" of earlier runs).
# perfdhcp sends option 61 = 01+MAC, so that is what the peers hash (see scope_filter_test).
dora() {  # base-mac count
  ip netns exec "$ID-c" timeout 20 perfdhcp -4 -l eth0 -r 10 -n "$2" -R "$2" -b "mac=$1" -p 8 -W 1000000 \
    2>&1 | tee -a "$TMP/perfdhcp.log" >/dev/null
}

start s1 server1
start s2 server2
# The HA loggers write to the file in the config; a ctl/ls wait for the sockets.
wait_state server1 load-balancing 20 || fail "server1 did not reach load-balancing"
wait_state server2 load-balancing 20 || fail "server2 did not reach load-balancing"
log "ok: both peers in load-balancing"

dora 02:00:00:00:00:00 4
leases1=$(ctl server1 '{"command":"lease4-get-all"}' | python3 -c 'import json,sys; print(" ".join(l["ip-address"] for l in json.load(sys.stdin).get("arguments",{}).get("leases",[])))')
[ -n "$leases1" ] || fail "no lease on server1 after perfdhcp"
for a in $leases1; do
  lease_on server2 "$a" || fail "lease $a of server1 is not on server2"
done
leases2=$(ctl server2 '{"command":"lease4-get-all"}' | python3 -c 'import json,sys; print(" ".join(l["ip-address"] for l in json.load(sys.stdin).get("arguments",{}).get("leases",[])))')
[ "$(echo "$leases1" | tr ' ' '\n' | sort)" = "$(echo "$leases2" | tr ' ' '\n' | sort)" ] || fail "stores differ: [$leases1] vs [$leases2]"
log "ok: leases on both peers: $leases1"

acks() {  # name -> pkt4-ack-sent
  ctl "$1" '{"command":"statistic-get","arguments":{"name":"pkt4-ack-sent"}}' | python3 -c 'import json,sys
try: print(json.load(sys.stdin)["arguments"]["pkt4-ack-sent"][0][0])
except Exception: print(-1)'
}
a1=$(acks server1); a2=$(acks server2)
ip netns exec "$ID-c" timeout 30 perfdhcp -4 -l eth0 -r 50 -n 150 -R 1000 -b mac=02:10:00:00:00:00 -p 20 -W 2000000 \
  >>"$TMP/perfdhcp.log" 2>&1
d1=$(( $(acks server1) - a1 )); d2=$(( $(acks server2) - a2 ))
[ $((d1 + d2)) -ge 147 ] || fail "only $((d1 + d2)) DHCPACKs for 150 exchanges (server1 $d1, server2 $d2)"
[ $((d1 * 4)) -ge $((d1 + d2)) ] && [ $((d2 * 4)) -ge $((d1 + d2)) ] ||
  fail "load not split: server1 sent $d1 DHCPACKs, server2 $d2"
all_of() {  # name -> "ip hw" lines, sorted
  ctl "$1" '{"command":"lease4-get-all"}' | python3 -c 'import json,sys
for l in json.load(sys.stdin)["arguments"]["leases"]: print(l["ip-address"], l["hw-address"])' | sort
}
# Polled, not read once: only a DHCPACK waits for the partner's acknowledgement, and perfdhcp
# gives up on an exchange after its exit-wait (the drops allowed above), so an update for a
# lease committed late may still be on its way when perfdhcp exits (ha_kea_mixed_test.sh,
# stores_agree). 15 s exceeds the 10 s peer request timeout: by then it landed or failed.
end=$((SECONDS + 15))
while :; do
  all1=$(all_of server1); all2=$(all_of server2)
  [ "$all1" = "$all2" ] || [ $SECONDS -ge $end ] && break
  sleep 0.2
done
[ "$all1" = "$all2" ] || fail "lease stores differ after the load-balancing run: $(diff <(echo "$all1") <(echo "$all2") | head -5 | tr '\n' ' ')"
even=$(echo "$all1" | awk '{split($1, o, "."); if (o[4] % 2 == 0) n++} END {print n + 0}')
odd=$(echo "$all1" | awk '{split($1, o, "."); if (o[4] % 2 == 1) n++} END {print n + 0}')
[ "$even" -gt 0 ] && [ "$odd" -gt 0 ] || fail "leases only in one share: $even even, $odd odd"
dup=$(echo "$all1" | awk '{print $1}' | uniq -d | head -3)
[ -z "$dup" ] || fail "addresses held twice: $dup"
log "ok: load balanced: DHCPACKs server1 $d1, server2 $d2; $even even + $odd odd leases, identical on both peers"
# Two tandemd peers replicate with batched updates (tandem-lease4-bulk-apply), not one
# lease4-update per lease: both announced it, and the leases above travelled that way.
for s in server1 server2; do
  b=$(ctl "$s" '{"command":"status-get"}' | jq -c '(if type == "array" then .[0] else . end) |
      .arguments."high-availability"[0]."ha-servers".local."bulk-apply"')
  echo "$b" | jq -e '.requests > 0 and .leases > 0 and ([.peers[]] | all)' >/dev/null ||
    fail "$s did not send batched lease updates: $b; status: $(ctl "$s" '{"command":"status-get"}' | head -c 3000)"
  log "ok: $s batched lease updates: $b"
done

kill -KILL "$PID_s1"
t0=$(date +%s.%N)
wait_state server2 partner-down 10 || fail "server2 did not reach partner-down"
t1=$(date +%s.%N)
# The survivor's log dates the transition; the polling above only bounds it.
line=$(grep -m1 'HA_STATE_TRANSITION.*to PARTNER-DOWN' "$TMP/server2/tandemd.log") &&
  t1=$(date -d "$(echo "$line" | cut -c1-23)" +%s.%N)
log "ok: server2 in partner-down $(python3 -c "print(round($t1-$t0,2))") s after kill -9"
# A new client served by the survivor (any scope).
before=$(ctl server2 '{"command":"lease4-get-all"}' | grep -o '"ip-address"' | wc -l)
dora 02:00:00:00:01:00 2
after=$(ctl server2 '{"command":"lease4-get-all"}' | grep -o '"ip-address"' | wc -l)
t2=$(date +%s.%N)
[ "$after" -gt "$before" ] || fail "survivor did not serve new clients ($before -> $after leases)"
log "ok: survivor served new clients ($before -> $after leases); $(python3 -c "print(round($t2-$t0,2))") s from kill to served"

start s1 server1
wait_state server1 load-balancing 30 || fail "restarted server1 did not return to load-balancing"
wait_state server2 load-balancing 30 || fail "server2 did not return to load-balancing"
for a in $leases1; do
  lease_on server1 "$a" || fail "lease $a lost on server1 after restart"
  lease_on server2 "$a" || fail "lease $a lost on server2"
done
n1=$(ctl server1 '{"command":"lease4-get-all"}' | grep -o '"ip-address"' | wc -l)
[ "$n1" -ge "$after" ] || fail "server1 has $n1 leases after resync, server2 had $after"
log "ok: pair back in load-balancing, no lease lost ($n1 leases on server1)"
log "PASS"
