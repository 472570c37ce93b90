#!/bin/bash
# config-set / config-reload / SIGHUP against real ISC dhclient clients (issue 3: "config-set
# with a broken config leaves the running one serving real dhclient clients").
#
# tandemd serves 198.18.0.0/16 (old pool 198.18.1.10-.50, router 198.18.0.1) on a bridge in
# namespaces, with a UNIX control socket. A first dhclient binds and keeps renewing (T1 = 4 s).
# Then:
#   - config-set with an unknown key                -> result 1, text names the JSON path;
#   - config-set with a pool outside its subnet     -> result 1;
#     both broken documents also move the pool and the router, so any partial application
#     would show in the next leases; config-get/config-hash-get still return the old config
#     and a second dhclient still gets an address from the OLD pool with the OLD router;
#   - a valid config-set changing the router        -> result 0; a third dhclient gets the new
#     router, the first client's renewal gets it too, and no lease was dropped (lease4-get);
#   - config-reload after editing the file on disk (valid -> applied, broken -> result 1);
#   - SIGHUP after editing the file (valid -> applied, broken -> old one keeps running).
# Exit 77 (skipped) when not root or a tool/binary is missing.
. "$(dirname "$0")/lib.sh"
# Namespace and temp-dir prefix of this test (lib.sh's default is tit-).
TIT_ID="tat-$$"
TIT_BUDGET=${TIT_BUDGET:-200}
tit_init
tit_require dhclient socat jq
tit_server_bin
[ "$TIT_SERVER_KIND" = tandemd ] || skip "needs tandemd (Kea 2.2 has lease4-get only with the lease_cmds hook)"

tit_switch
tit_host srv 02:00:c6:12:10:01 198.18.0.1/15
tit_host c1 02:00:c6:12:10:11
tit_host c2 02:00:c6:12:10:12
tit_host c3 02:00:c6:12:10:13
SRV="$TIT_ID-srv"

SDIR="$TIT_TMP/srv"
SOCK="$SDIR/ctrl"
mkdir -p "$SDIR"

# config <pool> <router> [extra subnet members as JSON]: the server's whole config document.
config() {
  cat <<EOF
{
  "Dhcp4": {
    "interfaces-config": { "interfaces": [ "eth0" ], "dhcp-socket-type": "raw" },
    "control-socket": { "socket-type": "unix", "socket-name": "$SOCK" },
    "lease-database": { "type": "memfile", "persist": true, "name": "$SDIR/leases4.csv", "lfc-interval": 0 },
    "valid-lifetime": 120,
    "renew-timer": 4,
    "rebind-timer": 90,
    "subnet4": [
      {
        "id": 1,
        "subnet": "198.18.0.0/16",
        "pools": [ { "pool": "$1" } ],
        "option-data": [ { "name": "routers", "data": "$2" } ]${3:+,
        $3}
      }
    ],
    "loggers": [ { "name": "kea-dhcp4", "output_options": [ { "output": "stdout" } ], "severity": "INFO" } ]
  }
}
EOF
}
OLD_POOL="198.18.1.10 - 198.18.1.50"
config "$OLD_POOL" 198.18.0.1 >"$SDIR/dhcp4.json"
tit_server_start srv "$SRV" "$SDIR/dhcp4.json"
[ "$(cat "/proc/$TIT_SERVER_PID/comm" 2>/dev/null)" = tandemd ] || fail "server pid $TIT_SERVER_PID is not tandemd"
wait_for 10 "control socket" test -S "$SOCK" || fail "no control socket at $SOCK"

# sock <json>: one command over the UNIX socket, prints the answer.
sock() { printf '%s' "$1" | timeout 10 socat -t 8 - "UNIX-CONNECT:$SOCK"; }
# result_of <answer>: the "result" of a plain or Control-Agent-style (list) answer.
result_of() { jq -r 'if type == "array" then .[0] else . end | .result' <<<"$1"; }
text_of() { jq -r 'if type == "array" then .[0] else . end | .text' <<<"$1"; }
# config_set_doc <file>: a config-set command document carrying the config in <file>.
config_set_doc() { jq -c '{command: "config-set", arguments: .}' "$1"; }
hash() { sock '{"command":"config-hash-get"}' | jq -r '.arguments.hash'; }
running_pool() { sock '{"command":"config-get"}' | jq -r '.arguments.Dhcp4.subnet4[0].pools[0].pool'; }
running_router() {
  sock '{"command":"config-get"}' |
    jq -r '.arguments.Dhcp4.subnet4[0]["option-data"][] | select(.name == "routers") | .data'
}
# lease_hw <ip>: the hw-address of the lease on <ip> (lease4-get), empty when there is none.
lease_hw() {
  local a
  a=$(sock "{\"command\":\"lease4-get\",\"arguments\":{\"ip-address\":\"$1\"}}")
  [ "$(result_of "$a")" = 0 ] && jq -r '.arguments["hw-address"]' <<<"$a"
}

