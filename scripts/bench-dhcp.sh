#!/bin/bash
# DORA throughput of tandemd against ISC Kea 2.2's kea-dhcp4, same config, same run.
#
# Both servers get the SAME Kea Dhcp4 config (raw sockets on eth0, memfile with persist=true,
# one /15 subnet with a ~126k-address pool) in a namespace on a bridge; perfdhcp (Debian
# kea-admin) runs in a client namespace for a fixed time per point. Every point starts the
# server afresh on an empty lease file. Points:
#   unlimited     perfdhcp -R 100000 -g single, no -r: as fast as perfdhcp can go (overload)
#   -r RATE       the sweep in $RATES: the highest rate with < 1 % lost exchanges is "sustained"
#   multi         perfdhcp -g multi (separate receive thread), unlimited
#   2x perfdhcp   two perfdhcp processes from two client namespaces, unlimited, rates summed
# For each point it prints DORA/s (perfdhcp's 4-way exchange rate), lost exchanges in % of
# DISCOVERs sent, the server's CPU (utime+stime from /proc/PID/stat over the run) in % of one
# core and in microseconds per completed DORA, perfdhcp's own CPU, and the lease-file lines
# written. perfdhcp shares the machine's cores with the server: when perfdhcp's CPU is near
# 100 % of a core it, not the server, is the limit, and the multi / 2x rows show that.
#
# usage: sudo scripts/bench-dhcp.sh            (about 5 minutes with the defaults)
# env:   TANDEMD=path/to/tandemd   (default: $TANDEM_BUILD/dhcpd/tandemd, build-*/dhcpd/tandemd)
#        KEA_DHCP4=/usr/sbin/kea-dhcp4   SERVERS="kea tandemd"   PERIOD=10 (s per point)
#        RATES="2000 4000 8000 12000 16000"   EXTRA=1 (multi and 2x points; 0 = skip)
#        OUT=dir (raw perfdhcp outputs and the table; default a temp dir that is kept)
#        THREADS=N (multi-threading on, thread-pool-size N, packet-queue-size 1024: tandemd's
#        packet workers, Kea's thread pool; unset = off, the config's default)
#        PIN=1 (every thread of the server on CPU 0, perfdhcp on CPU 1, with taskset: the server
#        cannot borrow perfdhcp's core, so srvCPU% near 100 means the server is the limit and
#        well below it means perfdhcp is)
set -u -o pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
TIT_BUDGET=${BENCH_BUDGET:-1800}
# shellcheck source=../tests/integration/lib.sh
. "$SRC/tests/integration/lib.sh"
TIT_NAME=bench-dhcp

PERIOD=${PERIOD:-10}
RATES=${RATES:-2000 4000 8000 12000 16000}
SERVERS=${SERVERS:-kea tandemd}
EXTRA=${EXTRA:-1}
PIN=${PIN:-0}
KEA_DHCP4=${KEA_DHCP4:-/usr/sbin/kea-dhcp4}
if [ -z "${TANDEMD:-}" ]; then
  for c in ${TANDEM_BUILD:+$TANDEM_BUILD/dhcpd/tandemd} "$SRC"/build/dhcpd/tandemd "$SRC"/build-*/dhcpd/tandemd; do
    [ -x "$c" ] && { TANDEMD=$c; break; }
  done
fi

tit_init
tit_require perfdhcp
if [ "$PIN" = 1 ]; then
  tit_require taskset
  [ "$(nproc)" -ge 2 ] || skip "PIN=1 needs 2 CPUs"
fi
for s in $SERVERS; do
  case $s in
    kea) [ -x "$KEA_DHCP4" ] || skip "kea-dhcp4 not found at $KEA_DHCP4" ;;
    tandemd) [ -x "${TANDEMD:-}" ] || skip "tandemd not built: set TANDEMD" ;;
    *) fail "unknown server '$s' in SERVERS" ;;
  esac
done
OUT=${OUT:-$(mktemp -d /tmp/bench-dhcp.XXXXXX)}
mkdir -p "$OUT"
HZ=$(getconf CLK_TCK)

tit_switch
tit_host srv 02:00:c6:12:00:01 198.18.0.1/15
tit_host cl1 02:00:c6:12:00:64 198.18.0.100/15
tit_host cl2 02:00:c6:12:00:65 198.18.0.101/15
SRV="$TIT_ID-srv"

# perfdhcp is a relay (giaddr = its own address, replies to its port 67), so the subnet must
# contain the client namespaces' addresses.
# One single-subnet server config for both benchmarks (scripts/bench-dhcp4.json).
cp "$SRC/scripts/bench-dhcp4.json" "$OUT/dhcp4.json"
if [ -n "${THREADS:-}" ]; then
  sed -i "s/\"multi-threading\": { \"enable-multi-threading\": false }/\"multi-threading\": { \"enable-multi-threading\": true, \"thread-pool-size\": $THREADS, \"packet-queue-size\": 1024 }/" "$OUT/dhcp4.json"
  grep -q "\"thread-pool-size\": $THREADS" "$OUT/dhcp4.json" || fail "THREADS: multi-threading not set in $OUT/dhcp4.json"
