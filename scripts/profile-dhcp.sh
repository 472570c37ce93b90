#!/bin/bash
# Where a DORA's cost goes, in measures that survive a busy machine, for tandemd and for ISC
# Kea 2.2's kea-dhcp4 with the same config (bench-dhcp.sh's: memfile persist=true, one /15).
#
# MODE=syscalls (default): the server runs normally; perfdhcp offers a FIXED rate (-r $RATE,
#   so batch sizes do not depend on how fast the clients happen to be) for $PERIOD s and
#   `perf stat` counts, over the same window, every system call of the server's threads by
#   name. Prints per completed DORA: the server's CPU (utime+stime), its wake-ups (epoll_wait,
#   select...), packet calls (recvmmsg, sendmmsg...), fdatasync, futex and all calls together.
# MODE=record: the same fixed-rate window under `perf record -g` (EVENT=cpu-clock, or e.g.
#   EVENT=syscalls:sys_enter_epoll_ctl to see who makes a call); prints the top of the report.
# MODE=callgrind: the server runs under valgrind --tool=callgrind with instrumentation off
#   until its sockets are open (start-up not counted); perfdhcp makes $EXCHANGES exchanges at
#   a slow rate; prints user-space instructions per completed DORA and, for tandemd, the share
#   of each stage of the packet path (inclusive costs of its entry points). Instruction counts
#   do not depend on the machine's load. Kernel time is not in them (see MODE=syscalls).
#
# usage: sudo scripts/profile-dhcp.sh
# env:   SERVERS="tandemd kea"  TANDEMD=build/dhcpd/tandemd  KEA_DHCP4=/usr/sbin/kea-dhcp4
#        MODE=syscalls|callgrind  RATE=4000 PERIOD=10 (syscalls)  EXCHANGES=3000 (callgrind)
#        TANDEMD_ARGS="--commit-window 0" (extra tandemd arguments)
#        OUT=dir (raw outputs; default a temp dir that is kept)
set -u -o pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
TIT_BUDGET=${PROFILE_BUDGET:-900}
# shellcheck source=../tests/integration/lib.sh
. "$SRC/tests/integration/lib.sh"
TIT_NAME=profile-dhcp

MODE=${MODE:-syscalls}
RATE=${RATE:-4000}
PERIOD=${PERIOD:-10}
EXCHANGES=${EXCHANGES:-3000}
SERVERS=${SERVERS:-tandemd kea}
KEA_DHCP4=${KEA_DHCP4:-/usr/sbin/kea-dhcp4}
if [ -z "${TANDEMD:-}" ]; then
  for c in ${TANDEM_BUILD:+$TANDEM_BUILD/dhcpd/tandemd} "$SRC"/build/dhcpd/tandemd; do
    [ -x "$c" ] && { TANDEMD=$c; break; }
  done
fi

tit_init
tit_require perfdhcp
case $MODE in
  syscalls) tit_require perf ;;
  record) tit_require perf ;;
  callgrind) tit_require valgrind callgrind_control callgrind_annotate ;;
  *) fail "MODE must be syscalls, record or callgrind" ;;
esac
OUT=${OUT:-$(mktemp -d /tmp/profile-dhcp.XXXXXX)}
mkdir -p "$OUT"
HZ=$(getconf CLK_TCK)

tit_switch
tit_host srv 02:00:c6:12:00:01 198.18.0.1/15
tit_host cl1 02:00:c6:12:00:64 198.18.0.100/15
SRV="$TIT_ID-srv"

# One single-subnet server config for both benchmarks (scripts/bench-dhcp4.json).
cp "$SRC/scripts/bench-dhcp4.json" "$OUT/dhcp4.json"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
acks_of() { awk '/Statistics for: REQUEST-ACK/ { s = 1 } s && /^received packets:/ { print $3; exit }' "$1"; }
# The server process itself (under `ip netns exec` the started PID execs into it).
server_pid() { echo "$TIT_SERVER_PID"; }
# start <server> <tag> [binary]: the server with its extra arguments.
start() {
  local args=()
  # shellcheck disable=SC2206
  [ "$1" = tandemd ] && args=(${TANDEMD_ARGS:-})
  tit_server_start "$2" "$SRV" "$OUT/dhcp4.json" "${args[@]}"
}

SYSCALLS="recvmmsg sendmmsg recvmsg sendmsg recvfrom sendto epoll_wait epoll_pwait epoll_ctl select pselect6 poll ppoll fdatasync write writev pwrite64 futex newfstat timerfd_settime read"

