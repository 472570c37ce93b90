#!/bin/bash
# SQL lease backend on Kea 2.2's schema (PostgreSQL 13.0, MySQL 14.0), against a private
# database (sql_lib.sh) and the real kea-dhcp4 2.2 on the same database, both directions; one
# scenario for both backends: `sql_lease.sh pgsql` (ctest pgsql_lease_test), `sql_lease.sh
# mysql` (mysql_lease_test):
#  1. an unknown schema_version is refused at start-up, naming both versions;
#  2. kea-dhcp4 serves two dhclients (one sending a client-id, one not) and writes their rows;
#     tandemd starts on the database, has loaded them (lease4-get), and both clients renew the
#     same addresses from tandemd, which rewrites the rows: each row is then compared column by
#     column with the row Kea wrote (NULLs included; expire against now + valid-lifetime);
#  3. tandemd serves a bounded perfdhcp load: every lease it holds is a row, identifiers stored
#     as Kea stores them, expire = now + valid-lifetime, lease4_stat (Kea's triggers) counts
#     them, stat-lease4-get agrees; a write the database refuses (a hostname longer than Kea's
#     VARCHAR(255)) fails the command, leaves no row, and the journal goes on; status-get shows
#     the backend;
#  4. tandemd stops; kea-dhcp4 starts on the database and finds tandemd's leases (lease4-get,
#     its recounted statistics equal lease4_stat).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sql_lib.sh"
sql_backend "${1:-}"
TIT_NAME="${DB_KIND}_lease_test"
TIT_ID="h-$DB_SHORT-$$"
TIT_BUDGET=200
tit_init
tit_require dhclient perfdhcp socat jq kea-dhcp4
tit_server_bin
[ "$TIT_SERVER_KIND" = tandemd ] || skip "this test drives tandemd and kea-dhcp4 itself"
TANDEM=$TIT_SERVER
HOOKS=/usr/lib/x86_64-linux-gnu/kea/hooks
[ -f "$HOOKS/libdhcp_lease_cmds.so" ] && [ -f "$HOOKS/libdhcp_stat_cmds.so" ] || skip "Kea's lease_cmds/stat_cmds hooks missing"
db_init

tit_switch
tit_host srv 02:00:c6:12:00:01 198.18.0.1/24
tit_host c1 02:00:c6:12:00:61
tit_host c3 02:00:c6:12:00:63
tit_host perf 02:00:c6:12:00:70 198.18.0.20/24
SRV="$TIT_ID-srv"

# conf <dir> [db]: one config for both servers (Kea's hook paths; tandemd has lease_cmds and
# stat_cmds built in).
conf() {
  mkdir -p "$1"
  cat >"$1/dhcp4.json" <<EOF2
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "eth0" ], "dhcp-socket-type": "raw" },
    "lease-database": $(db_lease_db_json "${2:-$DB_NAME}"),
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
ctl() { sql_ctl_cmd "$@"; }
lease_get() { ctl "$1" "{\"command\":\"lease4-get\",\"arguments\":{\"ip-address\":\"$2\"}}"; }
# start <name> <binary>: a server in the srv namespace with $TIT_TMP/<name>/dhcp4.json.
start() {
  TIT_SERVER=$2
  tit_server_start "$1" "$SRV" "$TIT_TMP/$1/dhcp4.json"
  wait_for 10 "$1 control socket" test -S "$TIT_TMP/$1/ctrl.sock" || fail "$1 has no control socket"
}
# row <ip>: every column of its lease4 row, NULL shown as NULL, binary as hex, expire as
# seconds from now.
row() {
  local c cols=()
  for c in address "$(db_hex hwaddr)" "$(db_hex client_id)" valid_lifetime "$(db_expire_left)" subnet_id fqdn_fwd \
    fqdn_rev "$HOSTNAME_HEX" state user_context; do
    cols+=("COALESCE(CAST($c AS $TEXT), 'NULL')")
  done
  db_sql "SELECT $(IFS=,; echo "${cols[*]}") FROM lease4 WHERE address = $(ip_to_int "$1")"
}
# The dialects' text and signed types; the hostname's bytes (MySQL: binary-safe as hex).
case $DB_KIND in
  pgsql) TEXT=text SIGNED=bigint HOSTNAME_HEX=hostname ;;
  mysql) TEXT=CHAR SIGNED=SIGNED HOSTNAME_HEX="HEX(hostname)" ;;
