#!/bin/bash
# MySQL/MariaDB lease backend faults (issue 13), against a private MariaDB (mysql_lib.sh):
#  1. the database killed (SIGKILL: a crash) and started again under a bounded perfdhcp load:
#     while it is away tandemd sends no DHCPACK (pkt4-ack-sent does not move, lease-changing
#     queries are dropped and counted), status-get shows the backend reconnecting; it
#     reconnects (max-reconnect-tries, reconnect-wait-time) and serves again; every lease it
#     holds is a row, and every address ACKed on the wire after the crash has its row (no
#     ACK for a lease that was not committed);
#  2. on-fail stop-retry-exit with few tries: the database stays away, tandemd exits with 1;
#  3. on-fail serve-retry-continue: past max-reconnect-tries tandemd keeps trying and resumes
#     when the database is back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mysql_lib.sh"
TIT_ID="h-my-$$"
TIT_BUDGET=240
tit_init
tit_require perfdhcp socat jq tcpdump
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import scapy' 2>/dev/null || skip "python3-scapy missing"
tit_server_bin
[ "$TIT_SERVER_KIND" = tandemd ] || skip "tandemd's MySQL backend"
my_init

tit_switch
tit_host srv 02:00:c6:12:00:01 198.18.0.1/24
tit_host perf 02:00:c6:12:00:70 198.18.0.5/24
SRV="$TIT_ID-srv"

ctl() { my_ctl_cmd "$@"; }
stat() { my_stat "$@"; }
backend() { ctl "$1" '{"command":"status-get"}' | jq -r ".arguments[\"lease-database\"].$2"; }
state_is() { [ "$(backend "$1" state)" = "$2" ]; }
# load <seconds> <log>: perfdhcp at 40 exchanges/s over 200 clients, bounded.
load() {
  tit_bg "$2" timeout $(($1 + 10)) ip netns exec "$TIT_ID-perf" perfdhcp -4 -l eth0 -R 200 -r 40 -p "$1"
}

# ---- 1. crash and restart under load -----------------------------------------------------------
my_server_conf "$TIT_TMP/a" '"max-reconnect-tries": 60, "reconnect-wait-time": 250, "on-fail": "stop-retry-exit"'
tit_server_start a "$SRV" "$TIT_TMP/a/dhcp4.json"
A=$TIT_SERVER_PID
wait_for 10 "control socket" test -S "$TIT_TMP/a/ctrl.sock" || fail "no control socket"
tit_bg "$TIT_TMP/tcpdump.log" ip netns exec "$TIT_ID-perf" tcpdump -i eth0 -n -U -w "$TIT_TMP/acks.pcap" udp port 67 or udp port 68
CAP=$TIT_LAST_PID
load 16 "$TIT_TMP/perf1.txt"
PERF=$TIT_LAST_PID
sleep 3
ACK0=$(stat a pkt4-ack-sent)
check "acks before the outage ($ACK0)" [ "$ACK0" -gt 20 ]
my_kill KILL
log "database killed"
wait_for 10 "backend reconnecting" state_is a reconnecting || fail "status-get never showed the backend reconnecting"
sleep 0.5
ACK1=$(stat a pkt4-ack-sent)
sleep 3
ACK2=$(stat a pkt4-ack-sent)
SHED=$(stat a pkt4-lease-file-fail-drop)
log "during the outage: pkt4-ack-sent $ACK1 -> $ACK2, lease-changing queries dropped: $SHED"
check "no DHCPACK while the database is away" [ "$ACK1" = "$ACK2" ]
check "queries were dropped while it was away" [ "$SHED" -gt 0 ]
check "statistic lease-database-connected is 0" [ "$(stat a lease-database-connected)" = 0 ]
my_start
log "database started again (crash recovery)"
wait_for 20 "backend connected" state_is a connected || fail "tandemd did not reconnect"
sleep 2
ACK3=$(stat a pkt4-ack-sent)
check "serving again after the reconnect ($ACK2 -> $ACK3)" [ "$ACK3" -gt "$ACK2" ]
tit_stop "$PERF" TERM 30
sleep 0.5
tit_stop "$CAP" INT 5
check "reconnect logged" grep -q DHCP4_DB_RECONNECT_SUCCEEDED "$TIT_TMP/a/server.log"
check "loss logged" grep -q DHCP4_DB_RECONNECT_LOST_CONNECTION "$TIT_TMP/a/server.log"
log "status-get: $(ctl a '{"command":"status-get"}' | jq -c '.arguments["lease-database"]')"
check "a connection loss and a reconnect counted" [ "$(backend a '"connection-losses"')" -ge 1 ] && [ "$(backend a reconnects)" -ge 1 ]
ROWS=$(my_sql "SELECT count(*) FROM lease4")
MEM=$(ctl a '{"command":"lease4-get-all"}' | jq '.arguments.leases | length')
check "every lease tandemd holds is a row ($MEM in memory, $ROWS rows)" [ "$ROWS" = "$MEM" ]
# Every DHCPACK on the wire names an address whose row (after crash recovery) is that client's:
# an ACK for a lease the crash lost would show as a missing or foreign row.
my_sql "SELECT address, HEX(hwaddr) FROM lease4" >"$TIT_TMP/rows.txt"
/usr/bin/python3 - "$TIT_TMP/acks.pcap" "$TIT_TMP/rows.txt" <<'PY' || fail "an ACKed lease is not in the database (see above)"
import sys, ipaddress
from scapy.all import rdpcap, BOOTP, DHCP
last = {}
acks = 0
for p in rdpcap(sys.argv[1]):
    if not p.haslayer(DHCP):
        continue
    opts = dict(o for o in p[DHCP].options if isinstance(o, tuple) and len(o) == 2)
    if opts.get("message-type") != 5:
        continue
    acks += 1
    last[p[BOOTP].yiaddr] = p[BOOTP].chaddr[:6].hex()
