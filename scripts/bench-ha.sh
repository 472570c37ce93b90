#!/bin/bash
# DORA throughput of a tandemd HA pair against a Kea 2.2 HA pair, same mode, same run, and of a
# single tandemd with the same subnet and pool, so the pair's rate is also a fraction of one
# server's (issue 5: "pair >= 70 % of a single tandemd and >= 3x a Kea 2.2 pair").
#
# Topology (built here, removed on exit): a bridge namespace and three hosts on it,
# <prefix>-s1 198.18.0.1/15 (server1, the primary), <prefix>-s2 198.18.0.2/15 (server2,
# secondary or standby) and <prefix>-cl 198.18.0.100/15 (perfdhcp). The prefix is thb-<pid>,
# so concurrent runs never collide. perfdhcp broadcasts on the bridge, so both peers see every
# DISCOVER and REQUEST (KEA-BASELINE.md pitfall 1); the single server runs on s1.
#
# Every pair talks HTTPS with mutual TLS (certificates from config-examples/mkcerts.sh) and
# persists leases (memfile, persist: true): tandemd fdatasyncs each lease before its ACK (group
# commit) and, in a pair, the ACK also waits for the partner's lease4-update answer; Kea 2.2
# writes without syncing. The Kea pairs use the settings of ../shared/testbed (mkconf-ha.sh):
# the HA hook's dedicated HTTP listener, multi-threading (thread-pool-size 2, listener and
# client threads 2), and in load-balancing one pool per server bound to HA_server1/HA_server2
# (Kea's recommended setup: a shared pool makes Kea 2.2 peers hand out the same addresses).
# The tandemd pairs use one shared pool with tandemd's default automatic pool split. Heartbeat
# 1 s, max-response-delay 3 s, max-unacked-clients 0, as in the testbed.
#
# Points (every point starts the server(s) afresh on empty lease files and, for a pair, waits
# until both peers are in load-balancing / hot-standby):
#   unlimited   perfdhcp -R 100000 -g single without -r (overload: as fast as perfdhcp goes)
#   -r RATE     an ascending ladder (RATES); a setup leaves the ladder after two failing rates in
#               a row or one with >= 10 % lost. "sustained" = highest rate with < 1 % lost
#               exchanges (as scripts/bench-dhcp.sh).
# The setups take turns at each point (single, lb tandemd, lb kea, hs tandemd, hs kea), so a
# change in background load hits them alike. Per point it records DORA/s (perfdhcp's 4-way
# exchange rate), lost exchanges in % of DISCOVERs, the servers' CPU (utime+stime from
# /proc/PID/stat over the run, both peers summed) per completed DORA, perfdhcp's CPU, and the
# peers' HA states after the run (a pair that left its normal state during a point would no
# longer wait for its partner, so such a point is flagged and never counts as sustained).
#
# usage: sudo scripts/bench-ha.sh [--quick]    (full run 6-11 min; --quick 2-3 min)
# env:   TANDEMD=path/to/tandemd (default: $TANDEM_BUILD/dhcpd/tandemd, build*/dhcpd/tandemd)
#        KEA_DHCP4=/usr/sbin/kea-dhcp4  KEA_HOOKS=/usr/lib/x86_64-linux-gnu/kea/hooks
#        MODES="lb hs"  PERIOD=8 (s per point)  RATES="1000 1500 2000 3000 4000 6000 8000 10000 12000 14000"
#        SETUPS="single tandemd kea" (subset to run)  OUT=dir (raw outputs, configs, table; kept)
#        PROFILE=glob of setups (e.g. 'lb-tandemd'): perf record -g of each server during its
#        points, to $OUT/<point>.s<N>.perf.data (perf report -i ...); PERF_CALLGRAPH=dwarf for
#        whole user-space stacks (tandemd has no frame pointers; bigger files), PERF_FREQ=999;
#        scripts/perf-ha-stages.py splits such profiles of a pair into the stages of the
#        lease update path. PERF_STAT=glob of setups: perf stat of each server's system calls
#        and context switches during its points, to $OUT/<point>.s<N>.stat (not with PROFILE).
#        Each server's own CPU seconds over the run: $OUT/<point>.srvcpu ("s<N> seconds").
#        TANDEM_HA='{"max-ack-delay": 5000}': keys merged into the tandemd pairs' high-availability
#        entry (e.g. to compare one setting's values with one binary).
set -u -o pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
QUICK=0
for a in "$@"; do
  case $a in
    --quick) QUICK=1 ;;
    -h | --help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument '$a' (try --help)" >&2; exit 2 ;;
  esac
