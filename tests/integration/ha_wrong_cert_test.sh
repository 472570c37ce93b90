#!/bin/bash
# A load-balancing pair over mutual TLS where the secondary's certificates come from a second CA
# that the primary does not trust (the secondary itself trusts both CAs, so every refusal below
# is the primary's doing):
#  1. the primary's peer listener (https://198.18.0.1:8001/, require-client-certs) refuses a
#     client with no certificate and a client whose certificate the other CA signed (curl
#     fails, the listener logs "TLS handshake failed" with the reason), and answers
#     ha-heartbeat to a client with a certificate its CA signed;
#  2. with the wrong secondary running, the primary's listener refuses the secondary's
#     connections (logged with the secondary's address), and the primary's own client refuses
#     the secondary's listener certificate (PEER_CLIENT_TLS_FAILED);
#  3. the pair never becomes a pair: per the reference (ha-protocol.md 2.4 "waiting: unavail
#     and PD? -> partner-down", 2.5 step 6: a server that cannot reach its partner at boot sits
#     in waiting for max-response-delay, then goes partner-down because its DHCP service is
#     disabled) each peer goes waiting -> partner-down and stays there; neither ever reaches
#     syncing, ready or load-balancing, and status-get says communication is interrupted.
# tandemd has no statistic for refused TLS handshakes (none in Kea either): the log is the record.
# Namespaces tit-<pid>-*, addresses 198.18.0.0/24. Exit 77 = skipped.
TIT_BUDGET=${TIT_BUDGET:-120}
. "$(dirname "$0")/lib.sh"
tit_init
tit_require curl socat jq python3 openssl

tit_switch
tit_host s1 02:00:00:00:01:01 198.18.0.1/24
tit_host s2 02:00:00:00:01:02 198.18.0.2/24
tit_host c 02:00:00:00:01:64 198.18.0.100/24
ha_certs "$TIT_TMP/certs" server1=198.18.0.1 server2=198.18.0.2
ha_certs "$TIT_TMP/ca2" server1=198.18.0.1 server2=198.18.0.2
cmp -s "$TIT_TMP/certs/ca.pem" "$TIT_TMP/ca2/ca.pem" && fail "the two CAs are the same"
# The secondary's certificate directory: every certificate from CA2, trust in both CAs.
s2c="$TIT_TMP/certs-s2"
mkdir -p "$s2c"
cp "$TIT_TMP"/ca2/server*.pem "$TIT_TMP"/ca2/server*.key "$s2c/"
cat "$TIT_TMP/certs/ca.pem" "$TIT_TMP/ca2/ca.pem" >"$s2c/ca.pem"
openssl verify -CAfile "$TIT_TMP/certs/ca.pem" "$s2c/server2.pem" >/dev/null 2>&1 &&
  fail "CA1 accepts the secondary's certificate: the test would prove nothing"

peers=(server1=198.18.0.1=primary server2=198.18.0.2=secondary)
ha_conf server1 load-balancing "$TIT_TMP/certs" "${peers[@]}"
ha_conf server2 load-balancing "$s2c" "${peers[@]}"
L1="$TIT_TMP/server1/server.log"

# Every state a server shows, one poll per call, appended to $TIT_TMP/<name>.states.
note_states() { local s; for s in server1 server2; do [ -d "$TIT_TMP/$s" ] && ha_state $s >>"$TIT_TMP/$s.states"; done; }

t0=$SECONDS
ha_start server1 "$TIT_ID-s1"
wait_for 5 "server1's peer listener" nsx "$TIT_ID-c" bash -c '</dev/tcp/198.18.0.1/8001' ||
  fail "server1 does not listen on 198.18.0.1:8001"

# ---- 1. the listener, probed with curl from the client namespace --------------------------------
hb='{"command":"ha-heartbeat","service":["dhcp4"]}'
probe() {  # <label> [curl options...]: prints curl's exit code and body
  nsx "$TIT_ID-c" curl -sS --max-time 5 --cacert "$TIT_TMP/certs/ca.pem" -H 'Content-Type: application/json' \
    -d "$hb" "$@" https://198.18.0.1:8001/ >"$TIT_TMP/curl.out" 2>"$TIT_TMP/curl.err"
  echo $?
}
refused_logged() {  # the listener logged a refused handshake from the client namespace
  grep -E "HTTP_TLS_HANDSHAKE_FAILED.*198\.18\.0\.100:[0-9]+: TLS handshake failed: .*$1" "$L1"
}
rc=$(probe)
[ "$rc" != 0 ] && ! grep -q '"state"' "$TIT_TMP/curl.out" ||
  fail "server1's listener answered a client without certificate (curl rc $rc: $(cat "$TIT_TMP/curl.out"))"
wait_for 3 "log of the refused certificate-less client" refused_logged 'certificate' ||
  fail "server1 did not log the refused client without certificate"