esac
# same_row <kea-row> <tandem-row>: equal in every column but expire, which must be within 10 s.
same_row() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import sys
names = ["address", "hwaddr", "client_id", "valid_lifetime", "expire-now", "subnet_id", "fqdn_fwd", "fqdn_rev",
         "hostname", "state", "user_context"]
k, t = sys.argv[1].split("|"), sys.argv[2].split("|")
bad = []
for i, n in enumerate(names):
    if n == "expire-now":
        if k[i] == "NULL" or t[i] == "NULL" or abs(int(k[i]) - int(t[i])) > 10:
            bad.append(f"{n}: kea {k[i]} tandemd {t[i]}")
    elif k[i] != t[i]:
        bad.append(f"{n}: kea {k[i]!r} tandemd {t[i]!r}")
print("; ".join(bad) if bad else "all 11 columns agree")
sys.exit(1 if bad else 0)
PY
}

# ---- 1. unknown schema version -----------------------------------------------------------
OLD=$((DB_SCHEMA - 1))
db_kea_db kea_old
db_sql "UPDATE schema_version SET version = $OLD" kea_old >/dev/null
conf "$TIT_TMP/old" kea_old
( cd "$TIT_TMP/old" && timeout 20 ip netns exec "$SRV" "$TANDEM" -c dhcp4.json >"$TIT_TMP/old/server.log" 2>&1 )
rc=$?
check "tandemd refuses schema $OLD.0 (exit $rc)" [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]
check "the error names both versions" grep -q "expected version: $DB_SCHEMA.0, found version: $OLD.0" "$TIT_TMP/old/server.log"

# ---- 2. Kea writes, tandemd loads and rewrites --------------------------------------------------
conf "$TIT_TMP/kea"
start kea /usr/sbin/kea-dhcp4
KEA_PID=$TIT_SERVER_PID
C1="$TIT_TMP/c1"
C3="$TIT_TMP/c3"
tit_dhclient_files "$C1"
echo 'send dhcp-client-identifier 01:02:00:c6:12:00:61;' >>"$C1/dhclient.conf"
tit_dhclient_start "$C1" "$TIT_ID-c1"
D1=$TIT_LAST_PID
tit_dhclient_start "$C3" "$TIT_ID-c3"
D3=$TIT_LAST_PID
wait_event "$C1" BOUND 1 30 || fail "kea-dhcp4 gave c1 no lease"
wait_event "$C3" BOUND 1 30 || fail "kea-dhcp4 gave c3 no lease"
IP1=$(bound_ip "$C1") || fail "no BOUND address for c1"
IP3=$(bound_ip "$C3") || fail "no BOUND address for c3"
log "kea-dhcp4 gave c1 $IP1, c3 $IP3"
tit_stop "$D1" TERM 5   # dhclient keeps its lease file; SIGTERM sends no RELEASE
tit_stop "$D3" TERM 5
KEA_ROW1=$(row "$IP1")
KEA_ROW3=$(row "$IP3")
log "Kea's row of c1: $KEA_ROW1"
log "Kea's row of c3: $KEA_ROW3"
check "Kea wrote c1's row" [ -n "$KEA_ROW1" ]
KEA_STAT=$(db_sql "SELECT leases FROM lease4_stat WHERE subnet_id = 1 AND state = 0")
tit_stop "$KEA_PID" TERM 10

conf "$TIT_TMP/tandem"
start tandem "$TANDEM"
TD_PID=$TIT_SERVER_PID
check "tandemd logged the load" grep -q "2 leases loaded from $DB_LABEL database $DB_NAME" "$TIT_TMP/tandem/server.log"
R=$(lease_get tandem "$IP1")
check "tandemd's lease4-get finds Kea's lease ($(echo "$R" | jq -c .arguments))" \
  [ "$(echo "$R" | jq -r '.arguments["hw-address"]')" = 02:00:c6:12:00:61 ]