fi

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# perf_stats <file>: "rate disc_sent drops ack_recv" from perfdhcp's report, where drops are
# the DISCOVERs and REQUESTs perfdhcp gave up on (no answer within its 1 s drop time).
perf_stats() {
  awk '
    /^Rate:/ { rate = $2 }
    /Statistics for: DISCOVER-OFFER/ { sec = 1 } /Statistics for: REQUEST-ACK/ { sec = 2 }
    /^sent packets:/ { s[sec] = $3 } /^received packets:/ { r[sec] = $3 } /^drops:/ { d[sec] = $2 }
    END { printf "%s %d %d %d\n", (rate == "" ? 0 : rate), s[1], d[1] + d[2], r[2] }' "$1"
}

# perfdhcp_bg <ns> <out-prefix> <args...>: runs perfdhcp, its CPU time (user sys) in <out>.cpu.
perfdhcp_bg() {
  local ns=$1 out=$2; shift 2
  (
    TIMEFORMAT='%U %S'
    { time timeout $((PERIOD + 30)) ip netns exec "$ns" $PERF_PIN perfdhcp "$@" >"$out.txt" 2>&1; } 2>"$out.cpu"
  ) &
  PERF_PIDS+=($!)
}

ROWS=()
# point <server> <label> <offered> <nproc> <perfdhcp args...>
point() {
  local server=$1 label=$2 offered=$3 nproc=$4; shift 4
  local tag="$server-${label// /_}" bin
  [ "$server" = kea ] && bin=$KEA_DHCP4 || bin=$TANDEMD
  TIT_SERVER=$bin
  rm -rf "${TIT_TMP:?}/$tag"
  tit_server_start "$tag" "$SRV" "$OUT/dhcp4.json"
  local spid=$TIT_SERVER_PID t0 t1 s0 s1 i
  PERF_PIN=
  if [ "$PIN" = 1 ]; then
    # -a: the threads the server already has (journal writer, workers, Kea's pool).
    taskset -a -p -c 0 "$spid" >/dev/null || fail "taskset of the server (pid $spid) failed"
    PERF_PIN="taskset -c 1"
  fi
  t0=$(cpu_ticks "$spid"); s0=$(date +%s.%N)
  PERF_PIDS=()
  if [ "$nproc" = 1 ]; then
    perfdhcp_bg "$TIT_ID-cl1" "$OUT/$tag.1" -4 -l eth0 -p "$PERIOD" "$@"
  else
    # Distinct base MACs so the two processes are different clients.
    perfdhcp_bg "$TIT_ID-cl1" "$OUT/$tag.1" -4 -l eth0 -p "$PERIOD" -b mac=00:0c:01:00:00:00 "$@"
    perfdhcp_bg "$TIT_ID-cl2" "$OUT/$tag.2" -4 -l eth0 -p "$PERIOD" -b mac=00:0c:02:00:00:00 "$@"
  fi
  for i in "${PERF_PIDS[@]}"; do wait "$i"; done
  t1=$(cpu_ticks "$spid"); s1=$(date +%s.%N)
  kill -0 "$spid" 2>/dev/null || log "WARNING: $server died during '$label'"
  tit_stop "$spid" TERM 20
  local lines=0
  [ -f "$TIT_SERVER_DIR/leases4.csv" ] && lines=$(($(wc -l <"$TIT_SERVER_DIR/leases4.csv") - 1))
  cp "$TIT_SERVER_DIR/server.log" "$OUT/$tag.server.log" 2>/dev/null
  local rate=0 ds=0 drops=0 acks=0 pcpu=0 f st r a b c
  for ((i = 1; i <= nproc; i++)); do
    f="$OUT/$tag.$i"
    read -r r a b c <<<"$(perf_stats "$f.txt")"
    rate=$(echo "$rate + $r" | bc -l); ds=$((ds + a)); drops=$((drops + b)); acks=$((acks + c))
    st=$(tail -n 1 "$f.cpu" 2>/dev/null)
    pcpu=$(echo "$pcpu + ${st% *} + ${st#* }" | bc -l 2>/dev/null || echo "$pcpu")
  done
  local el scpu
  el=$(echo "$s1 - $s0" | bc -l)
  scpu=$(echo "($t1 - $t0) / $HZ" | bc -l)
  local drop us srvpct perfpct
  drop=$(echo "if ($ds > 0) 100 * $drops / $ds else 100" | bc -l)
  us=$(echo "if ($acks > 0) $scpu * 1000000 / $acks else 0" | bc -l)
  srvpct=$(echo "100 * $scpu / $el" | bc -l)
  perfpct=$(echo "100 * $pcpu / $el" | bc -l)
  local row
  row=$(printf '%-8s %-18s %8s %9.0f %7.2f %8.0f %8.1f %9.0f %9s %9s' "$server" "$label" "$offered" \
    "$rate" "$drop" "$srvpct" "$us" "$perfpct" "$acks" "$lines")
  ROWS+=("$row")
  echo "$server|$label|$offered|$rate|$drop|$srvpct|$us|$perfpct|$acks|$lines|$nproc" >>"$OUT/results.psv"
  log "$row"
}

