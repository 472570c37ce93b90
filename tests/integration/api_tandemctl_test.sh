#!/bin/bash
# tandemctl against a real tandemd (loopback only, "interfaces": [], no namespaces): every
# command of issue 3's tandemctl section, tables vs --json, the exit codes scripts rely on
# (0 ok, 1 error, 2 usage, 3 not found/empty, 4 cannot reach the daemon), a clear message when
# the daemon is not running, and --timeout honoured by a daemon that accepts but never answers
# (UNIX socket, HTTP and HTTPS).
# Exits 77 (skipped) when a tool or the tandemd/tandemctl binary is missing.
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=${TANDEM_SRC:-$(cd "$here/../.." && pwd)}
TANDEMD=${TANDEMD:-}
if [ -z "$TANDEMD" ]; then
  for b in "${TANDEM_BUILD:-}" "$src/build-api" "$src/build-daemon" "$src/build"; do
    [ -n "$b" ] && [ -x "$b/dhcpd/tandemd" ] && { TANDEMD=$b/dhcpd/tandemd; break; }
  done
fi
TANDEMCTL=${TANDEMCTL:-$(dirname "${TANDEMD:-/nonexistent/x}")/tandemctl}

skip() { echo "SKIP: $*"; exit 77; }
for tool in socat jq python3 timeout; do command -v $tool >/dev/null || skip "$tool not installed"; done
[ -n "$TANDEMD" ] && [ -x "$TANDEMD" ] || skip "tandemd binary not found"
[ -x "$TANDEMCTL" ] || skip "tandemctl not found next to $TANDEMD"

WORK=$(mktemp -d /tmp/tat-ctl.XXXXXX)
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do
    kill -0 "$p" 2>/dev/null || continue
    kill -TERM "$p" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
  done
  wait 2>/dev/null
  [ "${TAT_KEEP:-0}" = 1 ] && echo "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# The whole script is bounded: a hang is a failure. The sleep must not outlive the test (it
# would hold ctest's output pipe open), so the watchdog kills it when it is stopped.
(
  trap 'kill "$sp" 2>/dev/null; exit 0' TERM
  sleep 150 >/dev/null 2>&1 &
  sp=$!
  wait "$sp" && { echo "FAIL: time budget of 150 s exceeded" >&2; kill -TERM $$; }
) &
PIDS+=($!)

fail() {
  echo "FAIL: $*"
  [ -f "$WORK/tandemd.out" ] && tail -n 30 "$WORK/tandemd.out"
  exit 1
}
ok() { echo "ok: $*"; }

# run <command...>: runs it (bounded), leaving stdout in $OUT, stderr in $ERR, status in $RC.
run() {
  timeout 20 "$@" >"$WORK/out" 2>"$WORK/err"
  RC=$?
  OUT=$(cat "$WORK/out")
  ERR=$(cat "$WORK/err")
}
# expect_rc <description> <rc> [stdout-regex [stderr-regex]] -- <command...>
expect_rc() {
  local what=$1 want=$2 out_re=${3:-} err_re=${4:-}
  shift 4
  [ "${1:-}" = -- ] && shift
  run "$@"
  [ "$RC" = "$want" ] || fail "$what: exit $RC, expected $want; stdout: $OUT; stderr: $ERR"
  if [ -n "$out_re" ] && ! grep -Eq -- "$out_re" <<<"$OUT"; then fail "$what: expected /$out_re/ on stdout: $OUT"; fi
  if [ -n "$err_re" ] && ! grep -Eq -- "$err_re" <<<"$ERR"; then fail "$what: expected /$err_re/ on stderr: $ERR"; fi
  ok "$what (exit $RC)"
}

freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P_HTTP=$(freeport)
cd "$WORK" || exit 1

