#!/bin/bash
# Several tandemd on one MySQL database (Kea's shared-database model, no HA between them): a
# client whose lease server s1 made gets the same address from s2, which knows nothing of the
# client and reads its lease from the database first (MysqlLeaseLookup: one SELECT per batch of
# lookups), as kea-dhcp4's findClientLease does. The clients talk to s2 in the reverse order,
# so s2's own allocator (which would start at the pool's first address) cannot pass by chance.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mysql_lib.sh"
TIT_ID="h-ml-$$"
TIT_BUDGET=120
tit_init
tit_require socat jq
[ -x /usr/bin/python3 ] || skip "python3 missing"
tit_server_bin
[ "$TIT_SERVER_KIND" = tandemd ] || skip "tandemd's MySQL backend"
my_init

tit_switch
tit_host s1 02:00:c6:12:00:01 198.18.0.1/24
tit_host s2 02:00:c6:12:00:02 198.18.0.2/24
tit_host relay 02:00:c6:12:00:70 198.18.0.5/24
my_server_conf "$TIT_TMP/s1"
my_server_conf "$TIT_TMP/s2"
tit_server_start s1 "$TIT_ID-s1" "$TIT_TMP/s1/dhcp4.json"
tit_server_start s2 "$TIT_ID-s2" "$TIT_TMP/s2/dhcp4.json"

declare -A GOT
for i in 1 2 3; do
  read -r offered acked <<<"$(tit_relay_dora "$TIT_ID-relay" 198.18.0.5 198.18.0.1 "02:00:c6:12:04:0$i")"
  log "s1 gave client $i: offered $offered, acked $acked"
  [ "$acked" != none ] && [ "$acked" = "$offered" ] || fail "s1 did not complete a DORA with client $i"
  GOT[$i]=$acked
done
for i in 3 2 1; do
  read -r offered acked <<<"$(tit_relay_dora "$TIT_ID-relay" 198.18.0.5 198.18.0.2 "02:00:c6:12:04:0$i")"
  log "s2 to client $i (s1 gave ${GOT[$i]}): offered $offered, acked $acked"
  check "s2 offers client $i its lease from s1 (${GOT[$i]})" [ "$offered" = "${GOT[$i]}" ]
  check "s2 acks client $i the same address" [ "$acked" = "${GOT[$i]}" ]
done
ROWS=$(my_sql "SELECT count(*) FROM lease4")
check "one row per client ($ROWS)" [ "$ROWS" = 3 ]
# Statistics reach the registry at the server's housekeeping tick (250 ms).
found_ge() { [ "$(my_stat s2 pkt4-lease-db-lookup-found)" -ge "$1" ]; }
wait_for 3 "s2's pkt4-lease-db-lookup-found to reach 3" found_ge 3
check "s2 found the clients' leases in the database" found_ge 3
log "PASS"
