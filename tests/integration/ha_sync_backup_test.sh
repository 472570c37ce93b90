#!/bin/bash
# A backup server that was down comes back current by itself (issue 4 "Adding a backup
# replica": it pulls the full lease database from an active peer without disabling its DHCP
# service, then follows the update stream; Kea's backups never catch up). Three tandemd,
# load-balancing primary + secondary + backup over mutual TLS:
#  1. server1/server2 reach load-balancing, server3 is `backup`; perfdhcp clients (full DORA)
#     make leases, which reach all three (plus SYNC_LEASES = 20,000 pre-made on server1 and
#     server2, so the catch-up has pages to pull);
#  2. the backup is stopped (SIGTERM); more clients get leases and some renew (perfdhcp -f);
#  3. the backup restarts with its old lease file: within 20 s its lease file equals server1's;
#     then more clients: their leases reach it too (it follows the update stream);
#  4. the backup is stopped again and restarted with an EMPTY lease file: again identical
#     to server1 within 20 s;
#  5. throughout 2-4 the active peers never disable DHCP: status-get dhcp-state of server1 and
#     server2 polled every 0.2 s never shows disabled, and sync-probe.py (20 DISCOVERs/s) never
#     waits more than 1 s for an OFFER.
# Namespaces: tit-<pid>-{sw,s1,s2,s3,c,p}; addresses 198.18.0.0/15. Exit 77 = skipped.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
TIT_BUDGET=${TIT_BUDGET:-150}
tit_init
sync_bins
tit_require perfdhcp
N=${SYNC_LEASES:-20000}
PEERS="peers=server1:primary server2:secondary server3:backup"

sync_topology s1 s2 s3 c p
for s in server1 server2 server3; do sync_conf "$s" load-balancing "$PEERS"; done
sync_leases server1 10.0.0.1 "$N" 17
cp "$TIT_TMP/server1/leases4.csv" "$TIT_TMP/server2/leases4.csv"
cp "$TIT_TMP/server1/leases4.csv" "$TIT_TMP/server3/leases4.csv"

dora() {  # base-mac count [extra perfdhcp args]
  local mac=$1 n=$2; shift 2
  ip netns exec "$TIT_ID-p" timeout 30 perfdhcp -4 -l eth0 -r 40 -n "$n" -R "$n" -b "mac=$mac" -p 20 -W 1000000 "$@" \
    >>"$TIT_TMP/perfdhcp.log" 2>&1
}
# caught_up <timeout>: server3's lease file equals server1's; logs how long it took.
caught_up() {
  local t0=$SECONDS
  sync_same server1 server3 "$1" || return 1
  log "backup current within $((SECONDS - t0)) s of the check"
}

sync_launch server1 s1 tandem
sync_launch server2 s2 tandem
sync_launch server3 s3 tandem
for s in server1 server2 server3; do sync_up "$s"; done
sync_wait_state server1 load-balancing 40 || fail "server1 did not reach load-balancing"
sync_wait_state server2 load-balancing 20 || fail "server2 did not reach load-balancing"
sync_wait_state server3 backup 10 || fail "server3 is not in the backup state"
dora 02:44:00:00:00:00 60
sync_same server1 server2 10 || fail "active peers differ after the first clients"
sync_same server1 server3 10 || fail "the running backup did not receive the active peers' updates"
log "ok: three stores identical with $(sync_count server1) leases"

# From here on the active peers must keep serving: watch their dhcp-state and the probe.
watch_dhcp() {
  while :; do
    for s in server1 server2; do
      sync_dhcp_enabled "$s" || echo "$(date +%T.%3N) $s disabled ($(sync_state "$s"))" >>"$TIT_TMP/disabled.log"
    done
    sleep 0.2
  done
}
watch_dhcp &
TIT_PIDS+=($!)
watch_pid=$!
sync_probe_start c main 20

# 2-3: backup down while clients come and renew; back with its old lease file.
sync_kill server3 TERM
dora 02:45:00:00:00:00 80 -f 5
sync_start server3 s3 tandem
sync_wait_state server3 backup 10 || sync_problem "restarted server3 is '$(sync_state server3)', not backup"
caught_up 20 || sync_problem "the backup restarted with its old lease file did not catch up within 20 s"
dora 02:46:00:00:00:00 30
sleep 1
sync_subset server1 server3 02:46: || sync_problem "leases made after the backup restarted did not all reach it"

# 4: backup back with an empty lease file.
sync_kill server3 TERM
rm -f "$TIT_TMP/server3/leases4.csv"*
dora 02:47:00:00:00:00 30
sync_start server3 s3 tandem
sync_wait_state server3 backup 10 || sync_problem "restarted empty server3 is '$(sync_state server3)', not backup"
caught_up 20 || sync_problem "the backup restarted EMPTY did not catch up within 20 s (it has $(sync_count server3) leases)"
sync_same server1 server2 10 || sync_problem "active peers differ"

sleep 1
kill "$watch_pid" 2>/dev/null
wait "$watch_pid" 2>/dev/null
probe=$(sync_probe_stop main)
gap=$(echo "$probe" | jq -r '.max_gap_s // 99')
log "figure: longest time without a DHCPOFFER while the backup caught up: ${gap} s" \
  "($(echo "$probe" | jq -c '{sent, answered}'))"
python3 -c "import sys; sys.exit(0 if $gap <= 1.0 else 1)" || sync_problem "clients were not served for ${gap} s"
if [ -s "$TIT_TMP/disabled.log" ]; then
  sync_problem "an active peer disabled DHCP during the backup's catch-up: $(head -n 3 "$TIT_TMP/disabled.log" | tr '\n' ' ')"
fi
sync_verdict
