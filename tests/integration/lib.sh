# shellcheck shell=bash
# Helpers for the namespace integration tests. Source this file from a *_test.sh script.
#
# Topology: one "switch" namespace holding a Linux bridge, and host namespaces each with an
# eth0 veth plugged into it. Every address lives in 198.18.0.0/15 (RFC 2544) and only inside
# namespaces this script creates, so nothing reaches a real network. Names carry the tit-
# prefix plus this shell's PID, so concurrent runs never collide.
#
# The DHCP server under test is $DHCP_SERVER_BIN if set (e.g. /usr/sbin/kea-dhcp4, which takes
# the same config and command line), else $TANDEMD (set by ctest), else the tandemd in
# $TANDEM_BUILD. Exit code 77 means "skipped" (ctest SKIP_RETURN_CODE).
set -u -o pipefail

TIT_ID="tit-$$"
TIT_TMP=""
TIT_NS=()          # namespaces to delete, in creation order
TIT_PIDS=()        # processes to stop on exit
TIT_PORTS=0        # next free switch port number
TIT_DIAG=()        # files whose tail is printed when a test fails
TIT_NAME="$(basename "${0%.sh}")"

log() { printf '[%s %s] %s\n' "$(date +%T.%3N)" "$TIT_NAME" "$*" >&2; }

# skip <reason>: this environment cannot run the test (not a failure).
skip() { log "SKIP: $*"; exit 77; }

# fail <message>: print diagnostics and fail the test.
fail() {
  log "FAIL: $*"
  local f
  for f in "${TIT_DIAG[@]}"; do
    [ -f "$f" ] || continue
    echo "---- tail of $f ----" >&2
    tail -n 40 "$f" >&2
  done
  exit 1
}

# check <description> <command...>: run a check, fail with the description if it fails.
check() {
  local what=$1; shift
  if "$@"; then log "ok: $what"; else fail "$what"; fi
}

