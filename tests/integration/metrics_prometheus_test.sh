#!/bin/bash
# GET /metrics on the HTTP control socket of a running HA pair, scraped by a real Prometheus:
#  1. two tandemd peers in load-balancing, each with an http control socket behind basic auth;
#     perfdhcp runs DORA exchanges against them;
#  2. /metrics answers 401 without the credentials, Prometheus text 0.0.4 with them, and
#     `promtool check metrics` finds nothing wrong but kea-exporter's own choice (its families
#     are gauges named *_total, which promtool's linter remarks on);
#  3. kea-exporter's names and labels are there (packets, addresses per subnet and per pool),
#     with tandemd's HA gauges (both peers' state as a label) and latency histograms;
#  4. Prometheus (Debian's package) scrapes both peers every second with the same basic auth;
#     its HTTP API (/api/v1/query) answers the values statistic-get answers, and both peers'
#     HA state.
# Everything runs in namespaces made here (198.18.0.0/24); Prometheus listens on the client
# namespace's loopback, is started and stopped by PID, and its data dir is removed.
. "$(dirname "$0")/lib.sh"
TIT_BUDGET=${TIT_BUDGET:-200}
tit_init
tit_require jq socat curl perfdhcp promtool prometheus python3
tit_server_bin
[ "$TIT_SERVER_KIND" = tandemd ] || skip "tandemd only (kea-dhcp4 has no /metrics)"
export TANDEMD=$TIT_SERVER

tit_switch
tit_host s1 02:00:c6:12:6d:01 198.18.0.1/24
tit_host s2 02:00:c6:12:6d:02 198.18.0.2/24
tit_host c 02:00:c6:12:6d:64 198.18.0.100/24
S1="$TIT_ID-s1" S2="$TIT_ID-s2" C="$TIT_ID-c"
PORT=8080 USER=prom PASS='s3cret"\pw'
declare -A HA_PID=()

