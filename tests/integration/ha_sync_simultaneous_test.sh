#!/bin/bash
# Both tandemd peers started at the same instant, each with its own leases (disjoint sets,
# SYNC_LEASES = 20,000 each), load-balancing over mutual TLS (issue 4 "Start-up ordering",
# reference ha-protocol.md 2.5 steps 1-4):
#  1. the primary syncs first: server1 enters syncing before server2, and server2 enters
#     syncing only once server1 finished (server1's syncing -> ready is not later than
#     server2's -> syncing), from both logs;
#  2. both reach load-balancing and both lease files hold the union, identical (address, MAC,
#     client-id, lifetime, cltt, subnet, state, hostname).
# Namespaces: tit-<pid>-{sw,s1,s2}; addresses 198.18.0.0/15. Exit 77 = skipped.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
TIT_BUDGET=${TIT_BUDGET:-120}
tit_init
sync_bins
N=${SYNC_LEASES:-20000}

sync_topology s1 s2
for s in server1 server2; do sync_conf "$s" load-balancing; done
sync_leases server1 10.0.0.1 "$N" 17
sync_leases server2 10.1.0.1 "$N" 18

t0=$(date +%s.%N)
sync_launch server1 s1 tandem
sync_launch server2 s2 tandem
sync_up server1
sync_up server2
sync_wait_state server1 load-balancing 70 || fail "server1 did not reach load-balancing"
sync_wait_state server2 load-balancing 20 || fail "server2 did not reach load-balancing"
log "ok: both in load-balancing $(sync_secs "$t0" "$(date +%s.%N)") s after the common start"

l1=$TIT_TMP/server1/server.log l2=$TIT_TMP/server2/server.log
s1s=$(sync_log_time "$l1" 'HA_STATE_TRANSITION.*to SYNCING') || fail "server1 never entered syncing"
s1r=$(sync_log_time "$l1" 'HA_STATE_TRANSITION.*from SYNCING to READY') || fail "server1 never went syncing -> ready"
s2s=$(sync_log_time "$l2" 'HA_STATE_TRANSITION.*to SYNCING') || fail "server2 never entered syncing"
s2r=$(sync_log_time "$l2" 'HA_STATE_TRANSITION.*from SYNCING to READY') || fail "server2 never went syncing -> ready"
log "figures: server1 syncing +$(sync_secs "$t0" "$s1s") s -> ready +$(sync_secs "$t0" "$s1r") s;" \
  "server2 syncing +$(sync_secs "$t0" "$s2s") s -> ready +$(sync_secs "$t0" "$s2r") s"
python3 -c "import sys; sys.exit(0 if $s1s < $s2s else 1)" ||
  sync_problem "server2 (secondary) entered syncing before server1 (primary)"
python3 -c "import sys; sys.exit(0 if $s1r <= $s2s else 1)" ||
  sync_problem "server2 started syncing before server1 had finished ($(sync_secs "$s1r" "$s2s") s)"
# server2 must not have entered syncing more than once before server1 was done (no early try).
early=$(awk -v lim="$(date -d @"$s1r" '+%F %T.%3N')" 'substr($0, 1, 23) < lim && /HA_SYNC_START/' "$l2" | grep -c .)
[ "$early" -eq 0 ] || sync_problem "server2 logged HA_SYNC_START $early time(s) before server1 was ready"

sync_same server1 server2 15 || sync_problem "lease stores differ"
n=$(sync_count server1)
[ "$n" -eq $((2 * N)) ] || sync_problem "server1 holds $n leases, the union is $((2 * N))"
log "union: $n leases on server1"
sync_verdict
