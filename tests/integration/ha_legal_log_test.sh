#!/bin/bash
# The forensic log (legal_log hook) in a load-balancing pair: each peer logs what it served,
# the lease changes its partner applied, and the lease commands an operator ran, in Kea's texts.
#  1. a tandemd pair over mutual TLS, each with the libdhcp_legal_log.so entry;
#  2. 40 perfdhcp clients (DORA, relayed: perfdhcp sets giaddr) and two dhclients; one dhclient releases its lease;
#  3. on server1 an operator adds, updates and deletes a lease (lease4-add/-update/-del);
#  4. then in each peer's file <base-name>.CCYYMMDD.txt:
#     - "Address: X has been assigned for ..." exactly once per DHCPACK the peer sent (its
#       DHCP4_LEASE_ALLOC log lines), and "has been released from" for the release it got;
#     - "HA partner updated information on the lease of address: X ..." once per lease the
#       partner assigned, "HA partner deleted the lease for address: X" for the partner's
#       release (Kea's hook writes "HA partner" for updates marked "origin": "ha-partner", as
#       Kea's HA sends them since 2.4 and tandemd's peer listener marks Kea 2.2's);
#     - on server1 "Administrator added a lease of address: ...", "Administrator updated
#       information on the lease of address: ...", "Administrator deleted the lease for
#       address: ..."; on server2 the same changes as "HA partner ..." lines;
#     - no other line, and every address the pair holds at the end is in both files.
# Namespaces h-app-<pid>-*, addresses 198.18.0.0/24. Exit 77 = skipped.
TIT_BUDGET=${TIT_BUDGET:-150}
. "$(dirname "$0")/lib.sh"
TIT_ID="h-app-$$"
tit_init
tit_require perfdhcp socat jq python3 openssl dhclient
tit_server_bin
[ "$TIT_SERVER_KIND" = tandemd ] || skip "the forensic log hook is built into tandemd only"
export TANDEMD=$TIT_SERVER

tit_switch
tit_host s1 02:00:c6:12:6c:01 198.18.0.1/24
tit_host s2 02:00:c6:12:6c:02 198.18.0.2/24
tit_host c 02:00:c6:12:6c:64 198.18.0.100/24
tit_host d1 02:00:c6:12:6c:a1
tit_host d2 02:00:c6:12:6c:a2
S1="$TIT_ID-s1" S2="$TIT_ID-s2" C="$TIT_ID-c"
ha_certs "$TIT_TMP/certs" server1=198.18.0.1 server2=198.18.0.2

for name in server1 server2; do
  HA_POOL="198.18.0.10 - 198.18.0.200" ha_conf "$name" load-balancing "$TIT_TMP/certs" \
    server1=198.18.0.1=primary server2=198.18.0.2=secondary
  mkdir -p "$TIT_TMP/$name/legal"
  jq --arg p "$TIT_TMP/$name/legal" '.Dhcp4["hooks-libraries"] += [{
      "library": "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_legal_log.so",
      "parameters": {"path": $p, "base-name": "kea-legal4"}}]' \
    "$TIT_TMP/$name/config.json" >"$TIT_TMP/$name/c.json" && mv "$TIT_TMP/$name/c.json" "$TIT_TMP/$name/config.json"
done
"$TANDEMD" -t "$TIT_TMP/server1/config.json" >/dev/null 2>&1 || fail "tandemd -t rejects the config"
ha_start server1 "$S1"
ha_start server2 "$S2"
ha_wait_state server1 load-balancing 30 || fail "server1 not in load-balancing"
ha_wait_state server2 load-balancing 30 || fail "server2 not in load-balancing"
log "ok: pair in load-balancing"

