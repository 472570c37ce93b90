#!/bin/bash
# SQL lease backend faults (issue 13), against a private database (sql_lib.sh), one scenario
# for both backends: `sql_faults.sh pgsql` (ctest pgsql_faults_test), `sql_faults.sh mysql`
# (mysql_faults_test).
#  1. the database taken away under a bounded perfdhcp load (PostgreSQL stopped, `pg_ctl stop
#     -m fast`; mariadbd SIGKILLed, a crash): while it is away tandemd sends no DHCPACK
#     (pkt4-ack-sent does not move, lease-changing queries are dropped and counted),
#     status-get shows the backend reconnecting; the database starts again (InnoDB crash
#     recovery for MariaDB), tandemd reconnects (max-reconnect-tries, reconnect-wait-time) and
#     serves again; every lease it holds is a row, and every address it ACKed (captured on the
#     wire) has its row, the same client's;
#  2. on-fail stop-retry-exit with few tries: the database stays away (crashed), tandemd exits
#     with 1.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sql_lib.sh"
sql_backend "${1:-}"
TIT_NAME="${DB_KIND}_faults_test"
TIT_ID="h-$DB_SHORT-$$"
TIT_BUDGET=200
tit_init
tit_require perfdhcp socat jq tcpdump
[ -x /usr/bin/python3 ] || skip "python3 missing"
tit_server_bin
[ "$TIT_SERVER_KIND" = tandemd ] || skip "tandemd's $DB_LABEL backend"
db_init

tit_switch
tit_host srv 02:00:c6:12:00:01 198.18.0.1/24
tit_host perf 02:00:c6:12:00:70 198.18.0.5/24
SRV="$TIT_ID-srv"

ctl() { sql_ctl_cmd "$@"; }
stat() { sql_stat "$@"; }
backend() { ctl "$1" '{"command":"status-get"}' | jq -r ".arguments[\"lease-database\"].$2"; }
state_is() { [ "$(backend "$1" state)" = "$2" ]; }
# load <seconds> <log>: perfdhcp at 40 exchanges/s over 200 clients, bounded.
load() {
  tit_bg "$2" timeout $(($1 + 10)) ip netns exec "$TIT_ID-perf" perfdhcp -4 -l eth0 -R 200 -r 40 -p "$1"
}

# ---- 1. the database away and back under load ------------------------------------------------------
db_server_conf "$TIT_TMP/a" '"max-reconnect-tries": 60, "reconnect-wait-time": 250, "on-fail": "stop-retry-exit"'
tit_server_start a "$SRV" "$TIT_TMP/a/dhcp4.json"
A=$TIT_SERVER_PID
wait_for 10 "control socket" test -S "$TIT_TMP/a/ctrl.sock" || fail "no control socket"
tit_bg "$TIT_TMP/tcpdump.log" ip netns exec "$TIT_ID-perf" tcpdump -i eth0 -n -U -w "$TIT_TMP/acks.pcap" udp port 67 or udp port 68
CAP=$TIT_LAST_PID
sleep 1
load 14 "$TIT_TMP/perf1.txt"
PERF=$TIT_LAST_PID
sleep 3
ACK0=$(stat a pkt4-ack-sent)
check "acks before the outage ($ACK0)" [ "$ACK0" -gt 20 ]
case $DB_KIND in
  pgsql) db_stop ;;   # a clean restart
  mysql) db_crash ;;  # a crash: InnoDB recovers at the next start
esac
log "database stopped"
wait_for 5 "backend reconnecting" state_is a reconnecting || fail "status-get never showed the backend reconnecting"
sleep 0.5   # ACKs committed just before the stop have left by now
ACK1=$(stat a pkt4-ack-sent)
sleep 3
ACK2=$(stat a pkt4-ack-sent)
SHED=$(stat a pkt4-lease-file-fail-drop)
log "during the outage: pkt4-ack-sent $ACK1 -> $ACK2, lease-changing queries dropped: $SHED"
check "no DHCPACK while the database is away" [ "$ACK1" = "$ACK2" ]
check "queries were dropped while it was away" [ "$SHED" -gt 0 ]
check "statistic lease-database-connected is 0" [ "$(stat a lease-database-connected)" = 0 ]
db_start
log "database started again"
wait_for 15 "backend connected" state_is a connected || fail "tandemd did not reconnect"
sleep 2
ACK3=$(stat a pkt4-ack-sent)
check "serving again after the reconnect ($ACK2 -> $ACK3)" [ "$ACK3" -gt "$ACK2" ]
tit_stop "$PERF" TERM 30
sleep 1
tit_stop "$CAP" INT 5
check "reconnect logged" grep -q DHCP4_DB_RECONNECT_SUCCEEDED "$TIT_TMP/a/server.log"
check "loss logged" grep -q DHCP4_DB_RECONNECT_LOST_CONNECTION "$TIT_TMP/a/server.log"
log "status-get: $(ctl a '{"command":"status-get"}' | jq -c '.arguments["lease-database"]')"
check "a connection loss and a reconnect counted" [ "$(backend a '"connection-losses"')" -ge 1 ] && [ "$(backend a reconnects)" -ge 1 ]
ROWS=$(db_sql "SELECT count(*) FROM lease4")
MEM=$(ctl a '{"command":"lease4-get-all"}' | jq '.arguments.leases | length')
check "every lease tandemd holds is a row ($MEM in memory, $ROWS rows)" [ "$ROWS" = "$MEM" ]
db_sql "SELECT address, $(db_hex hwaddr) FROM lease4" >"$TIT_TMP/rows.txt"
# Every DHCPACK on the wire: no address ACKed to two clients, and each ACKed address's row
# (it must exist) belongs to the client that got it (scripts/dhcp-ack-audit.py).
/usr/bin/python3 "${TANDEM_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}/scripts/dhcp-ack-audit.py" "$TIT_TMP/acks.pcap" "$TIT_TMP/rows.txt" ||
  fail "an ACKed lease is missing from the database or is another client's (see above)"
check "tandemd kept running" kill -0 "$A"
tit_stop "$A" TERM 10

# ---- 2. stop-retry-exit ------------------------------------------------------------------------
db_server_conf "$TIT_TMP/b" '"max-reconnect-tries": 2, "reconnect-wait-time": 300, "on-fail": "stop-retry-exit"'
tit_server_start b "$SRV" "$TIT_TMP/b/dhcp4.json"
B=$TIT_SERVER_PID
load 8 "$TIT_TMP/perf2.txt"
PERF=$TIT_LAST_PID
sleep 2
db_crash
exited() { ! kill -0 "$B" 2>/dev/null; }
wait_for 15 "tandemd to give up on the database" exited || fail "tandemd still running after max-reconnect-tries"
wait "$B" 2>/dev/null
RC=$?
check "exit code 1 (stop-retry-exit), got $RC" [ "$RC" = 1 ]
check "DHCP4_DB_RECONNECT_FAILED logged" grep -q DHCP4_DB_RECONNECT_FAILED "$TIT_TMP/b/server.log"
tit_stop "$PERF" TERM 30
log "PASS"
