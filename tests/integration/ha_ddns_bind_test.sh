#!/bin/bash
# DDNS in a load-balancing pair: two tandemd peers (dhcp-ddns enable-updates) send their
# NameChangeRequests to one real kea-dhcp-ddns, which updates a real BIND 9 named (as
# ddns_bind_test does for one server). Two ISC dhclients send host names (option 12); their
# MACs are picked so that each hashes to another peer's scope (RFC 3074, ha/scope_filter.cpp).
#  1. each client's A and PTR records appear, and its "add" NCR was queued once, by the peer
#     that served it (each peer's DHCPSRV_QUEUE_NCR debug lines, in its ncr.log);
#  2. client two stops without releasing: its lease expires and BOTH peers reclaim it, but
#     exactly one "remove" NCR is sent, by the peer serving its scope, and the records go
#     (Kea 2.2's peers would both send it);
#  3. the peer that served client one is killed (kill -9 by PID): the survivor goes
#     partner-down, serves client one's rebind, and when client one releases the survivor
#     removes its records: nothing lost, nothing sent twice.
# named and kea-dhcp-ddns run in their own namespace (198.18.0.53). Namespaces h-app-<pid>-*,
# addresses 198.18.0.0/24. Packages: kea-dhcp-ddns-server, bind9, bind9-dnsutils. Exit 77 = skipped.
TIT_BUDGET=${TIT_BUDGET:-240}
. "$(dirname "$0")/lib.sh"
TIT_ID="h-app-$$"
tit_init
tit_require dhclient socat jq python3 openssl
command -v named >/dev/null || skip "named not installed (Debian package bind9)"
command -v dig >/dev/null || skip "dig not installed (Debian package bind9-dnsutils)"
command -v kea-dhcp-ddns >/dev/null || skip "kea-dhcp-ddns not installed (Debian package kea-dhcp-ddns-server)"
tit_server_bin
[ "$TIT_SERVER_KIND" = tandemd ] || skip "tandemd pair"
export TANDEMD=$TIT_SERVER
SRC=${TANDEM_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}

# Two MACs, the first in the primary's scope (hash even), the second in the secondary's.
read -r MAC1 MAC2 < <(/usr/bin/python3 - "$SRC/ha/scope_filter.cpp" <<'PY'
import re, sys
src = open(sys.argv[1]).read()
body = src[src.index("kRfc3074MixTable = {"):]
table = [int(x) for x in re.findall(r"\d+", body[body.index("{") + 1:body.index("}")])]
assert len(table) == 256
def h(key):
    v = len(key) & 255
    for b in reversed(key):
        v = table[v ^ b]
    return v
picked = {}
for i in range(1, 256):
    mac = [0x02, 0x00, 0xc6, 0x12, 0x70, i]
    picked.setdefault(h(mac) % 2, ":".join(f"{b:02x}" for b in mac))
print(picked[0], picked[1])
PY
)
[ -n "$MAC2" ] || fail "no MACs picked"
log "client one $MAC1 (primary's scope), client two $MAC2 (secondary's scope)"

tit_switch
tit_host s1 02:00:c6:12:70:f1 198.18.0.1/24
tit_host s2 02:00:c6:12:70:f2 198.18.0.2/24
tit_host dns 02:00:c6:12:70:f3 198.18.0.53/24
tit_host c1 "$MAC1"
tit_host c2 "$MAC2"
DNS="$TIT_ID-dns"

# ---- BIND 9 and kea-dhcp-ddns in the dns namespace -------------------------------------------
NSD="$TIT_TMP/named"
mkdir -p "$NSD"
for z in example.org 0.18.198.in-addr.arpa; do
  printf '%s\n' '$TTL 300' '@ IN SOA ns.example.org. admin.example.org. ( 1 3600 600 86400 300 )' \
    '@ IN NS ns.example.org.' >"$NSD/$z.zone"
done
echo "ns IN A 127.0.0.1" >>"$NSD/example.org.zone"
cat >"$NSD/named.conf" <<EOF
options { directory "$NSD"; pid-file "$NSD/named.pid"; listen-on port 53 { 127.0.0.1; };
  listen-on-v6 { none; }; recursion no; dnssec-validation no; allow-query { 127.0.0.1; }; };
