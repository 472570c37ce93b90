#!/bin/bash
# busybox udhcpc against the server: a one-shot lease (-q -n), then a running client that
# renews on SIGUSR1 (unicast REQUEST from its address) and releases on SIGUSR2; the lease is
# in the CSV while bound and gone after the release. udhcpc sends a client identifier
# (option 61, type 1 + MAC), so this also covers leases keyed by client-id.
. "$(dirname "$0")/lib.sh"
tit_init
tit_require busybox
busybox udhcpc --help >/dev/null 2>&1 || skip "busybox has no udhcpc applet"
tit_server_bin

tit_switch
tit_host srv 02:00:c6:12:00:01 198.18.0.1/24
tit_host cl 02:00:c6:12:00:65
SRV="$TIT_ID-srv" CL="$TIT_ID-cl"

cat >"$TIT_TMP/dhcp4.json" <<'EOF'
{
  "Dhcp4": {
    "interfaces-config": { "interfaces": [ "eth0" ], "dhcp-socket-type": "raw" },
    "lease-database": { "type": "memfile", "persist": true, "name": "leases4.csv", "lfc-interval": 0 },
    "valid-lifetime": 600,
    "renew-timer": 300,
    "rebind-timer": 500,
    "option-data": [
      { "name": "domain-name-servers", "data": "198.18.0.53, 198.18.0.54" }
    ],
    "subnet4": [
      {
        "id": 7,
        "subnet": "198.18.0.0/24",
        "pools": [ { "pool": "198.18.0.200 - 198.18.0.220" } ],
        "option-data": [ { "name": "routers", "data": "198.18.0.1" } ]
      }
    ],
    "loggers": [ { "name": "kea-dhcp4", "output_options": [ { "output": "stdout" } ], "severity": "INFO" } ]
  }
}
EOF
tit_server_start srv "$SRV" "$TIT_TMP/dhcp4.json"
CSV="$TIT_SERVER_DIR/leases4.csv"

# 1. One-shot: -q exits once bound, -n exits non-zero if no lease.
C1="$TIT_TMP/udhcpc1"
tit_udhcpc_script "$C1"
TIT_DIAG+=("$C1/udhcpc.log" "$C1/events")
timeout 30 ip netns exec "$CL" busybox udhcpc -f -q -n -t 5 -T 2 -i eth0 -s "$C1/script" \
  >"$C1/udhcpc.log" 2>&1 || fail "udhcpc -q -n got no lease"
IP=$(event_var "$C1/events" ip bound)
log "udhcpc -q bound $IP"
check "address $IP is in the pool" ip_in_range "$IP" 198.18.0.200 198.18.0.220
check "router option" [ "$(event_var "$C1/events" router bound)" = 198.18.0.1 ]
check "DNS servers (global option-data)" [ "$(event_var "$C1/events" dns bound)" = "198.18.0.53 198.18.0.54" ]
check "subnet mask" [ "$(event_var "$C1/events" subnet bound)" = 255.255.255.0 ]
check "server identifier" [ "$(event_var "$C1/events" serverid bound)" = 198.18.0.1 ]
check "lease time" [ "$(event_var "$C1/events" lease bound)" = 600 ]
wait_for 5 "lease of $IP in the CSV" lease_active "$CSV" "$IP" || fail "no active lease for $IP in $CSV"
REC=$(lease_record "$CSV" "$IP")
log "lease line: $REC"
check "lease line has the hardware address" [ "$(echo "$REC" | cut -d, -f2)" = 02:00:c6:12:00:65 ]
check "lease line has the client id 01:<mac>" [ "$(echo "$REC" | cut -d, -f3)" = 01:02:00:c6:12:00:65 ]
check "lease line has subnet id 7" [ "$(echo "$REC" | cut -d, -f6)" = 7 ]

# 2. A running client: it starts in INIT-REBOOT-like fashion from scratch (udhcpc keeps no
# lease file) and must get the same address back, as a returning client (RFC 2131 4.3.1).
C2="$TIT_TMP/udhcpc2"
tit_udhcpc_script "$C2"
TIT_DIAG+=("$C2/udhcpc.log" "$C2/events")
# No timeout(1) wrapper: the signals below must reach udhcpc itself (the cleanup trap bounds it).
tit_bg "$C2/udhcpc.log" ip netns exec "$CL" busybox udhcpc -f -t 5 -T 2 -A 2 -i eth0 -s "$C2/script"
UD=$TIT_LAST_PID
bound() { [ "$(event_count "$C2/events" bound)" -ge 1 ]; }
wait_for 20 "udhcpc bound" bound || fail "running udhcpc got no lease"
check "returning client gets its address back" [ "$(event_var "$C2/events" ip bound)" = "$IP" ]
EXP1=$(lease_record "$CSV" "$IP" | cut -d, -f5)

sleep 1.1   # so the renewed lease's expire (whole seconds) is visibly later
kill -USR1 "$UD"
renewed() { [ "$(event_count "$C2/events" renew)" -ge 1 ]; }
wait_for 15 "udhcpc renew" renewed || fail "udhcpc did not renew on SIGUSR1"
check "renew kept the address" [ "$(event_var "$C2/events" ip renew)" = "$IP" ]
newer_expire() {
  local e
  e=$(lease_record "$CSV" "$IP" | cut -d, -f5)
  [ -n "$e" ] && [ "$e" -gt "$EXP1" ]
}
wait_for 5 "renewed lease written" newer_expire || fail "renewal did not extend the lease in the CSV"

kill -USR2 "$UD"
released() { ! lease_active "$CSV" "$IP"; }
wait_for 10 "lease of $IP gone from the CSV" released || fail "SIGUSR2 release did not remove $IP from $CSV"
log "after release: $(lease_record "$CSV" "$IP")"
tit_stop "$UD" TERM 5
kill -0 "$TIT_SERVER_PID" || fail "server died"
log "PASS"
