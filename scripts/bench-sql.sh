#!/bin/bash
# DORA throughput of tandemd and of ISC Kea 2.2's kea-dhcp4 on the SAME SQL database (issue
# 13), same config, same run: scripts/bench-pgsql.sh (PostgreSQL) and scripts/bench-mysql.sh
# (MySQL/MariaDB) are this script with the database chosen. A private database server
# (tests/integration/pgsql_lib.sh: initdb in a temp dir; tests/integration/mysql_lib.sh:
# mariadb-install-db in a temp dir; each on its own Unix socket with Kea's schema from
# kea-admin db-init), the server in a namespace on a bridge, perfdhcp in a client namespace for
# PERIOD seconds per point. lease4 and lease4_stat are emptied before every point. Per point:
# DORA/s (perfdhcp's 4-way rate), lost exchanges in % of DISCOVERs, the server's CPU per
# completed DORA, the database's CPU (PostgreSQL: postmaster and its backends; MariaDB: the one
# mariadbd process) per completed DORA, the lease4 rows at the end and the 1-minute load
# average when the point ended.
#
# Then Kea's shared-database model (issue 13): two servers on the same segment and the same
# database, no HA between them, perfdhcp at SHARED_RATE; every packet is captured on the
# client's side and scripts/dhcp-ack-audit.py counts the addresses ACKed to two clients (must
# be 0). Per pair: combined DORA/s, lost %, ACKs, doubled addresses, lease4 rows, load.
#
# usage: sudo scripts/bench-sql.sh pgsql|mysql
#        env: TANDEMD=path PERIOD=10 RATES="500 1000 2000 4000"
#        SERVERS="kea tandemd" ("" skips the single-server points)  SHARED="tandemd+tandemd tandemd+kea"
#        (pairs; "" skips)
#        SHARED_RATE=2000  OUT=dir (raw outputs; default a temp dir that is kept)
#        PGSS=1 (pgsql: load pg_stat_statements, track=all, and write each
#        point's statements by total time to <point>.dbstats: where PostgreSQL spends per DORA,
#        Kea's lease4 triggers included)
set -u -o pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
TIT_BUDGET=${BENCH_BUDGET:-1800}
. "$SRC/tests/integration/lib.sh"
DB=${1:-}
case $DB in
  pgsql) . "$SRC/tests/integration/pgsql_lib.sh" ;;
  mysql) . "$SRC/tests/integration/mysql_lib.sh" ;;
  *) echo "usage: $0 pgsql|mysql" >&2; exit 2 ;;
esac
TIT_NAME=bench-$DB
TIT_ID="h-${DB:0:2}-$$"
PERIOD=${PERIOD:-10}
RATES=${RATES-500 1000 2000 4000}
SERVERS=${SERVERS-kea tandemd}
SHARED=${SHARED-tandemd+tandemd tandemd+kea}
SHARED_RATE=${SHARED_RATE:-2000}
KEA_DHCP4=${KEA_DHCP4:-/usr/sbin/kea-dhcp4}
if [ -z "${TANDEMD:-}" ]; then
  for c in ${TANDEM_BUILD:+$TANDEM_BUILD/dhcpd/tandemd} "$SRC"/build/dhcpd/tandemd; do
    [ -x "$c" ] && { TANDEMD=$c; break; }
  done
fi
tit_init
tit_require perfdhcp bc
[ -z "$SHARED" ] || tit_require tcpdump
OUT=${OUT:-$(mktemp -d "/tmp/bench-$DB.XXXXXX")}
mkdir -p "$OUT"
HZ=$(getconf CLK_TCK)
# The database's own functions, by backend.
if [ "$DB" = pgsql ]; then
  [ "${PGSS:-0}" = 1 ] && PG_EXTRA_OPTS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"
  pg_init
  if [ "${PGSS:-0}" = 1 ]; then
    PGPASSWORD=pg-super-pw pg_psql_as postgres "$PG_DB" -c "CREATE EXTENSION pg_stat_statements" >/dev/null ||
      fail "cannot create pg_stat_statements"
  fi
  db_json() { pg_lease_db_json; }
  db_sql() { pg_sql "$1"; }
  DB_CPU_TEXT="PostgreSQL's CPU (all its processes)"
else
  my_init
  db_json() { my_lease_db_json; }
  db_sql() { my_sql "$1"; }
  DB_CPU_TEXT="mariadbd's CPU"
fi
tit_switch
tit_host srv 02:00:c6:12:00:01 198.18.0.1/15
tit_host cl1 02:00:c6:12:00:64 198.18.0.100/15
SRV="$TIT_ID-srv"
[ -z "$SHARED" ] || tit_host srv2 02:00:c6:12:00:02 198.18.0.2/15
cat >"$OUT/dhcp4.json" <<EOF
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "eth0" ], "dhcp-socket-type": "raw" },
    "lease-database": $(db_json),
    "multi-threading": { "enable-multi-threading": false },
    "valid-lifetime": 4000, "renew-timer": 1000, "rebind-timer": 2000,
    "subnet4": [ { "id": 1, "subnet": "198.18.0.0/15", "pools": [ { "pool": "198.18.16.0 - 198.19.255.254" } ] } ],
    "loggers": [ { "name": "kea-dhcp4", "output_options": [ { "output": "server.log" } ], "severity": "WARN" } ] } }
