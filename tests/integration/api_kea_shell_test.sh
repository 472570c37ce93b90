#!/bin/bash
# Control API against real Kea tools: kea-shell (Debian kea-ctrl-agent) over tandemd's HTTP
# listener, socat over its UNIX socket, curl over HTTPS with and without a client
# certificate and with wrong basic-auth credentials, tandemctl over all of them, and a
# broken config-set that must leave the running configuration serving.
# Everything runs on loopback with "interfaces": [] (no DHCP sockets, no namespaces).
# Exits 77 (skipped) when a tool or the tandemd binary is missing.
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=${TANDEM_SRC:-$(cd "$here/../.." && pwd)}
TANDEMD=${TANDEMD:-}
if [ -z "$TANDEMD" ]; then
  for b in "${TANDEM_BUILD:-}" "$src/build-api" "$src/build-daemon" "$src/build"; do
    [ -n "$b" ] && [ -x "$b/dhcpd/tandemd" ] && { TANDEMD=$b/dhcpd/tandemd; break; }
  done
fi
TANDEMCTL=${TANDEMCTL:-$(dirname "${TANDEMD:-/nonexistent/x}")/tandemctl}

skip() { echo "SKIP: $*"; exit 77; }
for tool in kea-shell socat curl openssl python3; do command -v $tool >/dev/null || skip "$tool not installed"; done
[ -n "$TANDEMD" ] && [ -x "$TANDEMD" ] || skip "tandemd binary not found"
[ -x "$TANDEMCTL" ] || skip "tandemctl not found next to $TANDEMD"

WORK=$(mktemp -d /tmp/tap-api.XXXXXX)
PID=""
cleanup() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$PID" 2>/dev/null && kill -KILL "$PID" 2>/dev/null
  fi
  [ "${TAP_KEEP:-0}" = 1 ] && echo "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  [ -f "$WORK/tandemd.out" ] && tail -n 30 "$WORK/tandemd.out"
  exit 1
}
ok() { echo "ok: $*"; }
# expect <description> <extended-regex> <command...>
expect() {
  local what=$1 want=$2; shift 2
  local out
  out=$("$@" 2>&1) || true  # every tool below carries its own timeout
  if grep -Eq -- "$want" <<<"$out"; then ok "$what"; else fail "$what: expected /$want/ in: $out"; fi
}

freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P_HTTP=$(freeport); P_AUTH=$(freeport); P_TLS=$(freeport); P_TLSOPT=$(freeport)

cd "$WORK" || exit 1
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=tap-ca 2>/dev/null &&
openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj /CN=127.0.0.1 2>/dev/null &&
printf 'subjectAltName=IP:127.0.0.1\n' >ext &&
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 -extfile ext 2>/dev/null &&
openssl req -newkey rsa:2048 -nodes -keyout cli.key -out cli.csr -subj /CN=tap-client 2>/dev/null &&
openssl x509 -req -in cli.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out cli.pem -days 2 2>/dev/null ||
  fail "certificate generation"

cat >tandemd.json <<JSON
{
  "Dhcp4": {
    "interfaces-config": { "interfaces": [] },
    "lease-database": { "type": "memfile", "persist": true, "name": "$WORK/leases4.csv", "lfc-interval": 0 },
    "valid-lifetime": 4000,
    "control-sockets": [
      { "socket-type": "unix", "socket-name": "$WORK/ctrl" },
      { "socket-type": "http", "socket-address": "127.0.0.1", "socket-port": $P_HTTP },
      { "socket-type": "http", "socket-address": "127.0.0.1", "socket-port": $P_AUTH,
        "authentication": { "type": "basic", "realm": "tap", "clients": [
          { "user": "admin", "password": "s3cret" }, { "user": "ha", "password": "peer" } ] } },
      { "socket-type": "https", "socket-address": "127.0.0.1", "socket-port": $P_TLS,
        "cert-file": "$WORK/srv.pem", "key-file": "$WORK/srv.key", "trust-anchor": "$WORK/ca.pem",
        "cert-required": true },
      { "socket-type": "https", "socket-address": "127.0.0.1", "socket-port": $P_TLSOPT,
        "cert-file": "$WORK/srv.pem", "key-file": "$WORK/srv.key", "trust-anchor": "$WORK/ca.pem",
        "cert-required": false }
    ],
    "subnet4": [ { "id": 1, "subnet": "198.18.16.0/24", "pools": [ { "pool": "198.18.16.10 - 198.18.16.100" } ],
                   "reservations": [ { "hw-address": "aa:bb:cc:dd:ee:01", "ip-address": "198.18.16.5" } ] } ],
    "loggers": [ { "name": "kea-dhcp4", "output_options": [ { "output": "$WORK/tandemd.out" } ], "severity": "INFO" } ]
  }
}
JSON