profile_syscalls() {
  local server=$1 bin tag=$1-syscalls
  [ "$server" = kea ] && bin=$KEA_DHCP4 || bin=$TANDEMD
  TIT_SERVER=$bin
  start "$server" "$tag"
  local spid=$TIT_SERVER_PID ev="" s t0 t1
  for s in $SYSCALLS; do ev="$ev${ev:+,}syscalls:sys_enter_$s"; done
  ev="$ev,raw_syscalls:sys_enter,context-switches"
  t0=$(cpu_ticks "$spid")
  perf stat -x, -e "$ev" -p "$spid" -o "$OUT/$tag.perf" -- sleep $((PERIOD + 2)) &
  local ppid=$!
  sleep 0.5
  timeout $((PERIOD + 30)) ip netns exec "$TIT_ID-cl1" perfdhcp -4 -l eth0 -R 100000 -r "$RATE" -p "$PERIOD" \
    >"$OUT/$tag.perfdhcp" 2>&1
  wait "$ppid"
  t1=$(cpu_ticks "$spid")
  tit_stop "$spid" TERM 20
  local acks
  acks=$(acks_of "$OUT/$tag.perfdhcp")
  [ "${acks:-0}" -gt 0 ] || fail "$server: no DHCPACK received (see $OUT/$tag.perfdhcp)"
  {
    printf '%s: -r %s for %ss, %s DORAs completed, load %s\n' "$server" "$RATE" "$PERIOD" "$acks" \
      "$(cut -d' ' -f1-3 /proc/loadavg)"
    printf '  server CPU per DORA (utime+stime over the window incl. 2.5 s idle): %.1f us\n' \
      "$(echo "($t1 - $t0) * 1000000 / $HZ / $acks" | bc -l)"
    awk -F, -v n="$acks" '$3 ~ /sys_enter/ || $3 == "context-switches" {
        name = $3; sub(/.*sys_enter_?/, "", name); if (name == "") name = "ALL syscalls"
        if ($1 + 0 > 0) printf "  %-18s %8.3f per DORA (%d)\n", name, $1 / n, $1 }' "$OUT/$tag.perf"
  } | tee -a "$OUT/summary.txt"
}

profile_record() {
  local server=$1 bin tag=$1-record
  [ "$server" = kea ] && bin=$KEA_DHCP4 || bin=$TANDEMD
  TIT_SERVER=$bin
  start "$server" "$tag"
  local spid=$TIT_SERVER_PID t0 t1
  t0=$(cpu_ticks "$spid")
  perf record -q -g -e "${EVENT:-cpu-clock}" -p "$spid" -o "$OUT/$tag.data" -- sleep $((PERIOD + 1)) 2>/dev/null &
  local ppid=$!
  sleep 0.5
  timeout $((PERIOD + 30)) ip netns exec "$TIT_ID-cl1" perfdhcp -4 -l eth0 -R 100000 -r "$RATE" -p "$PERIOD" \
    >"$OUT/$tag.perfdhcp" 2>&1
  wait "$ppid"
  t1=$(cpu_ticks "$spid")
  tit_stop "$spid" TERM 20
  local acks cpu
  acks=$(acks_of "$OUT/$tag.perfdhcp")
  cpu=$(echo "($t1 - $t0) / $HZ" | bc -l)
  perf report -i "$OUT/$tag.data" --stdio --no-children --sort dso,sym -g none --percent-limit 0.7 \
    >"$OUT/$tag.self" 2>/dev/null
  perf report -i "$OUT/$tag.data" --stdio --children --sort sym -g none --percent-limit 2 \
    >"$OUT/$tag.children" 2>/dev/null
  { printf '%s: perf record %s, -r %s for %ss, %s DORAs, %.1f us of server CPU per DORA, load %s\n' "$server" \
      "${EVENT:-cpu-clock}" "$RATE" "$PERIOD" "$acks" "$(echo "$cpu * 1000000 / ${acks:-1}" | bc -l)" \
      "$(cut -d' ' -f1-3 /proc/loadavg)"
    perf script -i "$OUT/$tag.data" -F tid,ip,sym 2>/dev/null | /usr/bin/python3 "$HERE/perf-stages.py" "$cpu" "${acks:-0}"
    echo "  top functions (self):"
    grep -v '^#' "$OUT/$tag.self" | grep -v '^$' | cut -c1-120 | head -25; } | tee -a "$OUT/summary.txt"
}

