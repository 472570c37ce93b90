#!/usr/bin/env bash
# /metrics scrape cost on a big server (issue 14 target: 2 M leases and 1,000 subnets, a scrape
# under 100 ms without stalling DHCP service). Not a test: it prints figures.
#  1. build/tests/metrics_bench: the render time in process (what the io thread, and so the
#     packet path, spends per scrape) over the same state;
#  2. end to end: tandemd in a namespace with 1,000 /21 subnets (10.0.0.0/8, records only: no
#     packet is sent there), 2,000 leases in each (2 M, loaded from a Kea CSV), and one
#     198.18.0.0/16 subnet for clients; perfdhcp runs DORAs at a fixed rate twice, without and
#     with a scrape every 0.5 s (curl over the http control socket on the namespace's
#     loopback); prints the scrape times and both runs' drops and exchange delays.
#   sudo scripts/bench-metrics.sh [build-dir]
# Environment: LEASES (2000000), SUBNETS (1000), RATE (500 DORA/s), PERIOD (10 s per run).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-${TANDEM_BUILD:-$SRC/build}}
LEASES=${LEASES:-2000000} SUBNETS=${SUBNETS:-1000} RATE=${RATE:-500} PERIOD=${PERIOD:-10}
PER=$(( (LEASES + SUBNETS - 1) / SUBNETS ))
[ "$(id -u)" = 0 ] || { echo "run as root (network namespaces)" >&2; exit 1; }
for t in perfdhcp curl; do command -v $t >/dev/null || { echo "$t missing (scripts/install-deps.sh)" >&2; exit 1; }; done
cmake --build "$BUILD" --target tandemd tandem-leasetool metrics_bench >/dev/null ||
  { echo "build failed" >&2; exit 1; }

echo "== in process: renderMetrics over $LEASES leases, $SUBNETS subnets"
"$BUILD/tests/metrics_bench" "$LEASES" "$SUBNETS" 20 || true

ID="bm-$$"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/$ID.XXXXXX")
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  ip netns del "$ID-srv" 2>/dev/null || true
  ip netns del "$ID-cli" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
ip netns add "$ID-srv"
ip netns add "$ID-cli"
ip link add "$ID-a" type veth peer name "$ID-b"
ip link set "$ID-a" netns "$ID-srv"
ip link set "$ID-b" netns "$ID-cli"
ip -n "$ID-srv" link set "$ID-a" name eth0
ip -n "$ID-cli" link set "$ID-b" name eth0
for ns in srv cli; do ip -n "$ID-$ns" link set lo up; ip -n "$ID-$ns" link set eth0 up; done
ip -n "$ID-srv" addr add 198.18.0.1/16 dev eth0
ip -n "$ID-cli" addr add 198.18.0.2/16 dev eth0

echo "== end to end: generating $LEASES leases in $SUBNETS subnets"
python3 - "$WORK/dhcp4.json" "$SUBNETS" "$PER" "$WORK" <<'PY'
import json, sys, ipaddress
path, n, per, work = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
base = int(ipaddress.IPv4Address("10.0.0.0"))
subnets = []
for i in range(n):
    net = base + i * 2048
    first, last = net + 10, net + 10 + max(per, 2000) - 1
    subnets.append({"id": i + 1, "subnet": f"{ipaddress.IPv4Address(net)}/21",
                    "pools": [{"pool": f"{ipaddress.IPv4Address(first)} - {ipaddress.IPv4Address(last)}"}]})
subnets.append({"id": n + 1, "subnet": "198.18.0.0/16", "pools": [{"pool": "198.18.1.0 - 198.18.255.250"}]})
json.dump({"Dhcp4": {
    "interfaces-config": {"interfaces": ["eth0"], "dhcp-socket-type": "raw"},
    "control-sockets": [{"socket-type": "http", "socket-address": "127.0.0.1", "socket-port": 8080}],
    "lease-database": {"type": "memfile", "persist": True, "name": f"{work}/leases4.csv", "lfc-interval": 0},
    "valid-lifetime": 60, "subnet4": subnets,
    "loggers": [{"name": "kea-dhcp4", "output_options": [{"output": f"{work}/tandemd.log"}], "severity": "WARN"}]}},
    open(path, "w"))
PY
echo "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context" \
  >"$WORK/leases4.csv"
for ((i = 0; i < SUBNETS; i++)); do
  first="10.$((i / 32)).$(((i * 8) % 256)).10"  # 10.0.0.0 + i * 2048 + 10
  "$BUILD/tests/tandem-leasetool" generate-range "$WORK/part.csv" "$first" "$PER" $((i + 1)) $((i % 256))
  tail -n +2 "$WORK/part.csv" >>"$WORK/leases4.csv"
done 2>/dev/null
rm -f "$WORK/part.csv"
echo "lease file: $(( $(wc -l <"$WORK/leases4.csv") - 1 )) leases, $(( $(stat -c %s "$WORK/leases4.csv") / 1048576 )) MiB"

t0=$(date +%s.%N)
ip netns exec "$ID-srv" "$BUILD/dhcpd/tandemd" -c "$WORK/dhcp4.json" >"$WORK/stdout.log" 2>&1 &
PIDS+=($!)
URL=http://127.0.0.1:8080/metrics
for _ in $(seq 600); do
  ip netns exec "$ID-srv" curl -sf -o /dev/null --max-time 2 "$URL" && break
  sleep 0.1
done
echo "tandemd up with the leases loaded in $(python3 -c "print(round($(date +%s.%N) - $t0, 1))") s"
ip netns exec "$ID-srv" curl -sf -o "$WORK/metrics.txt" "$URL"
echo "scrape body: $(stat -c %s "$WORK/metrics.txt") bytes, $(grep -vc '^#' "$WORK/metrics.txt") series"
grep -E '^tandem_leases ' "$WORK/metrics.txt"

run_perfdhcp() {  # run_perfdhcp <label> <base mac>
  ip netns exec "$ID-cli" timeout $((PERIOD + 20)) perfdhcp -4 -l eth0 -r "$RATE" -p "$PERIOD" -R 100000 \
    -b "mac=$2" -W 2000000 >"$WORK/perfdhcp.$1" 2>&1 || true
  printf '%-16s %s; %s\n' "$1:" "$(grep -E 'drops:' "$WORK/perfdhcp.$1" | tr -s ' ' | paste -sd';')" \
    "$(grep -E '(avg|max) delay' "$WORK/perfdhcp.$1" | tr -s ' ' | paste -sd';')"
}
echo "== perfdhcp at $RATE DORA/s for $PERIOD s, without and with a scrape every 0.5 s"
run_perfdhcp no-scrapes 02:10:00:00:00:00
( for _ in $(seq $((PERIOD * 2))); do
    ip netns exec "$ID-srv" curl -sf -o /dev/null -w '%{time_total}\n' "$URL"
    sleep 0.5
  done >"$WORK/scrapes.txt" ) &
SCRAPER=$!
PIDS+=($SCRAPER)
run_perfdhcp with-scrapes 02:20:00:00:00:00
wait "$SCRAPER" || true
sort -n "$WORK/scrapes.txt" | awk '{ v[NR] = $1 * 1000 } END {
  printf "scrape time over HTTP (curl time_total): min %.1f ms, median %.1f ms, max %.1f ms over %d scrapes\n",
         v[1], v[int((NR + 1) / 2)], v[NR], NR }'
