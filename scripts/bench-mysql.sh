#!/bin/bash
# DORA throughput of tandemd and of ISC Kea 2.2's kea-dhcp4 on the SAME MariaDB (issue 13),
# same config, same run. A private mariadbd (tests/integration/mysql_lib.sh: mariadb-install-db
# in a temp dir, its own Unix socket, Kea's schema from kea-admin db-init mysql), the server in a
# namespace on a bridge, perfdhcp in a client namespace for PERIOD seconds per point. lease4
# and lease4_stat are emptied before every point. Per point: DORA/s (perfdhcp's 4-way rate),
# lost exchanges in % of DISCOVERs, the server's CPU per completed DORA, the database's CPU
# (mariadbd) per completed DORA, and the lease4 rows at the end.
#
# usage: sudo scripts/bench-mysql.sh      env: TANDEMD=path PERIOD=10 RATES="500 1000 2000 4000"
#        SERVERS="kea tandemd"  OUT=dir (raw outputs; default a temp dir that is kept)
set -u -o pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
TIT_BUDGET=${BENCH_BUDGET:-1800}
. "$SRC/tests/integration/lib.sh"
. "$SRC/tests/integration/mysql_lib.sh"
TIT_NAME=bench-mysql
TIT_ID="h-my-$$"
PERIOD=${PERIOD:-10}
RATES=${RATES:-500 1000 2000 4000}
SERVERS=${SERVERS:-kea tandemd}
KEA_DHCP4=${KEA_DHCP4:-/usr/sbin/kea-dhcp4}
if [ -z "${TANDEMD:-}" ]; then
  for c in ${TANDEM_BUILD:+$TANDEM_BUILD/dhcpd/tandemd} "$SRC"/build/dhcpd/tandemd; do
    [ -x "$c" ] && { TANDEMD=$c; break; }
  done
fi
tit_init
tit_require perfdhcp bc
OUT=${OUT:-$(mktemp -d /tmp/bench-mysql.XXXXXX)}
mkdir -p "$OUT"
HZ=$(getconf CLK_TCK)
my_init
tit_switch
tit_host srv 02:00:c6:12:00:01 198.18.0.1/15
tit_host cl1 02:00:c6:12:00:64 198.18.0.100/15
SRV="$TIT_ID-srv"
cat >"$OUT/dhcp4.json" <<EOF
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "eth0" ], "dhcp-socket-type": "raw" },
    "lease-database": $(my_lease_db_json),
    "multi-threading": { "enable-multi-threading": false },
    "valid-lifetime": 4000, "renew-timer": 1000, "rebind-timer": 2000,
    "subnet4": [ { "id": 1, "subnet": "198.18.0.0/15", "pools": [ { "pool": "198.18.16.0 - 198.19.255.254" } ] } ],
    "loggers": [ { "name": "kea-dhcp4", "output_options": [ { "output": "server.log" } ], "severity": "WARN" } ] } }
EOF
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# The database's CPU: mariadbd is one process (threads).
db_ticks() { cpu_ticks "$MY_PID"; }
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
  my_sql "DELETE FROM lease4; DELETE FROM lease4_stat"
  rm -rf "${TIT_TMP:?}/$tag"
  tit_server_start "$tag" "$SRV" "$OUT/dhcp4.json"
  local spid=$TIT_SERVER_PID t0 t1 d0 d1 s0 s1
  t0=$(cpu_ticks "$spid"); d0=$(db_ticks); s0=$(date +%s.%N)
  timeout $((PERIOD + 30)) ip netns exec "$TIT_ID-cl1" perfdhcp -4 -l eth0 -p "$PERIOD" "$@" >"$OUT/$tag.txt" 2>&1
  t1=$(cpu_ticks "$spid"); d1=$(db_ticks); s1=$(date +%s.%N)
  tit_stop "$spid" TERM 30
  cp "$TIT_SERVER_DIR/server.log" "$OUT/$tag.server.log" 2>/dev/null
  local rate ds drops acks rows
  read -r rate ds drops acks <<<"$(perf_stats "$OUT/$tag.txt")"
  rows=$(my_sql "SELECT count(*) FROM lease4")
  local el scpu dcpu
  el=$(echo "$s1 - $s0" | bc -l)
  scpu=$(echo "($t1 - $t0) / $HZ" | bc -l)
  dcpu=$(echo "($d1 - $d0) / $HZ" | bc -l)
  local row
  row=$(printf '%-8s %-12s %8s %9.0f %7.2f %8.0f %9.1f %9.1f %8s %8s' "$server" "$label" "$offered" "$rate" \
    "$(echo "if ($ds > 0) 100 * $drops / $ds else 100" | bc -l)" "$(echo "100 * $scpu / $el" | bc -l)" \
    "$(echo "if ($acks > 0) $scpu * 1000000 / $acks else 0" | bc -l)" \
    "$(echo "if ($acks > 0) $dcpu * 1000000 / $acks else 0" | bc -l)" "$acks" "$rows")
  ROWS+=("$row")
  echo "$server|$label|$offered|$rate|$acks|$scpu|$dcpu" >>"$OUT/results.psv"
  log "$row"
}
HEADER=$(printf '%-8s %-12s %8s %9s %7s %8s %9s %9s %8s %8s' server point offered DORA/s lost% srvCPU% us/DORA dbus/DORA ACKs rows)
LOAD=$(cut -d' ' -f1 /proc/loadavg)
: >"$OUT/results.psv"
for s in $SERVERS; do point "$s" unlimited - -R 100000 -g single; done
for r in $RATES; do for s in $SERVERS; do point "$s" "rate $r" "$r" -R 100000 -g single -r "$r"; done; done
{
  echo
  echo "us/DORA: server CPU per completed DORA; dbus/DORA: mariadbd's CPU per DORA;"
  echo "rows: lease4 rows at the end of the point. $(nproc) CPUs, load average before $LOAD, ${PERIOD}s per point, $(date -u +%FT%TZ)"
  echo "$HEADER"
  printf '%s\n' "${ROWS[@]}"
  if [[ " $SERVERS " == *" kea "* && " $SERVERS " == *" tandemd "* ]]; then
    k=$(awk -F'|' '$1 == "kea" && $2 == "unlimited" { print $4 }' "$OUT/results.psv")
    t=$(awk -F'|' '$1 == "tandemd" && $2 == "unlimited" { print $4 }' "$OUT/results.psv")
    echo "unlimited DORA/s ratio tandemd/kea: $(echo "if ($k > 0) $t / $k else 0" | bc -l | xargs printf '%.2f')x"
  fi
} | tee "$OUT/table.txt"
