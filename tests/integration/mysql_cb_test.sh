#!/bin/bash
# Kea 2.2's MySQL configuration backend (config-control / config-databases type mysql,
# libdhcp_mysql_cb.so's tables) against a private MariaDB (mysql_lib.sh), with the real
# kea-dhcp4 2.2 on the same tables; the MySQL twin of pgsql_cb_test.sh:
#  1. the CB tables are filled with SQL the way Kea's MySQL backend writes them (CALL
#     createAuditRevisionDHCP4 first in the same transaction, modification_ts given, rows
#     associated with servers in the *_server tables, addresses as INET_ATON): a shared
#     network, a subnet with a pool that exist only in the database, options at the global
#     (formatted), network (binary BLOB value) and subnet scopes, a global parameter for all
#     servers, and a subnet and a global parameter of another server tag. kea-dhcp4 with
#     libdhcp_mysql_cb.so and then tandemd give a dhclient an address of that pool with the
#     same options and lifetime;
#  2. a row changed while the servers run (config-fetch-wait-time 1 s) is served: by
#     kea-dhcp4, then by tandemd (time from the UPDATE to the new answer logged);
#  3. tandemd only: a bad row (a subnet whose relay is not JSON) is left out and reported
#     (DHCP4_CB_BAD_ROW, status-get config-backend bad-rows), the rest still served; the other
#     server's rows are not read;
#  4. MariaDB stopped: tandemd keeps serving and logs the failed fetches; started again, the
#     poller opens a new session and applies a change; a start-up without the database fails
#     for both servers, as in Kea.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mysql_lib.sh"
TIT_ID="h-mycb-$$"
TIT_BUDGET=200
tit_init
tit_require dhclient socat jq kea-dhcp4
tit_server_bin
[ "$TIT_SERVER_KIND" = tandemd ] || skip "this test drives tandemd and kea-dhcp4 itself"
TANDEM=$TIT_SERVER
CB_LIB=/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_mysql_cb.so
[ -f "$CB_LIB" ] || skip "kea-dhcp4's libdhcp_mysql_cb.so not installed ($CB_LIB)"
my_init

tit_switch
tit_host srv 02:00:c6:12:00:01 198.18.0.1/24
tit_host c1 02:00:c6:12:00:61
SRV="$TIT_ID-srv"

