#!/bin/bash
# Statistics and log message ids as Kea 2.2 has them, for one fixed exchange
# (scripts/dhcp-stats-exchange.py: DORAs in two subnets, a renewal, a RELEASE, a DECLINE, a
# NAK, an INFORM) sent through a relay. The server's statistic-get-all right after start-up
# and after the exchange, and the ids of the messages it logged, are compared with what the
# real kea-dhcp4 2.2 did for the same exchange (tests/data/kea-stats/, captured by running
# this script with DHCP_SERVER_BIN=/usr/sbin/kea-dhcp4 KEA_STATS_CAPTURE=1).
# Timestamps differ by nature; names, values and sample counts must match.
. "$(dirname "$0")/lib.sh"
tit_init
tit_require jq socat
tit_server_bin
SRC="${TANDEM_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}"
FIX="${KEA_STATS_CAPTURE_DIR:-$SRC/tests/data/kea-stats}"
PY=/usr/bin/python3
"$PY" -c 'import scapy.layers.dhcp' 2>/dev/null || skip "python3-scapy missing"

tit_switch
tit_host srv 02:00:c6:12:5c:01 198.18.0.1/24
tit_host relay 02:00:c6:12:5c:02 198.18.0.2/24
SRV="$TIT_ID-srv" RELAY="$TIT_ID-relay"
for a in 198.19.1.1 198.19.2.1; do nsx "$RELAY" ip addr add "$a/32" dev lo; done
nsx "$SRV" ip route add 198.19.0.0/16 via 198.18.0.2

cat >"$TIT_TMP/dhcp4.json" <<'EOF'
{
  "Dhcp4": {
    "interfaces-config": { "interfaces": [ "eth0" ], "dhcp-socket-type": "udp" },
    "control-socket": { "socket-type": "unix", "socket-name": "ctrl.sock" },
    "lease-database": { "type": "memfile", "persist": true, "name": "leases4.csv", "lfc-interval": 0 },
    "valid-lifetime": 600,
    "subnet4": [
      { "id": 1, "subnet": "198.19.1.0/24",
        "pools": [ { "pool": "198.19.1.100 - 198.19.1.109" }, { "pool": "198.19.1.200 - 198.19.1.204" } ] },
      { "id": 2, "subnet": "198.19.2.0/24", "pools": [ { "pool": "198.19.2.100 - 198.19.2.100" } ] }
    ],
    "loggers": [ { "name": "kea-dhcp4", "output_options": [ { "output": "server-debug.log" } ],
                   "severity": "DEBUG", "debuglevel": DEBUGLEVEL } ]
  }
}
EOF
sed -i "s/DEBUGLEVEL/${STATS_LOG_DEBUGLEVEL:-99}/" "$TIT_TMP/dhcp4.json"
tit_server_start srv "$SRV" "$TIT_TMP/dhcp4.json"
SOCK="$TIT_SERVER_DIR/ctrl.sock"
wait_for 10 "control socket" test -S "$SOCK" || fail "no control socket"

cmd() { printf '%s' "$1" | timeout 5 socat - "UNIX-CONNECT:$SOCK"; }
# Names -> [value, number of samples], timestamps left out. Left out too: the per-pool
# statistics (subnet[N].pool[M].*), which Kea has only from 2.3 on and tandemd keeps as well.
norm() {
  jq -S '.arguments | with_entries(select(.key | test("\\.pool\\[") | not))
         | with_entries(.value = [.value[0][0], (.value | length)])'
}

cmd '{"command":"statistic-get-all"}' >"$TIT_TMP/start.json" || fail "statistic-get-all"
out=$(timeout 30 ip netns exec "$RELAY" "$PY" "$SRC/scripts/dhcp-stats-exchange.py" --server 198.18.0.1 \
  --giaddr-a 198.19.1.1 --giaddr-b 198.19.2.1) || fail "exchange: $out"
log "exchange: $out"
sleep 0.5
cmd '{"command":"statistic-get-all"}' >"$TIT_TMP/after.json" || fail "statistic-get-all"
# Kea recounts the address statistics from the lease database on reconfiguration.
cmd '{"command":"config-reload"}' >"$TIT_TMP/reload.out" || fail "config-reload"
check "config-reload succeeded" [ "$(jq -r .result "$TIT_TMP/reload.out")" = 0 ]
cmd '{"command":"statistic-get-all"}' >"$TIT_TMP/reload.json" || fail "statistic-get-all"
# Kea's per-packet log ids (packets, leases, options, bad-packets), in order.
ids() { sed -n 's/^[0-9-]* [0-9:.]* *[A-Z]* \[kea-dhcp4\.\([a-z0-9-]*\)\/[0-9]*\.[^]]*\] \([A-Z0-9_]*\) .*/\1 \2/p' "$1"; }

if [ "${KEA_STATS_CAPTURE:-0}" = 1 ]; then
  [ "$TIT_SERVER_KIND" = kea ] || fail "capture only from Kea"
  mkdir -p "$FIX"
  jq -S . "$TIT_TMP/start.json" >"$FIX/statistic-get-all.start.json"
  jq -S . "$TIT_TMP/after.json" >"$FIX/statistic-get-all.after.json"
  jq -S . "$TIT_TMP/reload.json" >"$FIX/statistic-get-all.reload.json"
  echo "$out" | jq -S . >"$FIX/exchange.json"
  cp "$TIT_SERVER_DIR/server-debug.log" "$FIX/kea-dhcp4-debug.log"
  log "captured into $FIX"
  exit 0
fi

check "same replies as Kea" [ "$(echo "$out" | jq -c .steps)" = "$(jq -c .steps "$FIX/exchange.json")" ]
diff <(norm <"$FIX/statistic-get-all.start.json") <(norm <"$TIT_TMP/start.json") >"$TIT_TMP/start.diff"
check "statistics after start-up as Kea's (diff: $(head -c 600 "$TIT_TMP/start.diff"))" [ ! -s "$TIT_TMP/start.diff" ]
diff <(norm <"$FIX/statistic-get-all.after.json") <(norm <"$TIT_TMP/after.json") >"$TIT_TMP/after.diff"
check "statistics after the exchange as Kea's (diff: $(head -c 600 "$TIT_TMP/after.diff"))" [ ! -s "$TIT_TMP/after.diff" ]
diff <(norm <"$FIX/statistic-get-all.reload.json") <(norm <"$TIT_TMP/reload.json") >"$TIT_TMP/reload.diff"
check "statistics after config-reload as Kea's (diff: $(head -c 600 "$TIT_TMP/reload.diff"))" [ ! -s "$TIT_TMP/reload.diff" ]
grep -E '^(packets|leases|bad-packets|ha-hooks) ' <(ids "$FIX/kea-dhcp4-debug.log") >"$TIT_TMP/kea-ids"
grep -E '^(packets|leases|bad-packets|ha-hooks) ' <(ids "$TIT_SERVER_DIR/server-debug.log") >"$TIT_TMP/our-ids"
diff "$TIT_TMP/kea-ids" "$TIT_TMP/our-ids" >"$TIT_TMP/ids.diff"
check "the same log ids as Kea, in order (diff: $(head -c 800 "$TIT_TMP/ids.diff"))" [ ! -s "$TIT_TMP/ids.diff" ]
log "PASS"
