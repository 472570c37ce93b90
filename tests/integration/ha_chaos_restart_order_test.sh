#!/bin/bash
# Every restart order of primary, secondary and backup under load (issue 11 "Proven under
# faults"): three tandemd (server1 primary, server2 secondary, server3 backup) in
# load-balancing over mutual TLS, a perfdhcp load running through the whole test. Six rounds,
# one per order of the three servers: all three are killed (SIGKILL: a crash, nothing flushed
# on the way out) and started again in that order, 1 s apart; the round ends when server1 and
# server2 are back in load-balancing. At the end the backup has caught up with server1, and
# no client's last ACKed lease is missing from any of the three stores, and no address is
# active in two stores for two different clients.
# Namespaces tit-<pid>-*, addresses 198.18.0.0/15. Exit 77 = skipped.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=ha_chaos_lib.sh
source "$(dirname "$0")/ha_chaos_lib.sh"
TIT_BUDGET=${TIT_BUDGET:-280}
chaos_init
PEERS="peers=server1:primary server2:secondary server3:backup"

sync_topology s1 s2 s3 c
for s in server1 server2 server3; do sync_conf "$s" load-balancing "$PEERS"; done
for s in server1 server2 server3; do sync_start "$s" "${CHAOS_NS[$s]}" tandem; done
sync_wait_state server1 load-balancing 30 && sync_wait_state server2 load-balancing 10 ||
  fail "the pair did not reach load-balancing: $(chaos_states server1 server2 server3)"
chaos_capture_start
ROUNDS=(
  "server1 server2 server3" "server1 server3 server2" "server2 server1 server3"
  "server2 server3 server1" "server3 server1 server2" "server3 server2 server1"
)
# Long enough for every round on a loaded machine; it ends by itself.
chaos_load 150 25 2000 02:e1:00:00:00:00
sleep 3
for order in "${ROUNDS[@]}"; do
  for s in server1 server2 server3; do sync_kill "$s" KILL; done
  t0=$SECONDS
  for s in $order; do
    sync_launch "$s" "${CHAOS_NS[$s]}" tandem
    sleep 1
  done
  for s in $order; do sync_up "$s" 30; done
  sync_wait_state server1 load-balancing 60 && sync_wait_state server2 load-balancing 10 ||
    fail "order '$order': the pair did not return to load-balancing: $(chaos_states server1 server2 server3)"
  log "order '$order': back in load-balancing after $((SECONDS - t0)) s; $(chaos_states server1 server2 server3)"
  sleep 2
done
# Stop the load now rather than wait for its end.
tit_stop "$CHAOS_LOAD_PID" INT 5 >/dev/null
CHAOS_LOAD_PID=""
sleep 2
sync_same server1 server3 30 || fail "the backup did not catch up with server1"
chaos_verify server1 server2 server3 || fail "leases lost or doubled across the restarts"
log PASS
