#!/bin/bash
# Several servers on one database (issue 13, Kea's shared-database model): two tandemd on the
# same segment and the same PostgreSQL, same pool, no HA between them, under a bounded
# perfdhcp load. Both answer every client from their own memory, so they offer the same
# addresses; the database's conditional writes decide, the loser drops its DHCPACK and learns
# the winner's row. Every DHCPACK on the wire is captured: no address may be ACKed to two
# clients, and every ACKed address's row belongs to the client that got it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pgsql_lib.sh"
TIT_ID="h-pg-$$"
TIT_BUDGET=200
tit_init
tit_require perfdhcp socat jq tcpdump
[ -x /usr/bin/python3 ] || skip "python3 missing"
tit_server_bin
[ "$TIT_SERVER_KIND" = tandemd ] || skip "tandemd's PostgreSQL backend"
pg_init

tit_switch
tit_host s1 02:00:c6:12:00:01 198.18.0.1/24
tit_host s2 02:00:c6:12:00:02 198.18.0.2/24
tit_host perf 02:00:c6:12:00:70 198.18.0.5/24

ctl() { pg_ctl_cmd "$@"; }
stat() { pg_stat "$@"; }

pg_server_conf "$TIT_TMP/s1"
pg_server_conf "$TIT_TMP/s2"
tit_server_start s1 "$TIT_ID-s1" "$TIT_TMP/s1/dhcp4.json"
S1=$TIT_SERVER_PID
tit_server_start s2 "$TIT_ID-s2" "$TIT_TMP/s2/dhcp4.json"
S2=$TIT_SERVER_PID

tit_bg "$TIT_TMP/tcpdump.log" ip netns exec "$TIT_ID-perf" tcpdump -i eth0 -n -U -w "$TIT_TMP/acks.pcap" udp port 67 or udp port 68
CAP=$TIT_LAST_PID
sleep 1
# 150 clients, 60 exchanges/s, 15 s, bounded.
timeout 40 ip netns exec "$TIT_ID-perf" perfdhcp -4 -l eth0 -R 150 -r 60 -p 15 >"$TIT_TMP/perf.txt" 2>&1
sleep 1
tit_stop "$CAP" INT 5

C1=$(stat s1 pkt4-lease-db-conflict-drop)
C2=$(stat s2 pkt4-lease-db-conflict-drop)
A1=$(stat s1 pkt4-ack-sent)
A2=$(stat s2 pkt4-ack-sent)
log "s1: $A1 ACKs, $C1 lost to s2; s2: $A2 ACKs, $C2 lost to s1"
check "both servers served" [ "$A1" -gt 0 ] && [ "$A2" -gt 0 ]
check "the database decided conflicts (some writes lost)" [ $((C1 + C2)) -gt 0 ]

pg_sql "SELECT address, encode(hwaddr,'hex') FROM lease4" >"$TIT_TMP/rows.txt"
/usr/bin/python3 "${TANDEM_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}/scripts/dhcp-ack-audit.py" "$TIT_TMP/acks.pcap" "$TIT_TMP/rows.txt" ||
  fail "an address was given to two clients, or an ACKed address's row is another client's (see above)"
log "PASS"
