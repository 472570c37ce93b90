#!/bin/bash
# MySQL/MariaDB lease backend on Kea 2.2's schema, against a private MariaDB (mysql_lib.sh) and
# the real kea-dhcp4 2.2 (built --with-mysql) on the same database, both directions:
#  1. an unknown schema_version is refused at start-up with a clear error;
#  2. kea-dhcp4 serves a dhclient and writes its lease; tandemd starts on the database, has
#     loaded that lease (lease4-get) and the client renews the same address from tandemd;
#  3. tandemd serves a second dhclient and a bounded perfdhcp load: every ACKed address has
#     its row (hwaddr, subnet, expire = now + valid-lifetime, state 0, NULL client_id as Kea
#     writes none), lease4_stat (kept by Kea's triggers) matches, stat-lease4-get agrees; the
#     lease commands (get-by-hw-address, get-page, add, del, wipe) work on the database;
#  4. tandemd stops; kea-dhcp4 starts on the database and finds tandemd's leases (lease4-get
#     of the second client, its recounted subnet statistics match the rows).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mysql_lib.sh"
TIT_ID="h-my-$$"
TIT_BUDGET=240
tit_init
tit_require dhclient perfdhcp socat jq kea-dhcp4
tit_server_bin
[ "$TIT_SERVER_KIND" = tandemd ] || skip "this test drives tandemd and kea-dhcp4 itself"
TANDEM=$TIT_SERVER
HOOKS=/usr/lib/x86_64-linux-gnu/kea/hooks
[ -f "$HOOKS/libdhcp_lease_cmds.so" ] && [ -f "$HOOKS/libdhcp_stat_cmds.so" ] || skip "Kea's lease_cmds/stat_cmds hooks missing"
my_init

tit_switch
tit_host srv 02:00:c6:12:00:01 198.18.0.1/24
tit_host c1 02:00:c6:12:00:61
tit_host c2 02:00:c6:12:00:62
tit_host perf 02:00:c6:12:00:70 198.18.0.20/24
SRV="$TIT_ID-srv"

# conf <dir> [db]: one config for both servers (Kea's hook paths; tandemd has lease_cmds and
# stat_cmds built in).
conf() {
  mkdir -p "$1"
  cat >"$1/dhcp4.json" <<EOF2
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "eth0" ], "dhcp-socket-type": "raw" },
    "lease-database": $(my_lease_db_json "${2:-$MY_DB}"),
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
ctl() { my_ctl_cmd "$@"; }
lease_get() { ctl "$1" "{\"command\":\"lease4-get\",\"arguments\":{\"ip-address\":\"$2\"}}"; }
# start <name> <binary>: a server in the srv namespace with $TIT_TMP/<name>/dhcp4.json.
start() {
  TIT_SERVER=$2
  tit_server_start "$1" "$SRV" "$TIT_TMP/$1/dhcp4.json"
  wait_for 10 "$1 control socket" test -S "$TIT_TMP/$1/ctrl.sock" || fail "$1 has no control socket"
}
ipn() { ip_to_int "$1"; }

# ---- 1. unknown schema version -----------------------------------------------------------
my_root -e "CREATE DATABASE kea_old" || fail "create kea_old"
my_kea_admin db-init kea_old >/dev/null 2>&1 || fail "kea-admin db-init of kea_old"
my_sql "UPDATE schema_version SET version = 13" kea_old || fail "downgrade kea_old"
conf "$TIT_TMP/old" kea_old
( cd "$TIT_TMP/old" && timeout 20 ip netns exec "$SRV" "$TANDEM" -c dhcp4.json >"$TIT_TMP/old/server.log" 2>&1 )
rc=$?
check "tandemd refuses schema 13.0 (exit $rc)" [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]
check "the error names both versions" grep -q "MySQL schema version mismatch: expected version: 14.0, found version: 13.0" "$TIT_TMP/old/server.log"

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
check "Kea's row for $IP1 is in lease4" [ "$(my_sql "SELECT HEX(hwaddr) FROM lease4 WHERE address = $(ipn "$IP1")")" = 0200C6120061 ]
tit_stop "$KEA_PID" TERM 10

