#!/bin/bash
# HA under network partitions (issue 11 "Proven under faults"), two tandemd peers in
# load-balancing over mutual TLS (max-response-delay 3 s, max-unacked-clients 0), a steady
# perfdhcp load from 1500 clients the whole time, every reply captured:
#  A. one direction only: server1 can no longer reach server2's listener (nftables drops its
#     TCP to :8001) while server2 still reaches server1. server1 loses its partner and takes
#     over (partner-down); server2, still hearing server1, follows Kea's rules. After 12 s, well
#     past the takeover delay, the path is healed and both return to load-balancing.
#  B. both directions, healed after the takeover delay (max-response-delay: each peer declares
#     the other down and serves every client alone): the heal brings them back to
#     load-balancing. The clients reach both peers, so both answer everybody: only tandemd's
#     pool split keeps them apart (one pool, no HA_ client classes; each peer hands out only
#     its own share until takeover-delay, 3600 s). With Kea's class-bound pools and
#     max-unacked-clients 0 this is split brain by design, in Kea as in tandemd: both peers
#     allocate from the same pool (README, "Partitions").
# After each phase: no client's last ACKed lease is missing from either store and no address is
# active in the two stores for two different clients (ha_chaos_verify.py), and the resyncs after
# the heals were deltas (only the leases changed while cut off).
# Namespaces tit-<pid>-*, addresses 198.18.0.0/15. Exit 77 = skipped.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=ha_chaos_lib.sh
source "$(dirname "$0")/ha_chaos_lib.sh"
TIT_BUDGET=${TIT_BUDGET:-240}
chaos_init

sync_topology s1 s2 c
for s in server1 server2; do sync_conf "$s" load-balancing; done
chaos_pair_up
chaos_capture_start

# watch <seconds>: logs both states every second.
watch() {
  local i
  for ((i = 0; i < $1; i++)); do log "states: $(chaos_states server1 server2)"; sleep 1; done
}

# ---- A: server1 -> server2 blocked, server2 -> server1 open -------------------------------------
chaos_load 30 40 1500 02:a1:00:00:00:00
sleep 5
chaos_block server1 198.18.0.2 out
watch 12
chaos_heal server1
chaos_load_wait
sync_wait_state server1 load-balancing 40 && sync_wait_state server2 load-balancing 10 ||
  fail "A: the pair did not return to load-balancing: $(chaos_states server1 server2)"
sleep 2
chaos_verify server1 server2 || fail "A: leases lost or doubled after a one-way partition"
# server2 missed server1's updates while cut off: its resync is a delta (sync/change_history.h),
# and the verdict above proves the delta carried everything.
grep -q HA_SYNC_DELTA_SERVED "$TIT_TMP/server1/server.log" ||
  fail "A: server2 resynchronised without a delta: $(grep -h 'HA_SYNC_DELTA\|HA_SYNC_SESSION' "$TIT_TMP"/server*/server.log | tail -5)"
log "A: $(grep -h HA_SYNC_DELTA_SERVED "$TIT_TMP/server1/server.log" | tail -1)"

# ---- B: both directions, healed after the takeover delay --------------------------------------
# Both peers restart on the same lease files with one pool that tandemd splits itself.
for s in server1 server2; do
  sync_kill "$s" TERM
  jq '.Dhcp4.subnet4[0].pools = [{"pool": "198.18.1.0 - 198.18.255.250"}]' "$TIT_TMP/$s/config.json" \
    >"$TIT_TMP/$s/config.new" && mv "$TIT_TMP/$s/config.new" "$TIT_TMP/$s/config.json" || fail "config $s"
done
before1=$(wc -l <"$TIT_TMP/server1/server.log")
before2=$(wc -l <"$TIT_TMP/server2/server.log")
chaos_pair_up "B: "
chaos_capture_start
chaos_load 30 40 1500 02:b2:00:00:00:00
sleep 5
chaos_block server1 198.18.0.2 out
chaos_block server2 198.18.0.1 out
watch 12
chaos_heal server1
chaos_heal server2
chaos_load_wait
sync_wait_state server1 load-balancing 40 && sync_wait_state server2 load-balancing 10 ||
  fail "B: the pair did not return to load-balancing: $(chaos_states server1 server2)"
sleep 2
chaos_verify server1 server2 || fail "B: leases lost or doubled after a full partition"
n=$( (tail -n +$((before1 + 1)) "$TIT_TMP/server1/server.log"; tail -n +$((before2 + 1)) "$TIT_TMP/server2/server.log") |
  grep -c HA_SYNC_DELTA_SERVED)
[ "$n" -ge 1 ] || fail "B: expected delta resyncs after the heal, saw $n: $(grep -h 'HA_SYNC_DELTA' "$TIT_TMP"/server*/server.log | tail -5)"
log PASS