done
if [ "$QUICK" = 1 ]; then
  PERIOD=${PERIOD:-4}
  RATES=${RATES:-1000 2000 4000 6000 8000 12000}
  TIT_BUDGET=${BENCH_BUDGET:-420}
else
  PERIOD=${PERIOD:-8}
  RATES=${RATES:-1000 1500 2000 3000 4000 6000 8000 10000 12000 14000}
  TIT_BUDGET=${BENCH_BUDGET:-1200}
fi
# shellcheck source=../tests/integration/lib.sh
. "$SRC/tests/integration/lib.sh"
TIT_ID="thb-$$"
TIT_NAME=bench-ha

MODES=${MODES:-lb hs}
SETUPS=${SETUPS:-single tandemd kea}
KEA_DHCP4=${KEA_DHCP4:-/usr/sbin/kea-dhcp4}
KEA_HOOKS=${KEA_HOOKS:-/usr/lib/x86_64-linux-gnu/kea/hooks}
if [ -z "${TANDEMD:-}" ]; then
  for c in ${TANDEM_BUILD:+$TANDEM_BUILD/dhcpd/tandemd} "$SRC"/build/dhcpd/tandemd "$SRC"/build-*/dhcpd/tandemd; do
    [ -x "$c" ] && { TANDEMD=$c; break; }
  done
fi

tit_init
tit_require perfdhcp socat jq python3 openssl bc
[ -x "${TANDEMD:-}" ] || skip "tandemd not built: set TANDEMD"
if [[ " $SETUPS " == *" kea "* ]]; then
  [ -x "$KEA_DHCP4" ] || skip "kea-dhcp4 not found at $KEA_DHCP4"
  [ -f "$KEA_HOOKS/libdhcp_ha.so" ] && [ -f "$KEA_HOOKS/libdhcp_lease_cmds.so" ] ||
    skip "Kea HA hooks not found in $KEA_HOOKS"
fi
OUT=${OUT:-$(mktemp -d /tmp/bench-ha.XXXXXX)}
mkdir -p "$OUT"
HZ=$(getconf CLK_TCK)

tit_switch
tit_host s1 02:00:c6:12:00:01 198.18.0.1/15
tit_host s2 02:00:c6:12:00:02 198.18.0.2/15
tit_host cl 02:00:c6:12:00:64 198.18.0.100/15
CERTS="$OUT/certs"
bash "$SRC/config-examples/mkcerts.sh" "$CERTS" server1=198.18.0.1 server2=198.18.0.2 >/dev/null ||
  fail "mkcerts.sh failed"

