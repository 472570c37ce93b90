#!/bin/bash
# shellcheck disable=SC2034  # the TIT_* settings are read by tests/integration/lib.sh
# One-command HA demo: a tandemd load-balancing pair with mutual TLS in network namespaces,
# a real ISC dhclient getting a lease from it, `tandemctl ha status` showing both peers, then
# the primary killed (kill -9) and the client renewing its address from the survivor.
#
# The servers run config-examples/ha-load-balancing-{primary,secondary}.json unchanged, with
# certificates from config-examples/mkcerts.sh. Everything lives in namespaces this script
# creates (a bridge, server1 198.18.0.1, server2 198.18.0.2, a client; 198.18.0.0/15, nothing
# leaves the machine) and is torn down on exit, also on failure or Ctrl-C. Bounded: 150 s.
#
# usage: sudo scripts/ha-demo.sh    env: BUILD_DIR (default <repo>/build), TANDEMD, TANDEMCTL,
#        HA_DEMO_KEEP=1 keeps the temp dir (logs, lease files, certificates)
# exit:  0 the demo ran as described; 1 a step failed (its diagnostics are printed)
set -u -o pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
# A machine with only Debian 12 and the clone: install the packages first (needs root).
"$SRC/scripts/install-deps.sh" --if-missing || exit 1
BUILD=${BUILD_DIR:-$SRC/build}
TIT_BUDGET=${HA_DEMO_BUDGET:-150}
TIT_KEEP=${HA_DEMO_KEEP:-0}
# shellcheck source=../tests/integration/lib.sh
. "$SRC/tests/integration/lib.sh"
# Our own namespace prefix, so the demo never collides with a test run in parallel.
TIT_ID="thd-$$"
TIT_NAME=ha-demo
skip() { log "cannot run the demo: $*"; exit 1; }

T0=$(date +%s.%N)
elapsed() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%5.1f s", b - a }'; }
STEP=0
BOLD="" PLAIN=""
if [ -t 1 ]; then BOLD=$'\033[1m' PLAIN=$'\033[0m'; fi
section() {
  STEP=$((STEP + 1))
  printf '\n%s== %d. %s%s  [t+%s]\n' "$BOLD" "$STEP" "$*" "$PLAIN" "$(elapsed)"
}
say() { printf '   %s\n' "$*"; }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'; }

# ---- binaries ----------------------------------------------------------------------------
TANDEMD=${TANDEMD:-$BUILD/dhcpd/tandemd}
TANDEMCTL=${TANDEMCTL:-$(dirname "$TANDEMD")/tandemctl}
if [ ! -x "$TANDEMD" ] || [ ! -x "$TANDEMCTL" ]; then
  log "building tandemd and tandemctl in $BUILD"
  cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null &&
    cmake --build "$BUILD" --target tandemd tandemctl -j2 || { echo "build failed" >&2; exit 1; }
  TANDEMD=$BUILD/dhcpd/tandemd
  TANDEMCTL=$BUILD/dhcpd/tandemctl
fi
# Absolute: the servers start from their own directories.
TANDEMD=$(readlink -f "$TANDEMD") TANDEMCTL=$(readlink -f "$TANDEMCTL")
tit_init
tit_require dhclient openssl python3
TIT_SERVER=$TANDEMD
TIT_SERVER_KIND=tandemd