check "with its client-id" [ "$(echo "$R" | jq -r '.arguments["client-id"]')" = 01:02:00:c6:12:00:61 ]
sleep 1   # tandemd's rewrite gets another expire than Kea's (the comparison allows 10 s)
tit_dhclient_start "$C1" "$TIT_ID-c1"
D1=$TIT_LAST_PID
tit_dhclient_start "$C3" "$TIT_ID-c3"
D3=$TIT_LAST_PID
again() { [ "$(event_count "$1/events" REBOOT)" -ge 1 ] || [ "$(event_count "$1/events" BOUND)" -ge 2 ]; }
wait_for 30 "c1 bound again" again "$C1" || fail "c1 got no lease from tandemd"
wait_for 30 "c3 bound again" again "$C3" || fail "c3 got no lease from tandemd"
sleep 0.5
NEWIP1=$(grep -E '^new_ip_address=' "$C1/events" | tail -n 1 | cut -d= -f2)
NEWIP3=$(grep -E '^new_ip_address=' "$C3/events" | tail -n 1 | cut -d= -f2)
check "c1 keeps $IP1 from tandemd (got $NEWIP1)" [ "$NEWIP1" = "$IP1" ]
check "c3 keeps $IP3 from tandemd (got $NEWIP3)" [ "$NEWIP3" = "$IP3" ]
TD_ROW1=$(row "$IP1")
TD_ROW3=$(row "$IP3")
log "tandemd's row of c1: $TD_ROW1"
log "tandemd's row of c3: $TD_ROW3"
check "c1 (client-id): tandemd's row equals Kea's, column by column ($(same_row "$KEA_ROW1" "$TD_ROW1"))" \
  same_row "$KEA_ROW1" "$TD_ROW1"
check "c3 (no client-id): tandemd's row equals Kea's, column by column ($(same_row "$KEA_ROW3" "$TD_ROW3"))" \
  same_row "$KEA_ROW3" "$TD_ROW3"
check "lease4_stat unchanged by the rewrites ($KEA_STAT)" \
  [ "$(db_sql "SELECT leases FROM lease4_stat WHERE subnet_id = 1 AND state = 0")" = "$KEA_STAT" ]

# ---- 3. tandemd writes under load ------------------------------------------------------------
# A bounded perfdhcp load: 60 clients, 4-way exchanges, at most 10 s.
timeout 40 ip netns exec "$TIT_ID-perf" perfdhcp -4 -l eth0 -R 60 -r 30 -n 60 -p 10 >"$TIT_TMP/perf.txt" 2>&1
# perfdhcp is a relay (giaddr = 198.18.0.20); its second "received packets" is the ACKs.
ACKS=$(awk '/^received packets:/ { r++; if (r == 2) print $3 }' "$TIT_TMP/perf.txt")
sleep 0.5
ROWS=$(db_sql "SELECT count(*) FROM lease4 WHERE state = 0")
MEM=$(ctl tandem '{"command":"lease4-get-all"}' | jq '.arguments.leases | length')
log "rows in lease4: $ROWS, leases in tandemd: $MEM, perfdhcp ACKs: ${ACKS:-?}"
check "every lease tandemd holds is a row" [ "$ROWS" = "$MEM" ]
check "perfdhcp got leases" [ "$ROWS" -ge 20 ]
check "no two rows share an hwaddr" [ "$(db_sql "SELECT count(*) FROM (SELECT hwaddr FROM lease4 GROUP BY hwaddr HAVING count(*) > 1) d")" = 0 ]
# No hwaddr is NULL; no client-id (perfdhcp sends none) is what Kea writes for none: an empty
# bytea in PostgreSQL, NULL in MySQL.
case $DB_KIND in
  pgsql) NOT_KEA_NONE="client_id IS NULL" ;;
  mysql) NOT_KEA_NONE="LENGTH(client_id) = 0" ;;
esac
check "identifiers stored as Kea stores them" [ "$(db_sql "SELECT count(*) FROM lease4 WHERE hwaddr IS NULL OR $NOT_KEA_NONE")" = 0 ]
check "expire = now + valid-lifetime for tandemd's rows" \
  [ "$(db_sql "SELECT count(*) FROM lease4 WHERE ABS($(db_expire_left) - CAST(valid_lifetime AS $SIGNED)) > 60")" = 0 ]
