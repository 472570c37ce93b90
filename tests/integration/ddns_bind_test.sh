#!/bin/bash
# DDNS end to end: the server (dhcp-ddns enable-updates true) sends NameChangeRequests to a
# real kea-dhcp-ddns, which updates a real BIND 9 named. An ISC dhclient sending a host name
# (option 12) and one sending a Client FQDN (option 81) get leases; their A and PTR records
# appear in named (dig), with the lease's hostname, fqdn_fwd and fqdn_rev in the CSV; when the
# clients release their leases the records go. named and kea-dhcp-ddns run in the server's
# namespace on 127.0.0.1 only. Packages: kea-dhcp-ddns-server, bind9, bind9-dnsutils.
. "$(dirname "$0")/lib.sh"
tit_init
tit_require dhclient socat
command -v named >/dev/null || skip "named not installed (Debian package bind9)"
command -v dig >/dev/null || skip "dig not installed (Debian package bind9-dnsutils)"
command -v kea-dhcp-ddns >/dev/null || skip "kea-dhcp-ddns not installed (Debian package kea-dhcp-ddns-server)"
tit_server_bin

tit_switch
tit_host srv 02:00:c6:12:00:01 198.18.0.1/24
tit_host cl1 02:00:c6:12:00:65
tit_host cl2 02:00:c6:12:00:66
SRV="$TIT_ID-srv"

# ---- BIND 9: example.org and 0.18.198.in-addr.arpa, updates allowed from 127.0.0.1 -------------
NS="$TIT_TMP/named"
mkdir -p "$NS"
for z in example.org 0.18.198.in-addr.arpa; do
  cat >"$NS/$z.zone" <<EOF
