#!/bin/bash
# Several servers on one MariaDB (issue 13, Kea's shared-database model), no HA between them,
# same segment, same pool, under a bounded perfdhcp load:
#  1. two tandemd: both answer every client from their own memory, so they offer the same
#     addresses; the database's conditional writes decide, the loser drops its DHCPACK and
#     learns the winner's row;
#  2. one tandemd and one kea-dhcp4 2.2 (Kea's own INSERT / UPDATE ... WHERE expire = old).
# Every DHCPACK on the wire is captured: no address may be ACKed to two clients, and every
# ACKed address's row belongs to the client that got it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mysql_lib.sh"
TIT_ID="h-my-$$"
TIT_BUDGET=240
tit_init
tit_require perfdhcp socat jq tcpdump kea-dhcp4
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import scapy' 2>/dev/null || skip "python3-scapy missing"
tit_server_bin
[ "$TIT_SERVER_KIND" = tandemd ] || skip "tandemd's MySQL backend"
TANDEM=$TIT_SERVER
my_init

tit_switch
tit_host s1 02:00:c6:12:00:01 198.18.0.1/24
tit_host s2 02:00:c6:12:00:02 198.18.0.2/24
tit_host perf 02:00:c6:12:00:70 198.18.0.5/24

stat() { my_stat "$@"; }

# verify <pcap> <rows>: no address ACKed to two clients; each ACKed address's row is its client's.
verify() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import sys, ipaddress
from scapy.all import rdpcap, BOOTP, DHCP
held = {}
acks = 0
for p in rdpcap(sys.argv[1]):
    if not p.haslayer(DHCP):
        continue
    opts = dict(o for o in p[DHCP].options if isinstance(o, tuple) and len(o) == 2)
    if opts.get("message-type") != 5:
        continue
    acks += 1
    ip = p[BOOTP].yiaddr
    mac = p[BOOTP].chaddr[:6].hex()
    held.setdefault(ip, set()).add(mac)
bad = {ip: m for ip, m in held.items() if len(m) > 1}
rows = {}
for line in open(sys.argv[2]):
    parts = line.split()
    if len(parts) == 2:
        rows[str(ipaddress.IPv4Address(int(parts[0])))] = parts[1].lower()
mismatch = {ip: (m, rows.get(ip)) for ip, m in held.items() if len(m) == 1 and rows.get(ip) not in m}
print(f"{acks} DHCPACKs on the wire for {len(held)} addresses; {len(rows)} rows; "
      f"addresses ACKed to two clients: {len(bad)}; ACKed addresses whose row is another client's: {len(mismatch)}")
for ip, m in list(bad.items())[:10]:
    print("  two clients:", ip, sorted(m))
for ip, m in list(mismatch.items())[:10]:
    print("  row differs:", ip, m)
sys.exit(1 if bad or mismatch or acks == 0 else 0)
PY
}

# run_pair <tag> <binary for s2>: s1 is tandemd, s2 the given server; load, capture, verify.
run_pair() {
  local tag=$1 bin2=$2
  my_sql "DELETE FROM lease4" || fail "cannot empty lease4"
  my_server_conf "$TIT_TMP/$tag-s1"
  my_server_conf "$TIT_TMP/$tag-s2"
  TIT_SERVER=$TANDEM
  tit_server_start "$tag-s1" "$TIT_ID-s1" "$TIT_TMP/$tag-s1/dhcp4.json"
  local p1=$TIT_SERVER_PID
  TIT_SERVER=$bin2
  tit_server_start "$tag-s2" "$TIT_ID-s2" "$TIT_TMP/$tag-s2/dhcp4.json"
  local p2=$TIT_SERVER_PID
  wait_for 10 "control sockets" test -S "$TIT_TMP/$tag-s2/ctrl.sock" || fail "$tag-s2 has no control socket"
  tit_bg "$TIT_TMP/$tag-tcpdump.log" ip netns exec "$TIT_ID-perf" tcpdump -i eth0 -n -U -w "$TIT_TMP/$tag.pcap" udp port 67 or udp port 68
  local cap=$TIT_LAST_PID
  sleep 1
  # 150 clients, 60 exchanges/s, 15 s, bounded.
  timeout 40 ip netns exec "$TIT_ID-perf" perfdhcp -4 -l eth0 -R 150 -r 60 -p 15 >"$TIT_TMP/$tag-perf.txt" 2>&1
  sleep 1
  tit_stop "$cap" INT 5
  local a1 a2 c1 c2
  a1=$(stat "$tag-s1" pkt4-ack-sent)
  a2=$(stat "$tag-s2" pkt4-ack-sent)
  c1=$(stat "$tag-s1" pkt4-lease-db-conflict-drop)
  c2=$(stat "$tag-s2" pkt4-lease-db-conflict-drop)
  log "$tag: s1 (tandemd) $a1 ACKs, $c1 lost to s2; s2 ($(basename "$bin2")) $a2 ACKs, $c2 lost to s1"
  check "$tag: both servers served" [ "$a1" -gt 0 ] && [ "$a2" -gt 0 ]
  CONFLICTS=$((c1 + c2))
  my_sql "SELECT address, HEX(hwaddr) FROM lease4" >"$TIT_TMP/$tag-rows.txt"
  verify "$TIT_TMP/$tag.pcap" "$TIT_TMP/$tag-rows.txt" || fail "$tag: an address was given to two clients (see above)"
  log "$tag: status-get of s1: $(my_ctl_cmd "$tag-s1" '{"command":"status-get"}' | jq -c '.arguments["lease-database"]')"
  tit_stop "$p1" TERM 10
  tit_stop "$p2" TERM 10
}

# ---- 1. two tandemd ---------------------------------------------------------------------------
run_pair tt "$TANDEM"
check "the database decided conflicts between the tandemd (some writes lost)" [ "$CONFLICTS" -gt 0 ]
# ---- 2. tandemd and kea-dhcp4 -----------------------------------------------------------------
run_pair tk /usr/sbin/kea-dhcp4
log "PASS"
