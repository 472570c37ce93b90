# shellcheck shell=bash
# A private MariaDB for the MySQL lease-backend tests: a datadir in $TIT_TMP/my made by
# mariadb-install-db, one mariadbd run as the `mysql` user with its own socket, pid file and a
# TCP port on 127.0.0.1 (host namespace; the servers under test run in network namespaces and
# reach the database through the socket, which the file system shares with every namespace:
# MYSQL_UNIX_PORT names it for MariaDB Connector/C, used by tandemd and kea-dhcp4 alike, with
# "host": "localhost"). Kea's schema comes from `kea-admin db-init mysql`. Source after
# lib.sh; call my_init after tit_init. The server is stopped by PID in the EXIT trap and its
# files go with $TIT_TMP.
MY_USER=kea
MY_PASS='kea-pw'
MY_DB=kea

# my_init: skips unless mariadbd, mariadb-install-db, the mariadb client and kea-admin are
# there; starts the server; creates the kea user and database and Kea's schema. Sets MY_DIR,
# MY_SOCK, MY_PORT, MY_DATA and exports MYSQL_UNIX_PORT.
my_init() {
  tit_require kea-admin mariadb mariadb-admin
  MY_BIN=/usr/sbin/mariadbd
  [ -x "$MY_BIN" ] || skip "mariadbd not installed (Debian mariadb-server)"
  command -v mariadb-install-db >/dev/null 2>&1 || skip "mariadb-install-db not installed (Debian mariadb-server)"
  id mysql >/dev/null 2>&1 || skip "no 'mysql' user to run mariadbd as"
  chmod 711 "$TIT_TMP"
  MY_DIR="$TIT_TMP/my"
  MY_DATA="$MY_DIR/data"
  MY_SOCK="$MY_DIR/mysqld.sock"
  # A port of its own on loopback (for tools run in the host namespace); bound to 127.0.0.1.
  MY_PORT=$((23000 + $$ % 9000))
  mkdir -p "$MY_DATA"
  chown -R mysql: "$MY_DIR"
  mariadb-install-db --no-defaults --user=mysql --datadir="$MY_DATA" --auth-root-authentication-method=socket \
    --skip-test-db >"$MY_DIR/install-db.log" 2>&1 || { cat "$MY_DIR/install-db.log" >&2; fail "mariadb-install-db failed"; }
  TIT_DIAG+=("$MY_DIR/mariadbd.log")
  export MYSQL_UNIX_PORT="$MY_SOCK"
  my_start
  my_root -e "CREATE DATABASE $MY_DB; CREATE USER '$MY_USER'@'localhost' IDENTIFIED BY '$MY_PASS';
    CREATE USER '$MY_USER'@'127.0.0.1' IDENTIFIED BY '$MY_PASS';
    GRANT ALL ON $MY_DB.* TO '$MY_USER'@'localhost'; GRANT ALL ON $MY_DB.* TO '$MY_USER'@'127.0.0.1';
    GRANT ALL ON kea_old.* TO '$MY_USER'@'localhost'; GRANT ALL ON kea_old.* TO '$MY_USER'@'127.0.0.1';" ||
    fail "cannot create the kea user and database"
  my_kea_admin db-init "$MY_DB" >"$MY_DIR/kea-admin.log" 2>&1 ||
    { cat "$MY_DIR/kea-admin.log" >&2; fail "kea-admin db-init mysql failed"; }
  log "MariaDB running (socket $MY_SOCK, 127.0.0.1:$MY_PORT), Kea schema $(my_sql "SELECT CONCAT(version, '.', minor) FROM schema_version")"
}

