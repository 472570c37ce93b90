#!/bin/bash
# Control API bad input (issue 3 "Bad input"): while perfdhcp keeps a steady DHCP load on the
# server, the control channel gets malformed JSON, wrong types, unknown commands, a 20 MB
# body, slow clients that never finish a request, garbage that is not HTTP, and wrong or
# missing basic-auth credentials -- on the UNIX socket (socat) and the HTTP listener (curl,
# inside the server's namespace on 127.0.0.1). Each must get a clear error (Kea result 1 or 2,
# HTTP 400/401/405/413) or, for slow clients, a close after the request timeout; good
# requests are answered meanwhile; tandemd keeps running; and DHCP is served throughout:
# perfdhcp's ACKs cover >= 90 % of its exchanges, every ACK with its lease row on disk.
# Exits 77 (skipped) without root, perfdhcp, socat, curl, python3 or the tandemd binary.
# shellcheck disable=SC2154  # trb_get assigns the variables it is given (printf -v)
set -u -o pipefail
TIT_BUDGET=${TIT_BUDGET:-170}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../scripts/robust-lib.sh
. "${TANDEM_SRC:-$here/../..}/scripts/robust-lib.sh"
API="$TANDEM_SRC/scripts/robust-api-client.py"

trb_init
tit_require curl
P_HTTP=18080
P_AUTH=18081
trb_config leases4.csv INFO ",
      { \"socket-type\": \"http\", \"socket-address\": \"127.0.0.1\", \"socket-port\": $P_HTTP },
      { \"socket-type\": \"http\", \"socket-address\": \"127.0.0.1\", \"socket-port\": $P_AUTH,
        \"authentication\": { \"type\": \"basic\", \"realm\": \"trb\",
          \"clients\": [ { \"user\": \"admin\", \"password\": \"s3cret\" } ] } }" >"$TIT_TMP/dhcp4.json"
tit_server_start srv "$TRB_SRV" "$TIT_TMP/dhcp4.json"
TIT_DIAG+=("$TIT_SERVER_DIR/server-out.log")
wait_for 10 "control socket" test -S "$TRB_CTRL" || fail "no control socket at $TRB_CTRL"
# The HTTP listeners are on the server namespace's loopback.
wait_for 10 "http listener" nsx "$TRB_SRV" sh -c "ss -Hltn | grep -q ':$P_HTTP '" || fail "no HTTP listener"

# A steady DHCP load for the whole test: 100 exchanges/s, bounded by -p.
DHCP_SECONDS=45
tit_bg "$TIT_TMP/perf-bg.txt" ip netns exec "$TRB_CLI" perfdhcp -4 -l eth0 -R 2000 -r 100 -p "$DHCP_SECONDS" \
  -b mac=00:0a:0b:00:00:00
PERF_PID=$TIT_LAST_PID
sleep 1

# result_of <answer>: the Kea "result" of an answer (a map, or the CA's one-element list).
result_of() {
  python3 -c '
import json, sys
try:
    a = json.loads(sys.argv[1])
    if isinstance(a, list):
        a = a[0]
    print(a["result"])
except Exception:
    print("none")' "$1"
}
# expect_result <description> <want-regex> <answer>
expect_result() {
  local r
  r=$(result_of "$3")
  if [[ "$r" =~ ^($2)$ ]]; then log "ok: $1 -> result $r"; else fail "$1: want result $2, got '$3'"; fi
}
usock() { trb_cmd "$1"; }
# http <port> <curl args...>: prints "<http code> <body>" from inside the server namespace.
http() {
  local port=$1; shift
  nsx "$TRB_SRV" curl -m 20 -s -o "$TIT_TMP/http.body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    "$@" "http://127.0.0.1:$port/" 2>/dev/null
  printf ' '
  cat "$TIT_TMP/http.body" 2>/dev/null
}
# expect_http <description> <want-code-regex> <want-result-regex|-> <port> <curl args...>
expect_http() {
  local what=$1 code=$2 res=$3 port=$4; shift 4
  local out c body
  out=$(http "$port" "$@")
  c=${out%% *}; body=${out#* }
  [[ "$c" =~ ^($code)$ ]] || fail "$what: want HTTP $code, got $c: $body"
  if [ "$res" != - ]; then
    local r
    r=$(result_of "$body")
    [[ "$r" =~ ^($res)$ ]] || fail "$what: want result $res, got HTTP $c '$body'"
  fi
  log "ok: $what -> HTTP $c${res:+ }$(result_of "$body")"
}

# Slow clients first (they take the request timeout, 10 s): 20 on each transport, started in
# the background, so the rest of the test runs while they hold their connections.
slow_pids=()
for i in $(seq 20); do
  python3 "$API" slow-unix "$TRB_CTRL" 40 >"$TIT_TMP/slow-unix-$i.txt" 2>&1 &
  slow_pids+=($!)
  ip netns exec "$TRB_SRV" python3 "$API" slow-http 127.0.0.1 "$P_HTTP" 40 >"$TIT_TMP/slow-http-$i.txt" 2>&1 &
  slow_pids+=($!)
done
TIT_PIDS+=("${slow_pids[@]}")
sleep 1

# ---- UNIX socket ---------------------------------------------------------------------------
t0=$SECONDS
expect_result "unix: good command while slow clients wait" 0 "$(usock '{"command": "status-get"}')"
log "answered in $((SECONDS - t0)) s"
expect_result "unix: truncated JSON" 1 "$(usock '{"command": "lease4-get-all", ')"
expect_result "unix: not JSON at all" 1 "$(usock 'hello, tandemd')"
expect_result "unix: a JSON list" 1 "$(usock '[1, 2, 3]')"
expect_result "unix: command is a number" 1 "$(usock '{"command": 42}')"
expect_result "unix: no command" 1 "$(usock '{"arguments": {}}')"
expect_result "unix: arguments is a string" 1 "$(usock '{"command": "lease4-get", "arguments": "198.18.16.1"}')"
expect_result "unix: ip-address is a number" 1 "$(usock '{"command": "lease4-get", "arguments": {"ip-address": 7}}')"
expect_result "unix: statistic name is a list" 1 "$(usock '{"command": "statistic-get", "arguments": {"name": ["x"]}}')"
expect_result "unix: lease4-add with a bad address" 1 \
  "$(usock '{"command": "lease4-add", "arguments": {"ip-address": "300.1.1.1", "hw-address": "zz"}}')"
expect_result "unix: unknown command" 2 "$(usock '{"command": "make-coffee"}')"
# 20 MB: a valid JSON string padded past the 16 MiB limit.
python3 -c 'import sys; sys.stdout.write("{\"command\": \"status-get\", \"arguments\": {\"pad\": \"" + "x" * 20000000 + "\"}}")' \
  >"$TIT_TMP/big.json"
big=$(timeout 60 python3 "$API" unix-send "$TRB_CTRL" "$TIT_TMP/big.json")
expect_result "unix: 20 MB command" 1 "$big"
grep -q 'maximum size' <<<"$big" || fail "unix: 20 MB command: the answer does not say why: $big"
expect_result "unix: good command after the bad ones" 0 "$(usock '{"command": "version-get"}')"

# ---- HTTP ----------------------------------------------------------------------------------
expect_http "http: good CA-style request" 200 0 "$P_HTTP" -d '{"command": "status-get", "service": ["dhcp4"]}'
expect_http "http: truncated JSON" '200|400' '1|400' "$P_HTTP" -d '{"command": "status-get", '
expect_http "http: not JSON" '200|400' '1|400' "$P_HTTP" -d 'hello, tandemd'
expect_http "http: command is a number" '200|400' '1|400' "$P_HTTP" -d '{"command": 42}'
expect_http "http: arguments is a list" 200 1 "$P_HTTP" -d '{"command": "lease4-get", "arguments": [1]}'
expect_http "http: unknown command" 200 2 "$P_HTTP" -d '{"command": "make-coffee", "service": ["dhcp4"]}'
expect_http "http: empty body" '200|400' '1|400' "$P_HTTP" --data-binary ''
expect_http "http: GET" 405 - "$P_HTTP" -X GET
expect_http "http: 20 MB body" 413 - "$P_HTTP" --data-binary "@$TIT_TMP/big.json"
printf 'GARBAGE \x01\x02\xff NOT-HTTP\r\n\r\n' >"$TIT_TMP/garbage.bin"
line=$(nsx "$TRB_SRV" python3 "$API" raw-http 127.0.0.1 "$P_HTTP" "$TIT_TMP/garbage.bin")
[[ "$line" =~ ^(HTTP/1\.[01]\ 4[0-9][0-9]|closed) ]] || fail "http: garbage request: got '$line'"
log "ok: http: not HTTP at all -> ${line}"
{ printf 'POST / HTTP/1.1\r\nHost: x\r\nX-Big: '; head -c 40000 /dev/zero | tr '\0' a; printf '\r\n\r\n'; } >"$TIT_TMP/bighdr.bin"
line=$(nsx "$TRB_SRV" python3 "$API" raw-http 127.0.0.1 "$P_HTTP" "$TIT_TMP/bighdr.bin")
[[ "$line" =~ ^(HTTP/1\.[01]\ 4[0-9][0-9]|closed) ]] || fail "http: 40 KB header: got '$line'"
log "ok: http: 40 KB header -> ${line}"
printf 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"command": "status-get"}' >"$TIT_TMP/short.bin"
line=$(nsx "$TRB_SRV" python3 "$API" raw-http 127.0.0.1 "$P_HTTP" "$TIT_TMP/short.bin")
log "ok: http: body shorter than Content-Length -> ${line} (no answer for an incomplete request)"
expect_http "http: wrong password" 401 - "$P_AUTH" -u admin:wrong -d '{"command": "status-get"}'
expect_http "http: unknown user" 401 - "$P_AUTH" -u mallory:s3cret -d '{"command": "status-get"}'
expect_http "http: no credentials" 401 - "$P_AUTH" -d '{"command": "status-get"}'
expect_http "http: garbage Authorization" 401 - "$P_AUTH" -H 'Authorization: Basic %%%not-base64%%%' -d '{"command": "status-get"}'
expect_http "http: right credentials" 200 0 "$P_AUTH" -u admin:s3cret -d '{"command": "status-get"}'
expect_http "http: good request after the bad ones" 200 0 "$P_HTTP" -d '{"command": "version-get"}'

# ---- the slow clients were cut off ---------------------------------------------------------
for p in "${slow_pids[@]}"; do wait "$p" 2>/dev/null; done
open=$(cat "$TIT_TMP"/slow-*.txt | grep -c '^open-after')
worst=$(cat "$TIT_TMP"/slow-*.txt | awk '/^closed-after/ { if ($2 > m) m = $2 } END { print m + 0 }')
log "slow clients: $(cat "$TIT_TMP"/slow-*.txt | grep -c '^closed-after') closed by the server (latest after ${worst}s), $open still open after 40 s"
check "every slow client was disconnected (request timeout)" test "$open" -eq 0
expect_result "unix: good command after the slow clients" 0 "$(usock '{"command": "status-get"}')"

# ---- DHCP was served all along -------------------------------------------------------------
wait "$PERF_PID"
disc=$(awk '/Statistics for: DISCOVER-OFFER/ {s=1} s && /^sent packets:/ {print $3; exit}' "$TIT_TMP/perf-bg.txt")
acks=$(trb_perf_acks "$TIT_TMP/perf-bg.txt")
log "DHCP during the API abuse: ${disc:-0} exchanges started, $acks ACKs"
check "perfdhcp ran (${disc:-0} exchanges)" test "${disc:-0}" -ge 1000
check "DHCP kept being served: $acks ACKs >= 90 % of ${disc:-0} exchanges" test $((acks * 100)) -ge $((${disc:-0} * 90))
check "tandemd still running" trb_alive
trb_stats_settle
trb_get ack_sent pkt4-ack-sent
rows=$(trb_csv_rows "$TIT_SERVER_DIR/leases4.csv")
check "nothing lost: every ACK ($ack_sent) has its lease row on disk ($rows)" test "$ack_sent" -le "$rows"
tit_stop "$TIT_SERVER_PID" TERM 15
check "tandemd exits 0 on SIGTERM (exit $TIT_STOP_RC)" test "$TIT_STOP_RC" -eq 0
log "PASS: API bad input answered, $acks ACKs served meanwhile"
