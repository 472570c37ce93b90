# shellcheck shell=bash
# A private PostgreSQL for the lease-backend tests: a cluster in $TIT_TMP/pg made by initdb,
# run by pg_ctl as the `postgres` user (PostgreSQL refuses root), listening on a Unix socket
# only (no TCP: nothing to collide with, and the socket is reachable from every network
# namespace through the file system). Kea's schema comes from `kea-admin db-init pgsql`.
# Source after lib.sh; call pg_init after tit_init. Everything goes with $TIT_TMP, the server
# is stopped by PID in the EXIT trap (pg_ctl stop -m immediate as a fallback).
. "$(dirname "${BASH_SOURCE[0]}")/sql_lib.sh"
PG_USER=kea
PG_PASS='kea-pw'
PG_DB=kea

# pg_init: skips unless PostgreSQL's server binaries, psql and kea-admin are there; starts
# the cluster; sets PG_SOCK (socket directory), PG_PORT, PG_DATA.
pg_init() {
  tit_require psql kea-admin
  PG_BIN=$(pg_config --bindir 2>/dev/null)
  [ -x "${PG_BIN:-}/initdb" ] || PG_BIN=/usr/lib/postgresql/15/bin
  [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] || skip "PostgreSQL server binaries (initdb, pg_ctl) not installed"
  id postgres >/dev/null 2>&1 || skip "no 'postgres' user to run the cluster as"
  chmod 711 "$TIT_TMP"
  PG_SOCK="$TIT_TMP/pg"
  PG_DATA="$TIT_TMP/pg/data"
  mkdir -p "$PG_SOCK"
  chown postgres: "$PG_SOCK"
  # The socket file name carries the port: any number will do, it is never a TCP port.
  PG_PORT=$((20000 + $$ % 20000))
  printf '%s\n' pg-super-pw >"$PG_SOCK/pw" && chown postgres: "$PG_SOCK/pw"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --pwfile="$PG_SOCK/pw" \
    --auth-local=scram-sha-256 --auth-host=scram-sha-256 >"$PG_SOCK/initdb.log" 2>&1 ||
    { cat "$PG_SOCK/initdb.log" >&2; fail "initdb failed"; }
  TIT_DIAG+=("$PG_SOCK/postgres.log")
  pg_start
  PGPASSWORD=pg-super-pw pg_psql_as postgres postgres -c "CREATE USER $PG_USER PASSWORD '$PG_PASS'" \
    -c "CREATE DATABASE $PG_DB OWNER $PG_USER" >/dev/null || fail "cannot create the kea user and database"
  kea-admin db-init pgsql -u "$PG_USER" -p "$PG_PASS" -n "$PG_DB" -h "$PG_SOCK" -P "$PG_PORT" \
    >"$PG_SOCK/kea-admin.log" 2>&1 || { cat "$PG_SOCK/kea-admin.log" >&2; fail "kea-admin db-init pgsql failed"; }
  log "PostgreSQL running (socket $PG_SOCK/.s.PGSQL.$PG_PORT), Kea schema $(pg_sql "SELECT version || '.' || minor FROM schema_version")"
}

# pg_start / pg_stop_fast: the postmaster, as `postgres`, socket only; its PID is remembered
# so the EXIT trap stops it even when pg_ctl cannot. PG_EXTRA_OPTS: more server options
# (scripts/bench-sql.sh's PGSS=1 loads pg_stat_statements).
pg_start() {
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_SOCK/postgres.log" -w -t 30 \
    -o "-c listen_addresses='' -k $PG_SOCK -p $PG_PORT -c fsync=on ${PG_EXTRA_OPTS:-}" start >/dev/null ||
    fail "PostgreSQL did not start"
  PG_PID=$(head -n 1 "$PG_DATA/postmaster.pid")
  TIT_PIDS+=("$PG_PID")
}
pg_stop() {
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -m "${1:-fast}" -w -t 30 stop >/dev/null 2>&1
}

# pg_psql_as <user> <db> [psql args...]
pg_psql_as() {
  local u=$1 db=$2; shift 2
  psql -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U "$u" -d "$db" "$@"
}
# pg_sql <statement> [db]: one value (or rows, '|'-separated) from the kea database (or db).
pg_sql() { PGPASSWORD=$PG_PASS pg_psql_as "$PG_USER" "${2:-$PG_DB}" -A -t -c "$1"; }

# pg_lease_db_json [db]: the lease-database map for this cluster.
pg_lease_db_json() {
  printf '{ "type": "postgresql", "name": "%s", "host": "%s", "port": %s, "user": "%s", "password": "%s"%s }' \
    "${1:-$PG_DB}" "$PG_SOCK" "$PG_PORT" "$PG_USER" "$PG_PASS" "${2:-}"
}

# pg_server_conf <dir> [lease-database extras]: sql_server_conf on this cluster. Extras are
# JSON members added to the lease-database map ('"on-fail": "stop-retry-exit"', ...).
pg_server_conf() { sql_server_conf "$1" "$(pg_lease_db_json "$PG_DB" "${2:+, $2}")"; }

# pg_ip <address>: lease4.address of an IPv4 address (Kea stores it as an unsigned number).
pg_ip() { ip_to_int "$1"; }