# ---- 2. clients ---------------------------------------------------------------------------------
nsx "$C" timeout 30 perfdhcp -4 -l eth0 -r 20 -n 40 -R 40 -p 10 -W 1000000 >"$TIT_TMP/perfdhcp.log" 2>&1
grep -q 'sent packets: 40' "$TIT_TMP/perfdhcp.log" || fail "perfdhcp: $(tr '\n' ' ' <"$TIT_TMP/perfdhcp.log" | head -c 400)"
declare -a DHC=()
for d in d1 d2; do
  tit_dhclient_start "$TIT_TMP/$d" "$TIT_ID-$d"
  DHC[${d#d}]=$TIT_LAST_PID
done
for d in d1 d2; do wait_event "$TIT_TMP/$d" BOUND 1 25 || fail "dhclient $d got no lease"; done
IP1=$(event_var "$TIT_TMP/d1/events" new_ip_address BOUND)
IP2=$(event_var "$TIT_TMP/d2/events" new_ip_address BOUND)
log "dhclients bound $IP1 and $IP2"
tit_stop "${DHC[1]}" TERM 5
timeout 20 ip netns exec "$TIT_ID-d1" dhclient -4 -r -v -cf "$TIT_TMP/d1/dhclient.conf" -lf "$TIT_TMP/d1/dhclient.leases" \
  -pf "$TIT_TMP/d1/release.pid" -sf "$TIT_TMP/d1/script" eth0 >>"$TIT_TMP/d1/dhclient.log" 2>&1 || fail "dhclient -r failed"
released_everywhere() { ! ha_leases server1 | grep -q "^$IP1 " && ! ha_leases server2 | grep -q "^$IP1 "; }
wait_for 10 "the release on both peers" released_everywhere || fail "$IP1 still leased after the release"

# ---- 3. operator commands on server1 ------------------------------------------------------------
A=198.18.0.230
ans() { ha_ctl server1 "$1" | jq -r '.result'; }
check "lease4-add" [ "$(ans '{"command":"lease4-add","arguments":{"ip-address":"'$A'","hw-address":"1a:1b:1c:1d:1e:1f","client-id":"686f776479","valid-lft":86400}}')" = 0 ]
check "lease4-add again fails (not logged)" [ "$(ans '{"command":"lease4-add","arguments":{"ip-address":"'$A'","hw-address":"1a:1b:1c:1d:1e:1f"}}')" = 1 ]
on2() { ha_leases server2 | grep -q "^$A 1a:1b:1c:1d:1e:1f "; }
wait_for 10 "the added lease on server2" on2 || fail "lease4-add did not reach server2"
check "lease4-update" [ "$(ans '{"command":"lease4-update","arguments":{"ip-address":"'$A'","hw-address":"1a:1b:1c:1d:1e:20","valid-lft":7200,"comment":"lab box"}}')" = 0 ]
on2u() { ha_leases server2 | grep -q "^$A 1a:1b:1c:1d:1e:20 "; }
wait_for 10 "the updated lease on server2" on2u || fail "lease4-update did not reach server2"
check "lease4-del" [ "$(ans '{"command":"lease4-del","arguments":{"ip-address":"'$A'"}}')" = 0 ]
check "lease4-del of a missing lease answers 3 (not logged)" [ "$(ans '{"command":"lease4-del","arguments":{"ip-address":"198.18.0.231"}}')" = 3 ]
gone2() { ! ha_leases server2 | grep -q "^$A "; }
wait_for 10 "the delete on server2" gone2 || fail "lease4-del did not reach server2"

# ---- 4. the forensic files ----------------------------------------------------------------------
F1="$TIT_TMP/server1/legal/kea-legal4.$(date +%Y%m%d).txt"
F2="$TIT_TMP/server2/legal/kea-legal4.$(date +%Y%m%d).txt"
has_del() { grep -q "deleted the lease for address: $A\$" "$F1" && grep -q "deleted the lease for address: $A\$" "$F2"; }
wait_for 10 "the last lines" has_del || fail "no delete line for $A ($(ls "$TIT_TMP"/server*/legal))"
sleep 0.5  # the writer threads write in batches: let the last ones land
TS='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [A-Za-z0-9+-]+'
allocs() { grep -o 'DHCP4_LEASE_ALLOC .*: lease [0-9.]* has been allocated' "$TIT_TMP/$1/server.log" |
           grep -o 'lease [0-9.]* has' | cut -d' ' -f2 | sort; }
assigned() { grep -oE "^$TS Address: [0-9.]+ has been assigned for 1 hrs 6 mins 40 secs to a device with hardware address: hwtype=1 [0-9a-f:]+(, client-id: [0-9a-f:]+)?( connected via relay at address: [0-9.]+)?\$" "$1" |
             grep -oE 'Address: [0-9.]+' | cut -d' ' -f2 | sort; }
partner_updated() { grep -oE "^$TS HA partner updated information on the lease of address: [0-9.]+ to a device with hardware address: [0-9a-f:]+(, client-id: [0-9a-f:]+)? for 1 hrs 6 mins 40 secs\$" "$1" |
                    grep -oE 'address: [0-9.]+ to' | cut -d' ' -f2 | sort; }
for s in server1 server2; do allocs $s >"$TIT_TMP/$s.alloc"; done
for f in 1 2; do
  F=$(eval echo "\$F$f")
  assigned "$F" >"$TIT_TMP/assigned$f"
  partner_updated "$F" >"$TIT_TMP/partner$f"
done
n1=$(wc -l <"$TIT_TMP/server1.alloc") n2=$(wc -l <"$TIT_TMP/server2.alloc")
log "DHCPACKs: server1 $n1, server2 $n2; lines: $(wc -l <"$F1") and $(wc -l <"$F2")"
# perfdhcp may lose an exchange on a loaded machine: the checks below compare the logs.
check "DHCPACKs for the clients ($((n1 + n2)) of 42)" [ $((n1 + n2)) -ge 32 ]
both_served() { [ "$n1" -gt 0 ] && [ "$n2" -gt 0 ]; }
check "both peers served" both_served
check "server1: one assignment line per DHCPACK it sent" cmp -s "$TIT_TMP/server1.alloc" "$TIT_TMP/assigned1"
check "server2: one assignment line per DHCPACK it sent" cmp -s "$TIT_TMP/server2.alloc" "$TIT_TMP/assigned2"
# A client that asked twice (perfdhcp picks among 40 MACs at random) may reach the partner as one
# update when both fall in one batch: compare the addresses.
same_set() { cmp -s <(sort -u "$1") <(sort -u "$2"); }
check "server1: a partner line per lease server2 assigned" same_set "$TIT_TMP/server2.alloc" "$TIT_TMP/partner1"
check "server2: a partner line per lease server1 assigned" same_set "$TIT_TMP/server1.alloc" "$TIT_TMP/partner2"

# The release: a release line where it was served, a partner delete line on the other peer.
if grep -qx "$IP1" "$TIT_TMP/server1.alloc"; then RF=$F1 PF=$F2; else RF=$F2 PF=$F1; fi
REL="^$TS Address: $IP1 has been released from a device with hardware address: hwtype=1 02:00:c6:12:6c:a1\$"
check "the release logged by the peer that served it" [ "$(grep -cE "$REL" "$RF")" = 1 ]
check "the release logged as the partner's delete by the other" [ "$(grep -cE "^$TS HA partner deleted the lease for address: $IP1\$" "$PF")" = 1 ]

ADM="^$TS Administrator "
check "server1: the operator's add" [ "$(grep -cE "${ADM}added a lease of address: $A to a device with hardware address: 1a:1b:1c:1d:1e:1f, client-id: 686f776479 \(howdy\) for 1 days 0 hrs 0 mins 0 secs\$" "$F1")" = 1 ]
check "server1: the operator's update" [ "$(grep -cE "${ADM}updated information on the lease of address: $A to a device with hardware address: 1a:1b:1c:1d:1e:20 for 2 hrs 0 mins 0 secs, context: \{ \"comment\": \"lab box\" \}\$" "$F1")" = 1 ]
check "server1: the operator's delete" [ "$(grep -cE "${ADM}deleted the lease for address: $A\$" "$F1")" = 1 ]
check "server2: the replicated changes as the partner's" \
  [ "$(grep -cE "^$TS HA partner (updated information on the lease of address: $A to a device|deleted the lease for address: $A\$)" "$F2")" = 3 ]
check "server2: no operator line" [ "$(grep -c Administrator "$F2")" = 0 ]

# Nothing else: every line is one of the above.
for f in 1 2; do
  F=$(eval echo "\$F$f")
  n=$(wc -l <"$F")
  expected=$(($(wc -l <"$TIT_TMP/assigned$f") + $(wc -l <"$TIT_TMP/partner$f") + 1 + 3))
  check "server$f: $n lines, as counted ($expected)" [ "$n" = "$expected" ]
done
# Every lease the pair holds at the end was logged as assigned on one peer and as the
# partner's on the other.
ha_leases server1 | awk '{print $1}' | sort >"$TIT_TMP/held"
missing=$(sort -u "$TIT_TMP/assigned1" "$TIT_TMP/assigned2" | comm -23 "$TIT_TMP/held" -)
check "every held lease has its assignment line (missing: ${missing:-none})" [ -z "$missing" ]
for s in server1 server2; do kill -0 "${HA_PID[$s]}" || fail "$s died"; done
log "PASS"
