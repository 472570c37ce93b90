#!/bin/bash
# ISC dhclient against the server on a plain Ethernet segment (bridge in a namespace):
# DISCOVER/OFFER/REQUEST/ACK gives an address in the pool with the configured router, DNS
# servers and domain; the lease is in the server's CSV; dhclient renews at T1 (unicast,
# RFC 2131 4.4.5) and keeps the address; dhclient -r releases it and the CSV drops it.
. "$(dirname "$0")/lib.sh"
tit_init
tit_require dhclient
tit_server_bin

tit_switch
tit_host srv 02:00:c6:12:00:01 198.18.0.1/24
tit_host cl 02:00:c6:12:00:64
SRV="$TIT_ID-srv" CL="$TIT_ID-cl"

cat >"$TIT_TMP/dhcp4.json" <<'EOF'
{
  // Comments are allowed, as in kea-dhcp4.conf.
  "Dhcp4": {
    "interfaces-config": { "interfaces": [ "eth0" ], "dhcp-socket-type": "raw" },
    "lease-database": { "type": "memfile", "persist": true, "name": "leases4.csv", "lfc-interval": 0 },
    "valid-lifetime": 120,
    "renew-timer": 4,
    "rebind-timer": 90,
    "subnet4": [
      {
        "id": 1,
        "subnet": "198.18.0.0/24",
        "pools": [ { "pool": "198.18.0.100 - 198.18.0.150" } ],
        "option-data": [
          { "name": "routers", "data": "198.18.0.1" },
          { "name": "domain-name-servers", "data": "198.18.0.53, 198.18.0.54" },
          { "name": "domain-name", "data": "tit.example" }
        ]
      }
    ],
    "loggers": [ { "name": "kea-dhcp4", "output_options": [ { "output": "stdout" } ], "severity": "INFO" } ]
  }
}
EOF
tit_server_start srv "$SRV" "$TIT_TMP/dhcp4.json"
CSV="$TIT_SERVER_DIR/leases4.csv"

C="$TIT_TMP/dhclient"
tit_dhclient_start "$C" "$CL"
DHC=$TIT_LAST_PID
wait_event "$C" BOUND 1 25 || fail "dhclient got no lease"
IP=$(event_var "$C/events" new_ip_address BOUND)
log "dhclient bound $IP"
check "address $IP is in the pool" ip_in_range "$IP" 198.18.0.100 198.18.0.150
check "subnet mask" [ "$(event_var "$C/events" new_subnet_mask BOUND)" = 255.255.255.0 ]
check "router option" [ "$(event_var "$C/events" new_routers BOUND)" = 198.18.0.1 ]
check "DNS servers option" [ "$(event_var "$C/events" new_domain_name_servers BOUND)" = "198.18.0.53 198.18.0.54" ]
check "domain name option" [ "$(event_var "$C/events" new_domain_name BOUND)" = tit.example ]
check "server identifier" [ "$(event_var "$C/events" new_dhcp_server_identifier BOUND)" = 198.18.0.1 ]
check "lease time" [ "$(event_var "$C/events" new_dhcp_lease_time BOUND)" = 120 ]
check "renewal time T1" [ "$(event_var "$C/events" new_dhcp_renewal_time BOUND)" = 4 ]

check "lease file has Kea's lease4 header" lease_header_ok "$CSV"
wait_for 5 "lease of $IP in the CSV" lease_active "$CSV" "$IP" || fail "no active lease for $IP in $CSV"
REC=$(lease_record "$CSV" "$IP")
log "lease line: $REC"
check "lease line has the client's hardware address" [ "$(echo "$REC" | cut -d, -f2)" = 02:00:c6:12:00:64 ]
check "lease line has subnet id 1" [ "$(echo "$REC" | cut -d, -f6)" = 1 ]
check "lease line has valid lifetime 120" [ "$(echo "$REC" | cut -d, -f4)" = 120 ]
EXP1=$(echo "$REC" | cut -d, -f5)

# T1 is 4 s: dhclient unicasts a REQUEST from its address (RENEWING) and must get an ACK.
wait_event "$C" RENEW 1 20 || fail "dhclient did not renew"
check "renewal kept the address" [ "$(event_var "$C/events" new_ip_address RENEW)" = "$IP" ]
newer_expire() {
  local e
  e=$(lease_record "$CSV" "$IP" | cut -d, -f5)
  [ -n "$e" ] && [ "$e" -gt "$EXP1" ]
}
wait_for 5 "renewed lease written" newer_expire || fail "renewal did not extend the lease in the CSV"
check "lease still active after renew" lease_active "$CSV" "$IP"

# Stop the daemon (SIGTERM does not release), then release from its lease file.
tit_stop "$DHC" TERM 5
timeout 20 ip netns exec "$CL" dhclient -4 -r -v -cf "$C/dhclient.conf" -lf "$C/dhclient.leases" \
  -pf "$C/release.pid" -sf "$C/script" eth0 >>"$C/dhclient.log" 2>&1 || fail "dhclient -r failed"
check "dhclient ran its RELEASE event" [ "$(event_count "$C/events" RELEASE)" -ge 1 ]
released() { ! lease_active "$CSV" "$IP"; }
wait_for 5 "lease of $IP gone from the CSV" released || fail "release did not remove $IP from $CSV"
log "after release: $(lease_record "$CSV" "$IP")"
kill -0 "$TIT_SERVER_PID" || fail "server died"
log "PASS"
