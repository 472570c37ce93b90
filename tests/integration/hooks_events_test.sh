#!/bin/bash
# The built-in run_script and forensic log (legal_log) hooks with a real ISC dhclient: the
# operator's script is called with Kea's hook points and variables on the DORA, the renewal
# and the release, and the forensic log file <base-name>.CCYYMMDD.txt gets Kea's lines
# ("has been assigned for ... to a device with hardware address: hwtype=1 ..." twice, then
# "has been released from ..."), each with Kea's timestamp. tandemd only (Kea's legal_log is an
# ISC premium library; run_script itself is compared with Kea 2.2 in the difftest).
. "$(dirname "$0")/lib.sh"
tit_init
tit_require dhclient
tit_server_bin
[ "$TIT_SERVER_KIND" = tandemd ] || skip "the forensic log hook is built into tandemd only"

tit_switch
tit_host srv 02:00:c6:12:00:01 198.18.0.1/24
tit_host cl 02:00:c6:12:00:64
SRV="$TIT_ID-srv" CL="$TIT_ID-cl"

mkdir -p "$TIT_TMP/legal"
# Kea gives the script no PATH: absolute paths and shell built-ins only.
{
  echo '#!/bin/sh'
  echo 'echo "$1 ${LEASE4_ADDRESS:-} ${LEASES4_SIZE:-} ${LEASES4_AT0_ADDRESS:-} ${DELETED_LEASES4_AT0_ADDRESS:-} ${QUERY4_TYPE:-} ${QUERY4_HWADDR:-}" >>"$(/usr/bin/dirname "$0")/events.txt"'
} >"$TIT_TMP/event.sh"
chmod +x "$TIT_TMP/event.sh"

printf '%s\n' '{
  "Dhcp4": {
    "interfaces-config": { "interfaces": [ "eth0" ], "dhcp-socket-type": "raw" },
    "lease-database": { "type": "memfile", "persist": true, "name": "leases4.csv", "lfc-interval": 0 },
    "valid-lifetime": 120,
    "renew-timer": 4,
    "rebind-timer": 90,
    "subnet4": [ { "id": 1, "subnet": "198.18.0.0/24", "pools": [ { "pool": "198.18.0.100 - 198.18.0.150" } ],
                   "option-data": [ { "name": "routers", "data": "198.18.0.1" } ] } ],
    "hooks-libraries": [
      { "library": "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_run_script.so",
        "parameters": { "name": "TMPDIR/event.sh", "sync": false } },
      { "library": "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_legal_log.so",
        "parameters": { "path": "TMPDIR/legal", "base-name": "kea-forensic4" } }
    ],
    "loggers": [ { "name": "kea-dhcp4", "output_options": [ { "output": "stdout" } ], "severity": "INFO" } ]
  }
}' | sed "s|TMPDIR|$TIT_TMP|g" >"$TIT_TMP/dhcp4.json"
tit_server_check "$TIT_TMP/dhcp4.json" || fail "config refused: $(cat "$TIT_TMP/check/check.log")"
tit_server_start srv "$SRV" "$TIT_TMP/dhcp4.json"

C="$TIT_TMP/dhclient"
tit_dhclient_start "$C" "$CL"
DHC=$TIT_LAST_PID
wait_event "$C" BOUND 1 25 || fail "dhclient got no lease"
IP=$(event_var "$C/events" new_ip_address BOUND)
log "dhclient bound $IP"
wait_event "$C" RENEW 1 20 || fail "dhclient did not renew"
tit_stop "$DHC" TERM 5
timeout 20 ip netns exec "$CL" dhclient -4 -r -v -cf "$C/dhclient.conf" -lf "$C/dhclient.leases" \
  -pf "$C/release.pid" -sf "$C/script" eth0 >>"$C/dhclient.log" 2>&1 || fail "dhclient -r failed"

MAC=02:00:c6:12:00:64
E="$TIT_TMP/events.txt"
has_release() { grep -q "^lease4_release $IP " "$E" 2>/dev/null; }
wait_for 10 "the release's script call" has_release || { cat "$E" >&2; fail "no lease4_release call"; }
log "script calls:"
cat "$E" >&2
check "DORA and renewal: leases4_committed with the lease" \
  [ "$(grep -c "^leases4_committed  1 $IP  DHCPREQUEST $MAC\$" "$E")" -ge 2 ]
check "renewal: lease4_renew" grep -q "^lease4_renew $IP    DHCPREQUEST $MAC\$" "$E"
check "release: lease4_release" grep -q "^lease4_release $IP    DHCPRELEASE $MAC\$" "$E"
check "release: leases4_committed with the deleted lease" grep -q "^leases4_committed  0  $IP DHCPRELEASE $MAC\$" "$E"

F="$TIT_TMP/legal/kea-forensic4.$(date +%Y%m%d).txt"
has_released_line() { grep -q "has been released" "$F" 2>/dev/null; }
wait_for 10 "the forensic log's release line" has_released_line || fail "no release line in $F ($(ls "$TIT_TMP/legal"))"
log "forensic log $F:"
cat "$F" >&2
TS='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [A-Za-z0-9+-]+'
ASSIGNED="^$TS Address: $IP has been assigned for 0 hrs 2 mins 0 secs to a device with hardware address: hwtype=1 $MAC\$"
RELEASED="^$TS Address: $IP has been released from a device with hardware address: hwtype=1 $MAC\$"
check "assignment and renewal lines" [ "$(grep -cE "$ASSIGNED" "$F")" -ge 2 ]
check "release line" grep -qE "$RELEASED" "$F"
check "every line is one of Kea's" [ "$(grep -cvE "$ASSIGNED|$RELEASED" "$F")" = 0 ]
last_is_release() { tail -1 "$F" | grep -qE "$RELEASED"; }
check "the release is the last line" last_is_release
kill -0 "$TIT_SERVER_PID" || fail "server died"
log "PASS"