conf "$TIT_TMP/tandem"
start tandem "$TANDEM"
TD_PID=$TIT_SERVER_PID
check "tandemd logged the load" grep -q "1 leases loaded from MySQL database $MY_DB" "$TIT_TMP/tandem/server.log"
R=$(lease_get tandem "$IP1")
check "tandemd's lease4-get finds Kea's lease ($R)" [ "$(echo "$R" | jq -r '.arguments["hw-address"]')" = 02:00:c6:12:00:61 ]
KEXP=$(my_sql "SELECT UNIX_TIMESTAMP(expire) - valid_lifetime FROM lease4 WHERE address = $(ipn "$IP1")")
check "with Kea's cltt ($KEXP)" [ "$(echo "$R" | jq -r '.arguments.cltt')" = "$KEXP" ]
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
ROW=$(my_sql "SELECT HEX(hwaddr), subnet_id, valid_lifetime, state, UNIX_TIMESTAMP(expire) - UNIX_TIMESTAMP(), client_id IS NULL, fqdn_fwd, hostname FROM lease4 WHERE address = $(ipn "$IP2")")
log "row of $IP2: $ROW"
IFS=$'\t' read -r HW SID VL ST LEFT CIDNULL FWD _ <<<"$ROW"
check "row hwaddr" [ "$HW" = 0200C6120062 ]
check "row subnet_id" [ "$SID" = 1 ]
check "row valid_lifetime" [ "$VL" = 600 ]
check "row state default" [ "$ST" = 0 ]
check "row expire is about now + 600 ($LEFT)" [ "$LEFT" -ge 590 ] && [ "$LEFT" -le 601 ]
check "row client_id is NULL, as Kea writes no client-id (dhclient sends none)" [ "$CIDNULL" = 1 ]
check "row fqdn_fwd is 0" [ "$FWD" = 0 ]

