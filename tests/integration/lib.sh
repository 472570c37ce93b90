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

# ---- HA peers (ha_*) ---------------------------------------------------------------------------
# Helpers for the HA integration tests (ha_backup, ha_wrong_cert, ha_pool_split). Each server
# lives in $TIT_TMP/<name>: config.json, ctrl.sock, leases4.csv, server.log (tandemd's HA log).

declare -A HA_PID=()

# ha_certs <dir> <name=ip...>: a fresh CA (ca.pem/ca.key) and one certificate per peer, signed
# by it (config-examples/mkcerts.sh, so the tests use the certificates operators are told to).
ha_certs() {
  local d=$1; shift
  bash "${TANDEM_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/config-examples/mkcerts.sh" "$d" "$@" \
    >/dev/null || fail "mkcerts.sh $d $*"
}

# ha_conf <name> <mode> <certdir|-> <peer...>: writes $TIT_TMP/<name>/config.json for server
# <name>, one Kea-format config as the config-examples write it; each peer is name=ip=role
# (url http(s)://ip:8001/); certdir "-" means plain HTTP, else mutual TLS with <certdir>/ca.pem
# and <certdir>/<peer>.pem/.key. Environment: HA_SUBNET (198.18.0.0/24), HA_POOL
# ("198.18.0.10 - 198.18.0.250"), HA_EXTRA (JSON object merged into the relationship, e.g.
# '{"pool-split": false}'), HA_VALID (valid-lifetime, 4000).
ha_conf() {
  local name=$1 mode=$2 certs=$3; shift 3
  mkdir -p "$TIT_TMP/$name"
  python3 - "$TIT_TMP/$name" "$name" "$mode" "$certs" "${HA_SUBNET:-198.18.0.0/24}" \
    "${HA_POOL:-198.18.0.10 - 198.18.0.250}" "${HA_EXTRA:-{\}}" "${HA_VALID:-4000}" "$@" <<'PY' || fail "ha_conf $name"
import json, sys
d, me, mode, certs, subnet, pool, extra, valid = sys.argv[1:9]
tls = certs != "-"
peers = []
for spec in sys.argv[9:]:
    n, ip, role = spec.split("=")
    p = {"name": n, "url": f"{'https' if tls else 'http'}://{ip}:8001/", "role": role,
         "auto-failover": role != "backup"}
    if tls:
        p.update({"cert-file": f"{certs}/{n}.pem", "key-file": f"{certs}/{n}.key"})
    peers.append(p)
ha = {"this-server-name": me, "mode": mode,
      "heartbeat-delay": 1000, "max-response-delay": 3000, "max-ack-delay": 1000,
      "max-unacked-clients": 0, "peers": peers}
if mode == "load-balancing":
    ha["delayed-updates-limit"] = 100
if tls:
    ha.update({"trust-anchor": f"{certs}/ca.pem", "require-client-certs": True})
ha.update(json.loads(extra))
cfg = {"Dhcp4": {
    "interfaces-config": {"interfaces": ["eth0"], "dhcp-socket-type": "raw"},
    "control-socket": {"socket-type": "unix", "socket-name": f"{d}/ctrl.sock"},
    "lease-database": {"type": "memfile", "persist": True, "name": f"{d}/leases4.csv", "lfc-interval": 0},
    "valid-lifetime": int(valid), "renew-timer": int(valid) // 4, "rebind-timer": int(valid) // 2,
    "hooks-libraries": [
        {"library": "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_lease_cmds.so"},
        {"library": "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_ha.so",
         "parameters": {"high-availability": [ha]}}],
    "subnet4": [{"id": 1, "subnet": subnet, "pools": [{"pool": pool}],
                 "option-data": [{"name": "routers", "data": subnet.split("/")[0].rsplit(".", 1)[0] + ".254"}]}],
    "loggers": [{"name": "kea-dhcp4", "output_options": [{"output": f"{d}/server.log"}], "severity": "INFO"}]}}
json.dump(cfg, open(f"{d}/config.json", "w"), indent=1)
PY
}