# Kea-format HA configs (lib.sh), with a unix and an http control socket (basic auth).
for spec in server1=198.18.0.1 server2=198.18.0.2; do
  name=${spec%=*} ip=${spec#*=}
  HA_POOL="198.18.0.10 - 198.18.0.250" ha_conf "$name" load-balancing - \
    server1=198.18.0.1=primary server2=198.18.0.2=secondary
  python3 - "$TIT_TMP/$name/config.json" "$ip" "$PORT" "$USER" "$PASS" <<'PY' || fail "patch config"
import json, sys
path, ip, port, user, pw = sys.argv[1:]
cfg = json.load(open(path))
d = cfg["Dhcp4"]
unix = d.pop("control-socket")
d["control-sockets"] = [unix, {"socket-type": "http", "socket-address": ip, "socket-port": int(port),
                               "authentication": {"type": "basic", "realm": "tandem",
                                                  "clients": [{"user": user, "password": pw}]}}]
# A second pool: per-pool labels (Kea's config-get form of a CIDR-aligned pool is a prefix).
d["subnet4"][0]["pools"].append({"pool": "198.18.0.0/29"})
json.dump(cfg, open(path, "w"), indent=1)
PY
done
"$TANDEMD" -t "$TIT_TMP/server1/config.json" >/dev/null 2>&1 || fail "tandemd -t rejects the config"
ha_start server1 "$S1"
ha_start server2 "$S2"
ha_wait_state server1 load-balancing 30 || fail "server1 not in load-balancing"
ha_wait_state server2 load-balancing 30 || fail "server2 not in load-balancing"
log "ok: pair in load-balancing"

# DORA exchanges from the client namespace (perfdhcp sends option 61 = 01+MAC; both peers serve).
nsx "$C" timeout 30 perfdhcp -4 -l eth0 -r 20 -n 40 -R 40 -p 10 -W 1000000 >"$TIT_TMP/perfdhcp.log" 2>&1
grep -q 'sent packets: 40' "$TIT_TMP/perfdhcp.log" || fail "perfdhcp: $(tr '\n' ' ' <"$TIT_TMP/perfdhcp.log" | head -c 400)"
ok_acks() { [ "$(ha_stat server1 pkt4-ack-sent)" -gt 0 ] && [ "$(ha_stat server2 pkt4-ack-sent)" -gt 0 ]; }
wait_for 10 "both peers acknowledged some requests" ok_acks || fail "a peer sent no DHCPACK"

url() { echo "http://$1:$PORT/metrics"; }
scrape() { nsx "$C" curl -sS --max-time 5 -u "$USER:$PASS" -D "$TIT_TMP/headers.$2" -o "$TIT_TMP/metrics.$2" "$(url "$1")"; }

# ---- 2. auth, content type, promtool ---------------------------------------------------------
code=$(nsx "$C" curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$(url 198.18.0.1)")
check "/metrics without credentials: 401 (got $code)" [ "$code" = 401 ]
code=$(nsx "$C" curl -s --max-time 5 -o /dev/null -w '%{http_code}' -u "$USER:wrong" "$(url 198.18.0.1)")
check "/metrics with a wrong password: 401 (got $code)" [ "$code" = 401 ]
scrape 198.18.0.1 s1 || fail "scrape server1"
scrape 198.18.0.2 s2 || fail "scrape server2"
check "Content-Type is Prometheus text 0.0.4" grep -qi '^content-type: text/plain; version=0.0.4' "$TIT_TMP/headers.s1"
for s in s1 s2; do
  promtool check metrics <"$TIT_TMP/metrics.$s" >"$TIT_TMP/promtool.$s" 2>&1
  rc=$?
  # kea-exporter declares every family a gauge, *_total names included, and Grafana dashboards
  # query those names: that one remark of the linter, on kea_dhcp4_* only, is expected.
  grep -v '^kea_dhcp4_[a-z_]*_total non-counter metrics should not have "_total" suffix$' "$TIT_TMP/promtool.$s" \
    >"$TIT_TMP/promtool.$s.other"
  check "promtool check metrics ($s): no problem besides kea-exporter's gauge names (rc $rc: $(head -c 400 "$TIT_TMP/promtool.$s.other"))" \
    [ ! -s "$TIT_TMP/promtool.$s.other" ]
  check "promtool did read the metrics ($s)" [ "$rc" = 0 -o "$rc" = 3 ]
done

# ---- 3. names and labels ---------------------------------------------------------------------
has() { grep -qF -- "$2" "$TIT_TMP/metrics.$1" || { log "missing in $1: $2"; return 1; }; }
value() {  # value <s1|s2> <exact series> -> value
  awk -v s="$2" 'index($0, s " ") == 1 { print $NF }' "$TIT_TMP/metrics.$1"
}
check "HELP/TYPE once per family" [ "$(grep -c '^# TYPE ' "$TIT_TMP/metrics.s1")" = "$(grep '^# TYPE ' "$TIT_TMP/metrics.s1" | sort -u | wc -l)" ]
check "kea-exporter packet families" has s1 '# TYPE kea_dhcp4_packets_received_total gauge'
check "discover counter" has s1 'kea_dhcp4_packets_received_total{operation="discover"} '
check "ack counter" has s1 'kea_dhcp4_packets_sent_total{operation="ack"} '
check "per-subnet addresses" has s1 'kea_dhcp4_addresses_total{subnet="198.18.0.0/24",subnet_id="1",pool=""} 249'
check "per-pool addresses (range)" has s1 'kea_dhcp4_addresses_total{subnet="198.18.0.0/24",subnet_id="1",pool="198.18.0.10-198.18.0.250"} 241'
check "per-pool addresses (prefix)" has s1 'kea_dhcp4_addresses_total{subnet="198.18.0.0/24",subnet_id="1",pool="198.18.0.0/29"} '
check "assigned per subnet" has s1 'kea_dhcp4_addresses_assigned_total{subnet="198.18.0.0/24",subnet_id="1",pool=""} '
check "HA state, local" has s1 'tandem_ha_state{peer="local",server="server1",role="primary",state="load-balancing"} 1'
check "HA state, partner" has s1 'tandem_ha_state{peer="partner",server="server2",role="secondary",state="load-balancing"} 1'
check "HA state, other states 0" has s1 'tandem_ha_state{peer="local",server="server1",role="primary",state="partner-down"} 0'
check "HA state on server2" has s2 'tandem_ha_state{peer="local",server="server2",role="secondary",state="load-balancing"} 1'
n=$(value s1 'tandem_dhcp4_packet_processing_seconds_count')
check "packet processing histogram counted the packets ($n)" [ "${n:-0}" -gt 0 ]
n1=$(value s1 'tandem_ha_lease_update_duration_seconds_count') n2=$(value s2 'tandem_ha_lease_update_duration_seconds_count')
check "lease update round trips observed ($n1 + $n2)" [ $(( ${n1:-0} + ${n2:-0} )) -gt 0 ]
check "time in state" has s1 'tandem_ha_state_duration_seconds{server="server1"} '
check "updates in flight" has s1 'tandem_ha_lease_updates_in_flight 0'
check "backlog" has s1 'tandem_ha_backlog_size 0'
check "sync progress" has s1 'tandem_ha_sync_in_progress 0'
lease_total=$(value s1 tandem_leases)
check "lease count ($lease_total)" [ "${lease_total:-0}" -gt 0 ]

# ---- 4. a real Prometheus ----------------------------------------------------------------------
P="$TIT_TMP/prom"
mkdir -p "$P/data"
printf '%s' "$PASS" >"$P/password"
cat >"$P/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: tandem
    basic_auth:
      username: $USER
      password_file: $P/password
    static_configs:
      - targets: ['198.18.0.1:$PORT', '198.18.0.2:$PORT']
YML
promtool check config "$P/prometheus.yml" >"$P/check.log" 2>&1 || fail "promtool check config: $(cat "$P/check.log")"
PROM=127.0.0.1:9090
TIT_DIAG+=("$P/prometheus.log")
tit_bg "$P/prometheus.log" ip netns exec "$C" prometheus --config.file="$P/prometheus.yml" \
  --storage.tsdb.path="$P/data" --storage.tsdb.retention.time=1h --web.listen-address="$PROM"
PROM_PID=$TIT_LAST_PID
query() {  # query <promql> -> JSON result vector
  nsx "$C" curl -sS --max-time 3 -G "http://$PROM/api/v1/query" --data-urlencode "query=$1" |
    jq -c 'select(.status == "success") | .data.result'
}
qvalue() {  # qvalue <promql> -> the single value, or nothing
  query "$1" | jq -r 'if length == 1 then .[0].value[1] else empty end' 2>/dev/null
}
both_up() { [ "$(query 'sum(up{job="tandem"})' | jq -r '.[0].value[1]' 2>/dev/null)" = 2 ]; }
wait_for 40 "Prometheus scrapes both peers" both_up || fail "Prometheus: targets not up: $(query up)"
log "ok: Prometheus scrapes both peers"

# Each statistic-get answer is what Prometheus stored from the last scrape (polled: the first
# scrapes may predate the last counter publication).
declare -A IP=([server1]=198.18.0.1 [server2]=198.18.0.2)
same() {  # same <server> <statistic> <promql selector without instance>
  local want got sel
  want=$(ha_stat "$1" "$2")
  sel="${3%\}},instance=\"${IP[$1]}:$PORT\"}"
  got=$(qvalue "$sel")
  [ "$want" != -1 ] && [ "$got" = "$want" ] || { LAST="$1 $2: statistic-get $want, Prometheus $got ($sel)"; return 1; }
}
for s in server1 server2; do
  for pair in \
    'pkt4-discover-received|kea_dhcp4_packets_received_total{operation="discover"}' \
    'pkt4-request-received|kea_dhcp4_packets_received_total{operation="request"}' \
    'pkt4-ack-sent|kea_dhcp4_packets_sent_total{operation="ack"}' \
    'pkt4-offer-sent|kea_dhcp4_packets_sent_total{operation="offer"}' \
    'pkt4-receive-drop|kea_dhcp4_packets_received_total{operation="drop"}' \
    'subnet[1].total-addresses|kea_dhcp4_addresses_total{subnet_id="1",pool=""}' \
    'subnet[1].assigned-addresses|kea_dhcp4_addresses_assigned_total{subnet_id="1",pool=""}' \
    'subnet[1].pool[0].assigned-addresses|kea_dhcp4_addresses_assigned_total{pool="198.18.0.10-198.18.0.250"}' \
    'subnet[1].cumulative-assigned-addresses|tandem_kea_statistic{statistic="subnet[1].cumulative-assigned-addresses"}' \
    'pkt4-not-for-us|tandem_dhcp4_packets_dropped_total{reason="not-for-us"}'; do
    LAST=""
    wait_for 10 "$s ${pair%%|*}" same "$s" "${pair%%|*}" "${pair#*|}" || fail "values differ: $LAST"
    log "ok: $s ${pair%%|*} = $(ha_stat "$s" "${pair%%|*}") in Prometheus"
  done
done
acks=$(qvalue 'sum(kea_dhcp4_packets_sent_total{operation="ack"})')
check "DHCPACKs of the pair in Prometheus ($acks)" [ "${acks:-0}" -gt 0 ]
for s in server1 server2; do
  v=$(qvalue "tandem_ha_state{instance=\"${IP[$s]}:$PORT\",peer=\"local\",state=\"load-balancing\"}")
  check "Prometheus: $s in load-balancing ($v)" [ "$v" = 1 ]
  v=$(qvalue "tandem_ha_state{instance=\"${IP[$s]}:$PORT\",peer=\"partner\",state=\"load-balancing\"}")
  check "Prometheus: $s sees its partner in load-balancing ($v)" [ "$v" = 1 ]
done
v=$(qvalue 'sum(tandem_dhcp4_packet_processing_seconds_count)')
check "Prometheus: processing histogram ($v)" [ "${v:-0}" -gt 0 ]
v=$(query 'histogram_quantile(0.9, sum by (le) (tandem_dhcp4_packet_processing_seconds_bucket))' | jq -r '.[0].value[1]')
log "p90 packet processing time: ${v}s"

# A failover shows: server2 stops, server1 goes partner-down; Prometheus sees it.
tit_stop "${HA_PID[server2]}" TERM 10
ha_wait_state server1 partner-down 30 || fail "server1 did not go partner-down"
pdown() { [ "$(qvalue "tandem_ha_state{instance=\"198.18.0.1:$PORT\",peer=\"local\",state=\"partner-down\"}")" = 1 ]; }
wait_for 10 "Prometheus sees server1 in partner-down" pdown || fail "Prometheus did not see partner-down"
log "ok: Prometheus sees server1 in partner-down"

tit_stop "$PROM_PID" TERM 10 || fail "Prometheus ignored SIGTERM"
rm -rf "$P"
log "PASS"
