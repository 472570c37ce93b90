#!/usr/bin/env bash
# Lease-file interop with the real kea-dhcp4 2.2, both directions, without network traffic:
#  1. kea-dhcp4 (no interfaces, lease_cmds hook) writes its memfile CSV from lease4-add and
#     lease4-update calls; tandem loads that file and must equal Kea's lease4-get-all.
#  2. tandem's journal writes a CSV; kea-dhcp4 starts on it and its lease4-get-all must
#     equal what tandem loads from the same file, with no row errors in Kea's log.
set -euo pipefail

skip() { echo "SKIPPED: $*"; exit 77; }
command -v kea-dhcp4 >/dev/null || skip "kea-dhcp4 is not installed"
[ "$(id -u)" = 0 ] || skip "needs root (kea-dhcp4 opens its sockets and lock files)"
command -v socat >/dev/null || skip "socat is not installed"
HOOK=/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_lease_cmds.so
[ -f "$HOOK" ] || skip "lease_cmds hook not found at $HOOK"

BUILD=${TANDEM_BUILD:-$(dirname "$0")/../../build}
TOOL=$BUILD/tests/tandem-leasetool
[ -x "$TOOL" ] || { echo "FAIL: $TOOL not built (target tandem-leasetool)"; exit 1; }

WORK=$(mktemp -d /tmp/tls-kea.XXXXXX)
KEA_PID=
cleanup() {
  if [ -n "$KEA_PID" ] && kill -0 "$KEA_PID" 2>/dev/null; then
    kill "$KEA_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$KEA_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$KEA_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
export KEA_PIDFILE_DIR=$WORK KEA_LOCKFILE_DIR=$WORK

SOCK=$WORK/ctrl.sock
start_kea() {  # $1 = lease file, $2 = log file
  cat >"$WORK/kea.json" <<JSON
{ "Dhcp4": {
  "interfaces-config": { "interfaces": [] },
  "control-socket": { "socket-type": "unix", "socket-name": "$SOCK" },
  "hooks-libraries": [ { "library": "$HOOK" } ],
  "lease-database": { "type": "memfile", "name": "$1", "persist": true, "lfc-interval": 0 },
  "valid-lifetime": 4000,
  "subnet4": [ { "id": 1, "subnet": "198.18.0.0/24", "pools": [ { "pool": "198.18.0.10 - 198.18.0.200" } ] },
               { "id": 2, "subnet": "198.18.1.0/24", "pools": [ { "pool": "198.18.1.10 - 198.18.1.200" } ] } ],
  "loggers": [ { "name": "kea-dhcp4", "output_options": [ { "output": "$2" } ], "severity": "INFO" } ]
} }
JSON
  rm -f "$SOCK"
  kea-dhcp4 -c "$WORK/kea.json" >"$2.stdout" 2>&1 &
  KEA_PID=$!
  for _ in $(seq 100); do
    [ -S "$SOCK" ] && return 0
    kill -0 "$KEA_PID" 2>/dev/null || { cat "$2.stdout" "$2" 2>/dev/null; echo "FAIL: kea-dhcp4 exited"; exit 1; }
    sleep 0.1
  done
  echo "FAIL: kea-dhcp4 control socket did not appear"; exit 1
}
stop_kea() {
  kill "$KEA_PID"
  for _ in $(seq 100); do kill -0 "$KEA_PID" 2>/dev/null || break; sleep 0.1; done
  KEA_PID=
}
kea_cmd() {  # $1 = JSON command; prints the answer, fails unless result is 0
  local answer
  answer=$(echo "$1" | timeout 10 socat -t 5 - "UNIX-CONNECT:$SOCK")
  case "$answer" in
    *'"result": 0'*) printf '%s\n' "$answer" ;;
    *) echo "FAIL: $1 -> $answer" >&2; return 1 ;;
  esac
}

