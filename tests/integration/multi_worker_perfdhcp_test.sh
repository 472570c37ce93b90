#!/bin/bash
# Packet workers (issue 12, Kea's "multi-threading"): tandemd with enable-multi-threading and
# thread-pool-size 2 under two concurrent perfdhcp runs (bounded: -p) whose clients far
# outnumber one small pool (512 addresses), so both workers allocate from it at once until it
# is exhausted. Afterwards:
#   - the log says 2 threads (Kea's DHCP4_MULTI_THREADING_INFO) and the worker thread
#     (tandem-pkt1) did work (CPU time in /proc/PID/task);
#   - no address was ever given to two clients: in the lease file every address has rows of
#     one hardware address only (nothing is released or expires during the run);
#   - every ACK sent has its lease row on disk (pkt4-ack-sent <= complete rows);
#   - a SIGTERM still stops it cleanly (the workers join).
# Exits 77 (skipped) without root, perfdhcp, socat, python3 or the tandemd binary.
# shellcheck disable=SC2154  # trb_get assigns the variables it is given (printf -v)
set -u -o pipefail
TIT_BUDGET=${TIT_BUDGET:-120}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../scripts/robust-lib.sh
. "${TANDEM_SRC:-$here/../..}/scripts/robust-lib.sh"
PERIOD=${TMW_PERIOD:-8}

trb_init 2
trb_config leases4.csv INFO |
  sed -e 's/"valid-lifetime": 4000,/"multi-threading": { "enable-multi-threading": true, "thread-pool-size": 2, "packet-queue-size": 256 },\n    "valid-lifetime": 4000,/' \
      -e 's/198.18.16.0 - 198.19.255.254/198.18.16.0 - 198.18.17.255/' >"$TIT_TMP/dhcp4.json"
grep -q '"thread-pool-size": 2' "$TIT_TMP/dhcp4.json" || fail "config not rewritten"
tit_server_start srv "$TRB_SRV" "$TIT_TMP/dhcp4.json"
TIT_DIAG+=("$TIT_SERVER_DIR/server-out.log")
wait_for 10 "control socket" test -S "$TRB_CTRL" || fail "no control socket at $TRB_CTRL"
check "two packet workers (DHCP4_MULTI_THREADING_INFO)" \
  grep -q "DHCP4_MULTI_THREADING_INFO.*enabled: yes, number of threads: 2" "$TIT_SERVER_DIR/server-out.log"
check "the worker thread exists" grep -qx tandem-pkt1 /proc/"$TIT_SERVER_PID"/task/*/comm

log "2 x perfdhcp, 3,000 clients each, 1,500 DORA/s each, for ${PERIOD}s, on a 512-address pool"
pids=()
for i in 1 2; do
  ns=$TRB_CLI; [ "$i" = 2 ] && ns=$TRB_CLI2
  timeout $((PERIOD + 30)) ip netns exec "$ns" perfdhcp -4 -l eth0 -R 3000 -r 1500 -p "$PERIOD" \
    -b "mac=00:0e:0$i:00:00:00" >"$TIT_TMP/perf-$i.txt" 2>&1 &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
acks=0
for i in 1 2; do
  a=$(trb_perf_acks "$TIT_TMP/perf-$i.txt")
  log "perfdhcp $i: $a ACKs"
  acks=$((acks + a))
done
check "the runs completed exchanges ($acks ACKs)" test "$acks" -ge 300
check "tandemd survived" trb_alive

# The worker thread's CPU time (utime + stime, clock ticks: fields 14 and 15 of its stat).
worker_ticks=0
for t in /proc/"$TIT_SERVER_PID"/task/*; do
  if [ "$(cat "$t/comm" 2>/dev/null)" = tandem-pkt1 ]; then
    worker_ticks=$(awk '{ print $14 + $15 }' "$t/stat")
  fi
done
log "tandem-pkt1 used $worker_ticks clock ticks"
check "the second worker served packets (CPU ticks $worker_ticks > 0)" test "$worker_ticks" -gt 0

trb_stats_settle
trb_get ack_sent pkt4-ack-sent
trb_get assigned "subnet[1].assigned-addresses"
rows=$(trb_csv_rows "$TIT_SERVER_DIR/leases4.csv")
log "pkt4-ack-sent $ack_sent, complete lease rows $rows, assigned-addresses $assigned"
check "every ACK sent has its lease row on disk ($ack_sent <= $rows)" test "$ack_sent" -le "$rows"
check "the pool held every binding (assigned $assigned <= 512)" test "$assigned" -le 512

python3 - "$TIT_SERVER_DIR/leases4.csv" >"$TIT_TMP/doubles.txt" <<'PY'
import sys
holders = {}
for line in open(sys.argv[1], encoding="utf-8", errors="replace").read().split("\n")[1:]:
    c = line.split(",")
    if len(c) < 10 or not c[3].isdigit() or int(c[3]) == 0 or c[9] != "0":
        continue  # a deletion, a declined or reclaimed lease, a torn row
    holders.setdefault(c[0], set()).add(c[1])
doubles = {a: h for a, h in holders.items() if len(h) > 1}
print(f"{len(holders)} addresses bound, {len(doubles)} given to more than one client")
for a, h in sorted(doubles.items())[:10]:
    print(f"  {a}: {sorted(h)}")
PY
while read -r line; do log "$line"; done <"$TIT_TMP/doubles.txt"
check "no address given to two clients" grep -q " 0 given to more than one client" "$TIT_TMP/doubles.txt"
bound=$(awk 'NR == 1 { print $1 }' "$TIT_TMP/doubles.txt")
check "the pool was used up by both runs ($bound addresses bound)" test "${bound:-0}" -ge 400

tit_stop "$TIT_SERVER_PID" TERM 20
check "tandemd exits 0 on SIGTERM (exit $TIT_STOP_RC)" test "$TIT_STOP_RC" -eq 0
log "PASS: 2 workers, $acks ACKs, $bound addresses bound, none twice; $ack_sent ACKs <= $rows rows"
