# shellcheck shell=bash
# What the configuration backend tests (pgsql_cb_test.sh, mysql_cb_test.sh) share: kea-dhcp4
# with the backend's hook library and tandemd run one after the other on one file with no
# subnet of its own (everything served comes from the database), answering one dhclient.
# Source after lib.sh and the database's *_lib.sh. After tit_init and tit_server_bin:
# cb_require <hook library> <db-json function> (skips when something is missing; sets TANDEM,
# CB_LIB, CB_DB_JSON); then, with the database up, cb_segment (the bridge, srv and c1; SRV).
cb_require() {
  tit_require dhclient socat jq kea-dhcp4
  [ "$TIT_SERVER_KIND" = tandemd ] || skip "this test drives tandemd and kea-dhcp4 itself"
  TANDEM=$TIT_SERVER
  CB_LIB=/usr/lib/x86_64-linux-gnu/kea/hooks/$1
  [ -f "$CB_LIB" ] || skip "kea-dhcp4's $1 not installed ($CB_LIB)"
  CB_DB_JSON=$2
}
cb_segment() {
  tit_switch
  tit_host srv 02:00:c6:12:00:01 198.18.0.1/24
  tit_host c1 02:00:c6:12:00:61
  SRV="$TIT_ID-srv"
}

# conf <dir>: the file both servers run: server-tag td1, no subnet at all, leases in a memfile
# of each server's own, the configuration database polled every second.
conf() {
  mkdir -p "$1"
  cat >"$1/dhcp4.json" <<EOF2
{ "Dhcp4": {
    "server-tag": "td1",
    "interfaces-config": { "interfaces": [ "eth0" ], "dhcp-socket-type": "raw" },
    "lease-database": { "type": "memfile", "name": "$1/leases4.csv", "lfc-interval": 0 },
    "config-control": { "config-databases": [ $($CB_DB_JSON) ], "config-fetch-wait-time": 1 },
    "hooks-libraries": [ { "library": "$CB_LIB" } ],
    "control-socket": { "socket-type": "unix", "socket-name": "$1/ctrl.sock" },
    "valid-lifetime": 4000,
    "loggers": [ { "name": "kea-dhcp4", "output_options": [ { "output": "stdout" } ], "severity": "INFO" } ] } }
EOF2
}
ctl() { echo "$2" | timeout 20 socat -t 20 - "UNIX-CONNECT:$TIT_TMP/$1/ctrl.sock" 2>/dev/null; }
# start <dir name> <binary>: the server on $TIT_TMP/<dir>/dhcp4.json, until its control socket.
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
# merges <log>: how many times a server merged the database's rows; merged_since <log> <n>:
# more than n times.
merges() { grep -c DHCPSRV_CFGMGR_CONFIG4_MERGED "$1"; }
merged_since() { [ "$(merges "$1")" -gt "$2" ]; }

# cb_refuse_without_db: with the database stopped, neither server starts (Kea: the fetch at
# start-up fails the configuration).
cb_refuse_without_db() {
  local who bin d rc
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
}

