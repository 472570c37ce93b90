# shellcheck shell=bash
# A private MariaDB for the MySQL lease-backend tests: a data directory in $TIT_TMP/my made by
# mariadb-install-db, one mariadbd run as the `mysql` user with --skip-networking, reachable
# only through its own Unix socket (nothing to collide with, and the socket is reachable from
# every network namespace through the file system). Kea's schema comes from `kea-admin db-init
# mysql`. Neither tandemd nor kea-dhcp4 has a socket parameter (Kea 2.2's MySQL keys have
# none: host "localhost" is the client library's default socket), so MYSQL_UNIX_PORT, which
# MariaDB Connector/C reads, points both at this one. kea-admin's mysql client reads
# /etc/mysql's option files (their socket wins over the variable): it is given --socket by -x.
# Source after lib.sh; call my_init after tit_init. Everything goes with $TIT_TMP, the server
# is stopped by PID in the EXIT trap.
. "$(dirname "${BASH_SOURCE[0]}")/sql_lib.sh"
MY_USER=kea
MY_PASS='kea-pw'
MY_DB=kea

# my_init: skips unless mariadbd, mariadb-install-db, the mariadb client and kea-admin are
# there; starts the server; sets MY_DIR, MY_SOCK, MY_DATA, MY_PID.
my_init() {
  tit_require mariadb mariadb-install-db kea-admin
  [ -x /usr/sbin/mariadbd ] || skip "mariadb-server (mariadbd) not installed"
  [ -d /usr/share/kea/scripts/mysql ] || skip "Kea's MySQL schema scripts missing"
  id mysql >/dev/null 2>&1 || skip "no 'mysql' user to run mariadbd as"
  chmod 711 "$TIT_TMP"
  MY_DIR="$TIT_TMP/my"
  MY_DATA="$MY_DIR/data"
  MY_SOCK="$MY_DIR/mysqld.sock"
  mkdir -p "$MY_DIR"
  chown mysql: "$MY_DIR"
  mariadb-install-db --no-defaults --datadir="$MY_DATA" --user=mysql --auth-root-authentication-method=normal \
    --skip-test-db >"$MY_DIR/install.log" 2>&1 || { cat "$MY_DIR/install.log" >&2; fail "mariadb-install-db failed"; }
  TIT_DIAG+=("$MY_DIR/mariadbd.log")
  my_start
  my_root -e "CREATE DATABASE $MY_DB; CREATE USER '$MY_USER'@'localhost' IDENTIFIED BY '$MY_PASS';
              GRANT ALL ON $MY_DB.* TO '$MY_USER'@'localhost'" || fail "cannot create the kea user and database"
  my_kea_init "$MY_DB"
  export MYSQL_UNIX_PORT=$MY_SOCK
  log "MariaDB $(my_root -N -e 'SELECT VERSION()') running (socket $MY_SOCK), Kea schema $(my_sql "SELECT CONCAT(version, '.', minor) FROM schema_version")"
}

# my_kea_init <db>: Kea 2.2's schema in an existing, empty database.
my_kea_init() {
  kea-admin db-init mysql -u "$MY_USER" -p "$MY_PASS" -n "$1" -h localhost -x "--socket=$MY_SOCK" \
    >"$MY_DIR/kea-admin-$1.log" 2>&1 || { cat "$MY_DIR/kea-admin-$1.log" >&2; fail "kea-admin db-init mysql $1 failed"; }
}

# my_start: mariadbd as `mysql`, socket only, durable commits (Kea's deployment defaults);
# small buffers so it starts fast. Its PID is remembered so the EXIT trap stops it.
my_start() {
  rm -f "$MY_SOCK"
  /usr/sbin/mariadbd --no-defaults --datadir="$MY_DATA" --socket="$MY_SOCK" --skip-networking --user=mysql \
    --pid-file="$MY_DIR/mariadbd.pid" --log-error="$MY_DIR/mariadbd.log" --innodb-buffer-pool-size=32M \
    --innodb-log-file-size=16M --innodb-flush-log-at-trx-commit=1 --skip-name-resolve >/dev/null 2>&1 &
  MY_PID=$!
  TIT_PIDS+=("$MY_PID")
  wait_for 30 "mariadbd to accept connections" my_root -e "SELECT 1" || fail "mariadbd did not start"
}
# my_kill <signal>: stops mariadbd by PID (KILL: a crash, TERM: a clean shutdown) and waits.
my_kill() {
  tit_stop "$MY_PID" "${1:-TERM}" 30
}

# my_root [mariadb args...] / my_sql <statement>: the client on this server only (no option files).
my_root() { mariadb --no-defaults -S "$MY_SOCK" -u root "$@"; }
my_sql() { mariadb --no-defaults -S "$MY_SOCK" -u "$MY_USER" -p"$MY_PASS" -N -B "${2:-$MY_DB}" -e "$1"; }

# my_lease_db_json [db] [extras]: the lease-database map for this server.
my_lease_db_json() {
  printf '{ "type": "mysql", "name": "%s", "host": "localhost", "user": "%s", "password": "%s"%s }' \
    "${1:-$MY_DB}" "$MY_USER" "$MY_PASS" "${2:-}"
}

# my_server_conf <dir> [lease-database extras]: sql_server_conf on this server.
my_server_conf() { sql_server_conf "$1" "$(my_lease_db_json "$MY_DB" "${2:+, $2}")"; }
