#!/bin/bash
# Host reservations in a SQL database (hosts-database, Kea 2.2's schema from `kea-admin
# db-init`) against a private server (sql_lib.sh), with the real kea-dhcp4 2.2 on the same
# database; one scenario for both backends: `sql_hosts.sh pgsql` (ctest pgsql_hosts_test),
# `sql_hosts.sh mysql` (mysql_hosts_test):
#  1. hosts inserted with SQL the way Kea's documentation shows (INSERT INTO hosts ...
#     DECODE(REPLACE('..:..', ':', ''), 'hex') / UNHEX(REPLACE(..)), the address as a number,
#     an option in dhcp4_options): kea-dhcp4 and then tandemd give a dhclient the reserved
#     address, host name and option;
#  2. a host inserted while tandemd runs is served after the refresh (DHCP4_HOSTS_REFRESHED);
#     a host deleted with SQL is no longer reserved;
#  3. reservation-add over tandemd's control socket lands in `hosts` / `dhcp4_options` (answered
#     after the commit), reservation-get finds it, reservation-del removes a row and its
#     options; the database restarted under tandemd: the refresh reconnects and reads again;
#     a readonly database refuses reservation-add with Kea's wording; kea-dhcp4 then serves
#     the added host;
#  4. 100,000 hosts: tandemd's start-up load and the cost of one background refresh (logged;
#     status-get "hosts-databases" last-refresh-us).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sql_lib.sh"
sql_backend "${1:-}"
TIT_NAME="${DB_KIND}_hosts_test"
TIT_ID="h-${DB_SHORT}h-$$"
TIT_BUDGET=280
tit_init
tit_require dhclient socat jq kea-dhcp4
tit_server_bin
[ "$TIT_SERVER_KIND" = tandemd ] || skip "this test drives tandemd and kea-dhcp4 itself"
TANDEM=$TIT_SERVER
db_init

tit_switch
tit_host srv 02:00:c6:12:00:01 198.18.0.1/24
tit_host c1 02:00:c6:12:00:61
tit_host c2 02:00:c6:12:00:62
tit_host c3 02:00:c6:12:00:63
SRV="$TIT_ID-srv"

# conf <dir> [hosts-database extras]: one config for both servers; leases in a memfile of
# each server's own (this test is about hosts), hosts in the shared database.
conf() {
  mkdir -p "$1"
  cat >"$1/dhcp4.json" <<EOF2
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "eth0" ], "dhcp-socket-type": "raw" },
    "lease-database": { "type": "memfile", "name": "$1/leases4.csv", "lfc-interval": 0 },
    "hosts-database": $(db_lease_db_json "$DB_NAME" "${2:+, $2}"),
    "control-socket": { "socket-type": "unix", "socket-name": "$1/ctrl.sock" },
    "valid-lifetime": 600, "renew-timer": 300, "rebind-timer": 500,
    "subnet4": [ { "id": 1, "subnet": "198.18.0.0/24", "pools": [ { "pool": "198.18.0.100 - 198.18.0.250" } ],
                   "option-data": [ { "name": "routers", "data": "198.18.0.1" } ] } ],
    "loggers": [ { "name": "kea-dhcp4", "output_options": [ { "output": "stdout" } ], "severity": "INFO" } ] } }
EOF2
}
ctl() { echo "$2" | timeout 20 socat -t 20 - "UNIX-CONNECT:$TIT_TMP/$1/ctrl.sock" 2>/dev/null; }
start() {
  TIT_SERVER=$2
  rm -f "$TIT_TMP/$1/ctrl.sock"
  tit_server_start "$1" "$SRV" "$TIT_TMP/$1/dhcp4.json"
  wait_for 20 "$1 control socket" test -S "$TIT_TMP/$1/ctrl.sock" || fail "$1 has no control socket"
}
# lease_for <client> <dir>: a fresh dhclient (no lease file) until BOUND; prints "ip host dns".
lease_for() {
  local ns="$TIT_ID-$1" d=$2
  rm -rf "$d"
  tit_dhclient_start "$d" "$ns"
  local pid=$TIT_LAST_PID
  wait_event "$d" BOUND 1 30 || { tit_stop "$pid" TERM 5; return 1; }
  sleep 0.3
  echo "$(event_var "$d/events" new_ip_address BOUND) $(event_var "$d/events" new_host_name BOUND)" \
    "$(event_var "$d/events" new_domain_name_servers BOUND)"
  tit_stop "$pid" TERM 5
}
# Kea's documented SQL, in each dialect: unhex <sql-text> (bytes from hex digits), inet <ip>
# (the address as the number the hosts table holds).
case $DB_KIND in
  pgsql) unhex() { echo "DECODE($1, 'hex')"; }; inet() { echo "('$1'::inet - '0.0.0.0'::inet)"; } ;;
  mysql) unhex() { echo "UNHEX($1)"; }; inet() { echo "INET_ATON('$1')"; } ;;