# ha_ctl <name> <json>: one command over <name>'s control socket; prints the answer.
ha_ctl() { echo "$2" | timeout 5 socat -t 5 - "UNIX-CONNECT:$TIT_TMP/$1/ctrl.sock" 2>/dev/null; }

# ha_state <name>: the local HA state from status-get ("none" if it does not answer).
ha_state() {
  ha_ctl "$1" '{"command":"status-get"}' |
    jq -r '.arguments."high-availability"[0]."ha-servers".local.state // "none"' 2>/dev/null || echo none
}

# ha_wait_state <name> <state> <timeout_s>: poll every 0.2 s.
ha_wait_state() {
  local end=$((SECONDS + $3))
  while [ $SECONDS -lt $end ]; do
    [ "$(ha_state "$1")" = "$2" ] && return 0
    sleep 0.2
  done
  log "$1 is '$(ha_state "$1")', expected $2"
  return 1
}

# ha_start <name> <ns>: runs tandemd (TANDEMD, else TANDEM_BUILD's; HA_BIN overrides, e.g.
# /usr/sbin/kea-dhcp4, which takes the same config) with $TIT_TMP/<name>/config.json in
# namespace <ns>, from that directory; waits until its control socket answers. PID in
# HA_PID[<name>].
ha_start() {
  local name=$1 ns=$2 d="$TIT_TMP/$1" bin=${HA_BIN:-${TANDEMD:-${TANDEM_BUILD:-}/dhcpd/tandemd}}
  [ -x "$bin" ] || skip "no server binary at $bin"
  TIT_DIAG+=("$d/server.log" "$d/stdout.log")
  # Kea 2.2 puts its PID and lock files in these directories; tandemd ignores them.
  ( cd "$d" && KEA_PIDFILE_DIR="$d" KEA_LOCKFILE_DIR="$d" \
      exec ip netns exec "$ns" "$bin" -c "$d/config.json" >>"$d/stdout.log" 2>&1 ) &
  HA_PID[$name]=$!
  TIT_PIDS+=("$!")
  _ha_answers() { ha_ctl "$name" '{"command":"version-get"}' | grep -q '"result": *0'; }
  wait_for 15 "$name control socket" _ha_answers || {
    kill -0 "${HA_PID[$name]}" 2>/dev/null || fail "$name exited at start-up"
    fail "$name does not answer on its control socket"
  }
}

# ha_leases <name>: the store's leases as "ip hw-address client-id expire state" lines
# (expire = cltt + valid-lft), sorted by address.
ha_leases() {
  ha_ctl "$1" '{"command":"lease4-get-all"}' |
    jq -r '(if type == "array" then .[0] else . end) | (.arguments.leases // [])[] |
           "\(."ip-address") \(."hw-address") \(."client-id" // "-") \(.cltt + ."valid-lft") \(.state)"' |
    sort -t. -k1,1n -k2,2n -k3,3n -k4,4n
}

# ha_stat <name> <statistic>: the current value of a statistic (-1 if unknown).
ha_stat() {
  ha_ctl "$1" "{\"command\":\"statistic-get\",\"arguments\":{\"name\":\"$2\"}}" |
    jq -r --arg s "$2" '(if type == "array" then .[0] else . end) | .arguments[$s][0][0] // -1' 2>/dev/null || echo -1
}

# ---- HA lease sync (sync_*) --------------------------------------------------------------------
# Helpers for the lease-sync tests (ha_sync_*_test.sh) and scripts/bench-sync.sh. A server
# <name> lives in $TIT_TMP/<name>: config.json, ctrl.sock, leases4.csv, server.log (the HA log of
# tandemd or kea-dhcp4 2.2), stdout.log. Peers are server1 198.18.0.1 (primary), server2
# 198.18.0.2 (secondary/standby), server3 198.18.0.3 (backup), reached over mutual TLS on :8001.
# Clients are in subnet 1 (198.18.0.0/15). Big synthetic lease sets live in subnet 2
# (10.0.0.0/8): those are records only, no packet is ever sent to them.

