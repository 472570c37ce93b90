#!/bin/bash
# The 100,000-lease start-up sync with a Kea 2.2 partner on each side (issue 4: "the same with
# a Kea 2.2 partner on each side"; kea-dhcp4 with libdhcp_lease_cmds.so + libdhcp_ha.so, HA
# dedicated listener, mutual TLS, load-balancing, Kea's paged protocol with sync-page-limit
# 10000, reference ha-protocol.md 4.6):
#  kea-to-tandem: Kea (server1, primary) holds SYNC_LEASES leases and serves alone in
#     partner-down; tandemd (server2) starts empty and syncs from it (dhcp-disable,
#     lease4-get-page served by Kea, ha-sync-complete-notify);
#  tandem-to-kea: tandemd (server1) holds them and serves alone; Kea (server2) starts empty and
#     syncs from tandemd (tandemd serves dhcp-disable / lease4-get-page / ha-sync-complete-notify).
# Each: both reach load-balancing within SYNC_WAIT (60 s) and both lease files hold the same
# leases (address, MAC, client-id, lifetime, cltt, subnet, state, hostname). sync-probe.py
# prints the longest time without a DHCPOFFER: with a Kea partner Kea's protocol disables the
# peer being synced from, so this is Kea's disabled window (printed, not asserted).
# SYNC_KEA_DIRS limits the set. Namespaces: tit-<pid>-{sw,s1,s2,c}; 198.18.0.0/15. Exit 77 = skipped.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
TIT_BUDGET=${TIT_BUDGET:-200}
tit_init
sync_bins
sync_need_kea
N=${SYNC_LEASES:-100000}
WAIT=${SYNC_WAIT:-60}
DIRS=${SYNC_KEA_DIRS:-"kea-to-tandem tandem-to-kea"}

sync_topology s1 s2 c
base=$TIT_TMP
FIGURES=()
for dir in $DIRS; do
  case $dir in
    kea-to-tandem) k1=kea k2=tandem ;;
    tandem-to-kea) k1=tandem k2=kea ;;
    *) fail "unknown direction $dir" ;;
  esac
  rm -rf "$base/server1" "$base/server2"
  for s in server1 server2; do sync_conf "$s" load-balancing; done
  sync_leases server1 10.0.0.1 "$N" 17
  log "[$dir] server1 ($k1) with $N leases, server2 ($k2) empty"
  sync_start server1 s1 "$k1" 60
  if ! sync_wait_state server1 partner-down 30; then
    sync_problem "[$dir] server1 ($k1) alone did not reach partner-down"
    sync_kill server1; continue
  fi
  sync_probe_start c "$dir" 20
  sleep 1.5
  t_join=$(date +%s.%N)
  sync_start server2 s2 "$k2" 30
  if sync_wait_state server2 load-balancing "$WAIT" && sync_wait_state server1 load-balancing 10; then
    t_lb=$(date +%s.%N)
    log "[$dir] ok: both in load-balancing $(sync_secs "$t_join" "$t_lb") s after server2 started"
    sync_same server1 server2 20 || sync_problem "[$dir] lease stores differ after the sync"
  else
    sync_problem "[$dir] the pair did not reach load-balancing within $WAIT s" \
      "(server1 $(sync_state server1), server2 $(sync_state server2))"
  fi
  sleep 1
  probe=$(sync_probe_stop "$dir")
  # Both daemons log the transitions (tandemd "syncing -> ready", Kea "from SYNCING to READY").
  l2=$TIT_TMP/server2/server.log
  ts=$(sync_log_time "$l2" 'HA_STATE_TRANSITION.*(-> syncing|to SYNCING)') &&
    tr=$(sync_log_time "$l2" 'HA_STATE_TRANSITION.*(syncing -> ready|from SYNCING to READY)') &&
    FIGURES+=("[$dir] $N leases: syncing -> ready $(sync_secs "$ts" "$tr") s on server2 ($k2)")
  FIGURES+=("[$dir] longest time without a DHCPOFFER: $(echo "$probe" | jq -r '.max_gap_s') s ($k1 being synced from; $(echo "$probe" | jq -c '{sent, answered}'))")
  sync_kill server2 TERM
  sync_kill server1 TERM
done
for f in "${FIGURES[@]}"; do log "figure: $f"; done
sync_verdict