# client <name> <ns>: a dhclient (one attempt, -1) in the foreground with its own lease, pid
# and script files; TIT_LAST_PID is its pid. It keeps renewing until stopped by pid.
client() {
  local d="$TIT_TMP/$1" ns=$2
  tit_dhclient_files "$d"
  TIT_DIAG+=("$d/dhclient.log" "$d/events")
  tit_bg "$d/dhclient.log" timeout "$TIT_BUDGET" ip netns exec "$ns" dhclient -4 -1 -d -v \
    -cf "$d/dhclient.conf" -lf "$d/dhclient.leases" -pf "$d/dhclient.pid" -sf "$d/script" eth0
}

# ---- 1: a first client binds -------------------------------------------------------------
client c1 "$TIT_ID-c1"
C1_PID=$TIT_LAST_PID
wait_event "$TIT_TMP/c1" BOUND 1 25 || fail "first dhclient got no lease"
IP1=$(event_var "$TIT_TMP/c1/events" new_ip_address BOUND)
log "first client bound $IP1"
check "first address is in the old pool" ip_in_range "$IP1" 198.18.1.10 198.18.1.50
check "first client got the old router" [ "$(event_var "$TIT_TMP/c1/events" new_routers BOUND)" = 198.18.0.1 ]
check "lease4-get finds the first lease" [ "$(lease_hw "$IP1")" = 02:00:c6:12:10:11 ]
HASH0=$(hash)
[ -n "$HASH0" ] && [ "$HASH0" != null ] || fail "config-hash-get gave no hash"

# ---- 2: broken config-sets are rejected ----------------------------------------------------
# (a) structure: an unknown key inside the subnet; the pool and router move too.
config "198.18.2.10 - 198.18.2.50" 198.18.0.99 '"frobnicate": true' >"$TIT_TMP/bad-a.json"
A=$(sock "$(config_set_doc "$TIT_TMP/bad-a.json")")
log "config-set (unknown key): $A"
check "unknown key: result 1" [ "$(result_of "$A")" = 1 ]
check "unknown key: text names the JSON path" grep -q 'Dhcp4/subnet4/0/frobnicate' <<<"$(text_of "$A")"

# (b) semantics: a pool outside its subnet (198.19/16 is not in 198.18.0.0/16).
config "198.19.0.10 - 198.19.0.50" 198.18.0.99 >"$TIT_TMP/bad-b.json"
B=$(sock "$(config_set_doc "$TIT_TMP/bad-b.json")")
log "config-set (pool outside subnet): $B"
check "pool outside subnet: result 1" [ "$(result_of "$B")" = 1 ]
check "pool outside subnet: text explains it" grep -q 'outside its subnet' <<<"$(text_of "$B")"
check "pool outside subnet: text names the JSON path" grep -q 'Dhcp4/subnet4/0/pools/0/pool' <<<"$(text_of "$B")"

# (c) not a config at all.
C=$(sock '{"command":"config-set","arguments":{"Dhcp4":"nope"}}')
check "Dhcp4 that is not a map: result 1" [ "$(result_of "$C")" = 1 ]

check "config-hash-get unchanged after rejected config-sets" [ "$(hash)" = "$HASH0" ]
check "config-get still returns the old pool" [ "$(running_pool)" = "$OLD_POOL" ]
check "config-get still returns the old router" [ "$(running_router)" = 198.18.0.1 ]
check "server still running" kill -0 "$TIT_SERVER_PID"

client c2 "$TIT_ID-c2"
C2_PID=$TIT_LAST_PID
wait_event "$TIT_TMP/c2" BOUND 1 25 || fail "second dhclient got no lease after the rejected config-sets"
IP2=$(event_var "$TIT_TMP/c2/events" new_ip_address BOUND)
log "second client bound $IP2"
check "second address is from the OLD pool" ip_in_range "$IP2" 198.18.1.10 198.18.1.50
check "second client got the OLD router" [ "$(event_var "$TIT_TMP/c2/events" new_routers BOUND)" = 198.18.0.1 ]
check "first client still renews" wait_event "$TIT_TMP/c1" RENEW 1 15
check "renewal kept the first address" [ "$(event_var "$TIT_TMP/c1/events" new_ip_address RENEW)" = "$IP1" ]
tit_stop "$C2_PID" TERM 5

# ---- 3: a valid config-set changes the router, leases stay -----------------------------
BEFORE=$(sock '{"command":"lease4-get-all"}' | jq -r '[.arguments.leases[]["ip-address"]] | sort | join(" ")')
log "leases before the valid config-set: $BEFORE"
config "$OLD_POOL" 198.18.0.254 >"$TIT_TMP/good.json"
G=$(sock "$(config_set_doc "$TIT_TMP/good.json")")
log "config-set (valid): $G"
check "valid config-set: result 0" [ "$(result_of "$G")" = 0 ]
check "config-hash-get changed" [ "$(hash)" != "$HASH0" ]
check "config-get returns the new router" [ "$(running_router)" = 198.18.0.254 ]
AFTER=$(sock '{"command":"lease4-get-all"}' | jq -r '[.arguments.leases[]["ip-address"]] | sort | join(" ")')
check "no lease dropped by config-set ($AFTER)" [ "$AFTER" = "$BEFORE" ]
check "first client's lease still there (lease4-get)" [ "$(lease_hw "$IP1")" = 02:00:c6:12:10:11 ]
check "second client's lease still there (lease4-get)" [ "$(lease_hw "$IP2")" = 02:00:c6:12:10:12 ]

