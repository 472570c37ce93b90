#!/bin/bash
# The dashboard in a real browser: an HA pair of tandemd in namespaces (load-balancing, one
# subnet), each with an HTTP control socket behind basic auth; headless Chromium in a third
# namespace loads http://<server2>:8080/dashboard/ and dashboard_cdp.py (DevTools protocol,
# standard library only) checks that the page
#   - loads and polls without a console error, exception or failed request,
#     after one dhclient got a lease (non-zero counters),
#   - charts a non-zero ACK rate while perfdhcp runs a short bounded load (60 clients, 20/s),
#   - shows both peers with the states and the figures of status-get / statistic-get-all
#     taken by the test at the same time, and its state history,
#   - finds leases by address, MAC, client-id and hostname,
#   - shows partner-down within a few seconds after the test kills server1 (SIGKILL by PID).
# Chromium runs inside a namespace with no route out, so it cannot reach anything but the
# pair. Bounded (TIT_BUDGET); servers and Chromium killed by PID, namespaces and temp dir
# removed by lib.sh. DASHBOARD_SCREENSHOT=/path/prefix keeps two screenshots. Exit 77 = skipped.
TIT_BUDGET=${TIT_BUDGET:-150}
. "$(dirname "$0")/lib.sh"
tit_init
tit_require chromium jq socat dhclient curl perfdhcp
[ -x /usr/bin/python3 ] || skip "no /usr/bin/python3"
HERE=$(cd "$(dirname "$0")" && pwd)

tit_switch
tit_host s1 02:00:00:00:de:01 198.18.0.1/24
tit_host s2 02:00:00:00:de:02 198.18.0.2/24
tit_host c 02:00:00:00:de:03 198.18.0.100/24
NS1="$TIT_ID-s1" NS2="$TIT_ID-s2" NSC="$TIT_ID-c"

USER_NAME=op PASSWORD=dash-$$-pw
for n in server1:198.18.0.1 server2:198.18.0.2; do
  name=${n%%:*} ip=${n#*:}
  HA_POOL="198.18.0.10 - 198.18.0.250" ha_conf "$name" load-balancing - \
    server1=198.18.0.1=primary server2=198.18.0.2=secondary
  # The dashboard lives on the HTTP control socket (the HA peers talk on :8001).
  jq --arg d "$TIT_TMP/$name" --arg ip "$ip" --arg u "$USER_NAME" --arg p "$PASSWORD" '
    .Dhcp4 |= (del(."control-socket") + {"control-sockets": [
      {"socket-type": "unix", "socket-name": ($d + "/ctrl.sock")},
      {"socket-type": "http", "socket-address": $ip, "socket-port": 8080,
       "authentication": {"type": "basic", "realm": "tandem",
                          "clients": [{"user": $u, "password": $p}]}}]})' \
    "$TIT_TMP/$name/config.json" >"$TIT_TMP/$name/c.json" && mv "$TIT_TMP/$name/c.json" "$TIT_TMP/$name/config.json" ||
    fail "config $name"
done
ha_start server1 "$NS1"
ha_start server2 "$NS2"
check "server1 in load-balancing" ha_wait_state server1 load-balancing 30
check "server2 in load-balancing" ha_wait_state server2 load-balancing 30

# The page without credentials is refused, with them served (from the binary).
URL=http://198.18.0.2:8080/dashboard/
code=$(nsx "$NSC" curl -s -o /dev/null -w '%{http_code}' "$URL")
check "page needs the control socket's credentials ($code)" [ "$code" = 401 ]
nsx "$NSC" curl -sf -u "$USER_NAME:$PASSWORD" "$URL" | grep -q 'dashboard.js' || fail "page not served"

# Three leases to find, added on server2 (the page searches the store it is served by), out
# of the pool so the load below cannot hand their addresses to someone else.
for i in 1 2 3; do
  ans=$(ha_ctl server2 "{\"command\":\"lease4-add\",\"arguments\":{\"ip-address\":\"198.18.0.$((4 + i))\",
    \"hw-address\":\"02:00:00:00:aa:0$i\",\"client-id\":\"01:02:00:00:00:aa:0$i\",\"hostname\":\"dash-host-$i.example.org\",
    \"subnet-id\":1,\"valid-lft\":4000}}")
  echo "$ans" | grep -q '"result": *0' || fail "lease4-add 198.18.0.$((4 + i)): $ans"
done

# One real DHCP client, so the packet counters and the pool figures the page is compared on
# are not all zero; stopped (by PID) before the page loads so the figures hold still.
tit_dhclient_start "$TIT_TMP/dhclient" "$NSC"
dhc=$TIT_LAST_PID
check "dhclient bound" wait_event "$TIT_TMP/dhclient" BOUND 1 20
tit_stop "$dhc" TERM 5
nsx "$NSC" ip addr replace 198.18.0.100/24 dev eth0  # in case the client script flushed it
# Statistics are published by the packet loop a moment after the packets (not at once).
s2_counted() { [ "$(ha_stat server2 pkt4-received)" -gt 0 ]; }
wait_for 5 "server2 counted the client's packets" s2_counted || fail "server2 counted no packet"

TIT_DIAG+=("$TIT_TMP/chromium.log")
t0=$SECONDS
out=$(nsx "$NSC" timeout -k 5 100 /usr/bin/python3 "$HERE/dashboard_cdp.py" \
  --chromium "$(command -v chromium)" --url "$URL" --user "$USER_NAME" --password "$PASSWORD" \
  --profile "$TIT_TMP/chromium-profile" --kill-pid "${HA_PID[server1]}" \
  --lease address=198.18.0.5=198.18.0.5 --lease auto=02:00:00:00:aa:02=198.18.0.6 \
  --lease client-id=01:02:00:00:00:aa:03=198.18.0.7 --lease hostname=dash-host-1.example.org=198.18.0.5 \
  --traffic "timeout 20 perfdhcp -4 -l eth0 -R 60 -n 60 -r 20 -p 5" \
  ${DASHBOARD_SCREENSHOT:+--screenshot "$DASHBOARD_SCREENSHOT"})
rc=$?
log "dashboard_cdp.py: $out (exit $rc, $((SECONDS - t0)) s)"
[ "$rc" = 0 ] || fail "dashboard checks failed"
kill -0 "${HA_PID[server1]}" 2>/dev/null && fail "server1 still running after the kill"
check "server2 in partner-down" ha_wait_state server2 partner-down 5
log "PASS"
