#!/bin/bash
# Several servers on one SQL database (issue 13, Kea's shared-database model): two tandemd on
# the same segment and the same database, same pool, no HA between them. One scenario for both
# backends, in parts: `sql_shared.sh <pgsql|mysql> <part>...` (ctests: pgsql_shared_test =
# pgsql lookup load, mysql_shared_test = mysql race load, mysql_shared_lookup_test = mysql
# lookup).
#  lookup: a client whose lease server s1 made gets the same address from s2: s2 knows nothing
#     of the client and reads its lease from the database before deciding (SqlLeaseLookup: one
#     SELECT per batch of lookups; Kea's findClientLease does the same at every allocation), so
#     the client keeps its address and the pool does not leak a second one. The clients talk to
#     s2 in the reverse order, so s2's own allocator (which would start at the pool's first
#     address) cannot pass by chance.
#  race (MySQL): the race the guarded write relies on, statement by statement, in both
#     isolation levels.
#  load: under a bounded perfdhcp load (150 clients coming back again and again) both servers
#     answer every client, the database's conditional writes decide between them (the loser
#     drops its DHCPACK and learns the winner's row). Every DHCPACK on the wire is captured: no
#     address may be ACKed to two clients, and every ACKed address's row belongs to the client
#     that got it; lease4_stat (Kea's triggers) equals the rows.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sql_lib.sh"
sql_backend "${1:-}"
shift
PARTS=" $* "
has() { [[ "$PARTS" == *" $1 "* ]]; }
has lookup || has race || has load || fail "no part to run (lookup, race, load)"
if has load; then TIT_NAME="${DB_KIND}_shared_test"; else TIT_NAME="${DB_KIND}_shared_lookup_test"; fi
if has load; then TIT_ID="h-$DB_SHORT-$$"; else TIT_ID="h-${DB_SHORT:0:1}l-$$"; fi
TIT_BUDGET=200
tit_init
tit_require socat jq
! has load || tit_require perfdhcp tcpdump
[ -x /usr/bin/python3 ] || skip "python3 missing"
tit_server_bin
[ "$TIT_SERVER_KIND" = tandemd ] || skip "tandemd's $DB_LABEL backend"
db_init

ctl() { sql_ctl_cmd "$@"; }
stat() { sql_stat "$@"; }

# ---- race: the guarded write's race, statement by statement (MySQL) -------------------------------
# Two sessions write the same free address as MysqlJournal does (guarded UPDATE, then INSERT),
# both UPDATEs before either INSERT. READ COMMITTED (what tandemd sets): the UPDATEs lock
# nothing, the second INSERT waits for the first transaction and fails on the primary key
# (ER_DUP_ENTRY 1062: that write lost). REPEATABLE READ (InnoDB's default): both UPDATEs take
# a gap lock on the missing key and the INSERTs deadlock (1213): still one winner, but the
# victim's whole transaction is rolled back and must be sent again.
if has race; then
  [ "$DB_KIND" = mysql ] || fail "the race part is MySQL's (MysqlJournal's guarded write)"
  A_RACE=$(ip_to_int 198.18.1.1)
  not_grep() { ! grep -q "$1" <<<"$2"; }
  race() {  # race <isolation> <session> <hwaddr> <delay before the INSERT>
    my_sql "SET SESSION TRANSACTION ISOLATION LEVEL $1; START TRANSACTION;
      UPDATE lease4 SET hwaddr = X'$3', expire = NOW() + INTERVAL 600 SECOND WHERE address = $A_RACE AND expire <= NOW();
      DO SLEEP($4);
      INSERT INTO lease4 (address, hwaddr, valid_lifetime, expire, subnet_id, fqdn_fwd, fqdn_rev, hostname, state)
        VALUES ($A_RACE, X'$3', 600, NOW() + INTERVAL 600 SECOND, 9, 0, 0, '', 0);
      DO SLEEP(0.5); COMMIT" >"$TIT_TMP/race-$2.txt" 2>&1
  }
  for iso in "READ COMMITTED" "REPEATABLE READ"; do
    race "$iso" a 0a0000000001 1 &
    RA=$!
    sleep 0.3
    race "$iso" b 0a0000000002 0.9
    wait "$RA"
    OUT="$(cat "$TIT_TMP/race-a.txt" "$TIT_TMP/race-b.txt")"
    ROWS=$(db_sql "SELECT count(*) FROM lease4 WHERE address = $A_RACE")
    log "$iso: ${OUT:-no error}; rows for the address: $ROWS"
    check "$iso: exactly one row" [ "$ROWS" = 1 ]
    if [ "$iso" = "READ COMMITTED" ]; then
      check "$iso: the second INSERT fails on the key (1062)" grep -q 'ERROR 1062' <<<"$OUT"
      check "$iso: no deadlock" not_grep 'ERROR 1213' "$OUT"
    else
      check "$iso: the INSERTs deadlock (1213)" grep -q 'ERROR 1213' <<<"$OUT"
    fi
    db_sql "DELETE FROM lease4 WHERE address = $A_RACE"
  done
fi