# ---- helpers -----------------------------------------------------------------------------
sock() { echo "$TIT_TMP/$1/tandem4-$1-ctrl-socket"; }
ctl() { local s=$1; shift; timeout 10 "$TANDEMCTL" -s "$(sock "$s")" --timeout 5 "$@"; }
# local HA state of a server ("none" when it does not answer)
state_of() {
  ctl "$1" --json status 2>/dev/null | python3 -c 'import json, sys
try: print(json.load(sys.stdin)["arguments"]["high-availability"][0]["ha-servers"]["local"]["state"])
except Exception: print("none")'
}
wait_state() {  # server state timeout_s
  local end=$((SECONDS + $3)) s
  while [ "$SECONDS" -lt "$end" ]; do
    s=$(state_of "$1")
    [ "$s" = "$2" ] && return 0
    sleep 0.2
  done
  log "$1 is in '$(state_of "$1")', expected $2"
  return 1
}
# RFC 3074 load-balancing hash of a MAC (dhclient sends no client-id here, so Kea and tandemd
# hash chaddr): even -> the primary's scope, odd -> the secondary's.
lb_hash() {
  python3 - "$1" "$SRC/ha/scope_filter.cpp" <<'EOF'
import re, sys
src = open(sys.argv[2]).read()
table = [int(x) for x in re.findall(r'\d+', src.split('kRfc3074MixTable = {')[1].split('};')[0])]
key = bytes(int(b, 16) for b in sys.argv[1].split(':'))
h = len(key) & 0xff
for b in reversed(key):
    h = table[h ^ b]
print(h)
EOF
}
show_lease() {  # events-file reason
  local ev=$1 r=$2
  for v in new_ip_address new_subnet_mask new_routers new_dhcp_lease_time new_dhcp_server_identifier; do
    printf '   %-28s %s\n' "$v" "$(event_var "$ev" "$v" "$r")"
  done
}
ha_status() {  # server
  local rc
  echo "   \$ tandemctl -s $(sock "$1") ha status"
  ctl "$1" ha status | sed 's/^/   | /'
  rc=${PIPESTATUS[0]}
  echo "   (exit code $rc)"
  return "$rc"
}

# ---- 1. certificates ---------------------------------------------------------------------
section "certificates for mutual TLS (config-examples/mkcerts.sh)"
CERTS=$TIT_TMP/certs
bash "$SRC/config-examples/mkcerts.sh" "$CERTS" server1=198.18.0.1 server2=198.18.0.2 >/dev/null ||
  fail "mkcerts.sh failed"
for n in server1 server2; do
  say "$n.pem: $(openssl x509 -in "$CERTS/$n.pem" -noout -subject -ext subjectAltName 2>/dev/null | tr '\n' ' ' | sed 's/  */ /g')"
done
say "CA: $CERTS/ca.pem (trust-anchor of both peers; require-client-certs: true)"

# ---- 2. network --------------------------------------------------------------------------
section "network namespaces"
tit_switch
tit_host s1 02:00:c6:12:00:01 198.18.0.1/24
tit_host s2 02:00:c6:12:00:02 198.18.0.2/24
# A client MAC in the primary's scope, so killing the primary really moves this client.
CMAC=""
for x in $(seq 100 199); do
  m=$(printf '02:00:c6:12:00:%02x' "$x")
  h=$(lb_hash "$m") || fail "cannot compute the RFC 3074 hash"
  if [ $((h % 2)) -eq 0 ]; then CMAC=$m; CHASH=$h; break; fi
done
[ -n "$CMAC" ] || fail "no client MAC in the primary's scope"
tit_host c "$CMAC"
say "$TIT_SW: bridge br0"
say "$TIT_ID-s1: server1 (primary)    eth0 198.18.0.1/24"
say "$TIT_ID-s2: server2 (secondary)  eth0 198.18.0.2/24"
say "$TIT_ID-c:  client               eth0 $CMAC (RFC 3074 hash $CHASH: even, server1's scope)"

# ---- 3. servers --------------------------------------------------------------------------
section "tandemd load-balancing pair (config-examples/ha-load-balancing-*.json, unchanged)"
PID=()
i=0
for role in primary secondary; do
  i=$((i + 1))
  d=$TIT_TMP/server$i
  mkdir -p "$d"
  ln -s "$CERTS" "$d/certs"
  cp "$SRC/config-examples/ha-load-balancing-$role.json" "$d/dhcp4.json"
  # Relative paths in the config (certs/, lease file, control socket) resolve against $d.
  (cd "$d" && "$TANDEMD" -t dhcp4.json) >"$d/check.log" 2>&1 || { cat "$d/check.log" >&2; fail "tandemd -t rejects $role config"; }
  tit_server_start "server$i" "$TIT_ID-s$i" "$d/dhcp4.json"
  PID[$i]=$TIT_SERVER_PID
  say "server$i ($role): pid ${PID[$i]}, HTTPS peer listener https://198.18.0.$i:8001/, control socket $(sock "server$i")"
