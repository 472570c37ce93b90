#!/bin/bash
# PostgreSQL lease backend on Kea 2.2's schema, against a private PostgreSQL (pgsql_lib.sh) and
# the real kea-dhcp4 2.2 (built --with-pgsql) on the same database, both directions:
#  1. an unknown schema_version is refused at start-up with a clear error;
#  2. kea-dhcp4 serves a dhclient and writes its lease; tandemd starts on the database, has
#     loaded that lease (lease4-get) and the client renews the same address from tandemd;
#  3. tandemd serves a second dhclient and a bounded perfdhcp load: every ACKed address has
#     its row (hwaddr bytea, subnet, expire = now + valid-lifetime, state 0), lease4_stat
#     (kept by Kea's triggers) matches, stat-lease4-get agrees;
#  4. tandemd stops; kea-dhcp4 starts on the database and finds tandemd's leases (lease4-get
#     of the second client, its recounted subnet statistics match the rows).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pgsql_lib.sh"
TIT_ID="h-pg-$$"
TIT_BUDGET=200
tit_init
tit_require dhclient perfdhcp socat jq kea-dhcp4
tit_server_bin
[ "$TIT_SERVER_KIND" = tandemd ] || skip "this test drives tandemd and kea-dhcp4 itself"
TANDEM=$TIT_SERVER
HOOKS=/usr/lib/x86_64-linux-gnu/kea/hooks
[ -f "$HOOKS/libdhcp_lease_cmds.so" ] && [ -f "$HOOKS/libdhcp_stat_cmds.so" ] || skip "Kea's lease_cmds/stat_cmds hooks missing"
pg_init

tit_switch
tit_host srv 02:00:c6:12:00:01 198.18.0.1/24
tit_host c1 02:00:c6:12:00:61
tit_host c2 02:00:c6:12:00:62
tit_host perf 02:00:c6:12:00:70 198.18.0.20/24
SRV="$TIT_ID-srv"

# conf <dir> [lease-database extras]: one config for both servers (Kea's hook paths; tandemd has
# lease_cmds and stat_cmds built in).
conf() {
  mkdir -p "$1"
  cat >"$1/dhcp4.json" <<EOF2
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "eth0" ], "dhcp-socket-type": "raw" },
    "lease-database": $(pg_lease_db_json "${2:-$PG_DB}"),
    "control-socket": { "socket-type": "unix", "socket-name": "$1/ctrl.sock" },
    "hooks-libraries": [ { "library": "$HOOKS/libdhcp_lease_cmds.so" }, { "library": "$HOOKS/libdhcp_stat_cmds.so" } ],
    "valid-lifetime": 600, "renew-timer": 300, "rebind-timer": 500,
    "subnet4": [ { "id": 1, "subnet": "198.18.0.0/24", "pools": [ { "pool": "198.18.0.100 - 198.18.0.250" } ],
                   "option-data": [ { "name": "routers", "data": "198.18.0.1" } ] } ],
    "loggers": [ { "name": "kea-dhcp4", "output_options": [ { "output": "stdout" } ], "severity": "INFO" } ] } }
EOF2
}
# bound_ip <dir>: the address of the last complete BOUND event (the script writes it in pieces).
bound_ip() {
  local ip
  for _ in $(seq 50); do
    ip=$(event_var "$1/events" new_ip_address BOUND)
    [ -n "$ip" ] && { echo "$ip"; return 0; }
    sleep 0.1
  done
  return 1
}
ctl() { echo "$2" | timeout 10 socat -t 10 - "UNIX-CONNECT:$TIT_TMP/$1/ctrl.sock" 2>/dev/null; }
lease_get() { ctl "$1" "{\"command\":\"lease4-get\",\"arguments\":{\"ip-address\":\"$2\"}}"; }
# start <name> <binary>: a server in the srv namespace with $TIT_TMP/<name>/dhcp4.json.
start() {
  TIT_SERVER=$2
  tit_server_start "$1" "$SRV" "$TIT_TMP/$1/dhcp4.json"
  wait_for 10 "$1 control socket" test -S "$TIT_TMP/$1/ctrl.sock" || fail "$1 has no control socket"
}

# ---- 1. unknown schema version -----------------------------------------------------------
PGPASSWORD=pg-super-pw pg_psql_as postgres postgres -c "CREATE DATABASE kea_old OWNER $PG_USER" >/dev/null
kea-admin db-init pgsql -u "$PG_USER" -p "$PG_PASS" -n kea_old -h "$PG_SOCK" -P "$PG_PORT" >/dev/null 2>&1 ||
  fail "kea-admin db-init of kea_old"