esac
# insert_host <mac> <ip> <hostname> [dns-hex]: Kea's documented SQL for a host and an option.
insert_host() {
  db_sql "
    INSERT INTO hosts (dhcp_identifier, dhcp_identifier_type, dhcp4_subnet_id, ipv4_address, hostname)
    VALUES ($(unhex "REPLACE('$1', ':', '')"),
            (SELECT type FROM host_identifier_type WHERE name = 'hw-address'), 1,
            $(inet "$2"), '$3');" >/dev/null || fail "INSERT INTO hosts for $1"
  [ -n "${4:-}" ] || return 0
  db_sql "
    INSERT INTO dhcp4_options (code, value, space, persistent, host_id, scope_id)
    VALUES (6, $(unhex "'$4'"), 'dhcp4', true,
            (SELECT host_id FROM hosts WHERE dhcp_identifier = $(unhex "REPLACE('$1', ':', '')")),
            (SELECT scope_id FROM dhcp_option_scope WHERE scope_name = 'host'));" >/dev/null ||
    fail "INSERT INTO dhcp4_options for $1"
}

# ---- 1. hosts inserted with SQL: Kea, then tandemd ----------------------------------------
insert_host 02:00:c6:12:00:61 198.18.0.51 db-one c6120035   # domain-name-servers 198.18.0.53
conf "$TIT_TMP/kea"
start kea /usr/sbin/kea-dhcp4
KEA_PID=$TIT_SERVER_PID
GOT=$(lease_for c1 "$TIT_TMP/c1-kea") || fail "kea-dhcp4 gave c1 no lease"
log "kea-dhcp4 gave c1: $GOT"
check "kea-dhcp4 serves the SQL-inserted host ($GOT)" [ "$GOT" = "198.18.0.51 db-one 198.18.0.53" ]
tit_stop "$KEA_PID" TERM 10

conf "$TIT_TMP/tandem"
start tandem "$TANDEM"
TD_PID=$TIT_SERVER_PID
check "tandemd read the hosts at start-up" grep -q "1 hosts read from $DB_LABEL hosts database $DB_NAME" "$TIT_TMP/tandem/server.log"
GOT=$(lease_for c1 "$TIT_TMP/c1-td") || fail "tandemd gave c1 no lease"
log "tandemd gave c1: $GOT"
check "tandemd serves the same host the same way ($GOT)" [ "$GOT" = "198.18.0.51 db-one 198.18.0.53" ]

# ---- 2. a host inserted while tandemd runs ------------------------------------------------
GOT=$(lease_for c2 "$TIT_TMP/c2-before") || fail "tandemd gave c2 no lease"
check "c2 has a dynamic address before its host exists ($GOT)" [ "${GOT%% *}" != 198.18.0.52 ]
ctl tandem '{"command":"lease4-del","arguments":{"ip-address":"'"${GOT%% *}"'"}}' >/dev/null
T0=$(date +%s.%N)
insert_host 02:00:c6:12:00:62 198.18.0.52 db-two
refreshed() { grep -q "DHCP4_HOSTS_REFRESHED.*1 hosts added or changed, 0 removed" "$TIT_TMP/tandem/server.log"; }
wait_for 12 "the refresh to see c2's host" refreshed || fail "no refresh applied the new host"
log "new host in force $(python3 -c "print(round($(date +%s.%N) - $T0, 2))") s after the INSERT (period 5 s)"
GOT=$(lease_for c2 "$TIT_TMP/c2-after") || fail "tandemd gave c2 no lease after the insert"
check "the host inserted while tandemd runs is served ($GOT)" [ "${GOT% *}" = "198.18.0.52 db-two" ]
db_sql "DELETE FROM hosts WHERE hostname = 'db-two'" >/dev/null
removed() { grep -q "DHCP4_HOSTS_REFRESHED.*0 hosts added or changed, 1 removed" "$TIT_TMP/tandem/server.log"; }
wait_for 12 "the refresh to see c2's host deleted" removed || fail "no refresh removed the host"
R=$(ctl tandem '{"command":"reservation-get","arguments":{"subnet-id":1,"identifier-type":"hw-address","identifier":"02:00:c6:12:00:62"}}')
check "a host deleted with SQL is gone ($(echo "$R" | jq -c .text))" [ "$(echo "$R" | jq .result)" = 3 ]

