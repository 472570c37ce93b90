#!/bin/bash
# HA against hostile clients on the peer listener (issue 11 "Proven under faults"), two tandemd
# peers in load-balancing over mutual TLS, a steady perfdhcp load, and a rogue host p
# (198.18.0.101) on the same network:
#  1. a rogue peer with a certificate from another CA (and one with no certificate) tries
#     lease4-update and ha-heartbeat on server1's listener: every attempt fails at the TLS
#     handshake and the address it tried to take is not in server1's store;
#  2. slow clients: the rogue opens 400 TCP connections to server1's :8001 that never send a
#     byte (more than the listener's 256-connection cap) and re-opens each one the listener
#     closes, for 20 s. The partner's heartbeats and lease updates must still get through:
#     neither peer may leave load-balancing meanwhile.
# Then no client's last ACKed lease is missing from either store and no address is active in
# the two stores for two different clients.
# Namespaces tit-<pid>-*, addresses 198.18.0.0/15. Exit 77 = skipped.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=ha_chaos_lib.sh
source "$(dirname "$0")/ha_chaos_lib.sh"
TIT_BUDGET=${TIT_BUDGET:-200}
chaos_init
tit_require curl

sync_topology s1 s2 c p
for s in server1 server2; do sync_conf "$s" load-balancing; done
bash "$CHAOS_DIR/../../config-examples/mkcerts.sh" "$TIT_TMP/ca2" server2=198.18.0.101 >/dev/null || fail "mkcerts ca2"
chaos_pair_up
chaos_capture_start
chaos_load 45 30 1500 02:f1:00:00:00:00
sleep 3

# ---- 1: rogue peers -----------------------------------------------------------------------------
ROGUE_LEASE='{"command":"lease4-update","service":["dhcp4"],"arguments":{"ip-address":"198.18.1.7","hw-address":"0a:0b:0c:0d:0e:0f","subnet-id":1,"valid-lft":4000,"force-create":true}}'
rogue() {  # extra curl args...
  ip netns exec "$TIT_ID-p" curl -sS --max-time 5 --cacert "$TIT_TMP/certs/ca.pem" "$@" \
    -H 'Content-Type: application/json' -d "$ROGUE_LEASE" https://198.18.0.1:8001/ >>"$TIT_TMP/rogue.log" 2>&1
}
for _ in 1 2 3; do
  rogue --cert "$TIT_TMP/ca2/server2.pem" --key "$TIT_TMP/ca2/server2.key" && sync_problem "a certificate of another CA was accepted"
  rogue && sync_problem "a client without a certificate was accepted"
done
sync_ctl server1 '{"command":"lease4-get","arguments":{"ip-address":"198.18.1.7"}}' | grep -q '0a:0b:0c:0d:0e:0f' &&
  sync_problem "the rogue's lease is in server1's store"
log "rogue attempts refused: $(grep -c . "$TIT_TMP/rogue.log") error line(s)"

# ---- 2: slow clients hold the listener ----------------------------------------------------------
cat >"$TIT_TMP/slow.py" <<'PY'
import socket, time, select
target, n, dur = ("198.18.0.1", 8001), 400, 20
socks, opened, end = [], 0, time.time() + dur
def fill():
    global opened
    while len(socks) < n and time.time() < end:
        s = socket.socket(); s.setblocking(False)
        try:
            s.connect_ex(target)
        except OSError:
            s.close(); break
        socks.append(s); opened += 1
while time.time() < end:
    fill()
    r, _, _ = select.select(socks, [], [], 0.2)
    for s in r:  # readable = closed (or refused) by the listener: open another
        try:
            if s.recv(1) == b"":
                raise OSError
        except (BlockingIOError,):
            continue
        except OSError:
            pass
        socks.remove(s); s.close()
print(f"slow clients: {opened} connections opened, {len(socks)} open at the end", flush=True)
PY
tit_bg "$TIT_TMP/slow.log" ip netns exec "$TIT_ID-p" /usr/bin/python3 "$TIT_TMP/slow.py"
SLOW_PID=$TIT_LAST_PID
left=0
t0=$SECONDS
while kill -0 "$SLOW_PID" 2>/dev/null && [ $((SECONDS - t0)) -lt 40 ]; do
  st=$(chaos_states server1 server2)
  [ "$st" = "server1=load-balancing server2=load-balancing " ] || { left=1; log "while held: $st"; }
  sleep 1
done
wait "$SLOW_PID" 2>/dev/null
log "$(cat "$TIT_TMP/slow.log")"
[ $left = 0 ] || sync_problem "a peer left load-balancing while slow clients held server1's listener"
chaos_load_wait
sync_wait_state server1 load-balancing 30 && sync_wait_state server2 load-balancing 10 ||
  sync_problem "the pair is not in load-balancing at the end: $(chaos_states server1 server2)"
sleep 2
chaos_verify server1 server2 || sync_problem "leases lost or doubled"
sync_verdict