"$TANDEMD" -c tandemd.json -p 16767 -P 16768 >>tandemd.out 2>&1 &
PID=$!
for _ in $(seq 100); do [ -S "$WORK/ctrl" ] && break; kill -0 $PID 2>/dev/null || break; sleep 0.1; done
[ -S "$WORK/ctrl" ] || fail "tandemd did not open its control socket"
ok "tandemd running (pid $PID)"

sock() { echo "$1" | timeout 10 socat -t 5 - "UNIX-CONNECT:$WORK/ctrl"; }
KS=(kea-shell --timeout 10 --host 127.0.0.1 --port "$P_HTTP" --service dhcp4)

# kea-shell reads the arguments map from stdin.
expect "kea-shell list-commands" '"lease4-get-all"' "${KS[@]}" list-commands </dev/null
expect "kea-shell config-get" '"198.18.16.0/24"' "${KS[@]}" config-get </dev/null
expect "kea-shell lease4-get-all on empty store" '"result": ?3' "${KS[@]}" lease4-get-all </dev/null

expect "socat lease4-add" 'Lease for address 198.18.16.20, subnet-id 1 added' \
  sock '{"command": "lease4-add", "arguments": {"ip-address": "198.18.16.20", "hw-address": "1a:1b:1c:1d:1e:1f", "hostname": "h20"}}'
expect "socat malformed JSON" '"result": ?1' sock '{"command": "lease4-get-all", '
expect "socat unknown command" '"result": ?2' sock '{"command": "no-such-command"}'
expect "kea-shell lease4-get-all sees the lease" '"198.18.16.20"' "${KS[@]}" lease4-get-all </dev/null
# kea-shell wraps stdin in the arguments braces itself.
echo '"ip-address": "198.18.16.20"' >get.args
expect "kea-shell lease4-get with arguments" '"h20"' sh -c "${KS[*]} lease4-get <get.args"

# Basic auth: several users, 401 with a challenge for wrong or missing credentials.
code=$(curl -m 10 -s -o auth.out -w '%{http_code}' -D auth.hdr -u admin:wrong -X POST -H 'Content-Type: application/json' \
  -d '{"command":"status-get"}' "http://127.0.0.1:$P_AUTH/")
[ "$code" = 401 ] && grep -qi 'www-authenticate: basic realm="tap"' auth.hdr || fail "wrong password must get 401 with challenge (got $code)"
ok "wrong basic-auth credentials -> 401"
expect "kea-shell with basic auth" '"pid"' kea-shell --timeout 10 --host 127.0.0.1 --port "$P_AUTH" --auth-user ha --auth-password peer --service dhcp4 status-get </dev/null
code=$(curl -m 10 -s -o /dev/null -w '%{http_code}' -X GET "http://127.0.0.1:$P_HTTP/")
[ "$code" = 405 ] || fail "GET must be 405 (got $code)"; ok "GET -> 405"
head -c 20000000 /dev/zero | tr '\0' ' ' >big.json
code=$(curl -m 10 -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary @big.json "http://127.0.0.1:$P_HTTP/")
[ "$code" = 413 ] || fail "20 MB body must be 413 (got $code)"; ok "huge body -> 413"

# HTTPS: client certificate required / optional.
expect "https with client certificate" '"result": ?0' curl -m 10 -s --cacert ca.pem --cert cli.pem --key cli.key \
  -d '{"command":"version-get"}' "https://127.0.0.1:$P_TLS/"