done
t=$(date +%s.%N)
wait_state server1 load-balancing 30 || fail "server1 did not reach load-balancing"
wait_state server2 load-balancing 30 || fail "server2 did not reach load-balancing"
say "both peers in load-balancing ($(since "$t") s after start; heartbeats over mutual TLS)"

# ---- 4. a real client --------------------------------------------------------------------
section "dhclient gets a lease"
C=$TIT_TMP/client
tit_dhclient_files "$C"
tit_dhclient_start "$C" "$TIT_ID-c"
wait_event "$C" BOUND 1 30 || fail "dhclient got no lease"
tit_stop "$TIT_LAST_PID" TERM 5
IP=$(event_var "$C/events" new_ip_address BOUND)
SID=$(event_var "$C/events" new_dhcp_server_identifier BOUND)
show_lease "$C/events" BOUND
[ "$SID" = 198.18.0.1 ] || fail "the lease came from $SID, expected server1 (198.18.0.1)"
say "lease $IP from server1; lease update sent to server2 before the DHCPACK:"
for s in server1 server2; do
  ctl "$s" lease get "$IP" >/dev/null || fail "lease $IP is not on $s"
  say "  $s: $(ctl "$s" lease get "$IP" | tail -n 1 | sed 's/  */ /g')"
done

# ---- 5. status ---------------------------------------------------------------------------
section "tandemctl ha status on server2 (healthy pair)"
ha_status server2 || fail "tandemctl ha status reports a degraded pair"

# ---- 6. failover -------------------------------------------------------------------------
section "kill -9 the primary (server1, pid ${PID[1]})"
kill -KILL "${PID[1]}"
TK=$(date +%s.%N)
wait "${PID[1]}" 2>/dev/null
say "server1 is gone; server2 notices after max-response-delay (3 s) without a heartbeat answer"
wait_state server2 partner-down 20 || fail "server2 did not reach partner-down"
say "server2 in partner-down $(since "$TK") s after the kill"

# ---- 7. renewal from the survivor --------------------------------------------------------
section "the client renews from the survivor"
# Same lease file: dhclient starts in INIT-REBOOT and broadcasts a REQUEST for its address.
say "dhclient restarted with its lease file: INIT-REBOOT, DHCPREQUEST for $IP (RFC 2131 3.2)"
tit_dhclient_start "$C" "$TIT_ID-c"
wait_event "$C" REBOOT 1 30 || wait_event "$C" BOUND 2 5 || fail "the client was not served after failover"
tit_stop "$TIT_LAST_PID" TERM 5
R=REBOOT
[ "$(event_count "$C/events" REBOOT)" -ge 1 ] || R=BOUND
show_lease "$C/events" "$R"
IP2=$(event_var "$C/events" new_ip_address "$R")
SID2=$(event_var "$C/events" new_dhcp_server_identifier "$R")
[ "$SID2" = 198.18.0.2 ] || fail "the renewal came from $SID2, expected server2 (198.18.0.2)"
[ "$IP2" = "$IP" ] || fail "the client got $IP2 instead of keeping $IP"
say "same address $IP, now from server2 ($R, $(since "$TK") s after the kill)"

# ---- 8. status again ---------------------------------------------------------------------
section "tandemctl ha status on server2 (degraded: partner down), over HTTPS"
# The same query through server2's HTTPS listener with a client certificate, from the
# client's namespace: what a monitoring host would run.
echo "   \$ tandemctl -u https://198.18.0.2:8001/ --ca ca.pem --cert server1.pem --key server1.key ha status"
nsx "$TIT_ID-c" timeout 10 "$TANDEMCTL" -u https://198.18.0.2:8001/ --ca "$CERTS/ca.pem" \
  --cert "$CERTS/server1.pem" --key "$CERTS/server1.key" --timeout 5 ha status | sed 's/^/   | /'
rc=${PIPESTATUS[0]}
echo "   (exit code $rc)"
[ "$rc" -eq 5 ] || fail "tandemctl ha status exited $rc with the primary dead, expected 5 (degraded)"
say "exit code 5: monitoring sees the pair is degraded"

section "done; cleaning up"
say "demo completed in $(elapsed)"