EOF
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# The database's CPU. PostgreSQL: the postmaster with its reaped children, plus the live
# backends. MariaDB: mariadbd is one process (threads).
db_ticks() {
  if [ "$DB" = mysql ]; then
    cpu_ticks "$MY_PID"
    return
  fi
  local t p
  t=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$PG_PID/stat")
  for p in $(pgrep -P "$PG_PID"); do t=$((t + $(cpu_ticks "$p"))); done
  echo "$t"
}
load1() { cut -d' ' -f1 /proc/loadavg; }
# MariaDB: the statements it ran (Questions, Com_*), written per point to $OUT/<tag>.dbstats
# (before and after), to tell round trips per DORA from work per statement.
db_status() {
  if [ "$DB" = pgsql ] && [ "${PGSS:-0}" = 1 ]; then
    # Called before and after a point: reset, then the point's statements by total time.
    if [ "${PGSS_RESET:-1}" = 1 ]; then
      PGPASSWORD=pg-super-pw pg_psql_as postgres "$PG_DB" -c "SELECT pg_stat_statements_reset()" >/dev/null
      PGSS_RESET=0
    else
      PGPASSWORD=pg-super-pw pg_psql_as postgres "$PG_DB" -A -F ' | ' -c "SELECT calls, round(total_exec_time::numeric, 1) AS total_ms,
        round((total_exec_time / greatest(calls, 1) * 1000)::numeric, 1) AS us_per_call, rows, toplevel,
        left(regexp_replace(query, '\s+', ' ', 'g'), 110) AS query
        FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 25"
      PGSS_RESET=1
    fi
    return 0
  fi
  [ "$DB" = mysql ] || return 0
  my_root -N -B -e "SHOW GLOBAL STATUS WHERE Variable_name IN ('Questions', 'Com_insert', 'Com_update',
    'Com_delete', 'Com_commit', 'Com_begin', 'Com_select', 'Innodb_data_fsyncs', 'Handler_commit')"
}
perf_stats() {
  awk '
    /^Rate:/ { rate = $2 }
    /Statistics for: DISCOVER-OFFER/ { sec = 1 } /Statistics for: REQUEST-ACK/ { sec = 2 }
    /^sent packets:/ { s[sec] = $3 } /^received packets:/ { r[sec] = $3 } /^drops:/ { d[sec] = $2 }
    END { printf "%s %d %d %d\n", (rate == "" ? 0 : rate), s[1], d[1] + d[2], r[2] }' "$1"
}
ROWS=()
point() {
  local server=$1 label=$2 offered=$3; shift 3
  local tag="$server-${label// /_}" bin
  [ "$server" = kea ] && bin=$KEA_DHCP4 || bin=$TANDEMD
  TIT_SERVER=$bin
  db_sql "DELETE FROM lease4; DELETE FROM lease4_stat" >/dev/null
  rm -rf "${TIT_TMP:?}/$tag"
  tit_server_start "$tag" "$SRV" "$OUT/dhcp4.json"
  local spid=$TIT_SERVER_PID t0 t1 d0 d1 s0 s1
  db_status >"$OUT/$tag.dbstats"
  t0=$(cpu_ticks "$spid"); d0=$(db_ticks); s0=$(date +%s.%N)
  timeout $((PERIOD + 30)) ip netns exec "$TIT_ID-cl1" perfdhcp -4 -l eth0 -p "$PERIOD" "$@" >"$OUT/$tag.txt" 2>&1
  t1=$(cpu_ticks "$spid"); d1=$(db_ticks); s1=$(date +%s.%N)
  db_status >>"$OUT/$tag.dbstats"
  tit_stop "$spid" TERM 30
  cp "$TIT_SERVER_DIR/server.log" "$OUT/$tag.server.log" 2>/dev/null
  local rate ds drops acks rows
  read -r rate ds drops acks <<<"$(perf_stats "$OUT/$tag.txt")"
  rows=$(db_sql "SELECT count(*) FROM lease4")
  local el scpu dcpu
  el=$(echo "$s1 - $s0" | bc -l)
  scpu=$(echo "($t1 - $t0) / $HZ" | bc -l)
  dcpu=$(echo "($d1 - $d0) / $HZ" | bc -l)
  local row
  row=$(printf '%-8s %-12s %8s %9.0f %7.2f %8.0f %9.1f %9.1f %8s %8s %6s' "$server" "$label" "$offered" "$rate" \
    "$(echo "if ($ds > 0) 100 * $drops / $ds else 100" | bc -l)" "$(echo "100 * $scpu / $el" | bc -l)" \
    "$(echo "if ($acks > 0) $scpu * 1000000 / $acks else 0" | bc -l)" \
    "$(echo "if ($acks > 0) $dcpu * 1000000 / $acks else 0" | bc -l)" "$acks" "$rows" "$(load1)")
  ROWS+=("$row")
  echo "$server|$label|$offered|$rate|$acks|$scpu|$dcpu" >>"$OUT/results.psv"
  log "$row"
}
# shared <serverA+serverB>: both on the database at once, perfdhcp at SHARED_RATE.
SHARED_ROWS=()
shared() {
  local a=${1%+*} b=${1#*+} tag="shared-$1" pids=() i=0 srv
  db_sql "DELETE FROM lease4; DELETE FROM lease4_stat" >/dev/null
  for srv in "$a" "$b"; do
    i=$((i + 1))
    [ "$srv" = kea ] && TIT_SERVER=$KEA_DHCP4 || TIT_SERVER=$TANDEMD
    rm -rf "${TIT_TMP:?}/$tag-$i"
    if [ $i = 1 ]; then tit_server_start "$tag-$i" "$SRV" "$OUT/dhcp4.json"; else tit_server_start "$tag-$i" "$TIT_ID-srv2" "$OUT/dhcp4.json"; fi
    pids+=("$TIT_SERVER_PID")
  done
  tit_bg "$OUT/$tag.tcpdump.log" ip netns exec "$TIT_ID-cl1" tcpdump -i eth0 -n -U -B 65536 -w "$OUT/$tag.pcap" udp port 67 or udp port 68
  local cap=$TIT_LAST_PID
  sleep 1
  timeout $((PERIOD + 30)) ip netns exec "$TIT_ID-cl1" perfdhcp -4 -l eth0 -p "$PERIOD" -R 100000 -g single \
    -r "$SHARED_RATE" >"$OUT/$tag.txt" 2>&1
  sleep 1
  tit_stop "$cap" INT 10
  for i in "${pids[@]}"; do tit_stop "$i" TERM 30; done
  local rate ds drops acks rows audit doubled
  read -r rate ds drops acks <<<"$(perf_stats "$OUT/$tag.txt")"
  rows=$(db_sql "SELECT count(*) FROM lease4")
  audit=$(/usr/bin/python3 "$SRC/scripts/dhcp-ack-audit.py" "$OUT/$tag.pcap" | head -1)
  doubled=$(echo "$audit" | sed -n 's/.*addresses ACKed to two clients: \([0-9]*\).*/\1/p')
  local row
  row=$(printf '%-17s %8s %9.0f %7.2f %8s %8s %8s %6s' "$1" "$SHARED_RATE" "$rate" \
    "$(echo "if ($ds > 0) 100 * $drops / $ds else 100" | bc -l)" "$acks" "${doubled:-?}" "$rows" "$(load1)")
  SHARED_ROWS+=("$row")
  log "$row ($audit)"
}
HEADER=$(printf '%-8s %-12s %8s %9s %7s %8s %9s %9s %8s %8s %6s' server point offered DORA/s lost% srvCPU% us/DORA dbus/DORA ACKs rows load)
LOAD=$(cut -d' ' -f1 /proc/loadavg)
: >"$OUT/results.psv"
for s in $SERVERS; do point "$s" unlimited - -R 100000 -g single; done
for r in $RATES; do for s in $SERVERS; do point "$s" "rate $r" "$r" -R 100000 -g single -r "$r"; done; done
for pair in $SHARED; do shared "$pair"; done
{
  echo
  echo "us/DORA: server CPU per completed DORA; dbus/DORA: $DB_CPU_TEXT per DORA;"
  echo "rows: lease4 rows at the end of the point; load: 1-minute load average when it ended. $(nproc) CPUs, load average before $LOAD, ${PERIOD}s per point, $(date -u +%FT%TZ)"
  echo "$HEADER"
  printf '%s\n' "${ROWS[@]}"
  if [[ " $SERVERS " == *" kea "* && " $SERVERS " == *" tandemd "* ]]; then
    k=$(awk -F'|' '$1 == "kea" && $2 == "unlimited" { print $4 }' "$OUT/results.psv")
    t=$(awk -F'|' '$1 == "tandemd" && $2 == "unlimited" { print $4 }' "$OUT/results.psv")
    echo "unlimited DORA/s ratio tandemd/kea: $(echo "if ($k > 0) $t / $k else 0" | bc -l | xargs printf '%.2f')x"
  fi
  if [ ${#SHARED_ROWS[@]} -gt 0 ]; then
    echo
    echo "Two servers on the one database (no HA between them), perfdhcp at the offered rate;"
    echo "doubled: addresses ACKed to two clients on the wire (scripts/dhcp-ack-audit.py), must be 0."
    printf '%-17s %8s %9s %7s %8s %8s %8s %6s\n' servers offered DORA/s lost% ACKs doubled rows load
    printf '%s\n' "${SHARED_ROWS[@]}"
  fi
} | tee "$OUT/table.txt"
