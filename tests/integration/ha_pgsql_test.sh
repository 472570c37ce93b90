#!/bin/bash
# HA on PostgreSQL (issue 13, "HA on SQL"): a load-balancing pair plus a backup, each server
# with its OWN database in one private cluster (Kea's recommended setup: the HA hook, not the
# database, replicates), mutual TLS between them.
#  1. the pair reaches load-balancing, the backup stays in `backup`;
#  2. a bounded perfdhcp load: every live lease is in all three databases, the same address,
#     client and expiry in each (the backup is fed every update);
#  3. kill -9 server2: server1 reaches partner-down and serves every client (a second load,
#     new clients), writing its own database and the backup's. The loads stay within
#     server1's share of the split pool: the partner's share becomes the survivor's only after
#     the takeover delay (README, "Small pools").
#  4. server2 restarts on its stale database, pulls from server1 and returns to
#     load-balancing: afterwards its database holds exactly server1's live leases.
# Namespaces tit-<pid>-*, addresses 198.18.0.0/24. Exit 77 = skipped.
TIT_BUDGET=${TIT_BUDGET:-200}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pgsql_lib.sh"
tit_init
tit_require perfdhcp socat jq openssl
tit_server_bin
[ "$TIT_SERVER_KIND" = tandemd ] || skip "tandemd's PostgreSQL backend"
pg_init
# server1 uses $PG_DB; server2 and server3 get databases of their own, same schema.
for db in kea2 kea3; do
  PGPASSWORD=pg-super-pw pg_psql_as postgres postgres -c "CREATE DATABASE $db OWNER $PG_USER" >/dev/null ||
    fail "cannot create database $db"
  kea-admin db-init pgsql -u "$PG_USER" -p "$PG_PASS" -n "$db" -h "$PG_SOCK" -P "$PG_PORT" \
    >>"$PG_SOCK/kea-admin.log" 2>&1 || fail "kea-admin db-init pgsql $db failed"
done
declare -A DB=([server1]=$PG_DB [server2]=kea2 [server3]=kea3)

tit_switch
tit_host s1 02:00:00:00:01:01 198.18.0.1/24
tit_host s2 02:00:00:00:01:02 198.18.0.2/24
tit_host s3 02:00:00:00:01:03 198.18.0.3/24
tit_host perf 02:00:00:00:01:70 198.18.0.5/24
ha_certs "$TIT_TMP/certs" server1=198.18.0.1 server2=198.18.0.2 server3=198.18.0.3
for s in server1 server2 server3; do
  ha_conf $s load-balancing "$TIT_TMP/certs" server1=198.18.0.1=primary server2=198.18.0.2=secondary \
    server3=198.18.0.3=backup
  # The lease database: this server's own PostgreSQL database instead of memfile.
  lease_db=$(pg_lease_db_json "${DB[$s]}")
  jq --argjson db "$lease_db" '.Dhcp4."lease-database" = $db' "$TIT_TMP/$s/config.json" >"$TIT_TMP/$s/c.json" &&
    mv "$TIT_TMP/$s/c.json" "$TIT_TMP/$s/config.json" || fail "cannot set $s's lease-database"
done

# db_leases <server>: the live leases in its database, "address hwaddr expire" sorted.
db_leases() {
  PGPASSWORD=$PG_PASS pg_psql_as "$PG_USER" "${DB[$1]}" -A -t -F ' ' -c \
    "SELECT address, encode(hwaddr,'hex'), extract(epoch FROM expire)::bigint FROM lease4 WHERE state = 0 ORDER BY address"
}
# same_db <a> <b>: both databases hold the same live leases.
same_db() { [ "$(db_leases "$1")" = "$(db_leases "$2")" ]; }
# perf <n> <mac-base>: n DORAs from n new clients (bounded); prints the ACK count.
perf() {
  timeout 30 ip netns exec "$TIT_ID-perf" perfdhcp -4 -l eth0 -R "$1" -n "$1" -b "mac=$2" -r 50 -p 8 \
    >"$TIT_TMP/perf-$2.txt" 2>&1
  awk '/Statistics for: REQUEST-ACK/ {s=1} s && /^received packets:/ {print $3; exit}' "$TIT_TMP/perf-$2.txt"
}

ha_start server1 "$TIT_ID-s1"
ha_start server2 "$TIT_ID-s2"
ha_start server3 "$TIT_ID-s3"
ha_wait_state server1 load-balancing 30 || fail "server1 did not reach load-balancing"
ha_wait_state server2 load-balancing 30 || fail "server2 did not reach load-balancing"
[ "$(ha_state server3)" = backup ] || fail "server3 is '$(ha_state server3)', expected backup"
log "ok: server1 and server2 in load-balancing on their own databases, server3 in backup"

acks1=$(perf 80 00:0c:01:00:00:00)
[ "${acks1:-0}" -ge 70 ] || fail "first load: ${acks1:-0} ACKs of 80 clients"
n1=$(db_leases server1 | wc -l)
wait_for 10 "server1's and server2's databases agreeing" same_db server1 server2 ||
  fail "server1's database ($(db_leases server1 | wc -l) leases) differs from server2's ($(db_leases server2 | wc -l))"
wait_for 10 "the backup's database agreeing" same_db server1 server3 ||
  fail "the backup's database ($(db_leases server3 | wc -l) leases) differs from server1's ($n1)"
n1=$(db_leases server1 | wc -l)
[ "$n1" -ge "$acks1" ] || fail "only $n1 live leases in the databases after $acks1 ACKs"
log "ok: $acks1 ACKs; the same $n1 live leases in all three databases"

tit_stop "${HA_PID[server2]}" KILL 5
ha_wait_state server1 partner-down 15 || fail "server1 did not reach partner-down"
acks2=$(perf 60 00:0c:02:00:00:00)
[ "${acks2:-0}" -ge 55 ] || fail "partner-down: ${acks2:-0} ACKs of 60 new clients from server1 alone"
wait_for 10 "the backup following server1" same_db server1 server3 ||
  fail "the backup's database differs from server1's in partner-down"
n2=$(db_leases server1 | wc -l)
stale=$(db_leases server2 | wc -l)
[ "$stale" -lt "$n2" ] || fail "server2's database ($stale) should lack the leases made while it was down ($n2)"
log "ok: partner-down: $acks2 ACKs from server1; server1 and the backup hold $n2, server2's database $stale"

ha_start server2 "$TIT_ID-s2"
ha_wait_state server2 load-balancing 40 || fail "server2 did not return to load-balancing"
ha_wait_state server1 load-balancing 20 || fail "server1 did not return to load-balancing"
wait_for 10 "server2's database catching up" same_db server1 server2 ||
  fail "after the sync server2's database has $(db_leases server2 | wc -l) live leases, server1's $(db_leases server1 | wc -l)"
log "ok: server2 resynced its database: $(db_leases server2 | wc -l) live leases, as server1 and the backup"
for s in server3 server2 server1; do tit_stop "${HA_PID[$s]}" TERM 10; done
log "PASS: $acks1 + $acks2 ACKs, $n2 leases identical in three databases after a failover and a resync"