# The two servers (and a relay / perfdhcp host) for the lookup and load parts.
tit_switch
tit_host s1 02:00:c6:12:00:01 198.18.0.1/24
tit_host s2 02:00:c6:12:00:02 198.18.0.2/24
tit_host perf 02:00:c6:12:00:70 198.18.0.5/24
db_server_conf "$TIT_TMP/s1"
db_server_conf "$TIT_TMP/s2"
tit_server_start s1 "$TIT_ID-s1" "$TIT_TMP/s1/dhcp4.json"
tit_server_start s2 "$TIT_ID-s2" "$TIT_TMP/s2/dhcp4.json"

# ---- lookup: the client's lease made by the other server ------------------------------------------
if has lookup; then
  declare -A GOT
  for i in 1 2 3; do
    read -r offered acked <<<"$(tit_relay_dora "$TIT_ID-perf" 198.18.0.5 198.18.0.1 "02:00:c6:12:01:0$i")"
    log "s1 gave client $i: offered $offered, acked $acked"
    [ "$acked" != none ] && [ "$acked" = "$offered" ] || fail "s1 did not complete a DORA with client $i"
    GOT[$i]=$acked
  done
  for i in 3 2 1; do
    read -r offered acked <<<"$(tit_relay_dora "$TIT_ID-perf" 198.18.0.5 198.18.0.2 "02:00:c6:12:01:0$i")"
    log "s2 to client $i (s1 gave ${GOT[$i]}): offered $offered, acked $acked"
    check "s2 offers client $i its lease from s1 (${GOT[$i]})" [ "$offered" = "${GOT[$i]}" ]
    check "s2 acks client $i the same address" [ "$acked" = "${GOT[$i]}" ]
  done
  ROWS=$(db_sql "SELECT count(*) FROM lease4")
  check "one row per client ($ROWS)" [ "$ROWS" = 3 ]
  # Statistics reach the registry at the server's housekeeping tick (250 ms).
  found_ge() { [ "$(stat s2 pkt4-lease-db-lookup-found)" -ge "$1" ]; }
  wait_for 3 "s2's pkt4-lease-db-lookup-found to reach 3" found_ge 3
  log "s2: $(stat s2 pkt4-lease-db-lookup) lookups, $(stat s2 pkt4-lease-db-lookup-found) found"
  check "s2 found the clients' leases in the database" found_ge 3
fi

# ---- load: two tandemd under perfdhcp --------------------------------------------------------------
if has load; then
  tit_bg "$TIT_TMP/tcpdump.log" ip netns exec "$TIT_ID-perf" tcpdump -i eth0 -n -U -w "$TIT_TMP/acks.pcap" udp port 67 or udp port 68
  CAP=$TIT_LAST_PID
  sleep 1
  # 150 clients, 60 exchanges/s, 15 s, bounded.
  timeout 40 ip netns exec "$TIT_ID-perf" perfdhcp -4 -l eth0 -R 150 -r 60 -p 15 >"$TIT_TMP/perf.txt" 2>&1
  sleep 1
  tit_stop "$CAP" INT 5

  C1=$(stat s1 pkt4-lease-db-conflict-drop)
  C2=$(stat s2 pkt4-lease-db-conflict-drop)
  A1=$(stat s1 pkt4-ack-sent)
  A2=$(stat s2 pkt4-ack-sent)
  log "s1: $A1 ACKs, $C1 lost to s2; s2: $A2 ACKs, $C2 lost to s1"
  log "s1 backend: $(ctl s1 '{"command":"status-get"}' | jq -c '.arguments["lease-database"]')"
  log "s2 backend: $(ctl s2 '{"command":"status-get"}' | jq -c '.arguments["lease-database"]')"
  check "both servers served" [ "$A1" -gt 0 ] && [ "$A2" -gt 0 ]
  if [ "$DB_KIND" = mysql ]; then
    # A batch is one multi-statement query (MysqlJournal): one round trip per transaction, plus
    # one per write the key refused (the rest of the batch goes on) and per failed attempt.
    one_trip() {
      local v
      v=$(ctl "$1" '{"command":"status-get"}' | jq '.arguments["lease-database"] |
        .["round-trips"] > 0 and .["round-trips"] <= .transactions + .lost + .retried + .refused + .["connection-losses"]')
      [ "$v" = true ]
    }
    check "s1: one round trip per transaction (and per lost write)" one_trip s1
    check "s2: one round trip per transaction (and per lost write)" one_trip s2
  fi
  # Conflicts are the database deciding between the two servers' writes. Since each server reads
  # the lease of a client it does not know before deciding (SqlLeaseLookup), both offer a
  # returning client the address the database holds and conflicts are rare (0 in most runs); the
  # ACK audit below is what must hold either way.
  log "writes lost to the other server (the database decided): $((C1 + C2))"
  check "lease4_stat equals the rows" \
    [ "$(db_sql "SELECT COALESCE(SUM(leases),0) FROM lease4_stat WHERE state = 0")" = "$(db_sql "SELECT count(*) FROM lease4 WHERE state = 0")" ]

  db_sql "SELECT address, $(db_hex hwaddr) FROM lease4" >"$TIT_TMP/rows.txt"
  # Every DHCPACK on the wire: no address ACKed to two clients, and each ACKed address's row
  # (it must exist) belongs to the client that got it (scripts/dhcp-ack-audit.py).
  /usr/bin/python3 "${TANDEM_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}/scripts/dhcp-ack-audit.py" "$TIT_TMP/acks.pcap" "$TIT_TMP/rows.txt" ||
    fail "an address was given to two clients, or an ACKed address's row is another client's (see above)"
fi
log "PASS"
