#!/bin/bash
# bench-sync.sh: time to synchronise a big lease database to an empty HA peer (issue 4,
# "Targets": 2 million leases over TLS in under 20 s from a tandemd partner; Kea's paged
# protocol with 10,000 leases a page is the baseline, measured in the same run).
#
# For every lease count (default "1000000 2000000") and every pair in BENCH_PAIRS
# (default "tandem-tandem kea-kea kea-tandem": <source>-<syncing peer>):
#  1. server1 (primary, the source) starts with a pre-made lease file of COUNT leases
#     (tandem-leasetool generate-range, Kea 2.2 CSV both daemons load), waits alone until
#     partner-down and serves clients;
#  2. sync-probe.py sends 20 DISCOVERs/s from a client namespace;
#  3. server2 (secondary) starts with an empty lease file and syncs over mutual TLS
#     (load-balancing, sync-page-limit 10000, sync-timeout BENCH_SYNC_TIMEOUT ms);
#  4. measured: sync = server2's syncing -> ready (its own log), join = server2's start to both
#     in load-balancing, gap = the probe's longest time without any DHCPOFFER after server1 first
#     served (the time the source stopped answering clients), missed = the probe's DISCOVERs
#     nobody answered around the hand-over (1 s before server2's syncing -> ready to 1 s after
#     its ready -> load-balancing: a gap in one scope the longest gap does not see),
#     identical = the two lease files hold the same leases (tandem-leasetool same).
# Every phase has a timeout (BENCH_LOAD_TIMEOUT 300 s for a daemon to load its file,
# BENCH_PHASE_TIMEOUT 600 s for the sync): a phase that times out is reported as such and the
# next pair runs. Results: a table on stdout and $BENCH_OUT (default /tmp/bench-sync.txt).
# Needs root (namespaces tit-<pid>-*, addresses 198.18.0.0/15), tandemd + tandem-leasetool built
# (TANDEM_BUILD, default /work/main/build), kea-dhcp4 2.2 with the HA and lease_cmds hooks.
# Usage: [TANDEM_BUILD=...] [PERF_DIR=dir] scripts/bench-sync.sh [COUNT...]
set -u -o pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
export TANDEM_SRC=$SRC
export TANDEMD=${TANDEMD:-${TANDEM_BUILD:-$SRC/build}/dhcpd/tandemd}
COUNTS=${*:-"1000000 2000000"}
PAIRS=${BENCH_PAIRS:-"tandem-tandem kea-kea kea-tandem"}
LOADT=${BENCH_LOAD_TIMEOUT:-300}
PHASET=${BENCH_PHASE_TIMEOUT:-600}
SYNCT=${BENCH_SYNC_TIMEOUT:-60000}
OUT=${BENCH_OUT:-/tmp/bench-sync.txt}
# The whole run is bounded too (lib.sh's budget): loads + syncs of every pair, plus slack.
npairs=$(echo "$PAIRS" | wc -w); ncounts=$(echo "$COUNTS" | wc -w)
TIT_BUDGET=${TIT_BUDGET:-$(( (2 * LOADT + PHASET + 60) * npairs * ncounts ))}
# shellcheck source=../tests/integration/lib.sh
source "$SRC/tests/integration/lib.sh"
# shellcheck disable=SC2034 # read by lib.sh log()
TIT_NAME=bench-sync
tit_init
sync_bins
case " $PAIRS " in *kea*) sync_need_kea ;; esac
sync_topology s1 s2 c

ROWS=()
row() { ROWS+=("$(printf '%-9s %-14s %10s %10s %10s %7s %9s %9s %9s %6s  %s' "$@")"); }
row leases pair "sync_s" "join_s" "gap_s" "missed" identical pull_cpu src_cpu load note
# CPU seconds (utime + stime) of a process so far: less noisy than wall time on a shared machine.
HZ=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

