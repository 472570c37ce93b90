#!/bin/bash
# Bad input (issue 2): a flood of malformed or unservable DHCP datagrams -- empty,
# truncated, bad magic cookie, option lengths past the end or too short for the option's
# definition, no END, server messages with any op or hlen > 16, no or bogus option 53, garbage
# in overloaded sname/file, 4 KB junk, random bytes -- every one dropped by Kea 2.2 too -- sent
# rate-bounded from a
# client namespace to the server's address and to the broadcast address
# (scripts/fuzz-dhcp-probe.py). Afterwards tandemd
#   - is still running,
#   - has answered none of them (pkt4-sent unchanged, the prober got no reply),
#   - has counted them (pkt4-parse-failed, pkt4-receive-drop via statistic-get on the UNIX
#     control socket),
#   - has logged them rate-limited: at DEBUG severity the drop messages stay in the tens,
#     not the thousands, and the suppression is reported,
#   - still serves a bounded perfdhcp run with ACKs.
# Exits 77 (skipped) without root, perfdhcp, socat, python3 or the tandemd binary.
# shellcheck disable=SC2154  # trb_get assigns the variables it is given (printf -v)
set -u -o pipefail
TIT_BUDGET=${TIT_BUDGET:-150}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../scripts/robust-lib.sh
. "${TANDEM_SRC:-$here/../..}/scripts/robust-lib.sh"

COUNT=${TRB_FUZZ_COUNT:-4000}
RATE=${TRB_FUZZ_RATE:-800}

trb_init
# DEBUG, so the per-packet drop messages are enabled and only the rate limiter holds them back.
trb_config leases4.csv DEBUG >"$TIT_TMP/dhcp4.json"
tit_server_start srv "$TRB_SRV" "$TIT_TMP/dhcp4.json"
TIT_DIAG+=("$TIT_SERVER_DIR/server-out.log")
wait_for 10 "control socket" test -S "$TRB_CTRL" || fail "no control socket at $TRB_CTRL"

trb_stats_settle
trb_get b_received pkt4-received
trb_get b_parse_failed pkt4-parse-failed
trb_get b_drops pkt4-receive-drop
trb_get b_sent pkt4-sent
log_before=$(trb_log_count 'DHCP4_PACKET_DROP')

log "flooding: $COUNT malformed datagrams at <= $RATE/s, unicast and broadcast"
probe=$(timeout 60 ip netns exec "$TRB_CLI" python3 "$TRB_PROBE" --server 198.18.0.1 --count "$COUNT" \
  --rate "$RATE" --broadcast --iface eth0) || fail "the prober failed: $probe"
log "prober: $probe"
jget() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$probe" "$1"; }
sent=$(jget sent); must_fail=$(jget must_fail_parse); replies=$(jget replies)
[ "$sent" -ge $((COUNT * 9 / 10)) ] || fail "the prober sent only $sent of $COUNT datagrams"

flood_end=$SECONDS
sleep 1
check "tandemd survived the flood" trb_alive
trb_stats_settle
trb_get received pkt4-received
trb_get parse_failed pkt4-parse-failed
trb_get drops pkt4-receive-drop
trb_get sent_by_server pkt4-sent
received=$((received - b_received))
parse_failed=$((parse_failed - b_parse_failed))
drops=$((drops - b_drops))
sent_by_server=$((sent_by_server - b_sent))
log "server counted: received $received, parse-failed $parse_failed, receive-drop $drops, sent $sent_by_server"
log "prober sent $sent ($must_fail undecodable), got $replies replies"

# Nothing on this path is lossy but the kernel's socket buffer; allow 5 % for it.
check "pkt4-parse-failed ($parse_failed) counts the undecodable datagrams ($must_fail)" \
  test "$parse_failed" -ge $((must_fail * 95 / 100))
check "pkt4-receive-drop ($drops) counts the dropped datagrams ($sent sent)" \
  test "$drops" -ge $((sent * 95 / 100))
check "no reply to any malformed datagram (pkt4-sent +$sent_by_server, prober saw $replies)" \
  test "$sent_by_server" -eq 0 -a "$replies" -eq 0

# Rate-limited logging: the logger admits 10 lines per message id every 10 s. Three drop ids
# over a flood of ~$((COUNT / RATE)) s give a few dozen lines; allow 150, far below $sent.
logged=$(($(trb_log_count 'DHCP4_PACKET_DROP') - log_before))
log "drop messages logged: $logged for $sent datagrams"
check "drops are logged ($logged lines)" test "$logged" -ge 1
check "drops are logged rate-limited ($logged lines for $sent datagrams)" test "$logged" -le 150

# The server still serves: a bounded perfdhcp run gets its ACKs. The suppressed-count note
# comes with the first drop message after the quiet period, which this run does not need.
acks=$(trb_perf after -R 500 -n 1000 -r 200 -p 20)
check "perfdhcp after the flood got $acks ACKs (want >= 900 of 1000)" test "$acks" -ge 900
check "tandemd still running" trb_alive

# A second, short flood once the limiter's 10 s window is over: its first message reports how
# many were suppressed.
wait_s=$((flood_end + 11 - SECONDS))
[ "$wait_s" -gt 0 ] && sleep "$wait_s"
log "a second, short flood to see the suppression count"
timeout 30 ip netns exec "$TRB_CLI" python3 "$TRB_PROBE" --server 198.18.0.1 --count 200 --rate 400 \
  --kinds truncated,bad_cookie >/dev/null || fail "second prober run failed"
sleep 0.5
check "the log reports suppressed drop messages" \
  grep -Eq 'DHCP4_PACKET_DROP.*similar messages suppressed' "$TIT_SERVER_DIR/server-out.log"
check "tandemd survived the second flood" trb_alive

tit_stop "$TIT_SERVER_PID" TERM 15
check "tandemd exits 0 on SIGTERM (exit $TIT_STOP_RC)" test "$TIT_STOP_RC" -eq 0
log "PASS: $sent malformed datagrams dropped and counted, $logged log lines, $acks ACKs afterwards"