# ---- usage and --help (nothing is sent) -------------------------------------------------
expect_rc "--help on stdout" 0 "^usage: tandemctl" "" -- "$TANDEMCTL" --help
for word in "status" "ha status" "leases \[--subnet N\] \[--hw MAC\]" "lease get" "lease add" "lease del" \
  "reservations" "reservation get" "reservation add" "reservation del" "stats" "config test" "config set" \
  "config reload" "config get" "config write" "raw" "--json" "--timeout" "--socket" "--url" "--cert" "--key" \
  "--ca" "--user" "--password" "exit codes" "cannot reach the daemon"; do
  grep -Eq -- "$word" <<<"$OUT" || fail "--help does not document '$word'"
done
ok "--help documents every command, option and exit code"
expect_rc "no command: usage on stderr" 2 "" "missing command" -- "$TANDEMCTL"
expect_rc "unknown command" 2 "" "unknown command frobnicate" -- "$TANDEMCTL" -s "$WORK/none" frobnicate
expect_rc "unknown option" 2 "" "unknown option --bogus" -- "$TANDEMCTL" --bogus status
expect_rc "non-numeric --subnet" 2 "" "--subnet needs a number" -- "$TANDEMCTL" -s "$WORK/none" leases --subnet x
expect_rc "non-numeric --valid-lft" 2 "" "--valid-lft needs a number" -- \
  "$TANDEMCTL" -s "$WORK/none" lease add --ip 198.18.32.9 --hw 02:00:00:00:00:09 --valid-lft 1h
expect_rc "zero --timeout" 2 "" "--timeout needs a number" -- "$TANDEMCTL" --timeout 0 status
expect_rc "stray argument" 2 "" "unexpected argument 'now'" -- "$TANDEMCTL" -s "$WORK/none" status now
expect_rc "lease add without --hw" 2 "" "needs --ip and --hw" -- "$TANDEMCTL" lease add --ip 198.18.32.9
expect_rc "reservation add without identifier" 2 "" "needs --hw or --client-id" -- \
  "$TANDEMCTL" reservation add --subnet 1 --ip 198.18.32.9
expect_rc "raw with broken JSON" 2 "" "raw needs a JSON object" -- "$TANDEMCTL" raw '{"command":'
expect_rc "config test of a missing file" 2 "" "cannot read" -- "$TANDEMCTL" config test "$WORK/missing.json"

# ---- daemon not running ------------------------------------------------------------------
expect_rc "no socket: exit 4" 4 "" "tandemd is not running" -- "$TANDEMCTL" -s "$WORK/none" status
expect_rc "no socket with --json: still exit 4" 4 "" "tandemd is not running" -- "$TANDEMCTL" --json -s "$WORK/none" leases
# A socket file left behind by a dead daemon: connection refused.
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$WORK/stale"
expect_rc "stale socket file: exit 4" 4 "" "not running \(connection refused" -- "$TANDEMCTL" -s "$WORK/stale" status
expect_rc "nothing on the HTTP port: exit 4" 4 "" "not running \(connection refused" -- \
  "$TANDEMCTL" -u "http://127.0.0.1:$P_HTTP/" status

# ---- a peer that accepts and never answers: --timeout bounds every transport -----------
P_SILENT=$(freeport)
# One process (stopped by its pid) listening on a UNIX socket and a TCP port, accepting
# connections and never answering.
python3 - "$WORK/silent" "$P_SILENT" "$WORK/silent.ready" >/dev/null 2>&1 <<'PY' &
import select, socket, sys
u = socket.socket(socket.AF_UNIX); u.bind(sys.argv[1]); u.listen(16)
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.1", int(sys.argv[2]))); t.listen(16)
open(sys.argv[3], "w").close()
held = []
while True:
    for s in select.select([u, t], [], [])[0]:
        held.append(s.accept()[0])
PY
PIDS+=($!)
for _ in $(seq 100); do [ -f "$WORK/silent.ready" ] && break; sleep 0.1; done
[ -f "$WORK/silent.ready" ] || fail "silent listener did not start"
for url in "unix" "http://127.0.0.1:$P_SILENT/" "https://127.0.0.1:$P_SILENT/"; do
  if [ "$url" = unix ]; then target=(-s "$WORK/silent"); else target=(-u "$url"); fi
  t0=$(date +%s%N)
  expect_rc "silent peer ($url): exit 1 after --timeout" 1 "" "within 1 s" -- "$TANDEMCTL" --timeout 1 "${target[@]}" status
  ms=$((($(date +%s%N) - t0) / 1000000))
  [ "$ms" -lt 3000 ] || fail "silent peer ($url): took ${ms} ms with --timeout 1"
  ok "silent peer ($url): gave up after ${ms} ms"
