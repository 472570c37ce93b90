#!/bin/bash
# Regenerates the packet decoder's seed corpus (tests/fuzz/corpus/packet4/) from real
# traffic: ISC dhclient, busybox udhcpc and perfdhcp talking to the real kea-dhcp4 2.2 in two
# network namespaces (198.18.0.0/15 only), every UDP payload captured by tcpdump and written
# as one file named by its SHA-1; Kea's lease file of the run becomes a lease_csv seed.
# Run as root; needs kea-dhcp4, dhclient, busybox, perfdhcp, tcpdump and Debian's python3
# with scapy. Not run by the tests: the corpus is committed.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$SRC/tests/fuzz/corpus/packet4}
LEASE_OUT=${2:-$SRC/tests/fuzz/corpus/lease_csv}
P=h-fuzzseed-$$
S=$P-s C=$P-c
WORK=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.5
  ip netns del "$S" 2>/dev/null || true
  ip netns del "$C" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
ip netns add "$S"
ip netns add "$C"
ip link add veth-fs$$ netns "$S" type veth peer name veth-fc$$ netns "$C"
ip -n "$S" addr add 198.18.0.1/24 dev veth-fs$$
ip -n "$S" link set veth-fs$$ up
ip -n "$C" link set veth-fc$$ up
ip -n "$C" addr add 198.18.0.2/24 dev veth-fc$$  # perfdhcp's source address
ip -n "$S" link set lo up
ip -n "$C" link set lo up
cat >"$WORK/kea.json" <<JSON
{"Dhcp4": {
  "interfaces-config": {"interfaces": ["veth-fs$$"]},
  "lease-database": {"type": "memfile", "persist": true, "name": "$WORK/leases4.csv", "lfc-interval": 0},
  "valid-lifetime": 600,
  "option-data": [{"name": "domain-name", "data": "example.test"},
                  {"name": "domain-search", "data": "example.test, lab.example.test"},
                  {"name": "ntp-servers", "data": "198.18.0.1"},
                  {"code": 121, "csv-format": false, "data": "18C61204C6120001"}],
  "subnet4": [{"id": 1, "subnet": "198.18.0.0/24", "pools": [{"pool": "198.18.0.100 - 198.18.0.199"}],
               "option-data": [{"name": "routers", "data": "198.18.0.1"},
                               {"name": "domain-name-servers", "data": "198.18.0.53, 198.18.0.54"}]}],
  "ddns-send-updates": false
}}
JSON
ip netns exec "$S" tcpdump -i veth-fs$$ -w "$WORK/cap.pcap" -U udp port 67 or udp port 68 2>/dev/null &
pids+=($!)
ip netns exec "$S" env KEA_PIDFILE_DIR="$WORK" KEA_LOCKFILE_DIR="$WORK" kea-dhcp4 -c "$WORK/kea.json" >"$WORK/kea.log" 2>&1 &
pids+=($!)
sleep 2
# dhclient: DORA with its default request list, then a release.
printf 'send host-name "seed-host";\nsend dhcp-client-identifier "seed-client";\ntimeout 15;\n' >"$WORK/dhclient.conf"
ip netns exec "$C" timeout 20 dhclient -1 -v -cf "$WORK/dhclient.conf" -sf /bin/true -pf "$WORK/dhc.pid" \
  -lf "$WORK/dhc.leases" veth-fc$$ >"$WORK/dhclient.log" 2>&1 || head -5 "$WORK/dhclient.log" >&2
ip netns exec "$C" timeout 10 dhclient -r -cf "$WORK/dhclient.conf" -sf /bin/true -pf "$WORK/dhc.pid" -lf "$WORK/dhc.leases" veth-fc$$ >/dev/null 2>&1 || true
# udhcpc: another client's option set (client id, vendor class, FQDN), then a release.
ip netns exec "$C" timeout 20 busybox udhcpc -i veth-fc$$ -n -q -R -F seed-fqdn.example.test \
  -V seed-vendor -x hostname:seed-udhcpc -s /bin/true >/dev/null 2>&1 || true
# perfdhcp: DORA, then an INFORM-free relay-less burst of a few exchanges.
ip netns exec "$C" timeout 20 perfdhcp -4 -l veth-fc$$ -r 5 -n 5 -R 5 198.18.0.1 >/dev/null 2>&1 || true
sleep 1
kill "${pids[0]}" "${pids[1]}" 2>/dev/null || true
sleep 1
mkdir -p "$OUT" "$LEASE_OUT"
cp "$WORK/leases4.csv" "$LEASE_OUT/kea22-written.csv"
/usr/bin/python3 - "$WORK/cap.pcap" "$OUT" <<'PY'
import hashlib, os, sys
from scapy.all import rdpcap, UDP
n = 0
for p in rdpcap(sys.argv[1]):
    if UDP in p:
        data = bytes(p[UDP].payload)
        name = hashlib.sha1(data).hexdigest()
        with open(os.path.join(sys.argv[2], name), "wb") as f:
            f.write(data)
        n += 1
print(f"{n} packets captured", file=sys.stderr)

# Forms no client above sends, built by hand: a relayed DISCOVER with option 82 and an FQDN
# (81), and a REQUEST whose options overflow into file and sname (option 52 = 3, RFC 2131 4.1).
def bootp(op, giaddr, file=b"", sname=b""):
    hdr = bytes([op, 1, 6, 1]) + bytes.fromhex("a1b2c3d4") + bytes(4) + bytes(12) + bytes(giaddr)
    hdr += bytes.fromhex("000c29aabbcc") + bytes(10)
    return hdr + sname.ljust(64, b"\0") + file.ljust(128, b"\0") + bytes.fromhex("63825363")
def opt(code, data):
    return bytes([code, len(data)]) + data
crafted = {
    "relayed-discover-82-81": bootp(1, [198, 18, 1, 1]) + opt(53, b"\1") +
        opt(81, b"\x05\0\0\x04seed\x07example\x04test\0") +
        opt(82, opt(1, b"eth0/1") + opt(2, b"\x00\x0c\x29\x01\x02\x03")) + b"\xff",
    "request-overload-file-sname": bootp(1, [0, 0, 0, 0], file=opt(12, b"seedhost") + b"\xff",
                                         sname=opt(60, b"vendor") + b"\xff") +
        opt(53, b"\3") + opt(52, b"\3") + opt(50, bytes([198, 18, 0, 120])) + b"\xff",
}
for name, data in crafted.items():
    with open(os.path.join(sys.argv[2], name), "wb") as f:
        f.write(data)
PY
