#!/bin/bash
# The README's main command, `sudo scripts/ha-demo.sh`, keeps working: it runs the demo with
# the binaries under test and checks its exit code and the lines that tell its story (pair in
# load-balancing, lease from server1, healthy status, partner-down, renewal from server2,
# degraded status). Bounded by the demo's own budget plus a hard timeout. Exit 77 = skipped.
set -u -o pipefail
SRC=${TANDEM_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
TANDEMD=${TANDEMD:-${TANDEM_BUILD:-$SRC/build}/dhcpd/tandemd}
TANDEMCTL=${TANDEMCTL:-$(dirname "$TANDEMD")/tandemctl}
log() { printf '[%s ha_demo] %s\n' "$(date +%T.%3N)" "$*" >&2; }
[ "$(id -u)" = 0 ] || { log "SKIP: needs root (network namespaces)"; exit 77; }
[ -x "$TANDEMD" ] || { log "SKIP: no tandemd at $TANDEMD"; exit 77; }
[ -x "$TANDEMCTL" ] || { log "SKIP: no tandemctl at $TANDEMCTL"; exit 77; }
for c in dhclient openssl python3 ip; do
  command -v "$c" >/dev/null || { log "SKIP: '$c' not installed"; exit 77; }
done

out=$(mktemp /tmp/thd-demo-test.XXXXXX)
trap 'rm -f "$out"' EXIT
t0=$SECONDS
TANDEMD=$TANDEMD TANDEMCTL=$TANDEMCTL timeout -k 5 200 bash "$SRC/scripts/ha-demo.sh" >"$out" 2>&1
rc=$?
log "ha-demo.sh exited $rc after $((SECONDS - t0)) s"
fail() { log "FAIL: $*"; echo "---- demo output ----" >&2; cat "$out" >&2; exit 1; }
[ "$rc" -eq 0 ] || fail "ha-demo.sh exited $rc"

# expect <description> <extended regex>: the demo printed a matching line.
expect() { grep -Eq "$2" "$out" || fail "no line for: $1 (/$2/)"; log "ok: $1"; }
expect "both peers reach load-balancing" 'both peers in load-balancing'
expect "dhclient bound from server1" 'new_dhcp_server_identifier +198\.18\.0\.1$'
expect "the lease is on both peers" 'lease 198\.18\.0\.[0-9]+ from server1'
expect "healthy status shows both peers" '\| +name +server2 +server1$'
expect "healthy verdict, exit 0" '\| pair: HEALTHY'
expect "exit code 0 when healthy" '^ +\(exit code 0\)$'
expect "survivor reaches partner-down" 'server2 in partner-down [0-9.]+ s after the kill'
expect "renewal from server2, same address" 'same address 198\.18\.0\.[0-9]+, now from server2'
expect "degraded verdict names the dead partner" '\| +- partner server1 is unreachable'
expect "exit code 5 when degraded" '^ +\(exit code 5\)$'
expect "demo completed" 'demo completed in'
# The demo's cleanup trap removed its namespaces (their names are in its output).
id=$(grep -Eo 'thd-[0-9]+-s1' "$out" | head -n 1)
[ -n "$id" ] || fail "the demo did not print its namespace names"
if ip netns list | grep -q "^${id%-s1}-"; then fail "namespaces ${id%-s1}-* left behind"; fi
log "ok: namespaces ${id%-s1}-* removed"
log "PASS"