# conf <dir>: the file both servers run: no subnet at all (everything served comes from the
# database), leases in a memfile of each server's own.
conf() {
  mkdir -p "$1"
  cat >"$1/dhcp4.json" <<EOF2
{ "Dhcp4": {
    "server-tag": "td1",
    "interfaces-config": { "interfaces": [ "eth0" ], "dhcp-socket-type": "raw" },
    "lease-database": { "type": "memfile", "name": "$1/leases4.csv", "lfc-interval": 0 },
    "config-control": { "config-databases": [ $(my_lease_db_json) ], "config-fetch-wait-time": 1 },
    "hooks-libraries": [ { "library": "$CB_LIB" } ],
    "control-socket": { "socket-type": "unix", "socket-name": "$1/ctrl.sock" },
    "valid-lifetime": 4000,
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
# answer <dir>: a fresh dhclient until BOUND; prints "ip routers dns domain lease-time".
answer() {
  local d=$1
  rm -rf "$d"
  tit_dhclient_start "$d" "$TIT_ID-c1"
  local pid=$TIT_LAST_PID
  wait_event "$d" BOUND 1 30 || { tit_stop "$pid" TERM 5; return 1; }
  sleep 0.3
  local e="$d/events"
  echo "$(event_var "$e" new_ip_address BOUND) $(event_var "$e" new_routers BOUND)" \
    "$(event_var "$e" new_domain_name_servers BOUND) $(event_var "$e" new_domain_name BOUND)" \
    "$(event_var "$e" new_dhcp_lease_time BOUND)"
  tit_stop "$pid" TERM 5
}
in_pool() { ip_in_range "$1" 198.18.0.100 198.18.0.150; }
# cb_sql <message> <statements>: one transaction with an audit revision first, as Kea's MySQL
# backend does (its triggers write dhcp4_audit entries under @audit_revision_id).
cb_sql() {
  my_sql "START TRANSACTION;
    CALL createAuditRevisionDHCP4(NOW(), 'all', '$1', 0);
    $2
    COMMIT;" >/dev/null || fail "SQL: $1"
}

# ---- 1. the tables, filled as Kea's backend fills them -------------------------------------
ALL="(SELECT id FROM dhcp4_server WHERE tag = 'all')"
OTHER="(SELECT id FROM dhcp4_server WHERE tag = 'other')"
cb_sql "fixture" "
  INSERT INTO dhcp4_server (tag, description, modification_ts)
    VALUES ('td1', 'tandem test server', NOW()), ('other', 'another server', NOW());
  INSERT INTO dhcp4_global_parameter (name, value, parameter_type, modification_ts)
    VALUES ('valid-lifetime', '900', 0, NOW()), ('valid-lifetime', '777', 0, NOW());
  INSERT INTO dhcp4_global_parameter_server (parameter_id, server_id, modification_ts)
    VALUES ((SELECT MIN(id) FROM dhcp4_global_parameter WHERE name = 'valid-lifetime'), $ALL, NOW()),
           ((SELECT MAX(id) FROM dhcp4_global_parameter WHERE name = 'valid-lifetime'), $OTHER, NOW());
  INSERT INTO dhcp4_shared_network (name, relay, require_client_classes, modification_ts)
    VALUES ('lan', '[]', '[]', NOW());
  INSERT INTO dhcp4_shared_network_server (shared_network_id, server_id, modification_ts)
    VALUES ((SELECT id FROM dhcp4_shared_network WHERE name = 'lan'), $ALL, NOW());
  INSERT INTO dhcp4_subnet (subnet_id, subnet_prefix, shared_network_name, relay, require_client_classes,
                            renew_timer, rebind_timer, modification_ts)
    VALUES (5, '198.18.0.0/24', 'lan', '[]', '[]', 200, 400, NOW()),
           (7, '198.18.7.0/24', NULL, '[]', '[]', NULL, NULL, NOW());
  INSERT INTO dhcp4_subnet_server (subnet_id, server_id, modification_ts) VALUES (5, $ALL, NOW()), (7, $OTHER, NOW());
  INSERT INTO dhcp4_pool (start_address, end_address, subnet_id, modification_ts)
    VALUES (INET_ATON('198.18.0.100'), INET_ATON('198.18.0.150'), 5, NOW());
  INSERT INTO dhcp4_options (code, formatted_value, space, persistent, scope_id, dhcp4_subnet_id, modification_ts)
    VALUES (3, '198.18.0.1', 'dhcp4', 0, 1, 5, NOW());
  INSERT INTO dhcp4_options (code, value, space, persistent, scope_id, shared_network_name, modification_ts)
    VALUES (15, 'cb.example', 'dhcp4', 0, 4, 'lan', NOW());
  INSERT INTO dhcp4_options (code, formatted_value, space, persistent, scope_id, modification_ts)
    VALUES (6, '198.18.0.53', 'dhcp4', 0, 0, NOW());
  INSERT INTO dhcp4_options_server (option_id, server_id, modification_ts)
    VALUES ((SELECT option_id FROM dhcp4_options WHERE code = 6 AND scope_id = 0), $ALL, NOW());"
log "audit entries after the fixture: $(my_sql "SELECT count(*) FROM dhcp4_audit")"

conf "$TIT_TMP/kea"
start kea /usr/sbin/kea-dhcp4
KEA_PID=$TIT_SERVER_PID
KEA=$(answer "$TIT_TMP/c1-kea") || fail "kea-dhcp4 gave c1 no lease from the database's subnet"
log "kea-dhcp4 answered: $KEA"
read -r K_IP K_REST <<<"$KEA"
check "kea-dhcp4 serves the database's pool ($K_IP)" in_pool "$K_IP"
check "with the database's options and lifetime ($K_REST)" [ "$K_REST" = "198.18.0.1 198.18.0.53 cb.example 900" ]

# ---- 2a. a change while kea-dhcp4 runs -------------------------------------------------------
# (modification_ts: Kea fetches the objects modified since its last audit revision.)
sleep 1.1
cb_sql "dns change" "UPDATE dhcp4_options SET formatted_value = '198.18.0.54', modification_ts = NOW() WHERE code = 6 AND scope_id = 0;"
sleep 3
KEA2=$(answer "$TIT_TMP/c1-kea2") || fail "kea-dhcp4 gave c1 no lease after the change"
check "kea-dhcp4 serves the changed option ($KEA2)" [ "$(echo "$KEA2" | cut -d' ' -f3)" = 198.18.0.54 ]
tit_stop "$KEA_PID" TERM 10
cb_sql "dns back" "UPDATE dhcp4_options SET formatted_value = '198.18.0.53', modification_ts = NOW() WHERE code = 6 AND scope_id = 0;"

# ---- 1b. tandemd on the same tables ----------------------------------------------------------
conf "$TIT_TMP/tandem"
start tandem "$TANDEM"
TD_PID=$TIT_SERVER_PID
TLOG="$TIT_TMP/tandem/server.log"
check "tandemd read the tables at start-up" grep -q "DHCPSRV_CFGMGR_CONFIG4_MERGED.*1 subnets" "$TLOG"
log "$(grep -o 'DHCPSRV_CFGMGR_CONFIG4_MERGED.*' "$TLOG" | head -n 1)"
TD=$(answer "$TIT_TMP/c1-td") || fail "tandemd gave c1 no lease from the database's subnet"
log "tandemd answered: $TD"
read -r T_IP T_REST <<<"$TD"
check "tandemd serves the database's pool ($T_IP)" in_pool "$T_IP"
check "with the same options and lifetime as kea-dhcp4 ($T_REST)" [ "$T_REST" = "$K_REST" ]
CG=$(ctl tandem '{"command":"config-get"}')
check "config-get shows subnet 5 in shared network lan" \
  [ "$(echo "$CG" | jq -c '[.arguments.Dhcp4["shared-networks"][] | .name, (.subnet4[] | .id)]')" = '["lan",5]' ]
check "the other server's subnet 7 is not read" \
  [ "$(echo "$CG" | jq '[.. | objects | select(.id? == 7)] | length')" = 0 ]
check "the other server's valid-lifetime is not read" \
  [ "$(echo "$CG" | jq '.arguments.Dhcp4["valid-lifetime"]')" = 900 ]
check "the network's binary option is read as Kea reads it" \
  [ "$(echo "$CG" | jq -c '.arguments.Dhcp4["shared-networks"][0]["option-data"][0] | [.code, .data]')" = '[15,"63622e6578616d706c65"]' ]

# ---- 2b. a change while tandemd runs ---------------------------------------------------------
N0=$(grep -c DHCPSRV_CFGMGR_CONFIG4_MERGED "$TLOG")
T0=$(date +%s.%N)
cb_sql "dns change" "UPDATE dhcp4_options SET formatted_value = '198.18.0.54', modification_ts = NOW() WHERE code = 6 AND scope_id = 0;"
merged_again() { [ "$(grep -c DHCPSRV_CFGMGR_CONFIG4_MERGED "$TLOG")" -gt "$N0" ]; }
wait_for 10 "tandemd to apply the change" merged_again || fail "tandemd did not apply the changed row"
log "change in force $(python3 -c "print(round($(date +%s.%N) - $T0, 2))") s after the UPDATE (config-fetch-wait-time 1 s)"
TD2=$(answer "$TIT_TMP/c1-td2") || fail "tandemd gave c1 no lease after the change"
check "tandemd serves the changed option ($TD2)" [ "$(echo "$TD2" | cut -d' ' -f3)" = 198.18.0.54 ]
R=$(ctl tandem '{"command":"lease4-get","arguments":{"ip-address":"'"$T_IP"'"}}')
check "the lease given before the change is still there ($(echo "$R" | jq -c .text))" [ "$(echo "$R" | jq .result)" = 0 ]
# A change to the other server's rows only: read, but nothing of this server's changes.
N1=$(grep -c DHCPSRV_CFGMGR_CONFIG4_MERGED "$TLOG")
cb_sql "other lifetime" "UPDATE dhcp4_global_parameter SET value = '778', modification_ts = NOW() WHERE value = '777';"
sleep 2.5
check "a change to another server's row reconfigures nothing" [ "$(grep -c DHCPSRV_CFGMGR_CONFIG4_MERGED "$TLOG")" = "$N1" ]

# ---- 3. a bad row ----------------------------------------------------------------------------
cb_sql "bad subnet" "
  INSERT INTO dhcp4_subnet (subnet_id, subnet_prefix, relay, require_client_classes, modification_ts)
    VALUES (9, '198.18.9.0/24', '{oops', '[]', NOW());
  INSERT INTO dhcp4_subnet_server (subnet_id, server_id, modification_ts) VALUES (9, $ALL, NOW());"
bad_logged() { grep -q "DHCP4_CB_BAD_ROW.*dhcp4_subnet 9: relay" "$TLOG"; }
wait_for 10 "the bad row to be reported" bad_logged || fail "the bad subnet row was not reported"
log "$(grep -o 'DHCP4_CB_BAD_ROW.*' "$TLOG" | head -n 1)"
ST=$(ctl tandem '{"command":"status-get"}')
log "status-get config-backend: $(echo "$ST" | jq -c '.arguments["config-backend"]')"
check "status-get counts the bad row" [ "$(echo "$ST" | jq '.arguments["config-backend"]["bad-rows"]')" -ge 1 ]
TD3=$(answer "$TIT_TMP/c1-td3") || fail "tandemd stopped serving after a bad row"
check "the good rows are still served ($TD3)" in_pool "$(echo "$TD3" | cut -d' ' -f1)"
check "with the changed option ($TD3)" [ "$(echo "$TD3" | cut -d' ' -f3)" = 198.18.0.54 ]

# ---- 4. MariaDB goes away and comes back -----------------------------------------------------
my_kill TERM
fetch_failed() { grep -q DHCP4_CB_PERIODIC_FETCH_UPDATES_FAIL "$TLOG"; }
wait_for 10 "a failed fetch to be logged" fetch_failed || fail "no DHCP4_CB_PERIODIC_FETCH_UPDATES_FAIL"
log "$(grep -o 'DHCP4_CB_PERIODIC_FETCH_UPDATES_FAIL.*' "$TLOG" | head -n 1 | cut -c1-200)"
TD4=$(answer "$TIT_TMP/c1-td4") || fail "tandemd stopped serving without its configuration database"
check "tandemd serves on without the database ($TD4)" in_pool "$(echo "$TD4" | cut -d' ' -f1)"
my_start
N2=$(grep -c DHCPSRV_CFGMGR_CONFIG4_MERGED "$TLOG")
cb_sql "dns after restart" "UPDATE dhcp4_options SET formatted_value = '198.18.0.55', modification_ts = NOW() WHERE code = 6 AND scope_id = 0;"
merged_after() { [ "$(grep -c DHCPSRV_CFGMGR_CONFIG4_MERGED "$TLOG")" -gt "$N2" ]; }
wait_for 15 "a change after MariaDB's restart" merged_after || fail "no change applied after MariaDB restarted"
TD5=$(answer "$TIT_TMP/c1-td5") || fail "tandemd gave c1 no lease after MariaDB restarted"
check "a change made after MariaDB's restart is served ($TD5)" [ "$(echo "$TD5" | cut -d' ' -f3)" = 198.18.0.55 ]
ST=$(ctl tandem '{"command":"status-get"}')
check "status-get: connected again" [ "$(echo "$ST" | jq '.arguments["config-backend"].connected')" = true ]
tit_stop "$TD_PID" TERM 10
check "tandemd exited cleanly ($TIT_STOP_RC)" [ "$TIT_STOP_RC" = 0 ]

my_kill TERM
for who in tandem kea; do
  bin=$TANDEM
  [ "$who" = kea ] && bin=/usr/sbin/kea-dhcp4
  d="$TIT_TMP/$who-nodb"
  conf "$d"
  ( cd "$d" && KEA_PIDFILE_DIR="$d" KEA_LOCKFILE_DIR="$d" timeout 30 ip netns exec "$SRV" "$bin" -c dhcp4.json ) \
    >"$d/server.log" 2>&1
  rc=$?
  log "$who without its configuration database: exit $rc: $(grep -m1 -o 'config backend database.*' "$d/server.log" | cut -c1-160)"
  check "$who refuses to start without its configuration database" test "$rc" != 0 -a "$rc" != 124
done
log "PASS"
