#!/bin/bash
# tandemd smoke test: a server namespace and a client namespace joined by a veth pair
# (198.18.0.1/15 and 198.18.0.100/15), tandemd with persistence on, perfdhcp (which acts as
# a relay: giaddr = its address) doing bounded 4-way exchanges. Checks that ACKs come back,
# that the leases are in the lease file, that SIGHUP keeps serving, that SIGTERM exits 0, and
# that `tandemd -t` rejects a bad config naming the JSON path.
# Needs root (namespaces) and perfdhcp; exits 77 (skipped) otherwise.
set -u
TANDEMD=${TANDEMD:-$(cd "$(dirname "$0")/../.." && pwd)/build/dhcpd/tandemd}
NS_S=tdm-smoke-s
NS_C=tdm-smoke-c
WORK=$(mktemp -d /tmp/tdm-smoke.XXXXXX)
PID=""

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; [ -f "$WORK/tandemd.log" ] && tail -n 30 "$WORK/tandemd.log"; exit 1; }

[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
command -v perfdhcp >/dev/null || skip "perfdhcp (kea-admin) not installed"
[ -x "$TANDEMD" ] || skip "tandemd binary not found at $TANDEMD"

cleanup() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$PID" 2>/dev/null && kill -KILL "$PID" 2>/dev/null
  fi
  ip netns del "$NS_S" 2>/dev/null
  ip netns del "$NS_C" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

ip netns del "$NS_S" 2>/dev/null; ip netns del "$NS_C" 2>/dev/null
ip netns add "$NS_S" || skip "cannot create network namespaces"
ip netns add "$NS_C"
ip link add tdm-smk0 type veth peer name tdm-smk1 || fail "veth"
ip link set tdm-smk0 netns "$NS_S"
ip link set tdm-smk1 netns "$NS_C"
ip -n "$NS_S" link set tdm-smk0 name eth0
ip -n "$NS_C" link set tdm-smk1 name eth0
ip -n "$NS_S" addr add 198.18.0.1/15 dev eth0
ip -n "$NS_C" addr add 198.18.0.100/15 dev eth0
for ns in "$NS_S" "$NS_C"; do ip -n "$ns" link set lo up; ip -n "$ns" link set eth0 up; done

cat >"$WORK/tandemd.json" <<'JSON'
{
  // Kea syntax, comments allowed
  "Dhcp4": {
    "interfaces-config": { "interfaces": [ "eth0" ] },
    "lease-database": { "type": "memfile", "persist": true, "name": "leases4.csv", "lfc-interval": 0 },
    "valid-lifetime": 4000, "renew-timer": 1000, "rebind-timer": 2000,
    "subnet4": [ { "id": 1, "subnet": "198.18.0.0/15",
                   "pools": [ { "pool": "198.18.16.0 - 198.19.255.254" } ],
                   "option-data": [ { "name": "routers", "data": "198.18.0.1" } ] } ],
    "loggers": [ { "name": "kea-dhcp4", "output_options": [ { "output": "tandemd.log" } ], "severity": "INFO" } ]
  }
}
JSON

# -t: a valid file passes, a bad one fails naming the JSON path.
"$TANDEMD" -t "$WORK/tandemd.json" >/dev/null 2>&1 || fail "tandemd -t rejected a valid config"
sed 's/"198.18.16.0 - 198.19.255.254"/"198.18.16.0 - 10.0.0.1"/' "$WORK/tandemd.json" >"$WORK/bad.json"
out=$("$TANDEMD" -t "$WORK/bad.json" 2>&1); rc=$?
[ $rc = 1 ] || fail "tandemd -t on a bad config exited $rc, want 1"
echo "$out" | grep -q "Dhcp4/subnet4/0/pools/0" || fail "tandemd -t message lacks the JSON path: $out"
"$TANDEMD" -v | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+$' || fail "tandemd -v"

cd "$WORK" || fail "cd"
ip netns exec "$NS_S" "$TANDEMD" -c tandemd.json >"$WORK/stdout.log" 2>&1 &
PID=$!
for _ in $(seq 50); do grep -q DHCP4_STARTED "$WORK/tandemd.log" 2>/dev/null && break; sleep 0.1; done
grep -q DHCP4_STARTED "$WORK/tandemd.log" 2>/dev/null || fail "tandemd did not start"

run_perf() {
  timeout 60 ip netns exec "$NS_C" perfdhcp -4 -l eth0 -R 1000 -n "$1" -r "$2" -p 10 >"$WORK/perf-$3.txt" 2>&1
  awk '/Statistics for: REQUEST-ACK/ {s=1} s && /^received packets:/ {print $3; exit}' "$WORK/perf-$3.txt"
}
acks=$(run_perf 2000 500 1)
[ "${acks:-0}" -ge 1900 ] || { cat "$WORK/perf-1.txt"; fail "perfdhcp got ${acks:-0} ACKs, want >= 1900 of 2000"; }

# Without HA and packet workers the packet loop runs on its own thread (issue 12), and it
# served these exchanges (CPU time: utime + stime, fields 14 and 15 of its stat).
pkt_ticks=-1
for t in /proc/"$PID"/task/*; do
  [ "$(cat "$t/comm" 2>/dev/null)" = tandem-pkt0 ] && pkt_ticks=$(awk '{ print $14 + $15 }' "$t/stat")
done
[ "$pkt_ticks" -gt 0 ] || fail "the packet thread tandem-pkt0 did not serve (clock ticks: $pkt_ticks, -1 = no such thread)"

# -R 1000: perfdhcp simulates 1000 clients, so 2000 exchanges renew some of them.
leases=$(tail -n +2 "$WORK/leases4.csv" | cut -d, -f1 | sort -u | wc -l)
[ "$leases" -ge 850 ] && [ "$leases" -le 1000 ] || fail "lease file has $leases addresses, want 850..1000 (1000 clients)"
head -1 "$WORK/leases4.csv" | grep -q '^address,hwaddr,client_id,valid_lifetime,expire,subnet_id' || fail "lease file header"

# SIGHUP reloads and keeps serving (and keeps the leases).
# Wait for the reload to be in force (under load it can take longer than a fixed sleep, and
# queries queued meanwhile are answered after perfdhcp's 1 s drop time).
kill -HUP "$PID"
for _ in $(seq 100); do grep -q DHCP4_CONFIG_COMPLETE "$WORK/tandemd.log" && break; sleep 0.1; done
kill -0 "$PID" || fail "tandemd died on SIGHUP"
grep -q DHCP4_CONFIG_COMPLETE "$WORK/tandemd.log" || fail "SIGHUP: no DHCP4_CONFIG_COMPLETE within 10 s"
acks2=$(run_perf 200 200 2)
[ "${acks2:-0}" -ge 190 ] || fail "after SIGHUP perfdhcp got ${acks2:-0} ACKs"

kill -TERM "$PID"; wait "$PID"; rc=$?; PID=""
[ $rc = 0 ] || fail "tandemd exited $rc on SIGTERM"
echo "PASS: $acks + $acks2 ACKs, $leases leases on disk"