HEADER=$(printf '%-8s %-18s %8s %9s %7s %8s %8s %9s %9s %9s' server point offered DORA/s lost% srvCPU% us/DORA perfCPU% ACKs csvlines)
LOAD=$(cut -d' ' -f1 /proc/loadavg)
log "period ${PERIOD}s per point; raw outputs in $OUT; load average before the run: $LOAD; pinned: $PIN"
if [ "$(echo "$LOAD > 0.5" | bc -l)" = 1 ]; then
  log "WARNING: the machine is busy (load $LOAD); figures will understate both servers"
fi
: >"$OUT/results.psv"
# The servers take turns at each point, so a change in background load hits both alike.
for_servers() { local s; for s in $SERVERS; do point "$s" "$@"; done; }
for_servers unlimited - 1 -R 100000 -g single
for r in $RATES; do for_servers "rate $r" "$r" 1 -R 100000 -g single -r "$r"; done
if [ "$EXTRA" = 1 ]; then
  for_servers "unlimited multi" - 1 -R 100000 -g multi
  for_servers "unlimited 2x" - 2 -R 50000 -g single
fi

# Sustained = the highest offered -r rate with under 1 % lost exchanges.
sustained() {
  awk -F'|' -v s="$1" '$1 == s && $3 != "-" && $5 < 1 && $3 > best { best = $3 } END { print best + 0 }' "$OUT/results.psv"
}
field() { awk -F'|' -v s="$1" -v l="$2" -v c="$3" '$1 == s && $2 == l { print $c }' "$OUT/results.psv"; }
{
  echo
  echo "DORA/s: perfdhcp's 4-way exchange rate; lost%: DISCOVER+REQUEST drops in % of DISCOVERs; srvCPU%: server"
  echo "utime+stime over the run (100 = one core); us/DORA: server CPU per completed DORA;"
  echo "perfCPU%: all perfdhcp processes together (100 = one core);"
  echo "csvlines: lease-file lines written (>= ACKs means every ACK seen has its line)."
  echo "$(nproc) CPUs, load average before the run $LOAD, ${PERIOD}s per point, $(date -u +%FT%TZ)"
  echo "$HEADER"
  for s in $SERVERS; do printf '%s\n' "${ROWS[@]}" | awk -v s="$s" '$1 == s'; done
  echo
  bound=$(awk -F'|' '$8 / $11 >= 90 { printf "%s%s %s", sep, $1, $2; sep = ", " }' "$OUT/results.psv")
  [ -n "$bound" ] && echo "perfdhcp used >= 90 % of a core (it, not the server, is the limit) in: $bound"
  for s in $SERVERS; do
    echo "$s: sustained (< 1 % lost) $(sustained "$s") DORA/s offered; unlimited $(printf '%.0f' "$(field "$s" unlimited 4)") DORA/s"
  done
  if [[ " $SERVERS " == *" kea "* && " $SERVERS " == *" tandemd "* ]]; then
    ks=$(sustained kea) ts=$(sustained tandemd)
    ku=$(field kea unlimited 4) tu=$(field tandemd unlimited 4)
    kc=$(field kea unlimited 7) tc=$(field tandemd unlimited 7)
    if [ "$ks" = 0 ]; then
      low=$(echo "$RATES" | tr ' ' '\n' | sort -n | head -n 1)
      echo "kea sustained none of the rates in RATES with < 1 % lost; add lower ones (e.g. RATES=\"$((low / 2)) $RATES\")"
    fi
    echo "ratio tandemd/kea: sustained $(echo "if ($ks > 0) $ts / $ks else 0" | bc -l | xargs printf '%.2f')x (0 = n/a)," \
      "unlimited $(echo "if ($ku > 0) $tu / $ku else 0" | bc -l | xargs printf '%.2f')x," \
      "CPU per DORA kea/tandemd $(echo "if ($tc > 0) $kc / $tc else 0" | bc -l | xargs printf '%.2f')x"
    if [ "$ks" = "$(echo "$RATES" | tr ' ' '\n' | sort -n | tail -n 1)" ] ||
       [ "$ts" = "$(echo "$RATES" | tr ' ' '\n' | sort -n | tail -n 1)" ]; then
      echo "note: a server sustained the highest rate tried; raise RATES to find its limit"
    fi
  fi
} | tee "$OUT/table.txt"