# my_start: mariadbd as `mysql`, its PID remembered so the EXIT trap stops it.
my_start() {
  "$MY_BIN" --no-defaults --user=mysql --datadir="$MY_DATA" --socket="$MY_SOCK" --port="$MY_PORT" \
    --bind-address=127.0.0.1 --pid-file="$MY_DIR/mariadbd.pid" --log-error="$MY_DIR/mariadbd.log" \
    --innodb-buffer-pool-size=64M --innodb-log-file-size=32M --skip-name-resolve --max-connections=200 \
    >>"$MY_DIR/mariadbd.out" 2>&1 &
  MY_PID=$!
  TIT_PIDS+=("$MY_PID")
  wait_for 60 "mariadbd to accept connections" mariadb-admin --no-defaults -S "$MY_SOCK" -u root ping ||
    fail "mariadbd did not start"
}
# my_kill [signal]: stops mariadbd (SIGKILL by default: a crash) and waits for it to exit.
my_kill() {
  kill -s "${1:-KILL}" "$MY_PID" 2>/dev/null
  for _ in $(seq 300); do kill -0 "$MY_PID" 2>/dev/null || break; sleep 0.1; done
  wait "$MY_PID" 2>/dev/null
  return 0
}

# my_kea_admin <command> <db>: kea-admin on this server. The mariadb client it runs reads
# Debian's client config, whose socket path wins over MYSQL_UNIX_PORT, and Kea 2.2's db-init
# does not pass the port on: a ~/.my.cnf (read last) names the socket instead.
my_kea_admin() {
  mkdir -p "$MY_DIR/home"
  printf '[client]\nsocket=%s\n' "$MY_SOCK" >"$MY_DIR/home/.my.cnf"
  HOME="$MY_DIR/home" kea-admin "$1" mysql -u "$MY_USER" -p "$MY_PASS" -n "$2" -h localhost
}
# my_root [mariadb args...]: the client as the database's root (unix_socket authentication).
my_root() { mariadb --no-defaults -S "$MY_SOCK" -u root "$@"; }
# my_sql <statement> [db]: values from the kea database, tab-separated, no headers.
my_sql() { mariadb --no-defaults -S "$MY_SOCK" -u "$MY_USER" -p"$MY_PASS" -N -B "${2:-$MY_DB}" -e "$1"; }

# my_lease_db_json [db] [extras]: the lease-database map for this server.
my_lease_db_json() {
  printf '{ "type": "mysql", "name": "%s", "host": "localhost", "user": "%s", "password": "%s"%s }' \
    "${1:-$MY_DB}" "$MY_USER" "$MY_PASS" "${2:-}"
}

# my_server_conf <dir> [lease-database extras]: <dir>/dhcp4.json, one server on this database
# serving 198.18.0.10 - .250 of 198.18.0.0/24 on eth0, control socket <dir>/ctrl.sock.
my_server_conf() {
  mkdir -p "$1"
  cat >"$1/dhcp4.json" <<EOF2
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "eth0" ], "dhcp-socket-type": "raw" },
    "lease-database": $(my_lease_db_json "$MY_DB" "${2:+, $2}"),
    "control-socket": { "socket-type": "unix", "socket-name": "$1/ctrl.sock" },
    "valid-lifetime": 600,
    "subnet4": [ { "id": 1, "subnet": "198.18.0.0/24", "pools": [ { "pool": "198.18.0.10 - 198.18.0.250" } ] } ],
    "loggers": [ { "name": "kea-dhcp4", "output_options": [ { "output": "stdout" } ], "severity": "INFO" } ] } }
EOF2
}
# my_ctl_cmd <name> <json>: one command over $TIT_TMP/<name>/ctrl.sock.
my_ctl_cmd() { echo "$2" | timeout 10 socat -t 10 - "UNIX-CONNECT:$TIT_TMP/$1/ctrl.sock" 2>/dev/null; }
# my_stat <name> <statistic>: its current value (0 when unknown).
my_stat() { my_ctl_cmd "$1" "{\"command\":\"statistic-get\",\"arguments\":{\"name\":\"$2\"}}" | jq ".arguments[\"$2\"][0][0] // 0"; }