SYNC_KEA=${KEA_DHCP4:-/usr/sbin/kea-dhcp4}
SYNC_HOOKS=${KEA_HOOKS:-/usr/lib/x86_64-linux-gnu/kea/hooks}
declare -A SYNC_PID=() SYNC_KIND=()

# sync_bins: sets SYNC_TANDEMD and SYNC_LEASETOOL (skip when missing).
sync_bins() {
  SYNC_TANDEMD=${TANDEMD:-${TANDEM_BUILD:-}/dhcpd/tandemd}
  SYNC_LEASETOOL=${TANDEM_LEASETOOL:-$(dirname "$(dirname "$SYNC_TANDEMD")")/tests/tandem-leasetool}
  [ -x "$SYNC_TANDEMD" ] || skip "no tandemd at $SYNC_TANDEMD"
  [ -x "$SYNC_LEASETOOL" ] || skip "no tandem-leasetool at $SYNC_LEASETOOL (build target tandem-leasetool)"
  tit_require jq socat python3
}

# sync_need_kea: skip unless kea-dhcp4 2.2 with the HA and lease_cmds hooks is installed.
sync_need_kea() {
  [ -x "$SYNC_KEA" ] && [ -f "$SYNC_HOOKS/libdhcp_ha.so" ] && [ -f "$SYNC_HOOKS/libdhcp_lease_cmds.so" ] ||
    skip "needs kea-dhcp4 2.2 with libdhcp_ha.so and libdhcp_lease_cmds.so"
}

# sync_topology <hosts...>: switch + one namespace per host; s1/s2/s3 are the servers
# (198.18.0.1-3), c and p client namespaces (198.18.0.100/.101). Makes the certificates too.
sync_topology() {
  local h ip i=0
  tit_switch
  for h in "$@"; do
    i=$((i + 1))
    case $h in
      s1) ip=198.18.0.1 ;; s2) ip=198.18.0.2 ;; s3) ip=198.18.0.3 ;;
      c) ip=198.18.0.100 ;; p) ip=198.18.0.101 ;; *) fail "sync_topology: unknown host $h" ;;
    esac
    tit_host "$h" "02:00:00:00:99:$(printf %02x $i)" "$ip/15"
  done
  bash "${TANDEM_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/config-examples/mkcerts.sh" \
    "$TIT_TMP/certs" server1=198.18.0.1 server2=198.18.0.2 server3=198.18.0.3 >/dev/null || fail mkcerts
}