# mkconf <dir> <single|tandemd|kea> <lb|hs> <server1|server2>: writes <dir>/dhcp4.json.
# Absolute paths everywhere (Kea 2.2 resolves relative ones against its working directory).
mkconf() {
  python3 - "$@" "$CERTS" "$KEA_HOOKS" <<'EOF'
import json, os, sys
d, kind, mode, me, certs, hooks = sys.argv[1:7]
cfg = {
    "interfaces-config": {"interfaces": ["eth0"], "dhcp-socket-type": "raw"},
    "control-socket": {"socket-type": "unix", "socket-name": f"{d}/ctrl.sock"},
    "lease-database": {"type": "memfile", "persist": True, "name": f"{d}/leases4.csv", "lfc-interval": 0},
    "valid-lifetime": 4000, "renew-timer": 1000, "rebind-timer": 2000,
    "loggers": [{"name": "kea-dhcp4", "output_options": [{"output": f"{d}/server.log"}], "severity": "WARN"}],
}
# perfdhcp acts as a relay (giaddr = 198.18.0.100), so the subnet holds the client's address.
subnet = {"id": 1, "subnet": "198.18.0.0/15", "pools": [{"pool": "198.18.16.0 - 198.19.255.254"}],
          "option-data": [{"name": "routers", "data": "198.18.0.1"}]}
hamode = {"lb": "load-balancing", "hs": "hot-standby"}[mode]
if kind != "single":
    peers = []
    for name, ip, role in (("server1", "198.18.0.1", "primary"),
                           ("server2", "198.18.0.2", "secondary" if mode == "lb" else "standby")):
        peers.append({"name": name, "url": f"https://{ip}:8001/", "role": role, "auto-failover": True,
                      "cert-file": f"{certs}/{name}.pem", "key-file": f"{certs}/{name}.key"})
    ha = {"this-server-name": me, "mode": hamode,
          "heartbeat-delay": 1000, "max-response-delay": 3000, "max-ack-delay": 1000,
          "max-unacked-clients": 0,
          # Kea 2.2 refuses a hot-standby config with a backlog.
          "delayed-updates-limit": 100 if mode == "lb" else 0,
          "sync-timeout": 60000, "sync-page-limit": 10000,
          "send-lease-updates": True, "sync-leases": True, "wait-backup-ack": False,
          "trust-anchor": f"{certs}/ca.pem", "require-client-certs": True,
          "peers": peers}
    if kind == "kea":
        # ../shared/testbed/mkconf-ha.sh: MT with the HA hook's dedicated listener.
        cfg["multi-threading"] = {"enable-multi-threading": True, "thread-pool-size": 2, "packet-queue-size": 64}
        ha["multi-threading"] = {"enable-multi-threading": True, "http-dedicated-listener": True,
                                 "http-listener-threads": 2, "http-client-threads": 2}
        if mode == "lb":
            # Kea's recommended load-balancing setup: one pool per server, bound by the HA_ classes.
            subnet["pools"] = [{"pool": "198.18.16.0 - 198.18.255.254", "client-class": "HA_server1"},
                               {"pool": "198.19.0.0 - 198.19.255.254", "client-class": "HA_server2"}]
        pfx = hooks + "/"
    else:
        pfx = ""  # tandemd recognises the entries by file name and uses its built-in implementation
        ha.update(json.loads(os.environ.get("TANDEM_HA") or "{}"))
    cfg["hooks-libraries"] = [{"library": pfx + "libdhcp_lease_cmds.so"},
                              {"library": pfx + "libdhcp_ha.so", "parameters": {"high-availability": [ha]}}]
cfg["subnet4"] = [subnet]
json.dump({"Dhcp4": cfg}, open(f"{d}/dhcp4.json", "w"), indent=1)
EOF
}

# Every configuration is written and checked once, before any point runs.
for m in $MODES; do
  for k in tandemd kea; do
    [[ " $SETUPS " == *" $k "* ]] || continue
    for s in server1 server2; do
      d="$OUT/conf/$m-$k-$s"
      mkdir -p "$d"
      mkconf "$d" "$k" "$m" "$s" || fail "cannot write config $d"
    done
  done