log "ok: no client certificate: refused (curl rc $rc: $(head -c 120 "$TIT_TMP/curl.err")); logged: $(refused_logged certificate | tail -n 1 | cut -c25-)"
n_before=$(refused_logged . | wc -l)
rc=$(probe --cert "$s2c/server2.pem" --key "$s2c/server2.key")
[ "$rc" != 0 ] && ! grep -q '"state"' "$TIT_TMP/curl.out" ||
  fail "server1's listener answered a client whose certificate CA2 signed (curl rc $rc: $(cat "$TIT_TMP/curl.out"))"
_one_more() { [ "$(refused_logged . | wc -l)" -gt "$n_before" ]; }
wait_for 3 "log of the refused CA2 client" _one_more || fail "server1 did not log the refused CA2 certificate"
refused_logged . | tail -n 1 | grep -qiE 'certificate|unknown ca|verify' ||
  fail "the refusal of the CA2 certificate does not say why: $(refused_logged . | tail -n 1)"
log "ok: certificate from CA2: refused (curl rc $rc: $(head -c 120 "$TIT_TMP/curl.err")); logged: $(refused_logged . | tail -n 1 | cut -c25-)"
rc=$(probe --cert "$TIT_TMP/certs/server2.pem" --key "$TIT_TMP/certs/server2.key")
[ "$rc" = 0 ] && jq -e '(if type == "array" then .[0] else . end) | .result == 0 and (.arguments.state | type == "string")' \
  "$TIT_TMP/curl.out" >/dev/null ||
  fail "server1's listener did not answer ha-heartbeat to a CA1 client (curl rc $rc: $(cat "$TIT_TMP/curl.err" "$TIT_TMP/curl.out"))"
log "ok: certificate from CA1: ha-heartbeat answered: $(head -c 160 "$TIT_TMP/curl.out")"

# ---- 2 and 3. the wrong secondary --------------------------------------------------------------
n_before=$(grep -c 'HTTP_TLS_HANDSHAKE_FAILED.*198\.18\.0\.2:' "$L1")
ha_start server2 "$TIT_ID-s2"
t2=$SECONDS
# Watch both for 12 s after the secondary started: 3 s of max-response-delay, then partner-down.
while [ $((SECONDS - t2)) -lt 12 ]; do note_states; sleep 0.2; done
for s in server1 server2; do
  seen=$(sort -u "$TIT_TMP/$s.states" | tr '\n' ' ')
  log "$s showed states: $seen"
  bad=$(grep -vxE 'waiting|partner-down' "$TIT_TMP/$s.states" | sort -u | tr '\n' ' ')
  [ -z "$bad" ] || fail "$s reached [$bad] with a partner whose certificate it cannot verify"
  [ "$(tail -n 1 "$TIT_TMP/$s.states")" = partner-down ] || fail "$s is '$(tail -n 1 "$TIT_TMP/$s.states")', expected partner-down"
  trans=$(grep -E 'HA_STATE_TRANSITION' "$TIT_TMP/$s/server.log" | grep -E -- 'to (SYNCING|READY|LOAD-BALANCING) state')
  [ -z "$trans" ] || fail "$s logged a transition it must not make: $trans"
  ci=$(ha_ctl $s '{"command":"status-get"}' |
    jq -r '.arguments."high-availability"[0]."ha-servers".remote."communication-interrupted"')
  [ "$ci" = true ] || fail "$s's status-get says communication-interrupted=$ci"
done
log "ok: both peers went waiting -> partner-down and never synced, became ready or load-balanced"
n_after=$(grep -c 'HTTP_TLS_HANDSHAKE_FAILED.*198\.18\.0\.2:' "$L1")
[ "$n_after" -gt "$n_before" ] || fail "server1's listener logged no refused handshake from server2 (198.18.0.2)"
log "ok: server1's listener refused server2 ($((n_after - n_before)) lines): $(grep 'HTTP_TLS_HANDSHAKE_FAILED.*198\.18\.0\.2:' "$L1" | tail -n 1 | cut -c25-)"
line=$(grep -m1 'PEER_CLIENT_TLS_FAILED.*198\.18\.0\.2' "$L1") ||
  fail "server1's client did not log the refused certificate of server2's listener"
log "ok: server1's client refused server2's listener: $(echo "$line" | cut -c25-)"
# server2 trusts CA1, so it saw server1's listener refuse its certificate during the handshake.
line=$(grep -m1 -E 'PEER_CLIENT_(TLS_FAILED|CONNECTION_LOST|BAD_ANSWER).*198\.18\.0\.1' "$TIT_TMP/server2/server.log") ||
  fail "server2 logged no failure talking to server1"
log "ok: server2's client was refused by server1: $(echo "$line" | cut -c25-)"
log "PASS ($((SECONDS - t0)) s)"