# sync_conf <name> <mode> [key=value...]: writes $TIT_TMP/<name>/config.json, one config both
# daemons accept (absolute hook paths, MT with Kea's dedicated HA listener). Keys: peers
# (default "server1:primary server2:secondary"; standby in hot-standby), page (sync-page-limit,
# 10000), timeout (sync-timeout ms, 60000), hb (heartbeat-delay ms, 1000), mrd
# (max-response-delay ms, 3000), extra (JSON merged into the relationship).
sync_conf() {
  local name=$1 mode=$2; shift 2
  mkdir -p "$TIT_TMP/$name"
  python3 - "$TIT_TMP/$name" "$name" "$mode" "$TIT_TMP/certs" "$SYNC_HOOKS" "$@" <<'PY' || fail "sync_conf $name"
import json, sys
d, me, mode, certs, hooks = sys.argv[1:6]
kv = dict(a.split("=", 1) for a in sys.argv[6:])
ips = {"server1": "198.18.0.1", "server2": "198.18.0.2", "server3": "198.18.0.3"}
default_peers = "server1:primary server2:" + ("standby" if mode == "hot-standby" else "secondary")
peers = []
for spec in kv.get("peers", default_peers).split():
    n, role = spec.split(":")
    peers.append({"name": n, "url": f"https://{ips[n]}:8001/", "role": role,
                  "auto-failover": role != "backup",
                  "cert-file": f"{certs}/{n}.pem", "key-file": f"{certs}/{n}.key"})
ha = {"this-server-name": me, "mode": mode,
      "heartbeat-delay": int(kv.get("hb", 1000)), "max-response-delay": int(kv.get("mrd", 3000)),
      "max-ack-delay": 1000, "max-unacked-clients": 0,
      "sync-timeout": int(kv.get("timeout", 60000)), "sync-page-limit": int(kv.get("page", 10000)),
      "delayed-updates-limit": 0 if mode == "hot-standby" else 100,
      "trust-anchor": f"{certs}/ca.pem", "require-client-certs": True,
      "multi-threading": {"enable-multi-threading": True, "http-dedicated-listener": True,
                          "http-listener-threads": 2, "http-client-threads": 2},
      "peers": peers}
ha.update(json.loads(kv.get("extra", "{}")))
if mode == "load-balancing":
    # Kea has no pool split: one pool per scope (tandemd leaves class-bound pools alone).
    pools = [{"pool": "198.18.1.0 - 198.18.127.255", "client-class": "HA_server1"},
             {"pool": "198.18.128.0 - 198.18.255.250", "client-class": "HA_server2"}]
else:
    pools = [{"pool": "198.18.1.0 - 198.18.255.250"}]
cfg = {"Dhcp4": {
    "interfaces-config": {"interfaces": ["eth0"], "dhcp-socket-type": "raw"},
    "control-socket": {"socket-type": "unix", "socket-name": f"{d}/ctrl.sock"},
    "lease-database": {"type": "memfile", "persist": True, "name": f"{d}/leases4.csv", "lfc-interval": 0},
    "multi-threading": {"enable-multi-threading": True, "thread-pool-size": 2, "packet-queue-size": 64},
    "valid-lifetime": 4000, "renew-timer": 1000, "rebind-timer": 2000,
    "hooks-libraries": [
        {"library": f"{hooks}/libdhcp_lease_cmds.so"},
        {"library": f"{hooks}/libdhcp_ha.so", "parameters": {"high-availability": [ha]}}],
    "subnet4": [{"id": 1, "subnet": "198.18.0.0/15", "pools": pools},
                # Bulk lease records only (tandem-leasetool generate-range): never on the wire.
                {"id": 2, "subnet": "10.0.0.0/8", "pools": [{"pool": "10.255.255.1 - 10.255.255.250"}]}],
    "loggers": [{"name": "kea-dhcp4", "output_options": [{"output": f"{d}/server.log"}], "severity": "INFO"}]}}
json.dump(cfg, open(f"{d}/config.json", "w"), indent=1)
PY
}

# sync_leases <name> <first-address> <count> <tag>: pre-made lease file for <name> (subnet 2).
sync_leases() {
  mkdir -p "$TIT_TMP/$1"
  "$SYNC_LEASETOOL" generate-range "$TIT_TMP/$1/leases4.csv" "$2" "$3" 2 "$4" || fail "generate-range $*"
}

# sync_launch <name> <ns-short> <tandem|kea>: runs the daemon in $TIT_TMP/<name> (no wait).
# PID in SYNC_PID[<name>].
sync_launch() {
  local name=$1 ns="$TIT_ID-$2" kind=$3 d="$TIT_TMP/$1"
  TIT_DIAG+=("$d/server.log")
  if [ "$kind" = kea ]; then
    ( cd "$d" && KEA_PIDFILE_DIR="$d" KEA_LOCKFILE_DIR="$d" exec ip netns exec "$ns" "$SYNC_KEA" -c "$d/config.json" \
        >>"$d/stdout.log" 2>&1 ) &
  else
    ( cd "$d" && exec ip netns exec "$ns" "$SYNC_TANDEMD" -c "$d/config.json" >>"$d/stdout.log" 2>&1 ) &
  fi
  SYNC_PID[$name]=$!
  SYNC_KIND[$name]=$kind
  TIT_PIDS+=("$!")
}

# sync_up <name> [timeout_s]: waits until <name>'s control socket answers (default 30 s).
sync_up() {
  local name=$1 t=${2:-30}
  local end=$((SECONDS + t))
  until sync_ctl "$name" '{"command":"version-get"}' | grep -q '"result": *0'; do
    kill -0 "${SYNC_PID[$name]}" 2>/dev/null ||
      fail "$name (${SYNC_KIND[$name]}) exited at start-up: $(tail -n 3 "$TIT_TMP/$name/stdout.log")"
    [ $SECONDS -lt $end ] || fail "$name (${SYNC_KIND[$name]}) does not answer on its control socket after ${t}s"
    sleep 0.1
  done
  log "$name (${SYNC_KIND[$name]}) up, pid ${SYNC_PID[$name]}"
}

