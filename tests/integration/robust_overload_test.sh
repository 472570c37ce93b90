#!/bin/bash
# Overload (issue 2: "under overload throughput stays flat instead of collapsing, and every
# ACK sent is for a lease on disk"). Two perfdhcp processes from two client namespaces offer
# DORAs at their unlimited rate for a bounded period (-p), far beyond what tandemd can commit
# on a shared 2-core machine. Meanwhile scripts/robust-stat-sampler.py reads pkt4-ack-sent
# every second over the UNIX control socket. Afterwards:
#   - tandemd is still running and serves a normal, rate-limited perfdhcp run;
#   - pkt4-ack-sent <= complete lease rows in the CSV (each ACK, new lease or renewal, is
#     preceded by its own synced row; rows whose reply was shed only add to the right side);
#   - throughput does not collapse: in the second half of the overload the server completes
#     at least half as many ACKs per CPU second as in the first, and at least a quarter as
#     many per wall-clock second (the machine is shared, so wall-clock rates are noisy). The
#     figures are printed.
# Exits 77 (skipped) without root, perfdhcp, socat, python3 or the tandemd binary.
# shellcheck disable=SC2154  # trb_get assigns the variables it is given (printf -v)
set -u -o pipefail
TIT_BUDGET=${TIT_BUDGET:-150}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../scripts/robust-lib.sh
. "${TANDEM_SRC:-$here/../..}/scripts/robust-lib.sh"
SAMPLER="$TANDEM_SRC/scripts/robust-stat-sampler.py"
PERIOD=${TRB_OVERLOAD_PERIOD:-16}

trb_init 2
trb_config leases4.csv WARN >"$TIT_TMP/dhcp4.json"
tit_server_start srv "$TRB_SRV" "$TIT_TMP/dhcp4.json"
TIT_DIAG+=("$TIT_SERVER_DIR/server-out.log")
wait_for 10 "control socket" test -S "$TRB_CTRL" || fail "no control socket at $TRB_CTRL"

tit_bg "$TIT_TMP/samples.txt" python3 "$SAMPLER" "$TRB_CTRL" pkt4-ack-sent pkt4-receive-drop \
  --period 1 --duration $((PERIOD + 20)) --pid "$TIT_SERVER_PID"
SAMPLER_PID=$TIT_LAST_PID
sleep 1.5

log "overload: 2 x perfdhcp at unlimited rate for ${PERIOD}s"
t_start=$(python3 -c 'import time; print(time.monotonic())')
pids=()
for i in 1 2; do
  ns=$TRB_CLI; [ "$i" = 2 ] && ns=$TRB_CLI2
  # Distinct base MACs: two populations of 50,000 clients (renewals as perfdhcp revisits them).
  timeout $((PERIOD + 30)) ip netns exec "$ns" perfdhcp -4 -l eth0 -R 50000 -p "$PERIOD" \
    -b "mac=00:0e:0$i:00:00:00" >"$TIT_TMP/perf-over-$i.txt" 2>&1 &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
t_end=$(python3 -c 'import time; print(time.monotonic())')
sleep 2
tit_stop "$SAMPLER_PID" TERM 5
check "tandemd survived the overload" trb_alive

over_acks=0
for i in 1 2; do
  a=$(trb_perf_acks "$TIT_TMP/perf-over-$i.txt")
  r=$(awk '/^Rate:/ { print $2; exit }' "$TIT_TMP/perf-over-$i.txt")
  s=$(awk '/Statistics for: DISCOVER-OFFER/ {s=1} s && /^sent packets:/ {print $3; exit}' "$TIT_TMP/perf-over-$i.txt")
  log "perfdhcp $i: ${s:-0} DISCOVERs sent, $a ACKs received, rate ${r:-?} DORA/s"
  over_acks=$((over_acks + a))
done
check "the overload run completed exchanges ($over_acks ACKs)" test "$over_acks" -ge 100