# ---- 3. reservation-add / -get / -del through tandemd --------------------------------------
R=$(ctl tandem '{"command":"reservation-add","arguments":{"reservation":{"subnet-id":1,"hw-address":"02:00:c6:12:00:63","ip-address":"198.18.0.55","hostname":"api-three","option-data":[{"name":"domain-name-servers","data":"198.18.0.54"}]}}}')
log "reservation-add: $(echo "$R" | jq -c .)"
check "reservation-add answers Host added." [ "$(echo "$R" | jq -r .text)" = "Host added." ]
ROW=$(db_sql "SELECT $(db_hex dhcp_identifier), dhcp_identifier_type, dhcp4_subnet_id, ipv4_address, hostname FROM hosts WHERE hostname = 'api-three'")
check "the host is a row of hosts when the answer comes ($ROW)" [ "$ROW" = "0200c6120063|0|1|$(ip_to_int 198.18.0.55)|api-three" ]
OPT=$(db_sql "SELECT o.code, o.formatted_value, CASE WHEN o.value IS NULL THEN 1 ELSE 0 END, o.scope_id FROM dhcp4_options o JOIN hosts h USING (host_id) WHERE h.hostname = 'api-three'")
check "with its option as Kea stores it ($OPT)" [ "$OPT" = "6|198.18.0.54|1|3" ]
R=$(ctl tandem '{"command":"reservation-get","arguments":{"subnet-id":1,"ip-address":"198.18.0.55"}}')
check "reservation-get finds it ($(echo "$R" | jq -c .arguments.hostname))" [ "$(echo "$R" | jq -r .arguments.hostname)" = api-three ]
R=$(ctl tandem '{"command":"reservation-add","arguments":{"reservation":{"subnet-id":1,"hw-address":"02:00:c6:12:00:99","ip-address":"198.18.0.56"}}}')
check "a second host added ($(echo "$R" | jq -c .text))" [ "$(echo "$R" | jq .result)" = 0 ]
R=$(ctl tandem '{"command":"reservation-del","arguments":{"subnet-id":1,"ip-address":"198.18.0.56"}}')
check "reservation-del answers Host deleted. ($(echo "$R" | jq -c .text))" [ "$(echo "$R" | jq -r .text)" = "Host deleted." ]
check "and its row is gone" [ "$(db_sql "SELECT count(*) FROM hosts WHERE ipv4_address = $(ip_to_int 198.18.0.56)")" = 0 ]
check "and its options with it" [ "$(db_sql "SELECT count(*) FROM dhcp4_options WHERE host_id NOT IN (SELECT host_id FROM hosts)")" = 0 ]
GOT=$(lease_for c3 "$TIT_TMP/c3-td") || fail "tandemd gave c3 no lease"
check "tandemd serves the added host at once ($GOT)" [ "$GOT" = "198.18.0.55 api-three 198.18.0.54" ]
ST=$(ctl tandem '{"command":"status-get"}')
log "status-get hosts-databases: $(echo "$ST" | jq -c '.arguments["hosts-databases"]')"
check "status-get names the backend" [ "$(echo "$ST" | jq -r '.arguments["hosts-databases"][0].type')" = "$DB_TYPE" ]

# The database restarted under tandemd: the refresh fails, keeps the hosts, reconnects and
# reads again.
db_stop
db_start
N0=$(grep -c DHCP4_HOSTS_REFRESHED "$TIT_TMP/tandem/server.log")
insert_host 02:00:c6:12:00:64 198.18.0.57 db-four
more_refreshed() { [ "$(grep -c DHCP4_HOSTS_REFRESHED "$TIT_TMP/tandem/server.log")" -gt "$N0" ]; }
wait_for 15 "a refresh after the restart" more_refreshed || fail "no refresh after $DB_LABEL restarted"
R=$(ctl tandem '{"command":"reservation-get","arguments":{"subnet-id":1,"ip-address":"198.18.0.57"}}')
check "a host inserted after a $DB_LABEL restart is read ($(echo "$R" | jq -c .arguments.hostname))" \
  [ "$(echo "$R" | jq -r .arguments.hostname)" = db-four ]