done
mkdir -p "$OUT/conf/single"
mkconf "$OUT/conf/single" single lb server1 || fail "cannot write the single-server config"
for d in "$OUT"/conf/*/; do
  case $d in
    *-kea-*) ( cd "$d" && KEA_PIDFILE_DIR="$d" KEA_LOCKFILE_DIR="$d" "$KEA_DHCP4" -t dhcp4.json ) >"$d/check.log" 2>&1 ;;
    *) "$TANDEMD" -t "$d/dhcp4.json" >"$d/check.log" 2>&1 ;;
  esac || { cat "$d/check.log" >&2; fail "config $d rejected"; }
done

udp_rcvbuf_errors() {
  ip netns exec "$1" awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 } else print $c["RcvbufErrors"] }' \
    /proc/net/snmp 2>/dev/null || echo 0
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# perf_stats <file>: "rate disc_sent drops ack_recv" (drops = DISCOVERs and REQUESTs perfdhcp
# gave up on), as scripts/bench-dhcp.sh reads them.
perf_stats() {
  awk '
    /^Rate:/ { rate = $2 }
    /Statistics for: DISCOVER-OFFER/ { sec = 1 } /Statistics for: REQUEST-ACK/ { sec = 2 }
    /^sent packets:/ { s[sec] = $3 } /^received packets:/ { r[sec] = $3 } /^drops:/ { d[sec] = $2 }
    END { printf "%s %d %d %d\n", (rate == "" ? 0 : rate), s[1], d[1] + d[2], r[2] }' "$1"
}

ctl() { echo "$2" | timeout 5 socat -t 5 - "UNIX-CONNECT:$1/ctrl.sock" 2>/dev/null; }
ha_state() {
  ctl "$1" '{"command":"status-get"}' |
    jq -r '(if type == "array" then .[0] else . end) | .arguments."high-availability"[0]."ha-servers".local.state // "none"' \
      2>/dev/null || echo none
}
normal_state() { [ "$2" = lb ] && echo load-balancing || echo hot-standby; }

# start_server <workdir> <ns> <binary>: PID in START_PID.
start_server() {
  local d=$1 ns=$2 bin=$3
  ( cd "$d" && KEA_PIDFILE_DIR="$d" KEA_LOCKFILE_DIR="$d" exec ip netns exec "$ns" "$bin" -c "$d/dhcp4.json" \
      >>"$d/stdout.log" 2>&1 ) &
  START_PID=$!
  TIT_PIDS+=("$START_PID")
}

# Brings up a setup in fresh directories: sets SRV_PIDS and SRV_DIRS. Fails (returns 1) when
# a server does not start or a pair does not reach its normal state within 30 s.
bring_up() {
  local setup=$1 tag=$2 mode kind bin d s i
  SRV_PIDS=() SRV_DIRS=()
  if [ "$setup" = single ]; then
    d="$TIT_TMP/$tag-server1"
    rm -rf "$d"; mkdir -p "$d"
    sed "s#$OUT/conf/single#$d#g" "$OUT/conf/single/dhcp4.json" >"$d/dhcp4.json"
    start_server "$d" "$TIT_ID-s1" "$TANDEMD"
    SRV_PIDS=("$START_PID") SRV_DIRS=("$d")
    wait_for 15 "single tandemd socket" tit_has_socket "$TIT_ID-s1" "$START_PID" || return 1
    sleep 0.3
    return 0
  fi
  mode=${setup%-*} kind=${setup#*-}
  [ "$kind" = kea ] && bin=$KEA_DHCP4 || bin=$TANDEMD
  i=0
  for s in server1 server2; do
    i=$((i + 1))
    d="$TIT_TMP/$tag-$s"
    rm -rf "$d"; mkdir -p "$d"
    sed "s#$OUT/conf/$mode-$kind-$s#$d#g" "$OUT/conf/$mode-$kind-$s/dhcp4.json" >"$d/dhcp4.json"
    start_server "$d" "$TIT_ID-s$i" "$bin"
    SRV_PIDS+=("$START_PID") SRV_DIRS+=("$d")
  done
  local want end=$((SECONDS + 30)) ok
  want=$(normal_state x "$mode")
  while [ $SECONDS -lt $end ]; do
    ok=1
    for d in "${SRV_DIRS[@]}"; do [ "$(ha_state "$d")" = "$want" ] || ok=0; done
    [ $ok = 1 ] && return 0
    for s in "${SRV_PIDS[@]}"; do kill -0 "$s" 2>/dev/null || return 1; done
    sleep 0.1
  done
  return 1
}

take_down() {
  local p
  for p in "${SRV_PIDS[@]}"; do tit_stop "$p" TERM 20 || true; done
}

# point <setup> <label> <offered> <perfdhcp args...>; setup = single | <mode>-<tandemd|kea>.
# Appends setup|label|offered|rate|lost%|us/DORA|srvCPU%|perfCPU%|acks|states|ok to results.psv.
point() {
  local setup=$1 label=$2 offered=$3; shift 3
  local tag="$setup-${label// /_}"
  if ! bring_up "$setup" "$tag"; then
    local st="" d
    for d in "${SRV_DIRS[@]}"; do st+="$(ha_state "$d")/"; done
    log "WARNING: $setup did not come up for '$label' (states ${st%/}); point skipped"
    for d in "${SRV_DIRS[@]}"; do cp "$d/server.log" "$OUT/$tag.${d##*-}.log" 2>/dev/null; done
    take_down
    echo "$setup|$label|$offered|0|100|0|0|0|0|${st%/}|no-start" >>"$OUT/results.psv"
    return 1
  fi
  local -a t0=()
  local p s0 s1 i
  for p in "${SRV_PIDS[@]}"; do t0+=("$(cpu_ticks "$p")"); done
  local -a perfrec=()
  if [ -n "${PROFILE:-}" ] && [[ "$setup" == $PROFILE ]]; then
    i=0
    for p in "${SRV_PIDS[@]}"; do
      i=$((i + 1))
      perf record -q -F "${PERF_FREQ:-999}" --call-graph "${PERF_CALLGRAPH:-fp}" -p "$p" -o "$OUT/$tag.s$i.perf.data" \
        >/dev/null 2>&1 &
      perfrec+=($!)
      TIT_PIDS+=($!)
    done
  fi
  local -a perfstat=()
  if [ -n "${PERF_STAT:-}" ] && [[ "$setup" == $PERF_STAT ]]; then
    local ev="raw_syscalls:sys_enter,context-switches" sc
    for sc in recvmmsg sendmmsg epoll_wait epoll_ctl read write sendmsg recvmsg writev readv fdatasync futex timerfd_settime; do
      ev+=",syscalls:sys_enter_$sc"
    done
    i=0
    for p in "${SRV_PIDS[@]}"; do
      i=$((i + 1))
      perf stat -x, --per-thread -e "$ev" -p "$p" -o "$OUT/$tag.s$i.stat" >/dev/null 2>&1 &
      perfstat+=($!)
      TIT_PIDS+=($!)
    done
  fi
  # UDP receive-buffer overflows in every namespace (/proc/net/snmp is per namespace): where
  # packets were lost in the kernel, before any program saw them.
  local -A rb0=()
  for ns in s1 s2 cl; do rb0[$ns]=$(udp_rcvbuf_errors "$TIT_ID-$ns"); done
  s0=$(date +%s.%N)
  (
    TIMEFORMAT='%U %S'
    { time timeout $((PERIOD + 30)) ip netns exec "$TIT_ID-cl" perfdhcp -4 -l eth0 -p "$PERIOD" "$@" \
        >"$OUT/$tag.txt" 2>&1; } 2>"$OUT/$tag.cpu"
  )
  s1=$(date +%s.%N)
  for p in "${perfrec[@]}" "${perfstat[@]}"; do tit_stop "$p" INT 20 || true; done
  local ticks=0 i=0 alive=1 own
  : >"$OUT/$tag.srvcpu"
  for p in "${SRV_PIDS[@]}"; do
    kill -0 "$p" 2>/dev/null || alive=0
    own=$(($(cpu_ticks "$p") - ${t0[$i]}))
    ticks=$((ticks + own)); i=$((i + 1))
    echo "s$i $(echo "$own / $HZ" | bc -l)" >>"$OUT/$tag.srvcpu"
  done
  local states="-" d ok=ok
  if [ "$setup" != single ]; then
    states=""
    for d in "${SRV_DIRS[@]}"; do states+="$(ha_state "$d")/"; done
    states=${states%/}
    local want
    want=$(normal_state x "${setup%-*}")
    [ "$states" = "$want/$want" ] || ok=left-normal-state
  fi
  [ $alive = 1 ] || { ok=server-died; log "WARNING: a server of $setup died during '$label'"; }
  local rbuf=""
  for ns in s1 s2 cl; do rbuf+="$ns=$(( $(udp_rcvbuf_errors "$TIT_ID-$ns") - ${rb0[$ns]} )) "; done
  echo "udp-rcvbuf-errors ${rbuf% }" >"$OUT/$tag.kernel"
  # Each server's statistics (where its drops went: pkt4-ha-update-failed-drop,
  # pkt4-ha-backpressure-drop, pkt4-receive-drop, ...), as name value lines.
  for d in "${SRV_DIRS[@]}"; do
    ctl "$d" '{"command":"statistic-get-all"}' |
      jq -r '(if type == "array" then .[0] else . end) | .arguments // {} | to_entries[] |
             select(.key | startswith("pkt4-") or startswith("v4-")) | "\(.key) \(.value[0][0])"' \
        >"$OUT/$tag.${d##*-}.stats" 2>/dev/null || true
    # A tandemd peer's batched updates sent: requests and leases (leases / requests = the mean
    # batch, which sets the partner's cost per update).
    [ "$setup" != single ] && ctl "$d" '{"command":"status-get"}' |
      jq -r '(if type == "array" then .[0] else . end) | .arguments."high-availability"[0]."ha-servers".local."bulk-apply" //
             empty | "bulk-apply requests \(.requests) leases \(.leases)"' >>"$OUT/$tag.${d##*-}.stats" 2>/dev/null
  done
  take_down
  for d in "${SRV_DIRS[@]}"; do cp "$d/server.log" "$OUT/$tag.${d##*-}.log" 2>/dev/null; done
  rm -rf "${SRV_DIRS[@]}"
  local rate ds drops acks st pcpu el scpu drop us srvpct perfpct
  read -r rate ds drops acks <<<"$(perf_stats "$OUT/$tag.txt")"
  st=$(tail -n 1 "$OUT/$tag.cpu" 2>/dev/null)
  pcpu=$(echo "${st% *} + ${st#* }" | bc -l 2>/dev/null || echo 0)
  el=$(echo "$s1 - $s0" | bc -l)
  scpu=$(echo "$ticks / $HZ" | bc -l)
  drop=$(echo "if ($ds > 0) 100 * $drops / $ds else 100" | bc -l)
  us=$(echo "if ($acks > 0) $scpu * 1000000 / $acks else 0" | bc -l)
  srvpct=$(echo "100 * $scpu / $el" | bc -l)
  perfpct=$(echo "100 * $pcpu / $el" | bc -l)
  echo "$setup|$label|$offered|$rate|$drop|$us|$srvpct|$perfpct|$acks|$states|$ok" >>"$OUT/results.psv"
  log "$(printf '%-11s %-10s %9.0f DORA/s  lost %6.2f %%  %6.1f us/DORA  srv %4.0f %%  perfdhcp %4.0f %%  %s %s' \
    "$setup" "$label" "$rate" "$drop" "$us" "$srvpct" "$perfpct" "$states" "$ok")"
  LAST_DROP=$drop
  [ "$ok" = ok ]
}

ALL=()
[[ " $SETUPS " == *" single "* ]] && ALL+=(single)
for m in $MODES; do
  [[ " $SETUPS " == *" tandemd "* ]] && ALL+=("$m-tandemd")
  [[ " $SETUPS " == *" kea "* ]] && ALL+=("$m-kea")
done
LOAD0=$(cut -d' ' -f1 /proc/loadavg)
log "setups: ${ALL[*]}; ${PERIOD}s per point; rates: $RATES; raw outputs in $OUT; load average before: $LOAD0"
[ "$(echo "$LOAD0 > 0.5" | bc -l)" = 1 ] && log "WARNING: the machine is busy (load $LOAD0); figures will be noisy"
: >"$OUT/results.psv"
T0=$SECONDS

for s in "${ALL[@]}"; do point "$s" unlimited - -R 100000 -g single; done
declare -A FAILS ACTIVE
for s in "${ALL[@]}"; do FAILS[$s]=0 ACTIVE[$s]=1; done
for r in $RATES; do
  for s in "${ALL[@]}"; do
    [ "${ACTIVE[$s]}" = 1 ] || continue
    LAST_DROP=100
    if point "$s" "rate $r" "$r" -R 100000 -g single -r "$r" && [ "$(echo "$LAST_DROP < 1" | bc -l)" = 1 ]; then
      FAILS[$s]=0
    else
      FAILS[$s]=$((FAILS[$s] + 1))
      if [ "${FAILS[$s]}" -ge 2 ] || [ "$(echo "$LAST_DROP >= 10" | bc -l)" = 1 ]; then
        ACTIVE[$s]=0
        log "$s leaves the rate ladder at $r"
      fi
    fi
  done
done
LOAD1=$(cut -d' ' -f1 /proc/loadavg)

# ---- tables ---------------------------------------------------------------------------------
# sustained <setup>: highest offered rate with < 1 % lost and the pair in its normal state.
sustained() { awk -F'|' -v s="$1" '$1 == s && $3 != "-" && $5 < 1 && $11 == "ok" && $3 > b { b = $3 } END { print b + 0 }' "$OUT/results.psv"; }
# field <setup> <label> <column>
field() { awk -F'|' -v s="$1" -v l="$2" -v c="$3" '$1 == s && $2 == l { v = $c } END { print (v == "" ? 0 : v) }' "$OUT/results.psv"; }
div() { if [ "$(echo "$2 > 0" | bc -l)" = 1 ]; then echo "$1 / $2" | bc -l | xargs printf "%.2f${3:-}"; else echo n/a; fi; }
{
  echo
  echo "All points (DORA/s: perfdhcp's 4-way exchange rate; lost%: DISCOVER+REQUEST drops in % of"
  echo "DISCOVERs; us/DORA: servers' utime+stime per completed DORA, both peers summed; srvCPU%/perfCPU%:"
  echo "servers'/perfdhcp's CPU over the run, 100 = one core; states: HA states after the run)"
  printf '%-11s %-11s %8s %9s %7s %8s %7s %8s %9s  %s\n' setup point offered DORA/s lost% us/DORA srvCPU% perfCPU% ACKs states
  awk -F'|' '{ printf "%-11s %-11s %8s %9.0f %7.2f %8.1f %7.0f %8.0f %9d  %s%s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
               ($11 == "ok" ? "" : "  [" $11 "]") }' "$OUT/results.psv"
  echo
  su=$(field single unlimited 4) ss=$(sustained single)
  echo "single tandemd: unlimited $(printf '%.0f' "$su") DORA/s, sustained (< 1 % lost) $ss DORA/s," \
    "$(printf '%.1f' "$(field single unlimited 6)") us/DORA at unlimited"
  echo
  echo "Pairs over HTTPS with mutual TLS, leases persisted (tandemd: fdatasync + partner ack before each ACK)."
  printf '%-4s %-10s %12s %12s %8s %14s %9s %9s %11s %11s\n' mode point "tandemd-pair" "kea-pair" "t/kea" "t-pair/single" \
    "t-lost%" "kea-lost%" "t-us/DORA" "kea-us/DORA"
  for m in $MODES; do
    tu=$(field "$m-tandemd" unlimited 4) ku=$(field "$m-kea" unlimited 4)
    printf '%-4s %-10s %12.0f %12.0f %8s %14s %9.2f %9.2f %11.1f %11.1f\n' "$m" unlimited "$tu" "$ku" \
      "$(div "$tu" "$ku" x)" "$(div "$tu" "$su")" "$(field "$m-tandemd" unlimited 5)" "$(field "$m-kea" unlimited 5)" \
      "$(field "$m-tandemd" unlimited 6)" "$(field "$m-kea" unlimited 6)"
    ts=$(sustained "$m-tandemd") ks=$(sustained "$m-kea")
    printf '%-4s %-10s %12s %12s %8s %14s %9.2f %9.2f %11.1f %11.1f\n' "$m" sustained "$ts" "$ks" \
      "$(div "$ts" "$ks" x)" "$(div "$ts" "$ss")" "$(field "$m-tandemd" "rate $ts" 5)" "$(field "$m-kea" "rate $ks" 5)" \
      "$(field "$m-tandemd" "rate $ts" 6)" "$(field "$m-kea" "rate $ks" 6)"
  done
  for s in "${ALL[@]}"; do
    [ "$(sustained "$s")" = 0 ] && echo "note: $s sustained none of the rates in RATES with < 1 % lost (n/a); add lower ones"
  done
  echo "(sustained: highest offered -r rate with < 1 % lost and both peers still in their normal state;"
  echo " lost% and us/DORA of a sustained row are those of that rate's point)"
  top=$(echo "$RATES" | tr ' ' '\n' | sort -n | tail -n 1)
  for s in "${ALL[@]}"; do
    [ "$(sustained "$s")" = "$top" ] && echo "note: $s sustained the highest rate tried ($top); raise RATES to find its limit"
  done
  bound=$(awk -F'|' '$8 >= 90 { printf "%s%s %s", sep, $1, $2; sep = ", " }' "$OUT/results.psv")
  [ -n "$bound" ] && echo "perfdhcp used >= 90 % of a core (it, not the servers, may be the limit) in: $bound"
  echo "$(nproc) CPUs; load average $LOAD0 before, $LOAD1 after; ${PERIOD}s per point; $((SECONDS - T0))s;" \
    "$(date -u +%FT%TZ); tandemd $TANDEMD; $("$KEA_DHCP4" -v 2>/dev/null | head -n 1 | sed 's/^/kea-dhcp4 /')"
} | tee "$OUT/table.txt"