rows = {}
for line in open(sys.argv[2]):
    parts = line.split()
    if len(parts) == 2:
        rows[str(ipaddress.IPv4Address(int(parts[0])))] = parts[1].lower()
missing = {ip: mac for ip, mac in last.items() if rows.get(ip) != mac}
print(f"{acks} DHCPACKs for {len(last)} addresses; {len(rows)} rows; ACKed without their row: {len(missing)}")
for ip, mac in list(missing.items())[:10]:
    print("  ", ip, mac, "row:", rows.get(ip))
sys.exit(1 if missing or acks == 0 else 0)
PY
check "tandemd kept running" kill -0 "$A"
tit_stop "$A" TERM 10

# ---- 2. stop-retry-exit ------------------------------------------------------------------------
my_server_conf "$TIT_TMP/b" '"max-reconnect-tries": 2, "reconnect-wait-time": 300, "on-fail": "stop-retry-exit"'
tit_server_start b "$SRV" "$TIT_TMP/b/dhcp4.json"
B=$TIT_SERVER_PID
load 10 "$TIT_TMP/perf2.txt"
PERF=$TIT_LAST_PID
sleep 2
my_kill KILL
exited() { ! kill -0 "$B" 2>/dev/null; }
wait_for 15 "tandemd to give up on the database" exited || fail "tandemd still running after max-reconnect-tries"
wait "$B" 2>/dev/null
RC=$?
check "exit code 1 (stop-retry-exit), got $RC" [ "$RC" = 1 ]
check "DHCP4_DB_RECONNECT_FAILED logged" grep -q DHCP4_DB_RECONNECT_FAILED "$TIT_TMP/b/server.log"
tit_stop "$PERF" TERM 30

# ---- 3. serve-retry-continue -------------------------------------------------------------------
my_start
my_server_conf "$TIT_TMP/c" '"max-reconnect-tries": 2, "reconnect-wait-time": 200, "on-fail": "serve-retry-continue"'
tit_server_start c "$SRV" "$TIT_TMP/c/dhcp4.json"
C=$TIT_SERVER_PID
load 14 "$TIT_TMP/perf3.txt"
PERF=$TIT_LAST_PID
sleep 2
my_kill TERM
wait_for 10 "backend failed" state_is c failed || fail "the backend never reached failed"
sleep 1
check "serve-retry-continue: still running past max-reconnect-tries" kill -0 "$C"
my_start
wait_for 20 "backend connected" state_is c connected || fail "tandemd did not reconnect (serve-retry-continue)"
A4=$(stat c pkt4-ack-sent)
sleep 2
check "serving again ($A4 -> $(stat c pkt4-ack-sent))" [ "$(stat c pkt4-ack-sent)" -gt "$A4" ]
tit_stop "$PERF" TERM 30
tit_stop "$C" TERM 10
log "PASS"
