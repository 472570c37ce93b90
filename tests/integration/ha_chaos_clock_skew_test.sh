#!/bin/bash
# HA with one peer's clock wrong (issue 11 "Proven under faults"), two tandemd peers in
# load-balancing over mutual TLS with Kea's class-bound pools; server2 runs under libfaketime
# (Debian's faketime: its wall clock, hence the Date header of its HTTP answers, is shifted;
# its monotonic clock is not), a steady perfdhcp load from the client namespace:
#  A. +40 s: above Kea's 30 s warning threshold, below its 60 s limit. Both peers log
#     HA_HIGH_CLOCK_SKEW and go on in load-balancing; every client's last ACKed lease is in both
#     stores and no address is held by two clients.
#  B. +90 s: above 60 s. Both peers stop HA (terminated, HA_HIGH_CLOCK_SKEW_CAUSED_TERMINATION)
#     and serve only their own scope from their own pool, with no lease updates (Kea 2.2's rule,
#     reference 2.3): both answer clients, every ACKed lease is in the store of the peer that
#     sent the ACK, and no address is active in the two stores for two different clients.
# Namespaces tit-<pid>-*, addresses 198.18.0.0/15. Exit 77 = skipped.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=ha_chaos_lib.sh
source "$(dirname "$0")/ha_chaos_lib.sh"
TIT_BUDGET=${TIT_BUDGET:-200}
chaos_init
FAKETIME_LIB=${FAKETIME_LIB:-/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1}
[ -f "$FAKETIME_LIB" ] || skip "libfaketime not installed (Debian package faketime)"

sync_topology s1 s2 c
for s in server1 server2; do sync_conf "$s" load-balancing; done
REAL_TANDEMD=$SYNC_TANDEMD

# start_skewed <offset>: server2 with its wall clock shifted by <offset> (e.g. +40s).
start_skewed() {
  cat >"$TIT_TMP/tandemd-skewed" <<EOS
#!/bin/sh
FAKETIME="$1" FAKETIME_DONT_FAKE_MONOTONIC=1 LD_PRELOAD="$FAKETIME_LIB" exec "$REAL_TANDEMD" "\$@"
EOS
  chmod +x "$TIT_TMP/tandemd-skewed"
  SYNC_TANDEMD="$TIT_TMP/tandemd-skewed"
  sync_start server2 s2 tandem
  SYNC_TANDEMD=$REAL_TANDEMD
}

# ---- A: +40 s -----------------------------------------------------------------------------------
sync_start server1 s1 tandem
start_skewed +40s
sync_wait_state server1 load-balancing 30 && sync_wait_state server2 load-balancing 10 ||
  fail "A: the pair did not reach load-balancing with 40 s of skew: $(chaos_states server1 server2)"
chaos_capture_start
chaos_load 15 40 800 02:c1:00:00:00:00
chaos_load_wait
sleep 2
check "A: still load-balancing" test "$(chaos_states server1 server2)" = "server1=load-balancing server2=load-balancing "
check "A: server1 warned about the skew" grep -q HA_HIGH_CLOCK_SKEW "$TIT_TMP/server1/server.log"
check "A: server2 warned about the skew" grep -q HA_HIGH_CLOCK_SKEW "$TIT_TMP/server2/server.log"
chaos_verify server1 server2 || fail "A: leases lost or doubled with 40 s of clock skew"

# ---- B: +90 s -----------------------------------------------------------------------------------
sync_kill server2 TERM
start_skewed +90s
sync_wait_state server1 terminated 30 && sync_wait_state server2 terminated 10 ||
  fail "B: 90 s of skew did not terminate HA: $(chaos_states server1 server2)"
for s in server1 server2; do
  check "B: $s says why" grep -q HA_HIGH_CLOCK_SKEW_CAUSED_TERMINATION "$TIT_TMP/$s/server.log"
done
chaos_capture_start
chaos_load 15 40 800 02:c2:00:00:00:00
chaos_load_wait
sleep 2
chaos_verify --acked-by-only server1 server2 || fail "B: leases lost or doubled in the terminated state"
by=$(/usr/bin/python3 "$CHAOS_DIR/../../scripts/robust-dhcp-acks.py" "$TIT_TMP/replies.pcap" | wc -l)
[ "$by" -gt 0 ] || fail "B: no ACK at all"
for sid in 198.18.0.1 198.18.0.2; do
  n=$(tcpdump -r "$TIT_TMP/replies.pcap" -n "src host $sid" 2>/dev/null | wc -l)
  [ "$n" -gt 0 ] || fail "B: $sid answered nobody in the terminated state"
  log "B: $sid sent $n replies"
done
log PASS
