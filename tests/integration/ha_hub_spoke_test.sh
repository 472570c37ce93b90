#!/bin/bash
# HA hub-and-spoke (issue 11): one hub tandemd in two relationships, two spoke tandemds, in
# network namespaces on two bridges (two subnets, one client namespace on each):
#   relationship A: hot-standby, hub-a (primary, 198.18.0.1:8001) + spoke-a (standby), subnet
#                   198.18.0.0/24 tied to it by "ha-server-name";
#   relationship B: load-balancing, hub-b (primary, 198.18.1.1:8001) + spoke-b (secondary),
#                   subnet 198.18.1.0/24.
#  1. the hub reaches hot-standby in A and load-balancing in B; status-get lists both;
#  2. a client on each subnet is served; A's leases are on the hub and spoke-a only, B's on
#     the hub and spoke-b only (lease updates go to the subnet's relationship);
#  3. kill -9 spoke-a: the hub's relationship A reaches partner-down within 10 s and serves a
#     new client of subnet A, while relationship B stays load-balancing;
#  4. `tandemctl ha status` on the hub shows both relationships and exits 5 (degraded).
# Namespaces: thub-<pid>-{swa,swb,hub,sa,sb,ca,cb}; addresses 198.18.0.0/24, 198.18.1.0/24.
# Bounded: every wait has a timeout, perfdhcp runs under `timeout`, at most 12 exchanges.
# Exit 77 = skipped.
set -u -o pipefail
TANDEMD=${TANDEMD:-${TANDEM_BUILD:-/work/main/build}/dhcpd/tandemd}
TANDEMCTL=${TANDEMCTL:-$(dirname "$TANDEMD")/tandemctl}
ID="thub-$$"
NS=("$ID-swa" "$ID-swb" "$ID-hub" "$ID-sa" "$ID-sb" "$ID-ca" "$ID-cb")
TMP=$(mktemp -d /tmp/thub.XXXXXX)
PIDS=()
log() { printf '[%s ha_hub_spoke] %s\n' "$(date +%T.%3N)" "$*" >&2; }
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null; done
  wait 2>/dev/null
  for n in "${NS[@]}"; do ip netns del "$n" 2>/dev/null; done
  if [ $rc -ne 0 ]; then
    for f in "$TMP"/*/tandemd.log; do [ -f "$f" ] && { echo "---- $f" >&2; tail -n 30 "$f" >&2; }; done
  fi
  [ "${THS_KEEP:-0}" = 1 ] || rm -rf "$TMP"
  exit $rc
}
trap cleanup EXIT INT TERM
fail() { log "FAIL: $*"; exit 1; }
[ "$(id -u)" = 0 ] || { log "SKIP: needs root"; exit 77; }
[ -x "$TANDEMD" ] || { log "SKIP: no tandemd at $TANDEMD"; exit 77; }
[ -x "$TANDEMCTL" ] || { log "SKIP: no tandemctl at $TANDEMCTL"; exit 77; }
command -v perfdhcp >/dev/null && command -v socat >/dev/null && command -v jq >/dev/null ||
  { log "SKIP: needs perfdhcp, socat and jq"; exit 77; }

for n in "${NS[@]}"; do ip netns add "$n" || fail "netns add $n"; done
for sw in swa swb; do ip -n "$ID-$sw" link add br0 type bridge && ip -n "$ID-$sw" link set br0 up; done
i=0
plug() {  # switch host ifname address
  i=$((i + 1))
  ip link add "thb$$p$i" type veth peer name "$3" netns "$ID-$2" || fail veth
  ip link set "thb$$p$i" netns "$ID-$1"
  ip -n "$ID-$1" link set "thb$$p$i" master br0 up
  ip -n "$ID-$2" link set lo up
  ip -n "$ID-$2" link set "$3" up
  [ -n "$4" ] && ip -n "$ID-$2" addr add "$4" dev "$3"
}
plug swa hub eth0 198.18.0.1/24
plug swb hub eth1 198.18.1.1/24
plug swa sa eth0 198.18.0.2/24
plug swb sb eth0 198.18.1.3/24
plug swa ca eth0 198.18.0.200/24
plug swb cb eth0 198.18.1.200/24

TIMERS='"heartbeat-delay": 1000, "max-response-delay": 3000, "max-ack-delay": 1000, "max-unacked-clients": 0'
REL_A='{"this-server-name": "%s", "mode": "hot-standby", '"$TIMERS"', "peers": [
  {"name": "hub-a", "url": "http://198.18.0.1:8001/", "role": "primary"},
  {"name": "spoke-a", "url": "http://198.18.0.2:8001/", "role": "standby"}]}'
REL_B='{"this-server-name": "%s", "mode": "load-balancing", '"$TIMERS"', "peers": [
  {"name": "hub-b", "url": "http://198.18.1.1:8001/", "role": "primary"},
  {"name": "spoke-b", "url": "http://198.18.1.3:8001/", "role": "secondary"}]}'
SUBNET_A='{"id": 1, "subnet": "198.18.0.0/24", "pools": [{"pool": "198.18.0.100 - 198.18.0.150"}],
  "user-context": {"ha-server-name": "hub-a"}}'
SUBNET_B='{"id": 2, "subnet": "198.18.1.0/24", "pools": [{"pool": "198.18.1.100 - 198.18.1.150"}],
  "user-context": {"ha-server-name": "spoke-b"}}'

mkconf() {  # dir interfaces relationships subnets
  mkdir -p "$TMP/$1"
  cat > "$TMP/$1/tandem.json" <<EOC
{"Dhcp4": {
  "interfaces-config": {"interfaces": [$2], "dhcp-socket-type": "raw"},
  "control-socket": {"socket-type": "unix", "socket-name": "$TMP/$1/ctrl.sock"},
  "lease-database": {"type": "memfile", "persist": true, "name": "$TMP/$1/leases4.csv", "lfc-interval": 0},
  "valid-lifetime": 4000, "renew-timer": 1000, "rebind-timer": 2000,
  "hooks-libraries": [
    {"library": "libdhcp_lease_cmds.so"},
    {"library": "libdhcp_ha.so", "parameters": {"high-availability": [$3]}}],
  "subnet4": [$4],
  "loggers": [{"name": "kea-dhcp4", "output_options": [{"output": "$TMP/$1/tandemd.log"}], "severity": "INFO"}]
}}
EOC
}
# shellcheck disable=SC2059
mkconf hub '"eth0", "eth1"' "$(printf "$REL_A" hub-a), $(printf "$REL_B" hub-b)" "$SUBNET_A, $SUBNET_B"
# The spokes are plain pairs (Kea 2.2's one-relationship model): no user contexts needed.
# shellcheck disable=SC2059
mkconf sa '"eth0"' "$(printf "$REL_A" spoke-a)" "$SUBNET_A"
# shellcheck disable=SC2059
mkconf sb '"eth0"' "$(printf "$REL_B" spoke-b)" "$SUBNET_B"
"$TANDEMD" -t "$TMP/hub/tandem.json" >/dev/null || fail "tandemd -t rejects the hub config"
# A hub subnet tied to no relationship is refused at configuration.
sed 's/"user-context": {"ha-server-name": "spoke-b"}/"user-context": {}/' "$TMP/hub/tandem.json" > "$TMP/untied.json"
out=$("$TANDEMD" -t "$TMP/untied.json" 2>&1) && fail "a hub with an untied subnet was accepted"
echo "$out" | grep -q 'every subnet must name the relationship serving it' || fail "untied subnet: $out"
log "ok: hub config checked; an untied subnet is refused"

start() {  # dir
  ip netns exec "$ID-$1" "$TANDEMD" -c "$TMP/$1/tandem.json" >>"$TMP/$1/stdout.log" 2>&1 &
  PIDS+=($!)
  eval "PID_$1=$!"
}
ctl() {  # dir json
  echo "$2" | timeout 5 socat - "UNIX-CONNECT:$TMP/$1/ctrl.sock" 2>/dev/null
}
state_of() {  # dir relationship-index
  ctl "$1" '{"command":"status-get"}' | jq -r ".arguments.\"high-availability\"[$2].\"ha-servers\".local.state // \"none\"" 2>/dev/null ||
    echo none
}
wait_state() {  # dir index state timeout_s
  local end=$((SECONDS + $4))
  while [ $SECONDS -lt $end ]; do
    [ "$(state_of "$1" "$2")" = "$3" ] && return 0
    sleep 0.2
  done
  log "$1 relationship $2 is '$(state_of "$1" "$2")', expected $3"
  return 1
}
leases_of() {  # dir -> sorted addresses
  ctl "$1" '{"command":"lease4-get-all"}' | jq -r '.arguments.leases[]?."ip-address"' 2>/dev/null | sort
}
dora() {  # client-ns base-mac count
  ip netns exec "$ID-$1" timeout 20 perfdhcp -4 -l eth0 -r 10 -n "$3" -R "$3" -b "mac=$2" -p 8 -W 1000000 \
    >>"$TMP/perfdhcp.log" 2>&1
}

start hub
start sa
start sb
wait_state hub 0 hot-standby 30 || fail "hub did not reach hot-standby in relationship A"
wait_state hub 1 load-balancing 30 || fail "hub did not reach load-balancing in relationship B"
wait_state sa 0 hot-standby 30 || fail "spoke-a did not reach hot-standby"
wait_state sb 0 load-balancing 30 || fail "spoke-b did not reach load-balancing"
names=$(ctl hub '{"command":"status-get"}' | jq -r '[.arguments."high-availability"[] | ."ha-servers".local."server-name" + "/" + ."ha-servers".remote."server-name"] | join(" ")')
[ "$names" = "hub-a/spoke-a hub-b/spoke-b" ] || fail "hub status-get relationships: '$names'"
log "ok: hub in hot-standby (A) and load-balancing (B); status-get: $names"

dora ca 02:0a:00:00:00:00 4
dora cb 02:0b:00:00:00:00 6
# Updates land within the peer request timeout; poll (bounded) until the stores agree.
end=$((SECONDS + 15))
while :; do
  hub=$(leases_of hub); sa=$(leases_of sa); sb=$(leases_of sb)
  hubA=$(echo "$hub" | grep '^198\.18\.0\.' || true); hubB=$(echo "$hub" | grep '^198\.18\.1\.' || true)
  [ -n "$hubA" ] && [ -n "$hubB" ] && [ "$hubA" = "$sa" ] && [ "$hubB" = "$sb" ] && break
  [ $SECONDS -ge $end ] && break
  sleep 0.2
done
[ -n "$hubA" ] || fail "no lease in subnet A on the hub"
[ -n "$hubB" ] || fail "no lease in subnet B on the hub"
[ "$hubA" = "$sa" ] || fail "spoke-a's store is not the hub's subnet A: [$(echo $sa)] vs [$(echo $hubA)]"
[ "$hubB" = "$sb" ] || fail "spoke-b's store is not the hub's subnet B: [$(echo $sb)] vs [$(echo $hubB)]"
log "ok: subnet A leases on hub+spoke-a only ($(echo $hubA)); subnet B on hub+spoke-b only ($(echo $hubB))"

kill -KILL "$PID_sa"
t0=$SECONDS
wait_state hub 0 partner-down 10 || fail "hub did not take over relationship A"
log "ok: hub in partner-down for A $((SECONDS - t0)) s after kill -9 of spoke-a"
[ "$(state_of hub 1)" = load-balancing ] || fail "relationship B left load-balancing: $(state_of hub 1)"
before=$(leases_of hub | grep -c '^198\.18\.0\.')
dora ca 02:0a:00:00:01:00 2
after=$(leases_of hub | grep -c '^198\.18\.0\.')
[ "$after" -gt "$before" ] || fail "the hub did not serve subnet A's new clients ($before -> $after leases)"
dora cb 02:0b:00:00:01:00 2
[ "$(state_of hub 1)" = load-balancing ] || fail "relationship B left load-balancing: $(state_of hub 1)"
log "ok: hub serves subnet A alone ($before -> $after leases); relationship B still load-balancing"

out=$("$TANDEMCTL" -s "$TMP/hub/ctrl.sock" ha status 2>&1); rc=$?
[ $rc -eq 5 ] || fail "tandemctl ha status exit $rc (expected 5, degraded): $out"
echo "$out" | grep -q 'HA relationship 1 of 2: hot-standby' && echo "$out" | grep -q 'HA relationship 2 of 2: load-balancing' ||
  fail "tandemctl ha status does not show both relationships: $out"
echo "$out" | grep -q 'this server (hub-a) is in partner-down' || fail "tandemctl ha status: $out"
log "ok: tandemctl ha status shows both relationships (exit 5, degraded)"
log "PASS"