tit_cleanup() {
  local rc=$? pid ns i
  trap - EXIT INT TERM
  for ((i = ${#TIT_PIDS[@]} - 1; i >= 0; i--)); do
    pid=${TIT_PIDS[$i]}
    kill -0 "$pid" 2>/dev/null || continue
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  done
  wait 2>/dev/null
  for ((i = ${#TIT_NS[@]} - 1; i >= 0; i--)); do
    ip netns del "${TIT_NS[$i]}" 2>/dev/null
  done
  if [ -n "$TIT_TMP" ] && [ -d "$TIT_TMP" ]; then
    if [ "${TIT_KEEP:-0}" = 1 ]; then log "kept $TIT_TMP"; else rm -rf "$TIT_TMP"; fi
  fi
  exit "$rc"
}

# tit_init: checks root and the basic tools, makes the temp dir, installs the cleanup trap.
tit_init() {
  [ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
  tit_require ip ss timeout
  ip netns list >/dev/null 2>&1 || skip "ip netns not usable here"
  TIT_TMP=$(mktemp -d "/tmp/${TIT_ID}.XXXXXX") || fail "mktemp"
  trap tit_cleanup EXIT
  trap 'exit 130' INT TERM
  # A test that hangs is a failing test: bound the whole script, whatever it waits on.
  local budget=${TIT_BUDGET:-240}
  # The sleep must not outlive the test (it would hold ctest's output pipe open).
  (
    trap 'kill "$sp" 2>/dev/null; exit 0' TERM
    sleep "$budget" >/dev/null 2>&1 &
    sp=$!
    wait "$sp" && { log "time budget of ${budget}s exceeded"; kill -TERM $$; }
  ) &
  TIT_PIDS+=($!)
}

# tit_require <command...>: skip when a tool is missing.
tit_require() {
  local c
  for c in "$@"; do command -v "$c" >/dev/null 2>&1 || skip "'$c' not installed"; done
}

# tit_server_bin: prints the server binary to test and sets TIT_SERVER_KIND (tandemd|kea).
tit_server_bin() {
  local bin=${DHCP_SERVER_BIN:-${TANDEMD:-}}
  if [ -z "$bin" ] && [ -n "${TANDEM_BUILD:-}" ]; then bin=$TANDEM_BUILD/dhcpd/tandemd; fi
  [ -n "$bin" ] || skip "no server: set DHCP_SERVER_BIN or TANDEMD"
  [ -x "$bin" ] || skip "server binary $bin not built"
  case "$(basename "$bin")" in
    kea-dhcp4*) TIT_SERVER_KIND=kea ;;
    *) TIT_SERVER_KIND=tandemd ;;
  esac
  TIT_SERVER=$bin
  log "server under test: $bin ($TIT_SERVER_KIND)"
}

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# tit_switch: creates the namespace with the bridge; sets TIT_SW.
tit_switch() {
  TIT_SW="$TIT_ID-sw"
  ip netns del "$TIT_SW" 2>/dev/null
  ip netns add "$TIT_SW" || fail "cannot create namespace $TIT_SW"
  TIT_NS+=("$TIT_SW")
  nsx "$TIT_SW" ip link set lo up
  nsx "$TIT_SW" ip link add br0 type bridge
  # No STP and no forwarding delay: the ports forward as soon as they are up.
  nsx "$TIT_SW" ip link set br0 type bridge stp_state 0 forward_delay 0
  nsx "$TIT_SW" ip link set br0 up
}

# tit_host <short-name> <mac> [addr/plen...]: a namespace "$TIT_ID-<short-name>" whose eth0 is
# plugged into the bridge. Prints nothing; the namespace name is "$TIT_ID-<short-name>".
tit_host() {
  local mac=$2 ns="$TIT_ID-$1" a
  shift 2
  ip netns del "$ns" 2>/dev/null
  ip netns add "$ns" || fail "cannot create namespace $ns"
  TIT_NS+=("$ns")
  TIT_PORTS=$((TIT_PORTS + 1))
  nsx "$ns" ip link set lo up
  nsx "$TIT_SW" ip link add "p$TIT_PORTS" type veth peer name eth0 netns "$ns" ||
    fail "cannot create veth for $ns"
  nsx "$TIT_SW" ip link set "p$TIT_PORTS" master br0 up
  nsx "$ns" ip link set eth0 address "$mac"
  for a in "$@"; do nsx "$ns" ip addr add "$a" dev eth0; done
  nsx "$ns" ip link set eth0 up
}

# tit_bg <logfile> <command...>: start a background process and remember its PID in TIT_LAST_PID.
tit_bg() {
  local out=$1; shift
  "$@" >"$out" 2>&1 &
  TIT_LAST_PID=$!
  TIT_PIDS+=("$TIT_LAST_PID")
}

# tit_stop <pid> [signal] [timeout_s]: signal a process we started and wait for it to exit
# (SIGKILL after the timeout). Returns 0 when it exited by itself; TIT_STOP_RC is its status.
tit_stop() {
  local pid=$1 sig=${2:-TERM} t=${3:-10}
  TIT_STOP_RC=0
  if ! kill -0 "$pid" 2>/dev/null; then wait "$pid" 2>/dev/null; TIT_STOP_RC=$?; return 0; fi
  kill -s "$sig" "$pid" 2>/dev/null
  local n=$((t * 10))
  for _ in $(seq "$n"); do
    if ! kill -0 "$pid" 2>/dev/null; then wait "$pid" 2>/dev/null; TIT_STOP_RC=$?; return 0; fi
    sleep 0.1
  done
  log "pid $pid ignored SIG$sig for ${t}s, killing"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  TIT_STOP_RC=$?
  return 1
}

# wait_for <timeout_s> <description> <command...>: poll every 0.1 s until the command succeeds.
wait_for() {
  local t=$1 what=$2; shift 2
  local end=$((SECONDS + t))
  while ! "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$end" ] || { log "timeout after ${t}s waiting for: $what"; return 1; }
    sleep 0.1
  done
}

# tit_has_socket <ns> <pid>: the process holds a UDP or packet socket in the namespace.
tit_has_socket() {
  nsx "$1" ss -H -a -p -u -0 2>/dev/null | grep -q "pid=$2,"
}

# tit_server_start <name> <ns> <config-file> [extra args...]: runs the server with
# $TIT_TMP/<name> as working directory (relative paths in the config resolve there), the config
# copied in as dhcp4.json. Sets TIT_SERVER_PID and TIT_SERVER_DIR. Fails if it does not start.
tit_server_start() {
  local name=$1 ns=$2 cfg=$3; shift 3
  local d="$TIT_TMP/$name"
  mkdir -p "$d"
  [ "$cfg" -ef "$d/dhcp4.json" ] || cp "$cfg" "$d/dhcp4.json"
  TIT_DIAG+=("$d/server.log")
  # Kea 2.2 puts its PID and lock files in these directories; tandemd ignores them.
  ( cd "$d" && KEA_PIDFILE_DIR="$d" KEA_LOCKFILE_DIR="$d" \
      exec ip netns exec "$ns" "$TIT_SERVER" -c dhcp4.json "$@" >>"$d/server.log" 2>&1 ) &
  TIT_SERVER_PID=$!
  TIT_SERVER_DIR=$d
  TIT_PIDS+=("$TIT_SERVER_PID")
  if ! wait_for 15 "$name to open its sockets" tit_has_socket "$ns" "$TIT_SERVER_PID"; then
    kill -0 "$TIT_SERVER_PID" 2>/dev/null || fail "server $name exited at start-up"
    fail "server $name did not open a socket"
  fi
  # The socket exists; give the packet filter a moment before clients start.
  sleep 0.3
  kill -0 "$TIT_SERVER_PID" 2>/dev/null || fail "server $name exited at start-up"
  log "server $name running, pid $TIT_SERVER_PID, dir $d"
}

# tit_server_check <config-file>: the server accepts the config with -t.
tit_server_check() {
  local d="$TIT_TMP/check"
  mkdir -p "$d"
  cp "$1" "$d/dhcp4.json"
  ( cd "$d" && KEA_PIDFILE_DIR="$d" KEA_LOCKFILE_DIR="$d" "$TIT_SERVER" -t dhcp4.json ) >"$d/check.log" 2>&1
}

# ---- lease file (Kea memfile CSV) -------------------------------------------------------------
# The CSV is a journal: the last line for an address wins; valid_lifetime 0 marks a deleted
# lease (what Kea 2.2 appends on release). Files rotated by LFC (.2, .1) are read first.

tit_lease_lines() {
  local f=$1 x
  for x in "$f.2" "$f.1" "$f"; do [ -f "$x" ] && tail -n +2 "$x"; done
}

# lease_record <csv> <address>: prints the last record for the address (empty if none).
lease_record() {
  tit_lease_lines "$1" | awk -F, -v a="$2" '$1 == a { last = $0 } END { if (last != "") print last }'
}

# lease_active <csv> <address>: the address holds a live lease (not deleted, not expired,
# state default).
lease_active() {
  local r
  r=$(lease_record "$1" "$2")
  [ -n "$r" ] || return 1
  echo "$r" | awk -F, -v now="$(date +%s)" '{ exit !($4 > 0 && $5 > now && $10 == 0) }'
}

# lease_header_ok <csv>: the header is Kea 2.2's lease4 header (or newer Kea's with pool_id).
lease_header_ok() {
  local h
  h=$(head -n 1 "$1")
  [ "$h" = "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context" ] ||
    [ "$h" = "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context,pool_id" ]
}

# ip_in_range <ip> <first> <last>
ip_to_int() { local IFS=.; set -- $1; echo $(( ($1 << 24) | ($2 << 16) | ($3 << 8) | $4 )); }
ip_in_range() {
  local x f l
  x=$(ip_to_int "$1"); f=$(ip_to_int "$2"); l=$(ip_to_int "$3")
  [ "$x" -ge "$f" ] && [ "$x" -le "$l" ]
}

# ---- DHCP clients ------------------------------------------------------------------------------

# tit_dhclient_files <dir>: writes the event script (dumps the environment of every event to
# <dir>/events, one "reason=..." block each, and configures the address so renewals can be
# unicast from it) and a dhclient.conf with short timeouts.
tit_dhclient_files() {
  local d=$1
  mkdir -p "$d"
  cat >"$d/script" <<'EOF'
#!/bin/sh
# dhclient -sf script: record the event, then do the minimum dhclient-script would.
d=$(dirname "$0")
{
  echo "reason=$reason"
  env | grep -E '^(new|old)_[a-z_]+=' | sort
  echo "--"
} >>"$d/events"
case "$reason" in
  PREINIT) ip link set dev "$interface" up ;;
  BOUND|RENEW|REBIND|REBOOT)
    [ -n "${old_ip_address:-}" ] && [ "${old_ip_address}" != "$new_ip_address" ] &&
      ip addr del "$old_ip_address/32" dev "$interface" 2>/dev/null
    ip addr replace "$new_ip_address/${new_subnet_mask:-255.255.255.0}" dev "$interface" ;;
  RELEASE|EXPIRE|STOP|FAIL)
    [ -n "${old_ip_address:-}" ] && ip addr flush dev "$interface" scope global 2>/dev/null ;;
esac
exit 0
EOF
  chmod +x "$d/script"
  cat >"$d/dhclient.conf" <<'EOF'
timeout 20;
retry 1;
initial-interval 1;
request subnet-mask, broadcast-address, routers, domain-name, domain-name-servers, host-name;
EOF
}

# event_var <events-file> <var> [reason]: value of var in the last event block (with that reason).
event_var() {
  awk -v k="$2" -v want="${3:-}" '
    /^reason=/ { split("", cur) }
    { i = index($0, "="); if (i) cur[substr($0, 1, i - 1)] = substr($0, i + 1) }
    /^--$/ { if (want == "" || cur["reason"] == want) { split("", last); for (x in cur) last[x] = cur[x] } }
    END { if (k in last) print last[k] }' "$1" 2>/dev/null
}

# event_count <events-file> <reason>: how many events with that reason were recorded.
event_count() { local n; n=$(grep -c "^reason=$2\$" "$1" 2>/dev/null); echo "${n:-0}"; }

# tit_udhcpc_script <dir>: like tit_dhclient_files, for busybox udhcpc (event name in $1,
# values in $ip, $mask, $subnet, $router, $dns, $domain, $lease, $serverid).
tit_udhcpc_script() {
  local d=$1
  mkdir -p "$d"
  cat >"$d/script" <<'EOF'
#!/bin/sh
d=$(dirname "$0")
{
  echo "reason=$1"
  for v in interface ip mask subnet router dns domain lease serverid hostname; do
    eval "val=\${$v:-}"
    [ -n "$val" ] && echo "$v=$val"
  done
  echo "--"
} >>"$d/events"
case "$1" in
  deconfig) ip addr flush dev "$interface" scope global 2>/dev/null; ip link set dev "$interface" up ;;
  bound|renew) ip addr replace "$ip/${mask:-24}" dev "$interface" ;;
esac
exit 0
EOF
  chmod +x "$d/script"
}

# tit_dhclient_start <dir> <ns> [iface]: run dhclient in the foreground (-d) in the background,
# with its files in <dir> (made by tit_dhclient_files if missing). PID in TIT_LAST_PID.
tit_dhclient_start() {
  local d=$1 ns=$2 ifc=${3:-eth0}
  [ -x "$d/script" ] || tit_dhclient_files "$d"
  TIT_DIAG+=("$d/dhclient.log" "$d/events")
  tit_bg "$d/dhclient.log" ip netns exec "$ns" dhclient -4 -d -v \
    -cf "$d/dhclient.conf" -lf "$d/dhclient.leases" -pf "$d/dhclient.pid" -sf "$d/script" "$ifc"
}

# wait_event <dir> <reason> <count> <timeout>: wait until <dir>/events holds <count> such events.
wait_event() {
  local d=$1 r=$2 n=$3 t=$4
  _has_events() { [ "$(event_count "$d/events" "$r")" -ge "$n" ]; }
  wait_for "$t" "$r event #$n in $d" _has_events
}
