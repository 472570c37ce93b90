#!/bin/bash
# Shared networks behind a relay, with the subnets kept in an included file: the network's
# relay address selects its first subnet; when that subnet's pool is full, relayed clients get
# addresses from the network's next subnet with that subnet's options, the network's options
# and the global ones (Kea 2.2 semantics). The subnet list comes from <?include "file"?> with a
# path relative to the working directory, as kea-dhcp4 2.2 resolves it.
. "$(dirname "$0")/lib.sh"
tit_init
tit_require python3 jq
tit_server_bin
PROBE="${TANDEM_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}/scripts/dhcp-relay-probe.py"
[ -f "$PROBE" ] || skip "missing $PROBE"
PY=$(command -v python3)

tit_switch
tit_host srv 02:00:c6:12:00:01 198.18.0.1/24
tit_host relay 02:00:c6:12:00:02 198.18.0.2/24
SRV="$TIT_ID-srv" RELAY="$TIT_ID-relay"
nsx "$RELAY" ip addr add 198.19.9.1/32 dev lo
nsx "$SRV" ip route add 198.19.0.0/16 via 198.18.0.2

mkdir -p "$TIT_TMP/srv/inc"
cat >"$TIT_TMP/srv/inc/floor-subnets.json" <<'EOF2'
// included by dhcp4.json: the shared network's subnets
{ "id": 21, "subnet": "198.19.1.0/24", "pools": [ { "pool": "198.19.1.10 - 198.19.1.11" } ] },
{ "id": 22, "subnet": "198.19.2.0/24", "pools": [ { "pool": "198.19.2.10 - 198.19.2.20" } ],
  "option-data": [ { "name": "routers", "data": "198.19.2.1" } ], "valid-lifetime": 900 }
EOF2
cat >"$TIT_TMP/dhcp4.json" <<'EOF2'
{
  "Dhcp4": {
    "interfaces-config": { "interfaces": [ "eth0" ], "dhcp-socket-type": "raw" },
    "lease-database": { "type": "memfile", "persist": true, "name": "leases4.csv", "lfc-interval": 0 },
    "valid-lifetime": 600,
    "option-data": [ { "name": "domain-name-servers", "data": "198.18.0.53" } ],
    "shared-networks": [ {
      "name": "floor",
      "relay": { "ip-addresses": [ "198.19.9.1" ] },
      "option-data": [ { "name": "routers", "data": "198.19.1.1" }, { "name": "domain-name", "data": "floor.example" } ],
      "subnet4": [ <?include "inc/floor-subnets.json"?> ]
    } ],
    "subnet4": [ { "id": 1, "subnet": "198.18.0.0/24", "pools": [ { "pool": "198.18.0.100 - 198.18.0.150" } ] } ],
    "loggers": [ { "name": "kea-dhcp4", "output_options": [ { "output": "stdout" } ], "severity": "INFO" } ]
  }
}
EOF2
cp "$TIT_TMP/dhcp4.json" "$TIT_TMP/srv/dhcp4.json"
tit_server_start srv "$SRV" "$TIT_TMP/srv/dhcp4.json"
CSV="$TIT_SERVER_DIR/leases4.csv"

# relayed <mac> <subnet-id> <first> <last> <router> <lease-time>
relayed() {
  local mac=$1 sid=$2 first=$3 last=$4 router=$5 lt=$6 out="$TIT_TMP/probe-$1.json"
  TIT_DIAG+=("$out")
  timeout 20 ip netns exec "$RELAY" "$PY" "$PROBE" --server 198.18.0.1 --giaddr 198.19.9.1 --mac "$mac" \
    >"$out" 2>&1 || fail "no OFFER/ACK for $mac"
  local ip
  ip=$(jq -r .ack.yiaddr "$out")
  check "$mac: ACK" [ "$(jq -r .ack.type "$out")" = ACK ]
  check "$mac: $ip from subnet $sid's pool" ip_in_range "$ip" "$first" "$last"
  check "$mac: router $router" [ "$(jq -r '.ack.routers | join(" ")' "$out")" = "$router" ]
  check "$mac: DNS from global option-data" [ "$(jq -r '.ack.dns | join(" ")' "$out")" = 198.18.0.53 ]
  wait_for 5 "lease of $ip in the CSV" lease_active "$CSV" "$ip" || fail "no active lease for $ip"
  check "$mac: lease in subnet $sid, valid-lifetime $lt" \
    [ "$(lease_record "$CSV" "$ip" | cut -d, -f2,4,6)" = "$mac,$lt,$sid" ]
}

relayed 02:00:00:00:21:01 21 198.19.1.10 198.19.1.11 198.19.1.1 600
relayed 02:00:00:00:21:02 21 198.19.1.10 198.19.1.11 198.19.1.1 600
# Subnet 21 is full: the next client gets subnet 22 of the same network, its router and lifetime.
relayed 02:00:00:00:22:01 22 198.19.2.10 198.19.2.20 198.19.2.1 900
kill -0 "$TIT_SERVER_PID" || fail "server died"

# A missing include is an error naming the file.
sed 's#inc/floor-subnets.json#inc/missing.json#' "$TIT_TMP/dhcp4.json" >"$TIT_TMP/broken.json"
if tit_server_check "$TIT_TMP/broken.json"; then fail "-t accepted a missing include"; fi
TIT_DIAG+=("$TIT_TMP/check/check.log")
check "-t names the missing include" grep -q "Can't open include file inc/missing.json" "$TIT_TMP/check/check.log"
log "PASS"
