#!/bin/bash
# HA with the lease disk full on one peer (issue 11 "Proven under faults"), two tandemd peers in
# load-balancing over mutual TLS (Kea's class-bound pools, max-unacked-clients 0); server1's
# lease file lives on a small tmpfs; a steady perfdhcp load the whole time:
#  1. the disk fills up: server1 can no longer make a lease durable, so it must stop
#     acknowledging (no ACK without its lease on disk), say why in its log, and make its partner
#     take over: it answers ha-heartbeat with an error naming the cause, which a partner (Kea
#     2.2 as well) counts as a failed heartbeat. server2 goes partner-down and serves server1's
#     clients too (ACKs from server2 for addresses of server1's pool).
#  2. space comes back: server1 answers again, resynchronises, and the pair returns to
#     load-balancing.
# Then no client's last ACKed lease is missing from either store and no address is active in
# the two stores for two different clients.
# Namespaces tit-<pid>-*, addresses 198.18.0.0/15. Exit 77 = skipped.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=ha_chaos_lib.sh
source "$(dirname "$0")/ha_chaos_lib.sh"
TIT_BUDGET=${TIT_BUDGET:-200}
chaos_init
tit_require mount umount

sync_topology s1 s2 c
for s in server1 server2; do sync_conf "$s" load-balancing; done
DISK="$TIT_TMP/disk1"
mkdir -p "$DISK"
mount -t tmpfs -o size=1m tmpfs "$DISK" || skip "cannot mount a tmpfs"
umount_disk() { umount "$DISK" 2>/dev/null; }
jq --arg f "$DISK/leases4.csv" '.Dhcp4."lease-database".name = $f' "$TIT_TMP/server1/config.json" \
  >"$TIT_TMP/server1/config.new" && mv "$TIT_TMP/server1/config.new" "$TIT_TMP/server1/config.json" || fail config

sync_start server1 s1 tandem
sync_start server2 s2 tandem
sync_wait_state server1 load-balancing 30 && sync_wait_state server2 load-balancing 10 ||
  { umount_disk; fail "the pair did not reach load-balancing: $(chaos_states server1 server2)"; }
chaos_capture_start
chaos_load 40 40 1500 02:d1:00:00:00:00
sleep 5

# ---- 1: the disk is full ------------------------------------------------------------------------
dd if=/dev/zero of="$DISK/filler" bs=4k >/dev/null 2>&1
t_full=$SECONDS
log "server1's disk is full: $(df -k "$DISK" | awk 'NR == 2 { print $4 " KiB free" }')"
ok_takeover=0
for _ in $(seq 150); do
  [ "$(sync_state server2)" = partner-down ] && { ok_takeover=1; break; }
  sleep 0.1
done
log "after $((SECONDS - t_full)) s: $(chaos_states server1 server2)"
grep -q 'DHCP4_LEASE_FILE_WRITE_FAIL' "$TIT_TMP/server1/server.log" || sync_problem "server1 did not log the write failure"
grep -q 'HA_LOCAL_LEASE_DATABASE_FAILING' "$TIT_TMP/server1/server.log" ||
  sync_problem "server1 did not say that it stops answering its partner (HA_LOCAL_LEASE_DATABASE_FAILING)"
[ $ok_takeover = 1 ] || sync_problem "server2 did not take over within 15 s"
sleep 5
# The takeover is real: server2 acknowledges clients of server1's pool (198.18.1.0 - 198.18.127.255).
taken=$(/usr/bin/python3 "$CHAOS_DIR/ha_chaos_verify.py" --help >/dev/null; \
  tcpdump -r "$TIT_TMP/replies.pcap" -n -v 'src host 198.18.0.2' 2>/dev/null | grep -c 'Your-IP 198\.18\.\([1-9]\|[1-9][0-9]\|1[01][0-9]\|12[0-7]\)\.' || true)
log "server2 sent $taken replies with an address of server1's pool"
[ "${taken:-0}" -gt 0 ] || sync_problem "server2 never served server1's clients"

# ---- 2: space comes back ------------------------------------------------------------------------
rm -f "$DISK/filler"
log "server1's disk has space again"
chaos_load_wait
sync_wait_state server1 load-balancing 40 && sync_wait_state server2 load-balancing 10 ||
  sync_problem "the pair did not return to load-balancing: $(chaos_states server1 server2)"
sleep 2
chaos_verify server1 server2 || sync_problem "leases lost or doubled"
sync_kill server1 TERM
umount_disk
sync_verdict