STAT=$(db_sql "SELECT leases FROM lease4_stat WHERE subnet_id = 1 AND state = 0")
check "lease4_stat (Kea's triggers) counts $ROWS ($STAT)" [ "$STAT" = "$ROWS" ]
S=$(ctl tandem '{"command":"stat-lease4-get","arguments":{"subnet-id":1}}')
ASSIGNED=$(echo "$S" | jq '.arguments["result-set"].rows[0][3]')
check "tandemd's stat-lease4-get says $ROWS assigned ($ASSIGNED)" [ "$ASSIGNED" = "$ROWS" ]
# A write the database refuses (hostname longer than Kea's VARCHAR(255)): the command fails,
# no row, and the journal goes on with the next writes.
LONG=$(printf 'h%.0s' $(seq 300))
R=$(ctl tandem "{\"command\":\"lease4-add\",\"arguments\":{\"ip-address\":\"198.18.0.99\",\"hw-address\":\"02:00:00:00:09:99\",\"hostname\":\"$LONG\"}}")
log "lease4-add with a 300-byte hostname: $(echo "$R" | jq -c '{result, text}')"
check "lease4-add of a lease the database refuses fails" [ "$(echo "$R" | jq .result)" != 0 ]
check "and leaves no row" [ "$(db_sql "SELECT count(*) FROM lease4 WHERE address = $(ip_to_int 198.18.0.99)")" = 0 ]
R=$(ctl tandem '{"command":"lease4-add","arguments":{"ip-address":"198.18.0.98","hw-address":"02:00:00:00:09:98"}}')
check "the next lease4-add is written ($(echo "$R" | jq -c .text))" \
  [ "$(db_sql "SELECT $(db_hex hwaddr) FROM lease4 WHERE address = $(ip_to_int 198.18.0.98)")" = 020000000998 ]
R=$(ctl tandem '{"command":"lease4-del","arguments":{"ip-address":"198.18.0.98"}}')
check "lease4-del deletes the row" [ "$(db_sql "SELECT count(*) FROM lease4 WHERE address = $(ip_to_int 198.18.0.98)")" = 0 ]
ST=$(ctl tandem '{"command":"status-get"}')
log "status-get lease-database: $(echo "$ST" | jq -c '.arguments["lease-database"]')"
check "status-get shows the $DB_TYPE backend connected" \
  [ "$(echo "$ST" | jq -r '.arguments["lease-database"] | .type + " " + .state')" = "$DB_TYPE connected" ]
ROWS=$(db_sql "SELECT count(*) FROM lease4 WHERE state = 0")

tit_stop "$D3" TERM 5
tit_stop "$D1" TERM 5
tit_stop "$TD_PID" TERM 10
check "tandemd exited cleanly ($TIT_STOP_RC)" [ "$TIT_STOP_RC" = 0 ]

# ---- 4. tandemd wrote, Kea reads ---------------------------------------------------------------
start kea /usr/sbin/kea-dhcp4
R=$(lease_get kea "$IP3")
log "kea-dhcp4 lease4-get $IP3: $(echo "$R" | jq -c .arguments)"
check "kea-dhcp4 finds tandemd's lease of c3" [ "$(echo "$R" | jq -r '.arguments["hw-address"]')" = 02:00:c6:12:00:63 ]
check "with its lifetime" [ "$(echo "$R" | jq -r '.arguments["valid-lft"]')" = 600 ]
R=$(lease_get kea "$IP1")
check "and c1's with its client-id" [ "$(echo "$R" | jq -r '.arguments["client-id"]')" = 01:02:00:c6:12:00:61 ]
KS=$(ctl kea '{"command":"statistic-get","arguments":{"name":"subnet[1].assigned-addresses"}}' | jq '.arguments["subnet[1].assigned-addresses"][0][0]')
check "kea-dhcp4 recounts $ROWS assigned addresses from lease4_stat ($KS)" [ "$KS" = "$ROWS" ]
KSL=$(ctl kea '{"command":"stat-lease4-get","arguments":{"subnet-id":1}}' | jq '.arguments["result-set"].rows[0][3]')
check "kea's stat-lease4-get agrees ($KSL)" [ "$KSL" = "$ROWS" ]
log "PASS"