controls { };
zone "example.org" { type primary; file "$NSD/example.org.zone"; allow-update { 127.0.0.1; }; };
zone "0.18.198.in-addr.arpa" { type primary; file "$NSD/0.18.198.in-addr.arpa.zone"; allow-update { 127.0.0.1; }; };
EOF
TIT_DIAG+=("$NSD/named.log")
tit_bg "$NSD/named.log" ip netns exec "$DNS" named -g -u root -c "$NSD/named.conf"
dns_up() { ip netns exec "$DNS" dig +short +time=1 +tries=1 @127.0.0.1 ns.example.org A | grep -q 127.0.0.1; }
wait_for 15 "named answering" dns_up || fail "named did not start"
D2="$TIT_TMP/d2"
mkdir -p "$D2"
cat >"$D2/kea-dhcp-ddns.conf" <<EOF
{ "DhcpDdns": { "ip-address": "198.18.0.53", "port": 53001, "dns-server-timeout": 1000,
    "forward-ddns": { "ddns-domains": [ { "name": "example.org.", "dns-servers": [ { "ip-address": "127.0.0.1" } ] } ] },
    "reverse-ddns": { "ddns-domains": [ { "name": "0.18.198.in-addr.arpa.", "dns-servers": [ { "ip-address": "127.0.0.1" } ] } ] },
    "loggers": [ { "name": "kea-dhcp-ddns", "output_options": [ { "output": "stdout" } ], "severity": "INFO" } ] } }
EOF
TIT_DIAG+=("$D2/d2.log")
( cd "$D2" && KEA_PIDFILE_DIR="$D2" KEA_LOCKFILE_DIR="$D2" \
    exec ip netns exec "$DNS" kea-dhcp-ddns -c kea-dhcp-ddns.conf >>"$D2/d2.log" 2>&1 ) &
TIT_PIDS+=($!)
d2_up() { ip netns exec "$DNS" ss -Hlun 'sport = :53001' | grep -q 198.18.0.53; }
wait_for 15 "kea-dhcp-ddns listening" d2_up || fail "kea-dhcp-ddns did not start"

# ---- the pair ------------------------------------------------------------------------------------
ha_certs "$TIT_TMP/certs" server1=198.18.0.1 server2=198.18.0.2
for name in server1 server2; do
  # 30 s leases (T1 7 s, T2 15 s), reclaimed within a second of expiring.
  HA_VALID=30 HA_POOL="198.18.0.10 - 198.18.0.200" ha_conf "$name" load-balancing "$TIT_TMP/certs" \
    server1=198.18.0.1=primary server2=198.18.0.2=secondary
  jq --arg ncr "$TIT_TMP/$name/ncr.log" '.Dhcp4 += {
      "dhcp-ddns": {"enable-updates": true, "server-ip": "198.18.0.53", "server-port": 53001},
      "ddns-qualifying-suffix": "example.org",
      "expired-leases-processing": {"reclaim-timer-wait-time": 1, "flush-reclaimed-timer-wait-time": 0,
                                    "hold-reclaimed-time": 0}}
    | .Dhcp4.loggers += [{"name": "kea-dhcp4.dhcpsrv", "output_options": [{"output": $ncr}],
                          "severity": "DEBUG", "debuglevel": 55}]' \
    "$TIT_TMP/$name/config.json" >"$TIT_TMP/$name/c.json" && mv "$TIT_TMP/$name/c.json" "$TIT_TMP/$name/config.json"
done
"$TANDEMD" -t "$TIT_TMP/server1/config.json" >"$TIT_TMP/check.log" 2>&1 || fail "tandemd -t: $(tail -3 "$TIT_TMP/check.log")"
ha_start server1 "$TIT_ID-s1"
ha_start server2 "$TIT_ID-s2"
ha_wait_state server1 load-balancing 30 || fail "server1 not in load-balancing"
ha_wait_state server2 load-balancing 30 || fail "server2 not in load-balancing"
log "ok: pair in load-balancing"

dig_a() { ip netns exec "$DNS" dig +short +time=1 +tries=1 @127.0.0.1 "$1" A; }
dig_ptr() { ip netns exec "$DNS" dig +short +time=1 +tries=1 @127.0.0.1 -x "$1"; }
a_is() { [ "$(dig_a "$1")" = "$2" ]; }
ptr_is() { [ "$(dig_ptr "$1")" = "$2" ]; }
gone() { [ -z "$(dig_a "$1")" ] && [ -z "$(dig_ptr "$2")" ]; }
# ncrs <server> <add|remove> <fqdn>: NCRs of that kind for that name the server queued.
ncrs() { grep -c "DHCPSRV_QUEUE_NCR $2 NameChangeRequest queued: .*\"fqdn\" *: *\"$3\"" "$TIT_TMP/$1/ncr.log"; }