# sync_start <name> <ns-short> <tandem|kea> [timeout_s]: sync_launch, then sync_up.
sync_start() { sync_launch "$1" "$2" "$3"; sync_up "$1" "${4:-30}"; }

# sync_kill <name> [signal]: stops a daemon this test started (default SIGKILL; SIGKILL after
# 10 s if it ignores another signal) and reaps it.
sync_kill() {
  local p=${SYNC_PID[$1]:-}
  [ -n "$p" ] || return 0
  tit_stop "$p" "${2:-KILL}" 10 >/dev/null 2>&1
  unset "SYNC_PID[$1]"
}

# sync_ctl <name> <json> [timeout_s]: one command over <name>'s control socket.
sync_ctl() {
  echo "$2" | timeout "${3:-5}" socat -t "${3:-5}" - "UNIX-CONNECT:$TIT_TMP/$1/ctrl.sock" 2>/dev/null
}

# sync_state <name>: local HA state ("none" when it does not answer).
sync_state() {
  sync_ctl "$1" '{"command":"status-get"}' 2 |
    jq -r '(if type == "array" then .[0] else . end) | .arguments."high-availability"[0]."ha-servers".local.state // "none"' \
      2>/dev/null || echo none
}

# sync_dhcp_enabled <name>: 0 when the server's DHCP service is enabled (status-get dhcp-state).
sync_dhcp_enabled() {
  sync_ctl "$1" '{"command":"status-get"}' 2 |
    jq -e '(if type == "array" then .[0] else . end) | .arguments."dhcp-state"."globally-disabled" == false' \
      >/dev/null 2>&1
}

# sync_wait_state <name> <ERE of states> <timeout_s>: poll every 0.1 s.
sync_wait_state() {
  local end=$((SECONDS + $3)) s
  while :; do
    s=$(sync_state "$1")
    [[ $s =~ ^($2)$ ]] && return 0
    [ $SECONDS -lt $end ] || break
    sleep 0.1
  done
  log "$1 is '$s' after $3 s, expected $2"
  return 1
}

# sync_same <name1> <name2> [timeout_s]: the two lease files hold the same leases (address,
# MAC, client-id, lifetime, cltt, subnet, state, hostname); retried until the timeout because
# both daemons write their journal asynchronously. Prints tandem-leasetool's verdict.
sync_same() {
  local end=$((SECONDS + ${3:-10})) out
  while :; do
    out=$("$SYNC_LEASETOOL" same "$TIT_TMP/$1/leases4.csv" "$TIT_TMP/$2/leases4.csv" 2>"$TIT_TMP/same.err") &&
      { log "$1 vs $2: $out"; return 0; }
    [ $SECONDS -lt $end ] || break
    sleep 1
  done
  log "$1 vs $2: $out"
  head -n 12 "$TIT_TMP/same.err" >&2
  return 1
}

# sync_count <name>: leases in <name>'s lease file (journal rules, deleted ones excluded).
sync_count() {
  "$SYNC_LEASETOOL" dump "$TIT_TMP/$1/leases4.csv" 2>/dev/null | grep -c . || true
}