if curl -m 10 -s --cacert ca.pem -d '{"command":"version-get"}' "https://127.0.0.1:$P_TLS/" >/dev/null 2>&1; then
  fail "https without client certificate must be refused"
fi
ok "https without client certificate refused"
expect "https optional client certificate" '"result": ?0' curl -m 10 -s --cacert ca.pem -d '{"command":"version-get"}' "https://127.0.0.1:$P_TLSOPT/"

# tandemctl over each transport, with its exit codes.
C=("$TANDEMCTL" --timeout 10 -s "$WORK/ctrl")
expect "tandemctl status" "uptime:" "${C[@]}" status
expect "tandemctl ha status without HA" "HA not configured" "${C[@]}" ha status
expect "tandemctl leases table" "198.18.16.20" "${C[@]}" leases --subnet 1
"${C[@]}" lease add --ip 198.18.16.21 --hw 02:00:00:00:00:21 >/dev/null || fail "tandemctl lease add"
"${C[@]}" lease get 198.18.16.99 >/dev/null; [ $? = 3 ] || fail "tandemctl lease get of a missing lease must exit 3"
ok "tandemctl exit code 3 for not found"
"$TANDEMCTL" -s "$WORK/nope" status >/dev/null 2>&1; [ $? = 4 ] || fail "tandemctl must exit 4 without daemon"
ok "tandemctl exit code 4 when it cannot connect"
"${C[@]}" frobnicate >/dev/null 2>&1; [ $? = 2 ] || fail "tandemctl usage error must exit 2"
expect "tandemctl reservation add reports lease conflict" "warning: address 198.18.16.21" \
  "${C[@]}" reservation add --subnet 1 --hw 02:00:00:00:00:99 --ip 198.18.16.21
expect "tandemctl reservations" "02:00:00:00:00:99" "${C[@]}" reservations --subnet 1
expect "tandemctl over https with client cert" '"result": ?0' "$TANDEMCTL" --timeout 10 -u "https://127.0.0.1:$P_TLS/" \
  --ca ca.pem --cert cli.pem --key cli.key --json raw '{"command":"lease4-get-all"}'
"$TANDEMCTL" --timeout 10 -u "http://127.0.0.1:$P_AUTH/" --user admin --password bad status >/dev/null 2>&1
[ $? = 1 ] || fail "tandemctl with a wrong password must exit 1"
expect "tandemctl with basic auth" "pid:" "$TANDEMCTL" --timeout 10 -u "http://127.0.0.1:$P_AUTH/" --user admin --password s3cret status

# A broken config-set is rejected and the running config (and the leases) stay.
hash_before=$(sock '{"command":"config-hash-get"}')
expect "config-set with a broken subnet is rejected" '"result": ?1' \
  sock '{"command":"config-set","arguments":{"Dhcp4":{"subnet4":[{"id":1,"subnet":"bogus"}]}}}'
[ "$(sock '{"command":"config-hash-get"}')" = "$hash_before" ] || fail "config changed after a rejected config-set"
ok "running config unchanged after rejected config-set"
expect "leases kept" '"198.18.16.21"' sock '{"command":"lease4-get-all"}'
expect "config-write persists the reservation" '"result": ?0' sock "{\"command\":\"config-write\",\"arguments\":{\"filename\":\"$WORK/written.json\"}}"
grep -q '02:00:00:00:00:99' "$WORK/written.json" || fail "written config lacks the added reservation"
ok "written config holds the reservation"
expect "config-test of the written file" "Configuration seems sane" "${C[@]}" config test "$WORK/written.json"

# Shutdown over the socket ends the daemon.
expect "shutdown" "Shutting down." sock '{"command":"shutdown"}'
for _ in $(seq 50); do kill -0 $PID 2>/dev/null || break; sleep 0.1; done
kill -0 $PID 2>/dev/null && fail "tandemd still running after shutdown"
ok "tandemd exited after shutdown"
echo "PASS"