# ---- 1. two clients, one per peer ---------------------------------------------------------------
for n in 1 2; do
  C="$TIT_TMP/dhclient$n"
  tit_dhclient_files "$C"
  name=$([ $n = 1 ] && echo one || echo two)
  echo "send host-name \"h-app-$name\";" >>"$C/dhclient.conf"
  tit_dhclient_start "$C" "$TIT_ID-c$n"
  DHC[$n]=$TIT_LAST_PID
done
wait_event "$TIT_TMP/dhclient1" BOUND 1 25 || fail "client one got no lease"
wait_event "$TIT_TMP/dhclient2" BOUND 1 25 || fail "client two got no lease"
IP1=$(event_var "$TIT_TMP/dhclient1/events" new_ip_address BOUND)
IP2=$(event_var "$TIT_TMP/dhclient2/events" new_ip_address BOUND)
F1=h-app-one.example.org. F2=h-app-two.example.org.
log "client one $IP1, client two $IP2"
wait_for 15 "A of client one" a_is "${F1%.}" "$IP1" || fail "no A record for client one"
wait_for 15 "A of client two" a_is "${F2%.}" "$IP2" || fail "no A record for client two"
wait_for 15 "PTR of client one" ptr_is "$IP1" "$F1" || fail "no PTR record for client one"
wait_for 15 "PTR of client two" ptr_is "$IP2" "$F2" || fail "no PTR record for client two"
check "client one's add NCR sent once, by server1 (its scope)" \
  [ "$(ncrs server1 add "$F1")/$(ncrs server2 add "$F1")" = 1/0 ]
check "client two's add NCR sent once, by server2 (its scope)" \
  [ "$(ncrs server1 add "$F2")/$(ncrs server2 add "$F2")" = 0/1 ]

# ---- 2. expiry: both peers reclaim, one removes ----------------------------------------------
tit_stop "${DHC[2]}" KILL 5
wait_for 60 "client two's records removed at expiry" gone "${F2%.}" "$IP2" || fail "client two's records outlived its lease"
held() { ha_leases "$1" | awk -v ip="$IP2" '$1 == ip && $5 == 0 { found = 1 } END { exit !found }'; }  # state 0: not reclaimed
reclaimed_both() { ! held server1 && ! held server2; }
wait_for 10 "client two's lease reclaimed on both peers" reclaimed_both || fail "the expired lease stayed"
sleep 3  # a second remove would be queued by now (reclaim every second)
check "client two's remove NCR sent once, by server2 ($(ncrs server1 remove "$F2")/$(ncrs server2 remove "$F2"))" \
  [ "$(ncrs server1 remove "$F2")/$(ncrs server2 remove "$F2")" = 0/1 ]

# ---- 3. failover -------------------------------------------------------------------------------
log "killing server1 (pid ${HA_PID[server1]})"
kill -KILL "${HA_PID[server1]}"
ha_wait_state server2 partner-down 20 || fail "server2 did not go partner-down"
# Client one's renewals go to server1 (dead); its rebind (T2) is broadcast and the survivor
# serves it.
rebound() { grep -q "DHCPACK of $IP1 from 198.18.0.2" "$TIT_TMP/dhclient1/dhclient.log"; }
wait_for 40 "client one rebinding with server2" rebound || fail "client one was not served by the survivor"
check "client one's records are still there" a_is "${F1%.}" "$IP1"
tit_stop "${DHC[1]}" TERM 5
timeout 20 ip netns exec "$TIT_ID-c1" dhclient -4 -r -cf "$TIT_TMP/dhclient1/dhclient.conf" \
  -lf "$TIT_TMP/dhclient1/dhclient.leases" -pf "$TIT_TMP/dhclient1/release.pid" -sf "$TIT_TMP/dhclient1/script" eth0 \
  >>"$TIT_TMP/dhclient1/dhclient.log" 2>&1
wait_for 15 "client one's records removed by the survivor" gone "${F1%.}" "$IP1" || fail "client one's records stayed after its release"
check "client one's remove NCR sent once, by the survivor" [ "$(ncrs server2 remove "$F1")" = 1 ]
check "kea-dhcp-ddns saw no error" bash -c "! grep -E ' ERROR ' '$D2/d2.log'"
kill -0 "${HA_PID[server2]}" || fail "server2 died"
log "PASS"
