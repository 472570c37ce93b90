#!/bin/bash
# Relayed requests (RFC 2131 4.1, RFC 3046): a relay host sends DISCOVER and REQUEST with
# giaddr set from UDP port 67. The server must answer the relay (giaddr, port 67), pick the
# subnet by giaddr (or by a subnet's "relay": {"ip-addresses"}), echo option 82, and drop a
# request whose giaddr matches no subnet.
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
# The relay's client-facing links, reduced to one address each on the relay's loopback (a
# container may lack the dummy interface module); the server routes them via the relay.
for a in 198.19.1.1 198.19.2.1 198.19.9.1 198.19.8.1; do nsx "$RELAY" ip addr add "$a/32" dev lo; done
nsx "$SRV" ip route add 198.19.0.0/16 via 198.18.0.2

cat >"$TIT_TMP/dhcp4.json" <<'EOF'
{
  "Dhcp4": {
    "interfaces-config": { "interfaces": [ "eth0" ], "dhcp-socket-type": "raw" },
    "lease-database": { "type": "memfile", "persist": true, "name": "leases4.csv", "lfc-interval": 0 },
    "valid-lifetime": 600,
    "option-data": [ { "name": "domain-name-servers", "data": "198.18.0.53" } ],
    "subnet4": [
      { "id": 1, "subnet": "198.18.0.0/24", "pools": [ { "pool": "198.18.0.100 - 198.18.0.150" } ] },
      { "id": 11, "subnet": "198.19.1.0/24", "pools": [ { "pool": "198.19.1.100 - 198.19.1.150" } ],
        "option-data": [ { "name": "routers", "data": "198.19.1.1" } ] },
      { "id": 12, "subnet": "198.19.2.0/24", "pools": [ { "pool": "198.19.2.100 - 198.19.2.150" } ],
        "option-data": [ { "name": "routers", "data": "198.19.2.1" } ] },
      // Selected because the relay's address is listed, though giaddr is outside the subnet.
      { "id": 13, "subnet": "198.19.3.0/24", "pools": [ { "pool": "198.19.3.100 - 198.19.3.150" } ],
        "relay": { "ip-addresses": [ "198.19.9.1" ] },
        "option-data": [ { "name": "routers", "data": "198.19.3.1" } ] }
    ],
    "loggers": [ { "name": "kea-dhcp4", "output_options": [ { "output": "stdout" } ], "severity": "INFO" } ]
  }
}
EOF
tit_server_start srv "$SRV" "$TIT_TMP/dhcp4.json"
CSV="$TIT_SERVER_DIR/leases4.csv"

# relayed <giaddr> <mac> <first> <last> <router> <subnet-id>
relayed() {
  local gi=$1 mac=$2 first=$3 last=$4 router=$5 sid=$6 out="$TIT_TMP/probe-$1.json"
  TIT_DIAG+=("$out")
  timeout 20 ip netns exec "$RELAY" "$PY" "$PROBE" --server 198.18.0.1 --giaddr "$gi" --mac "$mac" \
    --circuit-id "port-$gi" --remote-id tit-relay >"$out" 2>&1 || fail "no OFFER for giaddr $gi"
  local j=".offer"
  check "giaddr $gi: OFFER" [ "$(jq -r "$j.type" "$out")" = OFFER ]
  local ip
  ip=$(jq -r "$j.yiaddr" "$out")
  check "giaddr $gi: offered $ip in the subnet's pool" ip_in_range "$ip" "$first" "$last"
  check "giaddr $gi: OFFER sent to the relay from port 67" [ "$(jq -r '.offer_from | join(":")' "$out")" = 198.18.0.1:67 ]
  check "giaddr $gi: giaddr kept in the reply" [ "$(jq -r "$j.giaddr" "$out")" = "$gi" ]
  check "giaddr $gi: option 82 echoed (RFC 3046 2.2)" [ "$(jq -r "$j.relay_info" "$out")" = "$(jq -r .sent_relay_info "$out")" ]
  check "giaddr $gi: router of the subnet" [ "$(jq -r "$j.routers | join(\" \")" "$out")" = "$router" ]
  check "giaddr $gi: server identifier" [ "$(jq -r "$j.server_id" "$out")" = 198.18.0.1 ]
  j=".ack"
  check "giaddr $gi: ACK" [ "$(jq -r "$j.type" "$out")" = ACK ]
  check "giaddr $gi: ACK for the offered address" [ "$(jq -r "$j.yiaddr" "$out")" = "$ip" ]
  check "giaddr $gi: ACK sent to the relay from port 67" [ "$(jq -r '.ack_from | join(":")' "$out")" = 198.18.0.1:67 ]
  check "giaddr $gi: option 82 echoed in the ACK" [ "$(jq -r "$j.relay_info" "$out")" = "$(jq -r .sent_relay_info "$out")" ]
  check "giaddr $gi: DNS from global option-data" [ "$(jq -r "$j.dns | join(\" \")" "$out")" = 198.18.0.53 ]
  wait_for 5 "lease of $ip in the CSV" lease_active "$CSV" "$ip" || fail "no active lease for $ip"
  check "giaddr $gi: lease in subnet $sid with the client's MAC" \
    [ "$(lease_record "$CSV" "$ip" | cut -d, -f2,6)" = "$mac,$sid" ]
}

relayed 198.19.1.1 02:00:00:00:01:01 198.19.1.100 198.19.1.150 198.19.1.1 11
relayed 198.19.2.1 02:00:00:00:02:01 198.19.2.100 198.19.2.150 198.19.2.1 12
relayed 198.19.9.1 02:00:00:00:09:01 198.19.3.100 198.19.3.150 198.19.3.1 13

# giaddr on no configured link: the server has no subnet for it and must stay silent.
out="$TIT_TMP/probe-none.json"
timeout 20 ip netns exec "$RELAY" "$PY" "$PROBE" --server 198.18.0.1 --giaddr 198.19.8.1 \
  --mac 02:00:00:00:08:01 --timeout 2 >"$out" 2>&1
rc=$?
check "giaddr without a subnet gets no answer" [ "$rc" = 2 -a "$(jq -r .offer "$out")" = null ]
kill -0 "$TIT_SERVER_PID" || fail "server died"
log "PASS"