# Inclusive instruction counts of the packet path's stages (tandemd symbols).
STAGES=(
  "event loop (asio run)|boost::asio::detail::scheduler::run"
  "receive (recvmmsg + cmsg)|tandem::net::DhcpSocket::receive"
  "pipeline total|tandem::net::DhcpPipeline::process"
  "decode|tandem::proto::decode"
  "engine|tandem::engine::Engine::handle"
  "lease store + stats + journal append|tandem::net::LeaseWriter::apply"
  "journal append (CSV row)|tandem::MemfileJournal::enqueue"
  "encode|tandem::proto::encode"
  "send (sendmmsg)|tandem::net::DhcpSocket::sendOn"
  "send loop|tandem::daemon::PacketLoop::sendReady"
  "packet workers (multi-threading)|tandem::daemon::PacketWorker::run"
  "journal thread (write+fdatasync)|tandem::MemfileJournal::run"
  "malloc|malloc"
  "free|free"
)

profile_callgrind() {
  local server=$1 bin tag=$1-callgrind
  [ "$server" = kea ] && bin=$KEA_DHCP4 || bin=$TANDEMD
  # valgrind starts the server; the wait for its socket and the stop work on valgrind's PID.
  local wrapper="$OUT/$tag.sh"
  printf '#!/bin/sh\nexec valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=%s "%s" "$@"\n' \
    "$OUT/$tag.out" "$bin" >"$wrapper"
  chmod +x "$wrapper"
  TIT_SERVER=$wrapper
  start "$server" "$tag"
  local spid=$TIT_SERVER_PID
  sleep 2
  callgrind_control -i on "$spid" >/dev/null || fail "callgrind_control could not reach $spid"
  # Slow enough for a server under valgrind (about 50 times slower) to answer everything.
  timeout 600 ip netns exec "$TIT_ID-cl1" perfdhcp -4 -l eth0 -R 100000 -r 100 -n "$EXCHANGES" \
    >"$OUT/$tag.perfdhcp" 2>&1
  tit_stop "$spid" TERM 60
  local acks total
  acks=$(acks_of "$OUT/$tag.perfdhcp")
  [ "${acks:-0}" -gt 0 ] || fail "$server: no DHCPACK received (see $OUT/$tag.perfdhcp)"
  callgrind_annotate --inclusive=yes --threshold=100 "$OUT/$tag.out" >"$OUT/$tag.annotate" 2>/dev/null
  total=$(awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }' "$OUT/$tag.annotate")
  {
    printf '%s: %s DORAs completed (perfdhcp -r 100 -n %s), load %s\n' "$server" "$acks" "$EXCHANGES" \
      "$(cut -d' ' -f1-3 /proc/loadavg)"
    printf '  user-space instructions per DORA (all threads, shutdown included): %.0f\n' \
      "$(echo "$total / $acks" | bc -l)"
    if [ "$server" = tandemd ]; then
      local st
      for st in "${STAGES[@]}"; do printf '%s\n' "$st"; done |
        /usr/bin/python3 -c '
import re, sys
total, acks, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rows = []
for line in open(path, errors="replace"):
    m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(?:\S*?:)?(\S.*)$", line)
    if m:
        rows.append((int(m.group(1).replace(",", "")), m.group(2)))
for st in sys.stdin.read().splitlines():
    name, sym = st.split("|", 1)
    hits = [n for n, f in rows if f.startswith(sym + "(") or f.startswith(sym + " ")]
    if hits:
        ir = max(hits)
        print(f"  {name:<38} {ir / acks:8.0f} instr/DORA {100.0 * ir / total:5.1f} %")
' "$total" "$acks" "$OUT/$tag.annotate"
    fi
  } | tee -a "$OUT/summary.txt"
}

log "mode $MODE, outputs in $OUT, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for s in $SERVERS; do
  case $s in
    kea) [ -x "$KEA_DHCP4" ] || { log "skipping kea: $KEA_DHCP4 not found"; continue; } ;;
    tandemd) [ -x "${TANDEMD:-}" ] || { log "skipping tandemd: not built, set TANDEMD"; continue; } ;;
    *) fail "unknown server '$s'" ;;
  esac
  "profile_$MODE" "$s"
done
log "summary in $OUT/summary.txt"
