# shellcheck shell=bash
# What the SQL backends' tests share, whichever database they run on. pgsql_lib.sh and
# mysql_lib.sh source it (each backend's start/stop/schema functions stay there, prefixed pg_
# and my_); a scenario written once for both backends (sql_lease.sh, sql_hosts.sh,
# sql_faults.sh, sql_shared.sh: each registered in tests/CMakeLists.txt once per backend, under
# the ctest names the two copies had) calls `sql_backend <pgsql|mysql>` and then only the db_*
# functions below. Source after lib.sh.

[ -z "${SQL_LIB_SOURCED:-}" ] || return 0  # pgsql_lib.sh and mysql_lib.sh source it too
SQL_LIB_SOURCED=1

# sql_server_conf <dir> <lease-database map>: <dir>/dhcp4.json, one tandemd on that database
# serving 198.18.0.10 - .250 of 198.18.0.0/24 on eth0, control socket <dir>/ctrl.sock.
sql_server_conf() {
  mkdir -p "$1"
  cat >"$1/dhcp4.json" <<EOF2
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "eth0" ], "dhcp-socket-type": "raw" },
    "lease-database": $2,
    "control-socket": { "socket-type": "unix", "socket-name": "$1/ctrl.sock" },
    "valid-lifetime": 600,
    "subnet4": [ { "id": 1, "subnet": "198.18.0.0/24", "pools": [ { "pool": "198.18.0.10 - 198.18.0.250" } ] } ],
    "loggers": [ { "name": "kea-dhcp4", "output_options": [ { "output": "stdout" } ], "severity": "INFO" } ] } }
EOF2
}
# sql_ctl_cmd <name> <json>: one command over $TIT_TMP/<name>/ctrl.sock.
sql_ctl_cmd() { echo "$2" | timeout 10 socat -t 10 - "UNIX-CONNECT:$TIT_TMP/$1/ctrl.sock" 2>/dev/null; }
# sql_stat <name> <statistic>: its current value (0 when unknown).
sql_stat() { sql_ctl_cmd "$1" "{\"command\":\"statistic-get\",\"arguments\":{\"name\":\"$2\"}}" | jq ".arguments[\"$2\"][0][0] // 0"; }

# sql_backend <pgsql|mysql>: sources that backend's library and defines, for it,
#   DB_KIND     pgsql | mysql                 DB_SHORT   pg | my (namespace names, TIT_ID)
#   DB_TYPE     the lease-database "type"     DB_LABEL   PostgreSQL | MySQL (tandemd's log lines)
#   DB_NAME     the kea database              DB_SCHEMA  Kea 2.2's schema major (13 | 14)
#   db_init                 start the server with Kea's schema (skips when it cannot)
#   db_sql <stmt> [db]      the result, columns '|'-separated, one row a line
#   db_lease_db_json [db] [extras]   the lease-database / hosts-database map
#   db_server_conf <dir> [extras]    sql_server_conf on this database
#   db_kea_db <db>          a second, empty database with Kea's schema
#   db_stop / db_crash / db_start    a clean stop, a crash (no shutdown), a start
#   db_hex <column>         SQL: the column's bytes in lower-case hex
#   db_expire_left          SQL: seconds from now to the row's expire
sql_backend() {
  local dir
  dir=$(dirname "${BASH_SOURCE[0]}")
  case "$1" in
    pgsql)
      . "$dir/pgsql_lib.sh"
      DB_KIND=pgsql DB_SHORT=pg DB_TYPE=postgresql DB_LABEL=PostgreSQL DB_NAME=$PG_DB DB_SCHEMA=13
      db_init() { pg_init; }
      db_sql() { pg_sql "$@"; }
      db_lease_db_json() { pg_lease_db_json "$@"; }
      db_kea_db() {
        PGPASSWORD=pg-super-pw pg_psql_as postgres postgres -c "CREATE DATABASE $1 OWNER $PG_USER" >/dev/null ||
          fail "create database $1"
        kea-admin db-init pgsql -u "$PG_USER" -p "$PG_PASS" -n "$1" -h "$PG_SOCK" -P "$PG_PORT" >/dev/null 2>&1 ||
          fail "kea-admin db-init pgsql $1"
      }
      db_stop() { pg_stop fast || fail "pg_ctl stop"; }
      db_crash() { pg_stop immediate || fail "pg_ctl stop -m immediate"; }
      db_start() { pg_start; }
      db_hex() { echo "encode($1, 'hex')"; }
      db_expire_left() { echo "(extract(epoch from expire)::bigint - extract(epoch from now())::bigint)"; }
      ;;
    mysql)
      . "$dir/mysql_lib.sh"
      DB_KIND=mysql DB_SHORT=my DB_TYPE=mysql DB_LABEL=MySQL DB_NAME=$MY_DB DB_SCHEMA=14
      db_init() { my_init; }
      db_sql() { my_sql "$1" "${2:-$MY_DB}" | tr '\t' '|'; }
      db_lease_db_json() { my_lease_db_json "$@"; }
      db_kea_db() {
        my_root -e "CREATE DATABASE $1; GRANT ALL ON $1.* TO '$MY_USER'@'localhost'" || fail "create database $1"
        my_kea_init "$1"
      }
      db_stop() { my_kill TERM; }
      db_crash() { my_kill KILL; }
      db_start() { my_start; }
      db_hex() { echo "LOWER(HEX($1))"; }
      db_expire_left() { echo "(UNIX_TIMESTAMP(expire) - UNIX_TIMESTAMP())"; }
      ;;
    *) fail "unknown SQL backend '${1:-}' (pgsql or mysql)" ;;
  esac
  db_server_conf() { "${DB_SHORT}_server_conf" "$@"; }
}