# sync_probe_start <ns-short> <name> [rate]: sync-probe.py in the client namespace; result
# later in $TIT_TMP/probe-<name>.json (sync_probe_stop).
sync_probe_start() {
  local src=${TANDEM_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
  tit_bg "$TIT_TMP/probe-$2.log" ip netns exec "$TIT_ID-$1" python3 "$src/scripts/sync-probe.py" \
    --rate "${3:-20}" --duration 600 --out "$TIT_TMP/probe-$2.json"
  declare -g "SYNC_PROBE_${2//[^A-Za-z0-9_]/_}=$TIT_LAST_PID"
}

# sync_probe_stop <name>: stops the probe; prints its JSON result.
sync_probe_stop() {
  local v="SYNC_PROBE_${1//[^A-Za-z0-9_]/_}"
  tit_stop "${!v}" TERM 5 >/dev/null
  cat "$TIT_TMP/probe-$1.json" 2>/dev/null || echo '{}'
}

# sync_log_time <logfile> <ERE>: epoch seconds of the first matching line (both daemons start
# lines with "YYYY-MM-DD HH:MM:SS.mmm"); fails when there is none.
sync_log_time() {
  local line
  line=$(grep -m1 -E "$2" "$1" 2>/dev/null) || return 1
  date -d "$(echo "$line" | cut -c1-23)" +%s.%N
}

# sync_secs <from> <to>: to - from, rounded to 0.01 s.
sync_secs() { python3 -c "print(round($2 - $1, 2))"; }

# sync_problem <text>: a failed check that does not stop the test (so one run shows every
# failing property); sync_verdict fails the test if there was any, else prints PASS.
SYNC_PROBLEMS=()
sync_problem() { SYNC_PROBLEMS+=("$*"); log "NOT OK: $*"; }
sync_verdict() {
  [ ${#SYNC_PROBLEMS[@]} -eq 0 ] || fail "${#SYNC_PROBLEMS[@]} check(s) failed: $(printf '%s; ' "${SYNC_PROBLEMS[@]}")"
  log "PASS"
}

# sync_subset <name1> <name2> <mac-prefix>: every lease of <name1> whose MAC starts with the
# prefix is in <name2>'s lease file, the same; prints how many and fails otherwise.
sync_subset() {
  local pick='select(."hw-address" | startswith($p)) |
    "\(."ip-address") \(."hw-address") \(."client-id" // "-") \(."valid-lft") \(.cltt) \(.state)"'
  local a b miss
  a=$("$SYNC_LEASETOOL" dump "$TIT_TMP/$1/leases4.csv" 2>/dev/null | jq -r --arg p "$3" "$pick" | sort)
  b=$("$SYNC_LEASETOOL" dump "$TIT_TMP/$2/leases4.csv" 2>/dev/null | jq -r --arg p "$3" "$pick" | sort)
  miss=$(comm -23 <(echo "$a") <(echo "$b") | grep -c .)
  log "$3* leases: $(echo "$a" | grep -c .) on $1, $miss of them missing or different on $2"
  [ -n "$a" ] && [ "$miss" -eq 0 ]
}

# sync_status_watch <name> <file>: appends the "sync" object of <name>'s status-get local HA
# section (issue 4 "Progress is visible") to <file>, one compact JSON a line, every 0.1 s, until
# killed. PID in TIT_LAST_PID.
sync_status_watch() {
  local name=$1 out=$2
  (
    while :; do
      sync_ctl "$name" '{"command":"status-get"}' 2 |
        jq -c '(if type == "array" then .[0] else . end) | .arguments."high-availability"[0]."ha-servers".local.sync // empty' \
          >>"$out" 2>/dev/null
      sleep 0.1
    done
  ) &
  TIT_LAST_PID=$!
  TIT_PIDS+=("$!")
}

# tit_relay_dora <namespace> <giaddr> <server> <mac>: one relayed DISCOVER/REQUEST exchange from
# <giaddr> (an address of <namespace>) to <server> by unicast (scripts/dhcp-relay-probe.py), so
# that exactly one of several servers on the segment answers. Prints "<offered> <acked>"
# ("none" for either that did not come).
tit_relay_dora() {
  local probe out
  probe="${TANDEM_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/scripts/dhcp-relay-probe.py"
  out=$(timeout 15 ip netns exec "$1" /usr/bin/python3 "$probe" --server "$3" --giaddr "$2" --mac "$4" --timeout 3 2>/dev/null)
  printf '%s %s\n' "$(jq -r '.offer.yiaddr // "none"' <<<"${out:-{\}}")" \
    "$(jq -r 'if .ack.type == "ACK" then .ack.yiaddr else "none" end' <<<"${out:-{\}}")"
}
