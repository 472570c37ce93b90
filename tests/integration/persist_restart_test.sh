#!/bin/bash
# Leases survive a restart, and SIGHUP reloads the configuration without losing them:
#  1. dhclient A is bound and keeps running (T1 = 3 s, so it renews all the time);
#  2. the server gets SIGTERM (clean exit, status 0) and is started again on the same lease
#     file: A's lease is still there, A's next unicast RENEW is ACKed with the same address, and
#     a new client B gets a different address (A's is taken);
#  3. the config file is changed (new DNS server, new lifetime) and the server gets SIGHUP: it
#     keeps serving, a new client C sees the new options, and A keeps renewing its address;
#  4. a broken config file and SIGHUP: the server keeps running with the previous config.
. "$(dirname "$0")/lib.sh"
tit_init
tit_require dhclient
tit_server_bin

tit_switch
tit_host srv 02:00:c6:12:00:01 198.18.0.1/24
tit_host cla 02:00:c6:12:00:0a
tit_host clb 02:00:c6:12:00:0b
tit_host clc 02:00:c6:12:00:0c
SRV="$TIT_ID-srv"

# write_config <file> <dns> <valid-lifetime>
write_config() {
  cat >"$1" <<EOF
{
  "Dhcp4": {
    "interfaces-config": { "interfaces": [ "eth0" ], "dhcp-socket-type": "raw" },
    "lease-database": { "type": "memfile", "persist": true, "name": "leases4.csv", "lfc-interval": 0 },
    "valid-lifetime": $3,
    "renew-timer": 3,
    "rebind-timer": 100,
    "subnet4": [
      {
        "id": 1,
        "subnet": "198.18.0.0/24",
        "pools": [ { "pool": "198.18.0.100 - 198.18.0.150" } ],
        "option-data": [
          { "name": "routers", "data": "198.18.0.1" },
          { "name": "domain-name-servers", "data": "$2" }
        ]
      }
    ],
    "loggers": [ { "name": "kea-dhcp4", "output_options": [ { "output": "stdout" } ], "severity": "INFO" } ]
  }
}
EOF
}
mkdir -p "$TIT_TMP/srv"
write_config "$TIT_TMP/srv/dhcp4.json" 198.18.0.53 120
tit_server_start srv "$SRV" "$TIT_TMP/srv/dhcp4.json"
CSV="$TIT_SERVER_DIR/leases4.csv"

A="$TIT_TMP/a"
tit_dhclient_start "$A" "$TIT_ID-cla"
wait_event "$A" BOUND 1 25 || fail "client A got no lease"
IPA=$(event_var "$A/events" new_ip_address BOUND)
log "client A bound $IPA"
wait_for 5 "lease of $IPA in the CSV" lease_active "$CSV" "$IPA" || fail "no lease for $IPA in the CSV"

# --- restart ---
tit_stop "$TIT_SERVER_PID" TERM 10 || fail "server did not stop on SIGTERM"
check "server exited with status 0 on SIGTERM" [ "$TIT_STOP_RC" = 0 ]
check "lease of A on disk after shutdown" lease_active "$CSV" "$IPA"
sleep 1   # A's renewals go unanswered meanwhile
RENEWS=$(event_count "$A/events" RENEW)
tit_server_start srv "$SRV" "$TIT_TMP/srv/dhcp4.json"
check "lease of A on disk after restart" lease_active "$CSV" "$IPA"
wait_event "$A" RENEW $((RENEWS + 1)) 20 || fail "client A got no RENEW answer after the restart"
check "A renews the same address from the restarted server" [ "$(event_var "$A/events" new_ip_address RENEW)" = "$IPA" ]

B="$TIT_TMP/b"
tit_dhclient_start "$B" "$TIT_ID-clb"
wait_event "$B" BOUND 1 25 || fail "client B got no lease"
IPB=$(event_var "$B/events" new_ip_address BOUND)
log "client B bound $IPB"
check "B's address $IPB is in the pool" ip_in_range "$IPB" 198.18.0.100 198.18.0.150
check "B does not get A's address" [ "$IPB" != "$IPA" ]

# --- reload ---
write_config "$TIT_SERVER_DIR/dhcp4.json" 198.18.0.99 300
kill -HUP "$TIT_SERVER_PID"
sleep 1
kill -0 "$TIT_SERVER_PID" 2>/dev/null || fail "server exited on SIGHUP"
C="$TIT_TMP/c"
tit_dhclient_start "$C" "$TIT_ID-clc"
wait_event "$C" BOUND 1 25 || fail "client C got no lease after the reload"
IPC=$(event_var "$C/events" new_ip_address BOUND)
log "client C bound $IPC"
check "C sees the reloaded DNS server" [ "$(event_var "$C/events" new_domain_name_servers BOUND)" = 198.18.0.99 ]
check "C gets the reloaded lease time" [ "$(event_var "$C/events" new_dhcp_lease_time BOUND)" = 300 ]
check "C's address is neither A's nor B's" [ "$IPC" != "$IPA" -a "$IPC" != "$IPB" ]
RENEWS=$(event_count "$A/events" RENEW)
wait_event "$A" RENEW $((RENEWS + 1)) 15 || fail "client A got no RENEW answer after the reload"
check "A keeps its address across the reload" [ "$(event_var "$A/events" new_ip_address RENEW)" = "$IPA" ]
check "A's renewal carries the reloaded lease time" [ "$(event_var "$A/events" new_dhcp_lease_time RENEW)" = 300 ]

# --- a broken config on SIGHUP: the running configuration stays and serving goes on ---
echo '{ "Dhcp4": { "valid-lifetime": ' >"$TIT_SERVER_DIR/dhcp4.json"
kill -HUP "$TIT_SERVER_PID"
sleep 1
kill -0 "$TIT_SERVER_PID" 2>/dev/null || fail "server exited on SIGHUP with a broken config"
RENEWS=$(event_count "$A/events" RENEW)
wait_event "$A" RENEW $((RENEWS + 1)) 15 || fail "client A got no RENEW answer after a failed reload"
check "after a failed reload A still renews with the running config" \
  [ "$(event_var "$A/events" new_dhcp_lease_time RENEW)" = 300 -a "$(event_var "$A/events" new_ip_address RENEW)" = "$IPA" ]
for ip in "$IPA" "$IPB" "$IPC"; do check "lease of $ip in the CSV" lease_active "$CSV" "$ip"; done
log "PASS"