# A bounded perfdhcp load: 60 clients, 4-way exchanges, at most 20 s.
timeout 40 ip netns exec "$TIT_ID-perf" perfdhcp -4 -l eth0 -R 60 -r 30 -n 60 -p 15 >"$TIT_TMP/perf.txt" 2>&1
# perfdhcp is a relay (giaddr = 198.18.0.20); its second "received packets" is the ACKs.
ACKS=$(awk '/^received packets:/ { r++; if (r == 2) print $3 }' "$TIT_TMP/perf.txt")
sleep 0.5
ROWS=$(my_sql "SELECT count(*) FROM lease4 WHERE state = 0")
MEM=$(ctl tandem '{"command":"lease4-get-all"}' | jq '.arguments.leases | length')
log "rows in lease4: $ROWS, leases in tandemd: $MEM, perfdhcp ACKs: ${ACKS:-?}"
check "every lease tandemd holds is a row" [ "$ROWS" = "$MEM" ]
check "perfdhcp got leases" [ "$ROWS" -ge 20 ]
check "no two rows share an hwaddr" [ "$(my_sql "SELECT count(*) FROM (SELECT hwaddr FROM lease4 GROUP BY hwaddr HAVING count(*) > 1) d")" = 0 ]
STAT=$(my_sql "SELECT leases FROM lease4_stat WHERE subnet_id = 1 AND state = 0")
check "lease4_stat (Kea's triggers) counts $ROWS ($STAT)" [ "$STAT" = "$ROWS" ]
S=$(ctl tandem '{"command":"stat-lease4-get","arguments":{"subnet-id":1}}')
ASSIGNED=$(echo "$S" | jq '.arguments["result-set"].rows[0][3]')
check "tandemd's stat-lease4-get says $ROWS assigned ($ASSIGNED)" [ "$ASSIGNED" = "$ROWS" ]
# Lease commands on the database.
R=$(ctl tandem '{"command":"lease4-get-by-hw-address","arguments":{"hw-address":"02:00:c6:12:00:62"}}')
check "lease4-get-by-hw-address finds c2" [ "$(echo "$R" | jq -r '.arguments.leases[0]["ip-address"]')" = "$IP2" ]
R=$(ctl tandem '{"command":"lease4-get-page","arguments":{"from":"start","limit":10}}')
check "lease4-get-page pages ($(echo "$R" | jq .arguments.count))" [ "$(echo "$R" | jq .arguments.count)" = 10 ]
# A write the database refuses (hostname longer than Kea's VARCHAR(255)): the command fails,
# no row, and the journal goes on with the next writes.
LONG=$(printf 'h%.0s' $(seq 300))
R=$(ctl tandem "{\"command\":\"lease4-add\",\"arguments\":{\"ip-address\":\"198.18.0.99\",\"hw-address\":\"02:00:00:00:09:99\",\"hostname\":\"$LONG\"}}")
log "lease4-add with a 300-byte hostname: $(echo "$R" | jq -c '{result, text}')"
check "lease4-add of a lease the database refuses fails" [ "$(echo "$R" | jq .result)" != 0 ]
check "and leaves no row" [ "$(my_sql "SELECT count(*) FROM lease4 WHERE address = $(ipn 198.18.0.99)")" = 0 ]
R=$(ctl tandem '{"command":"lease4-add","arguments":{"ip-address":"198.18.0.98","hw-address":"02:00:00:00:09:98","hostname":"o'"'"'brien; --.example","user-context":{"a":1}}}')
check "the next lease4-add is written ($(echo "$R" | jq -c .text))" [ "$(my_sql "SELECT HEX(hwaddr) FROM lease4 WHERE address = $(ipn 198.18.0.98)")" = 020000000998 ]
check "its hostname stored as given" [ "$(my_sql "SELECT hostname FROM lease4 WHERE address = $(ipn 198.18.0.98)")" = "o'brien; --.example" ]
check "its user context stored as JSON" [ "$(my_sql "SELECT user_context FROM lease4 WHERE address = $(ipn 198.18.0.98)" | jq -c .)" = '{"a":1}' ]
R=$(ctl tandem '{"command":"lease4-del","arguments":{"ip-address":"198.18.0.98"}}')
check "lease4-del deletes the row" [ "$(my_sql "SELECT count(*) FROM lease4 WHERE address = $(ipn 198.18.0.98)")" = 0 ]
ST=$(ctl tandem '{"command":"status-get"}')
check "status-get shows the backend connected" [ "$(echo "$ST" | jq -r '.arguments["lease-database"].state')" = connected ]
check "status-get names the type" [ "$(echo "$ST" | jq -r '.arguments["lease-database"].type')" = mysql ]
log "status-get lease-database: $(echo "$ST" | jq -c '.arguments["lease-database"]')"
check "statistic lease-database-connected is 1" [ "$(my_stat tandem lease-database-connected)" = 1 ]

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
TD_CLTT=$(my_sql "SELECT UNIX_TIMESTAMP(expire) - valid_lifetime FROM lease4 WHERE address = $(ipn "$IP2")")
check "and the cltt tandemd wrote ($TD_CLTT)" [ "$(echo "$R" | jq -r '.arguments.cltt')" = "$TD_CLTT" ]
KS=$(ctl kea '{"command":"statistic-get","arguments":{"name":"subnet[1].assigned-addresses"}}' | jq '.arguments["subnet[1].assigned-addresses"][0][0]')
check "kea-dhcp4 recounts $ROWS assigned addresses from lease4_stat ($KS)" [ "$KS" = "$ROWS" ]
KSL=$(ctl kea '{"command":"stat-lease4-get","arguments":{"subnet-id":1}}' | jq '.arguments["result-set"].rows[0][3]')
check "kea's stat-lease4-get agrees ($KSL)" [ "$KSL" = "$ROWS" ]
tit_stop "$TIT_SERVER_PID" TERM 10

# ---- 5. lease4-wipe on the database ----------------------------------------------------------
start tandem "$TANDEM"
R=$(ctl tandem '{"command":"lease4-wipe","arguments":{"subnet-id":1}}')
log "lease4-wipe: $(echo "$R" | jq -c '{result, text}')"
check "lease4-wipe succeeds" [ "$(echo "$R" | jq .result)" = 0 ]
wait_for 10 "the rows of subnet 1 to go" test "$(my_sql "SELECT count(*) FROM lease4 WHERE subnet_id = 1")" = 0 ||
  fail "lease4-wipe left $(my_sql "SELECT count(*) FROM lease4 WHERE subnet_id = 1") rows"
check "lease4_stat follows (Kea's triggers)" [ "$(my_sql "SELECT IFNULL(SUM(leases), 0) FROM lease4_stat WHERE subnet_id = 1")" = 0 ]
log "PASS"