for n in $COUNTS; do
  gen=$TIT_TMP/leases-$n.csv
  t=$(date +%s.%N)
  "$SYNC_LEASETOOL" generate-range "$gen" 10.0.0.1 "$n" 2 17 || fail "generate-range $n"
  log "generated $n leases in $(sync_secs "$t" "$(date +%s.%N)") s ($(du -h "$gen" | cut -f1))"
  for pair in $PAIRS; do
    k1=${pair%-*} k2=${pair#*-}
    tag="$n $pair"
    rm -rf "$TIT_TMP/server1" "$TIT_TMP/server2"
    for s in server1 server2; do sync_conf "$s" load-balancing page=10000 timeout="$SYNCT"; done
    cp "$gen" "$TIT_TMP/server1/leases4.csv"
    t=$(date +%s.%N)
    sync_launch server1 s1 "$k1"
    if ! ( sync_up server1 "$LOADT" ) || ! sync_wait_state server1 partner-down "$LOADT"; then
      log "[$tag] source $k1 did not load $n leases and reach partner-down within ${LOADT}s"
      row "$n" "$pair" - - - - - - - - "source load timeout"
      sync_kill server1; continue
    fi
    log "[$tag] source $k1 loaded $n leases and serves alone after $(sync_secs "$t" "$(date +%s.%N)") s"
    sync_probe_start c "p$n$k1$k2" 20
    sleep 2
    t_join=$(date +%s.%N)
    src0=$(cpu_ticks "${SYNC_PID[server1]}")
    sync_launch server2 s2 "$k2"
    # PERF_DIR=dir: perf record (DWARF stacks) of the syncing peer and of the source until the
    # join, to dir/<count>-<pair>.perf.data and dir/<count>-<pair>.source.perf.data
    # (scripts/perf-sync-stages.py splits them into stages).
    perfrec= perfsrc=
    if [ -n "${PERF_DIR:-}" ]; then
      mkdir -p "$PERF_DIR"
      perf record -q -F "${PERF_FREQ:-499}" --call-graph dwarf -p "${SYNC_PID[server2]}" \
        -o "$PERF_DIR/$n-$pair.perf.data" >/dev/null 2>&1 &
      perfrec=$!
      TIT_PIDS+=("$perfrec")
      perf record -q -F "${PERF_FREQ:-499}" --call-graph dwarf -p "${SYNC_PID[server1]}" \
        -o "$PERF_DIR/$n-$pair.source.perf.data" >/dev/null 2>&1 &
      perfsrc=$!
      TIT_PIDS+=("$perfsrc")
    fi
    note=""
    pull_cpu=- src_cpu=-
    if sync_wait_state server2 load-balancing "$PHASET" && sync_wait_state server1 load-balancing 30; then
      join=$(sync_secs "$t_join" "$(date +%s.%N)")
      # The puller's whole life so far (start, pull, hand-over); the source's since the puller started.
      pull_cpu=$(awk -v t="$(cpu_ticks "${SYNC_PID[server2]}")" -v hz="$HZ" 'BEGIN { printf "%.2f", t / hz }')
      src_cpu=$(awk -v t="$(cpu_ticks "${SYNC_PID[server1]}")" -v t0="$src0" -v hz="$HZ" 'BEGIN { printf "%.2f", (t - t0) / hz }')
    else
      join="timeout"
      note="not in load-balancing after ${PHASET}s (server2 $(sync_state server2), $(wc -l <"$TIT_TMP/server2/leases4.csv" 2>/dev/null) lines)"
    fi
    [ -n "$perfrec" ] && tit_stop "$perfrec" INT 20
    [ -n "$perfsrc" ] && tit_stop "$perfsrc" INT 20
    sleep 1
    probe=$(sync_probe_stop "p$n$k1$k2")
    gap=$(echo "$probe" | jq -r '.max_gap_s // "-"')
    l2=$TIT_TMP/server2/server.log
    sync="-"
    if ts=$(sync_log_time "$l2" 'HA_STATE_TRANSITION.*(-> syncing|to SYNCING)') &&
      tr=$(sync_log_time "$l2" 'HA_STATE_TRANSITION.*(syncing -> ready|from SYNCING to READY)'); then
      sync=$(sync_secs "$ts" "$tr")
    fi
    # The hand-over: DISCOVERs nobody answered from 1 s before the puller's syncing -> ready
    # until 1 s after its ready -> load-balancing (sync-probe.py's unanswered send times).
    missed="-"
    if [ "$sync" != "-" ] && tl=$(sync_log_time "$l2" 'HA_STATE_TRANSITION.*(ready -> load-balancing|from READY to LOAD-BALANCING)'); then
      missed=$(echo "$probe" | jq --argjson a "$tr" --argjson b "$tl" \
        '[.unanswered // [] | .[] | select(. >= $a - 1 and . <= $b + 1)] | length')
    fi
    same=no
    if [ "$join" != timeout ]; then
      sync_same server1 server2 30 >/dev/null 2>&1 && same=yes
    fi
    [ -n "$note" ] || note="probe $(echo "$probe" | jq -c '{sent, answered}')"
    load=$(cut -d' ' -f1 /proc/loadavg)
    log "[$tag] sync ${sync} s, join ${join} s, longest gap ${gap} s, hand-over unanswered ${missed}, identical $same," \
      "puller CPU ${pull_cpu} s," \
      "source CPU ${src_cpu} s, load $load; $note"
    row "$n" "$pair" "$sync" "$join" "$gap" "$missed" "$same" "$pull_cpu" "$src_cpu" "$load" "$note"
    sync_kill server2 TERM
    sync_kill server1 TERM
  done
  rm -f "$gen"
done

{
  echo "bench-sync $(date -u '+%F %T') UTC, $(nproc) cores, mutual TLS, sync-page-limit 10000"
  echo "sync_s = syncing -> ready on the empty peer; join_s = its start to both in load-balancing;"
  echo "gap_s = longest time no client got a DHCPOFFER (source serving alone before the join)"
  echo "missed = DISCOVERs unanswered from 1 s before the puller's syncing -> ready to 1 s after its -> load-balancing"
  echo "pull_cpu = the syncing peer's CPU (utime+stime) from its start to the join; src_cpu = the source's"
  echo "CPU over the same time (it also serves the probe); load = 1-min load average at the end"
  printf '%s\n' "${ROWS[@]}"
} | tee "$OUT"