done

# ---- a running tandemd -------------------------------------------------------------------
config() {  # config <router>
  cat <<JSON
{
  "Dhcp4": {
    "interfaces-config": { "interfaces": [] },
    "lease-database": { "type": "memfile", "persist": true, "name": "$WORK/leases4.csv", "lfc-interval": 0 },
    "valid-lifetime": 4000,
    "control-sockets": [
      { "socket-type": "unix", "socket-name": "$WORK/ctrl" },
      { "socket-type": "http", "socket-address": "127.0.0.1", "socket-port": $P_HTTP }
    ],
    "subnet4": [
      { "id": 1, "subnet": "198.18.32.0/24", "pools": [ { "pool": "198.18.32.10 - 198.18.32.100" } ],
        "option-data": [ { "name": "routers", "data": "$1" } ] },
      { "id": 2, "subnet": "198.18.33.0/24", "pools": [ { "pool": "198.18.33.10 - 198.18.33.100" } ] }
    ],
    "loggers": [ { "name": "kea-dhcp4", "output_options": [ { "output": "$WORK/tandemd.out" } ], "severity": "INFO" } ]
  }
}
JSON
}
config 198.18.32.1 >tandemd.json
"$TANDEMD" -c tandemd.json -p 16967 -P 16968 >>tandemd.out 2>&1 &
PID=$!
PIDS+=("$PID")
for _ in $(seq 100); do [ -S "$WORK/ctrl" ] && break; kill -0 $PID 2>/dev/null || break; sleep 0.1; done
[ -S "$WORK/ctrl" ] || fail "tandemd did not open its control socket"
ok "tandemd running (pid $PID)"

export TANDEM_SOCKET=$WORK/ctrl   # the default socket, as an operator would set it
T=("$TANDEMCTL" --timeout 10)

expect_rc "status table" 0 "^pid: +$PID\$" "" -- "${T[@]}" status
grep -Eq '^uptime: ' <<<"$OUT" && grep -Eq '^DHCP service: +enabled' <<<"$OUT" || fail "status table: $OUT"
expect_rc "status --json" 0 '"result": 0' "" -- "${T[@]}" --json status
[ "$(jq -r .arguments.pid <<<"$OUT")" = "$PID" ] || fail "status --json pid: $OUT"
expect_rc "status over HTTP" 0 "^pid: +$PID\$" "" -- "${T[@]}" -u "http://127.0.0.1:$P_HTTP/" status
# Without HA: the text, and exit 0 or the dedicated "HA not configured" code 6 (ctl_ha.h).
run "${T[@]}" ha status
{ [ "$RC" = 0 ] || [ "$RC" = 6 ]; } && grep -q "HA not configured" <<<"$OUT$ERR" ||
  fail "ha status without HA: exit $RC; stdout: $OUT; stderr: $ERR"
ok "ha status without HA (exit $RC)"

# Leases.
expect_rc "leases on an empty store: exit 3, text on stdout" 3 "0 IPv4 lease" "" -- "${T[@]}" leases
expect_rc "lease add" 0 "198.18.32.20" "" -- "${T[@]}" lease add --ip 198.18.32.20 --hw 02:00:00:00:00:20 --hostname h20
expect_rc "lease add in subnet 2" 0 "" "" -- "${T[@]}" lease add --ip 198.18.33.21 --hw 02:00:00:00:00:21 --subnet 2
expect_rc "lease add of a taken address: exit 1, text on stderr" 1 "" "already exists" -- \
  "${T[@]}" lease add --ip 198.18.32.20 --hw 02:00:00:00:00:99