PGPASSWORD=$PG_PASS pg_psql_as "$PG_USER" kea_old -c "UPDATE schema_version SET version = 12" >/dev/null
conf "$TIT_TMP/old" kea_old
( cd "$TIT_TMP/old" && timeout 20 ip netns exec "$SRV" "$TANDEM" -c dhcp4.json >"$TIT_TMP/old/server.log" 2>&1 )
rc=$?
check "tandemd refuses schema 12.0 (exit $rc)" [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]
check "the error names both versions" grep -q "expected version: 13.0, found version: 12.0" "$TIT_TMP/old/server.log"

# ---- 2. Kea writes, tandemd loads ----------------------------------------------------------
conf "$TIT_TMP/kea"
start kea /usr/sbin/kea-dhcp4
KEA_PID=$TIT_SERVER_PID
C1="$TIT_TMP/c1"
tit_dhclient_start "$C1" "$TIT_ID-c1"
D1=$TIT_LAST_PID
wait_event "$C1" BOUND 1 30 || fail "kea-dhcp4 gave c1 no lease"
IP1=$(bound_ip "$C1") || fail "no BOUND address for c1"
log "kea-dhcp4 gave c1 $IP1"
tit_stop "$D1" TERM 5   # dhclient keeps its lease file; SIGTERM sends no RELEASE
check "Kea's row for $IP1 is in lease4" [ "$(pg_sql "SELECT encode(hwaddr,'hex') FROM lease4 WHERE address = $(pg_ip "$IP1")")" = 0200c6120061 ]
tit_stop "$KEA_PID" TERM 10

conf "$TIT_TMP/tandem"
start tandem "$TANDEM"
TD_PID=$TIT_SERVER_PID
check "tandemd logged the load" grep -q "1 leases loaded from PostgreSQL database $PG_DB" "$TIT_TMP/tandem/server.log"
R=$(lease_get tandem "$IP1")
check "tandemd's lease4-get finds Kea's lease ($R)" [ "$(echo "$R" | jq -r '.arguments["hw-address"]')" = 02:00:c6:12:00:61 ]
tit_dhclient_start "$C1" "$TIT_ID-c1"
D1=$TIT_LAST_PID
# dhclient starts from its lease file: INIT-REBOOT (a REQUEST for its address), event REBOOT.
again() { [ "$(event_count "$C1/events" REBOOT)" -ge 1 ] || [ "$(event_count "$C1/events" BOUND)" -ge 2 ]; }
wait_for 30 "c1 bound again" again || fail "c1 got no lease from tandemd"
sleep 0.5   # the event's block is complete
NEWIP1=$(grep -E '^new_ip_address=' "$C1/events" | tail -n 1 | cut -d= -f2)
check "c1 keeps $IP1 from tandemd (got $NEWIP1)" [ "$NEWIP1" = "$IP1" ]

# ---- 3. tandemd writes ---------------------------------------------------------------------
C2="$TIT_TMP/c2"
tit_dhclient_start "$C2" "$TIT_ID-c2"
D2=$TIT_LAST_PID
wait_event "$C2" BOUND 1 30 || fail "tandemd gave c2 no lease"
IP2=$(bound_ip "$C2") || fail "no BOUND address for c2"
log "tandemd gave c2 $IP2"
ROW=$(pg_sql "SELECT encode(hwaddr,'hex'), subnet_id, valid_lifetime, state, extract(epoch from expire)::bigint - extract(epoch from now())::bigint, encode(client_id,'hex') FROM lease4 WHERE address = $(pg_ip "$IP2")")
log "row of $IP2: $ROW"
IFS='|' read -r HW SID VL ST LEFT CID <<<"$ROW"
check "row hwaddr" [ "$HW" = 0200c6120062 ]
check "row subnet_id" [ "$SID" = 1 ]
check "row valid_lifetime" [ "$VL" = 600 ]
check "row state default" [ "$ST" = 0 ]
check "row expire is about now + 600 ($LEFT)" [ "$LEFT" -ge 590 ] && [ "$LEFT" -le 601 ]
check "row client_id is empty bytea, as Kea writes it (dhclient sends none)" [ -z "$CID" ]
check "no NULL identifiers (Kea writes empty bytea)" [ "$(pg_sql "SELECT count(*) FROM lease4 WHERE client_id IS NULL OR hwaddr IS NULL")" = 0 ]