echo "== 1. Kea writes, tandem reads"
start_kea "$WORK/kea-leases4.csv" "$WORK/kea1.log"
EXP=4102444800  # 2100-01-01: nothing expires or gets reclaimed during the test
kea_cmd '{"command":"lease4-add","arguments":{"ip-address":"198.18.0.11","hw-address":"1a:1b:1c:1d:1e:1f","client-id":"01:1a:1b:1c:1d:1e:1f","hostname":"a,b&c.example.org","user-context":{"x":"y,z","n":[1,2],"q":"&#x2c"},"valid-lft":3600,"expire":'$EXP',"fqdn-fwd":true,"fqdn-rev":true}}' >/dev/null
kea_cmd '{"command":"lease4-add","arguments":{"ip-address":"198.18.0.12","hw-address":"0a:0b:0c:0d:0e:0f","state":1,"expire":'$EXP'}}' >/dev/null
kea_cmd '{"command":"lease4-add","arguments":{"ip-address":"198.18.0.13","client-id":"ff:00:01","hw-address":"","expire":'$EXP'}}' >/dev/null
kea_cmd '{"command":"lease4-add","arguments":{"ip-address":"198.18.1.14","hw-address":"01:02:03:04:05:06","subnet-id":2,"hostname":"gone","expire":'$EXP'}}' >/dev/null
kea_cmd '{"command":"lease4-del","arguments":{"ip-address":"198.18.1.14"}}' >/dev/null
kea_cmd '{"command":"lease4-add","arguments":{"ip-address":"198.18.1.15","hw-address":"01:02:03:04:05:07","subnet-id":2,"hostname":"old","expire":'$EXP'}}' >/dev/null
kea_cmd '{"command":"lease4-update","arguments":{"ip-address":"198.18.1.15","hw-address":"01:02:03:04:05:08","subnet-id":2,"hostname":"new,er","valid-lft":7200,"expire":'$EXP'}}' >/dev/null
kea_cmd '{"command":"lease4-get-all"}' >"$WORK/kea1.json"
stop_kea
echo "-- Kea's file:"; cat "$WORK/kea-leases4.csv"
"$TOOL" compare "$WORK/kea-leases4.csv" "$WORK/kea1.json"
grep -q '&#x2c' "$WORK/kea-leases4.csv" || { echo "FAIL: expected Kea to escape commas"; exit 1; }

echo "== 2. tandem writes, Kea reads"
cat >"$WORK/spec.json" <<JSON
[
 {"ip-address":"198.18.0.21","hw-address":"1a:1b:1c:1d:1e:21","client-id":"01:1a:1b:1c:1d:1e:21","valid-lft":3600,"cltt":$((EXP-3600)),"subnet-id":1,"fqdn-fwd":true,"fqdn-rev":false,"hostname":"comma,and&amp.example.org","state":0,"user-context":{"a":"b,c","d":{"e":[1,2,3]},"f":"&#x26"}},
 {"ip-address":"198.18.0.22","hw-address":"","valid-lft":4000,"cltt":$((EXP-4000)),"subnet-id":1,"fqdn-fwd":false,"fqdn-rev":false,"hostname":"","state":1},
 {"ip-address":"198.18.0.23","hw-address":"aa:bb:cc:dd:ee:ff","client-id":"00:01:02","valid-lft":86400,"cltt":$((EXP-86400)),"subnet-id":1,"fqdn-fwd":false,"fqdn-rev":true,"hostname":"plain","state":2},
 {"ip-address":"198.18.1.24","hw-address":"aa:bb:cc:dd:ee:01","valid-lft":60,"cltt":$((EXP-60)),"subnet-id":2,"fqdn-fwd":false,"fqdn-rev":false,"hostname":"x","state":0}
]
JSON
"$TOOL" write "$WORK/tandem-leases4.csv" "$WORK/spec.json"
echo "-- tandem's file:"; cat "$WORK/tandem-leases4.csv"
start_kea "$WORK/tandem-leases4.csv" "$WORK/kea2.log"
kea_cmd '{"command":"lease4-get-all"}' >"$WORK/kea2.json"
stop_kea
if grep -E "ROW_ERROR|LOAD_ERROR|ERROR" "$WORK/kea2.log"; then echo "FAIL: Kea reported errors reading tandem's file"; exit 1; fi
"$TOOL" compare "$WORK/tandem-leases4.csv" "$WORK/kea2.json"
# ...and both equal what was asked for.
python3 -c 'import json,sys; print(json.dumps({"arguments": {"leases": json.load(open(sys.argv[1]))}}))' \
  "$WORK/spec.json" >"$WORK/spec-answer.json"
"$TOOL" compare "$WORK/tandem-leases4.csv" "$WORK/spec-answer.json"
count=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["arguments"]["leases"]))' "$WORK/kea2.json")
[ "$count" = 4 ] || { echo "FAIL: Kea read $count leases, expected 4"; exit 1; }
echo "PASS"