\$TTL 300
@ IN SOA ns.example.org. admin.example.org. ( 1 3600 600 86400 300 )
@ IN NS ns.example.org.
EOF
done
echo "ns IN A 127.0.0.1" >>"$NS/example.org.zone"
cat >"$NS/named.conf" <<EOF
options {
  directory "$NS";
  pid-file "$NS/named.pid";
  listen-on port 53 { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  allow-query { 127.0.0.1; };
};
controls { };
zone "example.org" { type primary; file "$NS/example.org.zone"; allow-update { 127.0.0.1; }; };
zone "0.18.198.in-addr.arpa" { type primary; file "$NS/0.18.198.in-addr.arpa.zone"; allow-update { 127.0.0.1; }; };
EOF
TIT_DIAG+=("$NS/named.log")
tit_bg "$NS/named.log" ip netns exec "$SRV" named -g -u root -c "$NS/named.conf"
dns_up() { ip netns exec "$SRV" dig +short +time=1 +tries=1 @127.0.0.1 ns.example.org A | grep -q 127.0.0.1; }
wait_for 15 "named answering" dns_up || fail "named did not start"

# ---- kea-dhcp-ddns: NCRs on 127.0.0.1:53001, updates to named ------------------------------
D2="$TIT_TMP/d2"
mkdir -p "$D2"
cat >"$D2/kea-dhcp-ddns.conf" <<EOF
{ "DhcpDdns": {
    "ip-address": "127.0.0.1", "port": 53001, "dns-server-timeout": 1000,
    "forward-ddns": { "ddns-domains": [ { "name": "example.org.",
        "dns-servers": [ { "ip-address": "127.0.0.1", "port": 53 } ] } ] },
    "reverse-ddns": { "ddns-domains": [ { "name": "0.18.198.in-addr.arpa.",
        "dns-servers": [ { "ip-address": "127.0.0.1", "port": 53 } ] } ] },
    "loggers": [ { "name": "kea-dhcp-ddns", "output_options": [ { "output": "stdout" } ],
                   "severity": "DEBUG", "debuglevel": 40 } ] } }
EOF
TIT_DIAG+=("$D2/d2.log")
( cd "$D2" && KEA_PIDFILE_DIR="$D2" KEA_LOCKFILE_DIR="$D2" \
    exec ip netns exec "$SRV" kea-dhcp-ddns -c kea-dhcp-ddns.conf >>"$D2/d2.log" 2>&1 ) &
TIT_PIDS+=($!)
d2_up() { ip netns exec "$SRV" ss -Hlun 'sport = :53001' | grep -q 127.0.0.1; }
wait_for 15 "kea-dhcp-ddns listening" d2_up || fail "kea-dhcp-ddns did not start"

# ---- the DHCP server ----------------------------------------------------------------------------
cat >"$TIT_TMP/dhcp4.json" <<'EOF'
{
  "Dhcp4": {
    "interfaces-config": { "interfaces": [ "eth0" ], "dhcp-socket-type": "raw" },
    "lease-database": { "type": "memfile", "persist": true, "name": "leases4.csv", "lfc-interval": 0 },
    "valid-lifetime": 600,
    "dhcp-ddns": { "enable-updates": true, "server-ip": "127.0.0.1", "server-port": 53001 },
    "ddns-qualifying-suffix": "example.org",
    "control-socket": { "socket-type": "unix", "socket-name": "CTRL_SOCK" },
    "subnet4": [ { "id": 1, "subnet": "198.18.0.0/24", "pools": [ { "pool": "198.18.0.100 - 198.18.0.150" } ] } ],
    "loggers": [ { "name": "kea-dhcp4", "output_options": [ { "output": "stdout" } ], "severity": "INFO" } ]
  }
}
EOF
sed -i "s|CTRL_SOCK|$TIT_TMP/ctrl.sock|" "$TIT_TMP/dhcp4.json"
tit_server_start srv "$SRV" "$TIT_TMP/dhcp4.json"
ctl() { printf '%s' "$1" | timeout 10 socat -t 8 - "UNIX-CONNECT:$TIT_TMP/ctrl.sock"; }
CSV="$TIT_SERVER_DIR/leases4.csv"

dig_a() { ip netns exec "$SRV" dig +short +time=1 +tries=1 @127.0.0.1 "$1" A; }
dig_ptr() { ip netns exec "$SRV" dig +short +time=1 +tries=1 @127.0.0.1 -x "$1"; }

# Client 1: option 12 "tit-one" (dhclient's send host-name); the server updates both records.
C1="$TIT_TMP/dhclient1"
tit_dhclient_files "$C1"
echo 'send host-name "tit-one";' >>"$C1/dhclient.conf"
tit_dhclient_start "$C1" "$TIT_ID-cl1"
DHC1=$TIT_LAST_PID
# Client 2: option 81, name "tit-two.example.org." in wire form, S set (RFC 4702 3.3: the
# server updates A).
C2="$TIT_TMP/dhclient2"
tit_dhclient_files "$C2"
cat >>"$C2/dhclient.conf" <<'EOF'
send fqdn.fqdn "tit-two.example.org.";
send fqdn.encoded on;
send fqdn.server-update on;
EOF
tit_dhclient_start "$C2" "$TIT_ID-cl2"
DHC2=$TIT_LAST_PID

wait_event "$C1" BOUND 1 25 || fail "client 1 got no lease"
wait_event "$C2" BOUND 1 25 || fail "client 2 got no lease"
IP1=$(event_var "$C1/events" new_ip_address BOUND)
IP2=$(event_var "$C2/events" new_ip_address BOUND)
log "client 1 bound $IP1, client 2 bound $IP2"
check "client 1 told its qualified name (option 12)" \
  [ "$(event_var "$C1/events" new_host_name BOUND)" = tit-one.example.org ]

a_is() { [ "$(dig_a "$1")" = "$2" ]; }
ptr_is() { [ "$(dig_ptr "$1")" = "$2" ]; }
wait_for 15 "A tit-one.example.org -> $IP1" a_is tit-one.example.org "$IP1" || fail "no A record for client 1"
wait_for 15 "PTR $IP1 -> tit-one.example.org." ptr_is "$IP1" tit-one.example.org. || fail "no PTR record for client 1"
wait_for 15 "A tit-two.example.org -> $IP2" a_is tit-two.example.org "$IP2" || fail "no A record for client 2"
wait_for 15 "PTR $IP2 -> tit-two.example.org." ptr_is "$IP2" tit-two.example.org. || fail "no PTR record for client 2"

# The lease file as Kea writes it: hostname, fqdn_fwd, fqdn_rev (1 = update done by the server).
REC1=$(lease_record "$CSV" "$IP1")
REC2=$(lease_record "$CSV" "$IP2")
log "lease lines: $REC1 / $REC2"
check "client 1 lease: fqdn_fwd 1, fqdn_rev 1, hostname tit-one.example.org" \
  [ "$(echo "$REC1" | cut -d, -f7-9)" = "1,1,tit-one.example.org" ]
check "client 2 lease: fqdn_fwd 1, fqdn_rev 1, hostname tit-two.example.org." \
  [ "$(echo "$REC2" | cut -d, -f7-9)" = "1,1,tit-two.example.org." ]

# Release both: the records are removed.
tit_stop "$DHC1" TERM 5
tit_stop "$DHC2" TERM 5
ip netns exec "$TIT_ID-cl1" dhclient -4 -r -cf "$C1/dhclient.conf" -lf "$C1/dhclient.leases" \
  -pf "$C1/dhclient.pid" -sf "$C1/script" eth0 >>"$C1/dhclient.log" 2>&1
ip netns exec "$TIT_ID-cl2" dhclient -4 -r -cf "$C2/dhclient.conf" -lf "$C2/dhclient.leases" \
  -pf "$C2/dhclient.pid" -sf "$C2/script" eth0 >>"$C2/dhclient.log" 2>&1
gone() { [ -z "$(dig_a "$1")" ] && [ -z "$(dig_ptr "$2")" ]; }
wait_for 15 "records of client 1 removed" gone tit-one.example.org "$IP1" || fail "client 1's records stayed"
wait_for 15 "records of client 2 removed" gone tit-two.example.org "$IP2" || fail "client 2's records stayed"
log "ok: both clients' A and PTR records removed on release"
# Operator commands (Kea's lease_cmds): lease4-add leaves DNS alone, lease4-resend-ddns adds
# the lease's records, lease4-del with update-ddns removes them.
IP3=198.18.0.149
ANS=$(ctl '{"command":"lease4-add","arguments":{"ip-address":"'$IP3'","hw-address":"02:00:00:00:00:33","hostname":"tit-three.example.org.","fqdn-fwd":true,"fqdn-rev":true}}')
check "lease4-add of a named lease: $ANS" sh -c "echo '$ANS' | grep -q '\"result\": *0'"
sleep 1
check "lease4-add sends no update" [ -z "$(dig_a tit-three.example.org)" ]
ANS=$(ctl '{"command":"lease4-resend-ddns","arguments":{"ip-address":"'$IP3'"}}')
check "lease4-resend-ddns answers as Kea: $ANS" \
  sh -c "echo '$ANS' | grep -q 'NCR generated for: $IP3, hostname: tit-three.example.org.'"
wait_for 15 "A tit-three.example.org -> $IP3" a_is tit-three.example.org "$IP3" || fail "lease4-resend-ddns added no A record"
wait_for 15 "PTR $IP3 -> tit-three.example.org." ptr_is "$IP3" tit-three.example.org. || fail "lease4-resend-ddns added no PTR record"
ANS=$(ctl '{"command":"lease4-del","arguments":{"ip-address":"'$IP3'","update-ddns":true}}')
check "lease4-del with update-ddns: $ANS" sh -c "echo '$ANS' | grep -q 'IPv4 lease deleted.'"
wait_for 15 "records of the deleted lease removed" gone tit-three.example.org "$IP3" || fail "lease4-del update-ddns left the records"
log "ok: lease4-resend-ddns and lease4-del update-ddns drive kea-dhcp-ddns"
check "kea-dhcp-ddns saw no error" sh -c "! grep -E 'ERROR' '$D2/d2.log'"
log "PASS"