# A bounded perfdhcp load: 60 clients, 4-way exchanges, at most 20 s.
timeout 40 ip netns exec "$TIT_ID-perf" perfdhcp -4 -l eth0 -R 60 -r 30 -n 60 -p 15 >"$TIT_TMP/perf.txt" 2>&1
# perfdhcp is a relay (giaddr = 198.18.0.20); its second "received packets" is the ACKs.
ACKS=$(awk '/^received packets:/ { r++; if (r == 2) print $3 }' "$TIT_TMP/perf.txt")
sleep 0.5
ROWS=$(pg_sql "SELECT count(*) FROM lease4 WHERE state = 0")
MEM=$(ctl tandem '{"command":"lease4-get-all"}' | jq '.arguments.leases | length')
log "rows in lease4: $ROWS, leases in tandemd: $MEM, perfdhcp ACKs: ${ACKS:-?}"
check "every lease tandemd holds is a row" [ "$ROWS" = "$MEM" ]
check "perfdhcp got leases" [ "$ROWS" -ge 20 ]
check "no two rows share an hwaddr" [ "$(pg_sql "SELECT count(*) FROM (SELECT hwaddr FROM lease4 GROUP BY hwaddr HAVING count(*) > 1) d")" = 0 ]
STAT=$(pg_sql "SELECT leases FROM lease4_stat WHERE subnet_id = 1 AND state = 0")
check "lease4_stat (Kea's triggers) counts $ROWS ($STAT)" [ "$STAT" = "$ROWS" ]
S=$(ctl tandem '{"command":"stat-lease4-get","arguments":{"subnet-id":1}}')
ASSIGNED=$(echo "$S" | jq '.arguments["result-set"].rows[0][3]')
check "tandemd's stat-lease4-get says $ROWS assigned ($ASSIGNED)" [ "$ASSIGNED" = "$ROWS" ]
# A write the database refuses (hostname longer than Kea's varchar(255)): the command fails,
# no row, and the journal goes on with the next writes.
LONG=$(printf 'h%.0s' $(seq 300))
R=$(ctl tandem "{\"command\":\"lease4-add\",\"arguments\":{\"ip-address\":\"198.18.0.99\",\"hw-address\":\"02:00:00:00:09:99\",\"hostname\":\"$LONG\"}}")
log "lease4-add with a 300-byte hostname: $(echo "$R" | jq -c '{result, text}')"
check "lease4-add of a lease the database refuses fails" [ "$(echo "$R" | jq .result)" != 0 ]
check "and leaves no row" [ "$(pg_sql "SELECT count(*) FROM lease4 WHERE address = $(pg_ip 198.18.0.99)")" = 0 ]
R=$(ctl tandem '{"command":"lease4-add","arguments":{"ip-address":"198.18.0.98","hw-address":"02:00:00:00:09:98"}}')
check "the next lease4-add is written ($(echo "$R" | jq -c .text))" [ "$(pg_sql "SELECT encode(hwaddr,'hex') FROM lease4 WHERE address = $(pg_ip 198.18.0.98)")" = 020000000998 ]
R=$(ctl tandem '{"command":"lease4-del","arguments":{"ip-address":"198.18.0.98"}}')
check "lease4-del deletes the row" [ "$(pg_sql "SELECT count(*) FROM lease4 WHERE address = $(pg_ip 198.18.0.98)")" = 0 ]
ST=$(ctl tandem '{"command":"status-get"}')
check "status-get shows the backend connected" [ "$(echo "$ST" | jq -r '.arguments["lease-database"].state')" = connected ]
log "status-get lease-database: $(echo "$ST" | jq -c '.arguments["lease-database"]')"

tit_stop "$D2" TERM 5
tit_stop "$D1" TERM 5
tit_stop "$TD_PID" TERM 10
check "tandemd exited cleanly ($TIT_STOP_RC)" [ "$TIT_STOP_RC" = 0 ]

# ---- 4. tandemd wrote, Kea reads -------------------------------------------------------------
start kea /usr/sbin/kea-dhcp4
R=$(lease_get kea "$IP2")
log "kea-dhcp4 lease4-get $IP2: $(echo "$R" | jq -c .arguments)"
check "kea-dhcp4 finds tandemd's lease of c2" [ "$(echo "$R" | jq -r '.arguments["hw-address"]')" = 02:00:c6:12:00:62 ]
check "with its lifetime" [ "$(echo "$R" | jq -r '.arguments["valid-lft"]')" = 600 ]
KS=$(ctl kea '{"command":"statistic-get","arguments":{"name":"subnet[1].assigned-addresses"}}' | jq '.arguments["subnet[1].assigned-addresses"][0][0]')
check "kea-dhcp4 recounts $ROWS assigned addresses from lease4_stat ($KS)" [ "$KS" = "$ROWS" ]
KSL=$(ctl kea '{"command":"stat-lease4-get","arguments":{"subnet-id":1}}' | jq '.arguments["result-set"].rows[0][3]')
check "kea's stat-lease4-get agrees ($KSL)" [ "$KSL" = "$ROWS" ]
log "PASS"