expect_rc "leases table" 0 "^IP ADDRESS +HW ADDRESS" "" -- "${T[@]}" leases
grep -Eq '^198\.18\.32\.20 +02:00:00:00:00:20 .* 1 +active .* h20$' <<<"$OUT" || fail "leases table row: $OUT"
[ "$(grep -c '^198\.18\.3' <<<"$OUT")" = 2 ] || fail "leases table should have 2 rows: $OUT"
expect_rc "leases --json" 0 "" "" -- "${T[@]}" --json leases
[ "$(jq '.arguments.leases | length' <<<"$OUT")" = 2 ] || fail "leases --json: $OUT"
expect_rc "leases --subnet 2" 0 "198.18.33.21" "" -- "${T[@]}" leases --subnet 2
grep -q 198.18.32.20 <<<"$OUT" && fail "leases --subnet 2 shows a subnet 1 lease: $OUT"
expect_rc "leases --hw" 0 "198.18.32.20" "" -- "${T[@]}" leases --hw 02:00:00:00:00:20
expect_rc "leases --hw --subnet (match)" 0 "198.18.32.20" "" -- "${T[@]}" leases --hw 02:00:00:00:00:20 --subnet 1
expect_rc "leases --hw --subnet (other subnet): exit 3" 3 "0 IPv4 lease" "" -- \
  "${T[@]}" leases --hw 02:00:00:00:00:20 --subnet 2
expect_rc "leases --hw unknown: exit 3" 3 "" "" -- "${T[@]}" leases --hw 02:00:00:00:00:77
expect_rc "lease get" 0 "h20" "" -- "${T[@]}" lease get 198.18.32.20
expect_rc "lease get --json" 0 '"hw-address": "02:00:00:00:00:20"' "" -- "${T[@]}" --json lease get 198.18.32.20
expect_rc "lease get of a missing lease: exit 3" 3 "" "" -- "${T[@]}" lease get 198.18.32.99
expect_rc "lease get of a bad address: exit 1" 1 "" "." -- "${T[@]}" lease get not-an-ip
expect_rc "lease del" 0 "" "" -- "${T[@]}" lease del 198.18.33.21
expect_rc "lease del again: exit 3" 3 "" "" -- "${T[@]}" lease del 198.18.33.21

# Reservations.
expect_rc "reservation add" 0 "" "" -- "${T[@]}" reservation add --subnet 1 --hw 02:00:00:00:00:50 --ip 198.18.32.5 --hostname r5
expect_rc "reservation add of a leased address warns" 0 "warning: address 198.18.32.20" "" -- \
  "${T[@]}" reservation add --subnet 1 --client-id 01:02:03 --ip 198.18.32.20
expect_rc "reservation add duplicate: exit 1" 1 "" "." -- \
  "${T[@]}" reservation add --subnet 1 --hw 02:00:00:00:00:50 --ip 198.18.32.6
expect_rc "reservation add in a missing subnet: exit 1" 1 "" "." -- \
  "${T[@]}" reservation add --subnet 9 --hw 02:00:00:00:00:51 --ip 198.18.32.7
expect_rc "reservations --subnet 1" 0 "^SUBNET +IDENTIFIER +IP ADDRESS +HOSTNAME" "" -- "${T[@]}" reservations --subnet 1
grep -Eq '^1 +hw-address=02:00:00:00:00:50 +198\.18\.32\.5 +r5$' <<<"$OUT" || fail "reservations row: $OUT"
expect_rc "reservations (all subnets)" 0 "198.18.32.5" "" -- "${T[@]}" reservations
expect_rc "reservations --json" 0 "" "" -- "${T[@]}" --json reservations --subnet 1
[ "$(jq '.arguments.hosts | length' <<<"$OUT")" = 2 ] || fail "reservations --json: $OUT"
expect_rc "reservations --subnet 2 (none): exit 3" 3 "" "" -- "${T[@]}" reservations --subnet 2
expect_rc "reservation get --hw" 0 "198.18.32.5" "" -- "${T[@]}" reservation get --subnet 1 --hw 02:00:00:00:00:50
expect_rc "reservation get --ip" 0 "r5" "" -- "${T[@]}" reservation get --subnet 1 --ip 198.18.32.5
expect_rc "reservation del --client-id" 0 "" "" -- "${T[@]}" reservation del --subnet 1 --client-id 01:02:03
expect_rc "reservation get of the deleted one: exit 3" 3 "" "" -- "${T[@]}" reservation get --subnet 1 --client-id 01:02:03