# The sampler stamps samples with CLOCK_MONOTONIC, as python's time.monotonic() above.
python3 - "$TIT_TMP/samples.txt" "$t_start" "$t_end" >"$TIT_TMP/halves.txt" <<'PY' ||
import sys
path, t0, t1 = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
rows = []  # (time, pkt4-ack-sent, server cpu seconds)
for line in open(path):
    f = line.split()
    if len(f) >= 4 and "-" not in (f[1], f[3]):
        rows.append((float(f[0]), int(f[1]), float(f[3])))
rates = [round((vb - va) / (tb - ta)) for (ta, va, _), (tb, vb, _) in zip(rows, rows[1:]) if tb > ta]
print(f"series ACK/s: {rates}")
# The overload window without its first and last second (ramp-up, perfdhcp's tail), cut in
# two halves by sample count; each half's ACKs, wall time and server CPU time are deltas.
w = [r for r in rows if t0 + 1.0 <= r[0] <= t1 - 1.0]
if len(w) < 5:
    print(f"overload window too short: {len(w)} samples"); sys.exit(1)
h = len(w) // 2
def half(a, b):
    acks, wall, cpu = b[1] - a[1], b[0] - a[0], b[2] - a[2]
    return acks / wall, (acks / cpu if cpu > 0 else 0.0), cpu / wall
r1, e1, c1 = half(w[0], w[h])
r2, e2, c2 = half(w[h], w[-1])
print(f"first half:  {r1:.0f} ACK/s, {e1:.0f} ACKs per server CPU second, server CPU {100 * c1:.0f} %")
print(f"second half: {r2:.0f} ACK/s, {e2:.0f} ACKs per server CPU second, server CPU {100 * c2:.0f} %")
print(f"ratios second/first: throughput {r2 / r1 if r1 else 0:.2f}, efficiency {e2 / e1 if e1 else 0:.2f}")
print(f"RESULT {r1:.0f} {r2:.0f} {e1:.0f} {e2:.0f}")
PY
  { cat "$TIT_TMP/halves.txt" >&2; fail "cannot compute the throughput halves from the samples"; }
while read -r line; do log "$line"; done < <(grep -v '^RESULT' "$TIT_TMP/halves.txt")
read -r _ r1 r2 e1 e2 < <(grep '^RESULT' "$TIT_TMP/halves.txt")
# The machine is shared (perfdhcp, other tests): the server's share of the CPU varies from
# second to second, so wall-clock throughput is noisy. The work done per CPU second is what a
# collapse (livelock on drops, ever longer queues) destroys; it must stay within 50 %. Wall
# throughput must not fall below a quarter: a server that stalls uses no CPU and would pass
# the first check.
check "no collapse: ACKs per server CPU second, second half $e2 >= 50 % of first half $e1" \
  test $((e2 * 2)) -ge "$e1"
check "no collapse: ACK/s second half $r2 >= 25 % of first half $r1" test $((r2 * 4)) -ge "$r1"

trb_stats_settle
trb_get ack_sent pkt4-ack-sent
trb_get not_durable pkt4-ack-not-durable-drop
trb_get shed pkt4-receive-drop
rows=$(trb_csv_rows "$TIT_SERVER_DIR/leases4.csv")
log "pkt4-ack-sent $ack_sent, complete lease rows $rows, pkt4-receive-drop $shed, pkt4-ack-not-durable-drop $not_durable"
check "every ACK sent has its lease row on disk (pkt4-ack-sent $ack_sent <= rows $rows)" test "$ack_sent" -le "$rows"

# Normal service afterwards, for new clients.
acks=$(trb_perf after -R 400 -n 400 -r 100 -p 20 -b mac=00:0f:00:00:00:00)
# 85 %: fdatasync latency on a shared disk can make perfdhcp (1 s drop time) give up on a few.
check "after the overload a normal run gets its ACKs ($acks >= 340 of 400)" test "$acks" -ge 340
check "tandemd still running" trb_alive
tit_stop "$TIT_SERVER_PID" TERM 20
check "tandemd exits 0 on SIGTERM (exit $TIT_STOP_RC)" test "$TIT_STOP_RC" -eq 0
log "PASS: overload ACK/s first half $r1, second half $r2 (per CPU second $e1, $e2); $ack_sent ACKs <= $rows rows"