# cb_flow: the test itself, the same for every database. The test defines before calling it:
#   cb_sql <message> <statements>  one transaction with an audit revision first, as Kea's
#                                  backend writes (its triggers file dhcp4_audit entries);
#   cb_query <sql>                 one value from the database;
#   cb_db_stop, cb_db_start        the database server stopped / started again;
#   CB_FIXTURE                     the tables' rows (statements for cb_sql): servers td1 and
#     other; valid-lifetime 900 for all and 777 for other only; shared network lan (all) with
#     option 15 "cb.example"; subnet 5 198.18.0.0/24 in lan (all) with pool .100-.150 and
#     option 3 198.18.0.1; subnet 7 (other only); global option 6 198.18.0.53 (all);
#   CB_BAD_ROW                     subnet 9 for all with the relay '{oops' (not JSON);
#   CB_OTHER_CHANGE                a change to the other server's valid-lifetime only;
#   CB_NET_OPTION                  option 15 of lan as config-get shows it, '[code,"data"]'.
# 1. kea-dhcp4, then tandemd, give c1 an address of the database's pool with the same options
#    and lifetime; tandemd's config-get has none of the other server's rows;
# 2. a row changed while each server runs (config-fetch-wait-time 1 s) is served; a change of
#    the other server's rows reconfigures nothing;
# 3. tandemd only: a bad row is left out and reported (DHCP4_CB_BAD_ROW, status-get
#    config-backend bad-rows), the rest still served;
# 4. the database stopped: tandemd serves on and logs the failed fetches; started again, a
#    change is applied (the poller reconnects); without the database neither server starts.
cb_flow() {
  local set_dns="UPDATE dhcp4_options SET formatted_value = '%s', modification_ts = NOW() WHERE code = 6 AND scope_id = 0;"
  cb_sql "fixture" "$CB_FIXTURE"
  log "audit entries after the fixture: $(cb_query "SELECT count(*) FROM dhcp4_audit")"

  # ---- 1a. kea-dhcp4 ---------------------------------------------------------------------
  conf "$TIT_TMP/kea"
  start kea /usr/sbin/kea-dhcp4
  local kea_pid=$TIT_SERVER_PID
  local kea k_ip k_rest
  kea=$(answer "$TIT_TMP/c1-kea") || fail "kea-dhcp4 gave c1 no lease from the database's subnet"
  log "kea-dhcp4 answered: $kea"
  read -r k_ip k_rest <<<"$kea"
  check "kea-dhcp4 serves the database's pool ($k_ip)" in_pool "$k_ip"
  check "with the database's options and lifetime ($k_rest)" [ "$k_rest" = "198.18.0.1 198.18.0.53 cb.example 900" ]

  # ---- 2a. a change while kea-dhcp4 runs ---------------------------------------------------
  # (Kea fetches the objects modified since its last audit revision; MySQL's timestamps have
  # whole seconds.)
  sleep 1.1
  cb_sql "dns change" "$(printf "$set_dns" 198.18.0.54)"
  sleep 3
  local kea2
  kea2=$(answer "$TIT_TMP/c1-kea2") || fail "kea-dhcp4 gave c1 no lease after the change"
  check "kea-dhcp4 serves the changed option ($kea2)" [ "$(echo "$kea2" | cut -d' ' -f3)" = 198.18.0.54 ]
  tit_stop "$kea_pid" TERM 10
  cb_sql "dns back" "$(printf "$set_dns" 198.18.0.53)"

  # ---- 1b. tandemd on the same tables -------------------------------------------------------
  conf "$TIT_TMP/tandem"
  start tandem "$TANDEM"
  local td_pid=$TIT_SERVER_PID tlog="$TIT_TMP/tandem/server.log"
  check "tandemd read the tables at start-up" grep -q "DHCPSRV_CFGMGR_CONFIG4_MERGED.*1 subnets" "$tlog"
  log "$(grep -o 'DHCPSRV_CFGMGR_CONFIG4_MERGED.*' "$tlog" | head -n 1)"
  local td t_ip t_rest cg
  td=$(answer "$TIT_TMP/c1-td") || fail "tandemd gave c1 no lease from the database's subnet"
  log "tandemd answered: $td"
  read -r t_ip t_rest <<<"$td"
  check "tandemd serves the database's pool ($t_ip)" in_pool "$t_ip"
  check "with the same options and lifetime as kea-dhcp4 ($t_rest)" [ "$t_rest" = "$k_rest" ]
  cg=$(ctl tandem '{"command":"config-get"}')
  check "config-get shows subnet 5 in shared network lan" \
    [ "$(echo "$cg" | jq -c '[.arguments.Dhcp4["shared-networks"][] | .name, (.subnet4[] | .id)]')" = '["lan",5]' ]
  check "the other server's subnet 7 is not read" \
    [ "$(echo "$cg" | jq '[.. | objects | select(.id? == 7)] | length')" = 0 ]
  check "the other server's valid-lifetime is not read" [ "$(echo "$cg" | jq '.arguments.Dhcp4["valid-lifetime"]')" = 900 ]
  check "lan's option 15 is read as Kea reads it ($CB_NET_OPTION)" \
    [ "$(echo "$cg" | jq -c '.arguments.Dhcp4["shared-networks"][0]["option-data"][0] | [.code, .data]')" = "$CB_NET_OPTION" ]

  # ---- 2b. a change while tandemd runs -------------------------------------------------------
  local n0 t0 td2 r
  n0=$(merges "$tlog")
  t0=$(date +%s.%N)
  cb_sql "dns change" "$(printf "$set_dns" 198.18.0.54)"
  wait_for 10 "tandemd to apply the change" merged_since "$tlog" "$n0" || fail "tandemd did not apply the changed row"
  log "change in force $(python3 -c "print(round($(date +%s.%N) - $t0, 2))") s after the UPDATE (config-fetch-wait-time 1 s)"
  td2=$(answer "$TIT_TMP/c1-td2") || fail "tandemd gave c1 no lease after the change"
  check "tandemd serves the changed option ($td2)" [ "$(echo "$td2" | cut -d' ' -f3)" = 198.18.0.54 ]
  r=$(ctl tandem '{"command":"lease4-get","arguments":{"ip-address":"'"$t_ip"'"}}')
  check "the lease given before the change is still there ($(echo "$r" | jq -c .text))" [ "$(echo "$r" | jq .result)" = 0 ]
  n0=$(merges "$tlog")
  cb_sql "other lifetime" "$CB_OTHER_CHANGE"
  sleep 2.5
  check "a change to another server's row reconfigures nothing" [ "$(merges "$tlog")" = "$n0" ]

  # ---- 3. a bad row --------------------------------------------------------------------------
  cb_sql "bad subnet" "$CB_BAD_ROW"
  wait_for 10 "the bad row to be reported" grep -q "DHCP4_CB_BAD_ROW.*dhcp4_subnet 9: relay" "$tlog" ||
    fail "the bad subnet row was not reported"
  log "$(grep -o 'DHCP4_CB_BAD_ROW.*' "$tlog" | head -n 1)"
  local st td3
  st=$(ctl tandem '{"command":"status-get"}')
  log "status-get config-backend: $(echo "$st" | jq -c '.arguments["config-backend"]')"
  check "status-get counts the bad row" [ "$(echo "$st" | jq '.arguments["config-backend"]["bad-rows"]')" -ge 1 ]
  td3=$(answer "$TIT_TMP/c1-td3") || fail "tandemd stopped serving after a bad row"
  check "the good rows are still served ($td3)" in_pool "$(echo "$td3" | cut -d' ' -f1)"
  check "with the changed option ($td3)" [ "$(echo "$td3" | cut -d' ' -f3)" = 198.18.0.54 ]

  # ---- 4. the database goes away and comes back ----------------------------------------------
  cb_db_stop
  wait_for 10 "a failed fetch to be logged" grep -q DHCP4_CB_PERIODIC_FETCH_UPDATES_FAIL "$tlog" ||
    fail "no DHCP4_CB_PERIODIC_FETCH_UPDATES_FAIL"
  log "$(grep -o 'DHCP4_CB_PERIODIC_FETCH_UPDATES_FAIL.*' "$tlog" | head -n 1 | cut -c1-200)"
  local td4 td5
  td4=$(answer "$TIT_TMP/c1-td4") || fail "tandemd stopped serving without its configuration database"
  check "tandemd serves on without the database ($td4)" in_pool "$(echo "$td4" | cut -d' ' -f1)"
  cb_db_start
  n0=$(merges "$tlog")
  cb_sql "dns after restart" "$(printf "$set_dns" 198.18.0.55)"
  wait_for 15 "a change after the database's restart" merged_since "$tlog" "$n0" ||
    fail "no change applied after the database restarted"
  td5=$(answer "$TIT_TMP/c1-td5") || fail "tandemd gave c1 no lease after the database restarted"
  check "a change made after the database's restart is served ($td5)" [ "$(echo "$td5" | cut -d' ' -f3)" = 198.18.0.55 ]
  st=$(ctl tandem '{"command":"status-get"}')
  check "status-get: connected again" [ "$(echo "$st" | jq '.arguments["config-backend"].connected')" = true ]
  tit_stop "$td_pid" TERM 10
  check "tandemd exited cleanly ($TIT_STOP_RC)" [ "$TIT_STOP_RC" = 0 ]

  cb_db_stop
  cb_refuse_without_db
}