# Statistics.
expect_rc "stats table" 0 "^STATISTIC +VALUE" "" -- "${T[@]}" stats
grep -Eq '^subnet\[1\]\.total-addresses +91$' <<<"$OUT" || fail "stats: subnet[1].total-addresses 91 missing: $OUT"
grep -Eq '^declined-addresses +0$' <<<"$OUT" || fail "stats: declined-addresses missing: $OUT"
expect_rc "stats NAME" 0 "^subnet\[1\]\.total-addresses +91$" "" -- "${T[@]}" stats 'subnet[1].total-addresses'
expect_rc "stats --json" 0 "" "" -- "${T[@]}" --json stats
jq -e '.arguments["subnet[1].total-addresses"][0][0] == 91' <<<"$OUT" >/dev/null || fail "stats --json: $OUT"

# Configuration.
config 198.18.32.254 >good.json
config 198.18.32.254 | jq '.Dhcp4.subnet4[0]["bogus-key"] = 1' >bad.json
expect_rc "config test of a good file" 0 "Configuration seems sane" "" -- "${T[@]}" config test good.json
expect_rc "config test of a bad file: exit 1 with the JSON path" 1 "" "Dhcp4/subnet4/0/bogus-key" -- "${T[@]}" config test bad.json
expect_rc "config set of a bad file: exit 1" 1 "" "Dhcp4/subnet4/0/bogus-key" -- "${T[@]}" config set bad.json
expect_rc "config get still the old router" 0 "198.18.32.1\"" "" -- "${T[@]}" config get
expect_rc "config set of a good file" 0 "Configuration successful" "" -- "${T[@]}" config set good.json
expect_rc "config get has the new router" 0 "198.18.32.254" "" -- "${T[@]}" config get
jq -e .Dhcp4 <<<"$OUT" >/dev/null || fail "config get must print the Dhcp4 document: $OUT"
expect_rc "leases survive config set" 0 "198.18.32.20" "" -- "${T[@]}" lease get 198.18.32.20
config 198.18.32.253 >tandemd.json
expect_rc "config reload" 0 "" "" -- "${T[@]}" config reload
expect_rc "config get has the reloaded router" 0 "198.18.32.253" "" -- "${T[@]}" config get
cp bad.json tandemd.json
expect_rc "config reload of a broken file: exit 1" 1 "" "bogus-key" -- "${T[@]}" config reload
expect_rc "config write FILE" 0 "" "" -- "${T[@]}" config write "$WORK/written.json"
# config set replaced the whole config (as Kea's does: the reservations added above are gone);
# the running one is the reloaded file, not the broken one on disk.
jq -e '.Dhcp4.subnet4[0]["option-data"][0].data == "198.18.32.253"' written.json >/dev/null ||
  fail "written config is not the running one: $(cat written.json)"
ok "config write saved the running config"

# raw.
expect_rc "raw list-commands" 0 '"lease4-get-all"' "" -- "${T[@]}" raw '{"command":"list-commands"}'
expect_rc "raw unsupported command: exit 1" 1 '"result": 2' "" -- "${T[@]}" raw '{"command":"no-such-command"}'
expect_rc "raw from stdin" 0 '"hash"' "" -- sh -c "echo '{\"command\":\"config-hash-get\"}' | \"\$0\" --timeout 10 raw -" "$TANDEMCTL"

kill -0 "$PID" || fail "tandemd died"
"${T[@]}" raw '{"command":"shutdown"}' >/dev/null || fail "shutdown"
for _ in $(seq 50); do kill -0 $PID 2>/dev/null || break; sleep 0.1; done
kill -0 $PID 2>/dev/null && fail "tandemd still running after shutdown"
expect_rc "after shutdown: exit 4" 4 "" "tandemd is not running" -- "${T[@]}" status
echo "PASS"