client c3 "$TIT_ID-c3"
C3_PID=$TIT_LAST_PID
wait_event "$TIT_TMP/c3" BOUND 1 25 || fail "third dhclient got no lease after the valid config-set"
IP3=$(event_var "$TIT_TMP/c3/events" new_ip_address BOUND)
log "third client bound $IP3"
check "third client got the NEW router" [ "$(event_var "$TIT_TMP/c3/events" new_routers BOUND)" = 198.18.0.254 ]
check "third address is in the pool" ip_in_range "$IP3" 198.18.1.10 198.18.1.50
check "third address differs from the leased ones" [ "$IP3" != "$IP1" ] && check "third address differs from the second" [ "$IP3" != "$IP2" ]
tit_stop "$C3_PID" TERM 5

# The running first client learns the new router at its next renewal, same address. Waiting
# for the router (not for "one more RENEW") avoids racing a renewal answered just before.
c1_renewed_with() {
  [ "$(event_var "$TIT_TMP/c1/events" new_routers RENEW)" = "$1" ] &&
    [ "$(event_var "$TIT_TMP/c1/events" new_ip_address RENEW)" = "$IP1" ]
}
check "first client renews $IP1 and gets the new router" wait_for 15 "renewal with the new router" c1_renewed_with 198.18.0.254

# ---- 4: config-reload after editing the file on disk -------------------------------------
config "$OLD_POOL" 198.18.0.253 >"$SDIR/dhcp4.json"
R=$(sock '{"command":"config-reload"}')
log "config-reload (valid file): $R"
check "config-reload: result 0" [ "$(result_of "$R")" = 0 ]
check "config-get returns the reloaded router" [ "$(running_router)" = 198.18.0.253 ]
check "first lease kept across config-reload" [ "$(lease_hw "$IP1")" = 02:00:c6:12:10:11 ]
check "first client renews $IP1 and gets the reloaded router" wait_for 15 "renewal with the reloaded router" c1_renewed_with 198.18.0.253

HASH1=$(hash)
cp "$TIT_TMP/bad-b.json" "$SDIR/dhcp4.json"
R=$(sock '{"command":"config-reload"}')
log "config-reload (broken file): $R"
check "config-reload of a broken file: result 1" [ "$(result_of "$R")" = 1 ]
check "config-reload of a broken file: text says why" grep -q 'outside its subnet' <<<"$(text_of "$R")"
check "config unchanged after the failed reload" [ "$(hash)" = "$HASH1" ]

# ---- 5: SIGHUP ---------------------------------------------------------------------------
config "$OLD_POOL" 198.18.0.252 >"$SDIR/dhcp4.json"
kill -HUP "$TIT_SERVER_PID" || fail "cannot signal the server"
router_is() { [ "$(running_router)" = "$1" ]; }
wait_for 10 "router 198.18.0.252 after SIGHUP" router_is 198.18.0.252 || fail "SIGHUP did not reload the config"
log "ok: SIGHUP reloaded the config"
check "server still running after SIGHUP" kill -0 "$TIT_SERVER_PID"
check "first client renews $IP1 and gets the SIGHUP router" wait_for 15 "renewal with the SIGHUP router" c1_renewed_with 198.18.0.252

HASH2=$(hash)
cp "$TIT_TMP/bad-a.json" "$SDIR/dhcp4.json"
kill -HUP "$TIT_SERVER_PID" || fail "cannot signal the server"
failed_reload_logged() { grep -q 'DHCP4_RELOAD_FAIL' "$SDIR/server.log"; }
wait_for 10 "failed reload logged" failed_reload_logged || fail "SIGHUP with a broken file was not reported in the log"
log "ok: SIGHUP with a broken file logged: $(grep 'DHCP4_RELOAD_FAIL' "$SDIR/server.log" | tail -n 1)"
check "server still running after SIGHUP with a broken file" kill -0 "$TIT_SERVER_PID"
check "config unchanged after SIGHUP with a broken file" [ "$(hash)" = "$HASH2" ]
n=$(event_count "$TIT_TMP/c1/events" RENEW)
check "first client still served after the failed SIGHUP" wait_event "$TIT_TMP/c1" RENEW $((n + 1)) 15
check "renewal kept the first address and router" c1_renewed_with 198.18.0.252

tit_stop "$C1_PID" TERM 5
kill -0 "$TIT_SERVER_PID" || fail "server died"
log "PASS"
