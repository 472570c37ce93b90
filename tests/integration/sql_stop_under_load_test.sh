#!/bin/bash
# tandemd on a SQL lease database stops cleanly under overload, PostgreSQL then MariaDB: with
# perfdhcp sending DISCOVERs from 50,000 new clients as fast as it can, every one of them makes
# tandemd look the client's lease up in the database (ClientLeaseLookup), so lookups are in
# flight when SIGTERM arrives. They must all be answered before the packet loop their answers
# wake is gone: an answer after that crashed tandemd (SIGSEGV at shutdown, seen by
# scripts/bench-pgsql.sh and bench-mysql.sh at every point). Checked: exit status 0, the log's
# DHCP4_SHUTDOWN, and that lookups did happen (pkt4-lease-db-lookup > 0).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pgsql_lib.sh"
. "$(dirname "$0")/mysql_lib.sh"
TIT_ID="h-sq-$$"
TIT_BUDGET=200
tit_init
tit_require perfdhcp socat jq
tit_server_bin
[ "$TIT_SERVER_KIND" = tandemd ] || skip "this test drives tandemd itself"

tit_switch
tit_host srv 02:00:c6:12:00:01 198.18.0.1/24
tit_host perf 02:00:c6:12:00:70 198.18.0.20/24

# overload_then_stop <name> <stat fn>: the server in $TIT_TMP/<name> is running as $PID.
overload_then_stop() {
  local name=$1 statfn=$2 perf looked
  tit_bg "$TIT_TMP/$name-perf.txt" timeout 20 ip netns exec "$TIT_ID-perf" perfdhcp -4 -l eth0 -R 50000 -p 6
  perf=$TIT_LAST_PID
  sleep 2.5
  looked=$($statfn "$name" pkt4-lease-db-lookup)
  log "$name: lookups so far: $looked"
  check "$name: tandemd looked clients up in the database ($looked)" [ "${looked:-0}" -gt 0 ]
  tit_stop "$PID" TERM 20
  check "$name: tandemd stopped under load with exit status 0 ($TIT_STOP_RC)" [ "$TIT_STOP_RC" = 0 ]
  check "$name: and logged its shutdown" grep -q DHCP4_SHUTDOWN "$TIT_TMP/$name/server.log"
  tit_stop "$perf" TERM 10
}

pg_init
pg_server_conf "$TIT_TMP/tpg"
tit_server_start tpg "$TIT_ID-srv" "$TIT_TMP/tpg/dhcp4.json"
PID=$TIT_SERVER_PID
overload_then_stop tpg sql_stat
pg_stop

my_init
my_server_conf "$TIT_TMP/tmy"
tit_server_start tmy "$TIT_ID-srv" "$TIT_TMP/tmy/dhcp4.json"
PID=$TIT_SERVER_PID
overload_then_stop tmy sql_stat
log "PASS"