R=$(ctl tandem '{"command":"reservation-get","arguments":{"subnet-id":1,"ip-address":"198.18.0.55"}}')
check "the hosts read before are still in force" [ "$(echo "$R" | jq -r .arguments.hostname)" = api-three ]
tit_stop "$TD_PID" TERM 10
check "tandemd exited cleanly ($TIT_STOP_RC)" [ "$TIT_STOP_RC" = 0 ]

conf "$TIT_TMP/ro" '"readonly": true'
start ro "$TANDEM"
RO_PID=$TIT_SERVER_PID
R=$(ctl ro '{"command":"reservation-add","arguments":{"reservation":{"subnet-id":1,"hw-address":"02:00:c6:12:00:98","hostname":"ro"}}}')
check "readonly: reservation-add refused with Kea's wording ($(echo "$R" | jq -c .text))" \
  [ "$(echo "$R" | jq -r .text)" = "$DB_LABEL host database backend is configured to operate in read only mode" ]
tit_stop "$RO_PID" TERM 10

start kea /usr/sbin/kea-dhcp4
KEA_PID=$TIT_SERVER_PID
GOT=$(lease_for c3 "$TIT_TMP/c3-kea") || fail "kea-dhcp4 gave c3 no lease"
check "kea-dhcp4 serves the host tandemd's reservation-add wrote ($GOT)" [ "$GOT" = "198.18.0.55 api-three 198.18.0.54" ]
tit_stop "$KEA_PID" TERM 10

# ---- 4. 100,000 hosts -----------------------------------------------------------------------
# (MariaDB's Sequence engine, seq_1_to_N, stands in for PostgreSQL's generate_series.)
case $DB_KIND in
  pgsql) BULK="SELECT DECODE(lpad(to_hex(i), 12, '0'), 'hex'), 0, 1, 'bulk-' || i FROM generate_series(1, 100000) i" ;;
  mysql) BULK="SELECT UNHEX(LPAD(HEX(seq), 12, '0')), 0, 1, CONCAT('bulk-', seq) FROM seq_1_to_100000" ;;
esac
db_sql "INSERT INTO hosts (dhcp_identifier, dhcp_identifier_type, dhcp4_subnet_id, hostname) $BULK" >/dev/null ||
  fail "bulk insert"
N=$(db_sql "SELECT count(*) FROM hosts")
log "hosts rows: $N"
rm -f "$TIT_TMP/tandem/server.log"
start tandem "$TANDEM"
TD_PID=$TIT_SERVER_PID
wait_for 30 "the start-up read" grep -q DHCP4_HOSTS_INSTALLED "$TIT_TMP/tandem/server.log"
log "start-up: $(grep -o 'DHCP4_HOSTS_LOADED.*' "$TIT_TMP/tandem/server.log")"
log "start-up: $(grep -o 'DHCP4_HOSTS_INSTALLED.*' "$TIT_TMP/tandem/server.log")"
db_sql "UPDATE hosts SET hostname = 'bulk-renamed' WHERE hostname = 'bulk-7'" >/dev/null
bulk_refreshed() { grep -q "DHCP4_HOSTS_REFRESHED.*1 hosts added or changed" "$TIT_TMP/tandem/server.log"; }
wait_for 15 "a refresh over $N hosts" bulk_refreshed || fail "no refresh over the 100,000 hosts"
sleep 5.5   # one more, unchanged, refresh
ST=$(ctl tandem '{"command":"status-get"}')
H=$(echo "$ST" | jq '.arguments["hosts-databases"][0]')
log "status-get hosts-databases[0]: $(echo "$H" | jq -c .)"
log "refresh of $N hosts: $(echo "$H" | jq '.["last-refresh-us"]') us (read + diff, on the refresh thread); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
log "applied under the lock: $(grep -o 'DHCP4_HOSTS_REFRESHED.*' "$TIT_TMP/tandem/server.log" | tail -n 1)"
check "every row is in tandemd's view" [ "$(echo "$H" | jq .hosts)" = "$N" ]
R=$(ctl tandem '{"command":"reservation-get","arguments":{"subnet-id":1,"identifier-type":"hw-address","identifier":"00:00:00:00:00:07"}}')
check "the changed bulk host is current ($(echo "$R" | jq -c .arguments.hostname))" [ "$(echo "$R" | jq -r .arguments.hostname)" = bulk-renamed ]
tit_stop "$TD_PID" TERM 10
log "PASS"
