#!/bin/bash
# One-command demo: tandemd in a network namespace hands a lease to a real ISC dhclient.
# Builds tandemd if needed, makes a bridge with a server and a client namespace (198.18.0.0/15,
# nothing leaves the machine), runs tandemd with a plain Kea-format config, lets dhclient get
# an address, shows it, the options and the lease-file line, then tears everything down.
#
# usage: sudo scripts/demo.sh        env: BUILD_DIR (default <repo>/build), TANDEMD (a binary)
#        DHCP_SERVER_BIN=/usr/sbin/kea-dhcp4 scripts/demo.sh   runs the same demo with Kea
set -u -o pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
# A machine with only Debian 12 and the clone: install the packages first (needs root).
"$SRC/scripts/install-deps.sh" --if-missing || exit 1
BUILD=${BUILD_DIR:-$SRC/build}
TIT_BUDGET=120
# shellcheck source=../tests/integration/lib.sh
. "$SRC/tests/integration/lib.sh"
TIT_NAME=demo
skip() { log "cannot run the demo: $*"; exit 1; }

if [ -z "${DHCP_SERVER_BIN:-}" ] && [ -z "${TANDEMD:-}" ]; then
  TANDEMD=$BUILD/dhcpd/tandemd
  if [ ! -x "$TANDEMD" ]; then
    log "building tandemd in $BUILD"
    cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null &&
      cmake --build "$BUILD" --target tandemd -j2 || { echo "build failed" >&2; exit 1; }
  fi
fi
tit_init
tit_require dhclient
tit_server_bin

tit_switch
tit_host server 02:00:c6:12:00:01 198.18.0.1/24
tit_host client 02:00:c6:12:00:64
log "namespaces: $TIT_SW (bridge br0), $TIT_ID-server (eth0 198.18.0.1/24), $TIT_ID-client (eth0, no address)"

cat >"$TIT_TMP/dhcp4.json" <<'EOF'
{
  "Dhcp4": {
    "interfaces-config": { "interfaces": [ "eth0" ] },
    "lease-database": { "type": "memfile", "persist": true, "name": "leases4.csv" },
    "valid-lifetime": 3600,
    "subnet4": [
      {
        "id": 1,
        "subnet": "198.18.0.0/24",
        "pools": [ { "pool": "198.18.0.100 - 198.18.0.199" } ],
        "option-data": [
          { "name": "routers", "data": "198.18.0.1" },
          { "name": "domain-name-servers", "data": "198.18.0.53" },
          { "name": "domain-name", "data": "demo.example" }
        ]
      }
    ]
  }
}
EOF
echo "== config (Kea Dhcp4 format) =="
cat "$TIT_TMP/dhcp4.json"
tit_server_start server "$TIT_ID-server" "$TIT_TMP/dhcp4.json"

C="$TIT_TMP/client"
tit_dhclient_start "$C" "$TIT_ID-client"
wait_event "$C" BOUND 1 30 || fail "dhclient got no lease"
tit_stop "$TIT_LAST_PID" TERM 5

echo
echo "== dhclient got =="
for v in new_ip_address new_subnet_mask new_routers new_domain_name_servers new_domain_name \
         new_dhcp_lease_time new_dhcp_server_identifier; do
  printf '  %-28s %s\n' "$v" "$(event_var "$C/events" "$v" BOUND)"
done
echo
echo "== client interface =="
nsx "$TIT_ID-client" ip -4 addr show dev eth0
IP=$(event_var "$C/events" new_ip_address BOUND)
echo
echo "== server lease file ($TIT_SERVER_DIR/leases4.csv) =="
head -n 1 "$TIT_SERVER_DIR/leases4.csv"
lease_record "$TIT_SERVER_DIR/leases4.csv" "$IP"
echo
log "done; cleaning up"
