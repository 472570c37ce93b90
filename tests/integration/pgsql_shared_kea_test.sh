#!/bin/bash
# tandemd and kea-dhcp4 2.2 on one PostgreSQL (Kea's shared-database model, no HA between
# them): a client whose lease one server made gets the same address from the other, in both
# directions. Kea 2.2 reads the client's lease from the database at every allocation
# (AllocEngine::findClientLease); tandemd reads it when it knows nothing of the client
# (ClientLeaseLookup), so each behaves as the other. The clients talk to the second server in
# the reverse order, so that server's own allocator cannot give the same address by chance.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pgsql_lib.sh"
TIT_ID="h-pk-$$"
TIT_BUDGET=150
tit_init
tit_require socat jq kea-dhcp4
[ -x /usr/bin/python3 ] || skip "python3 missing"
tit_server_bin
[ "$TIT_SERVER_KIND" = tandemd ] || skip "this test drives tandemd and kea-dhcp4 itself"
TANDEM=$TIT_SERVER
pg_init

tit_switch
tit_host t 02:00:c6:12:00:01 198.18.0.1/24
tit_host k 02:00:c6:12:00:03 198.18.0.3/24
tit_host relay 02:00:c6:12:00:70 198.18.0.5/24

stat() { sql_stat "$@"; }
pg_server_conf "$TIT_TMP/t"
pg_server_conf "$TIT_TMP/k"
TIT_SERVER=$TANDEM
tit_server_start t "$TIT_ID-t" "$TIT_TMP/t/dhcp4.json"
TIT_SERVER=/usr/sbin/kea-dhcp4
tit_server_start k "$TIT_ID-k" "$TIT_TMP/k/dhcp4.json"
declare -A IP=([t]=198.18.0.1 [k]=198.18.0.3) NAME=([t]=tandemd [k]=kea-dhcp4)

# roundtrip <first> <second> <mac prefix>: three clients DORA with <first>, then with <second>
# in the reverse order; <second> must offer and ACK each client the address <first> gave.
roundtrip() {
  local a=$1 b=$2 p=$3 i offered acked
  local -A got
  for i in 1 2 3; do
    read -r offered acked <<<"$(tit_relay_dora "$TIT_ID-relay" 198.18.0.5 "${IP[$a]}" "$p:0$i")"
    log "${NAME[$a]} gave client $p:0$i: offered $offered, acked $acked"
    [ "$acked" != none ] && [ "$acked" = "$offered" ] || fail "${NAME[$a]} did not complete a DORA with client $i"
    got[$i]=$acked
  done
  for i in 3 2 1; do
    read -r offered acked <<<"$(tit_relay_dora "$TIT_ID-relay" 198.18.0.5 "${IP[$b]}" "$p:0$i")"
    log "${NAME[$b]} to client $p:0$i (${NAME[$a]} gave ${got[$i]}): offered $offered, acked $acked"
    check "${NAME[$b]} offers client $i the lease ${NAME[$a]} made (${got[$i]})" [ "$offered" = "${got[$i]}" ]
    check "${NAME[$b]} acks client $i the same address" [ "$acked" = "${got[$i]}" ]
  done
}
# What Kea 2.2 does: a client of tandemd's gets its address again from kea-dhcp4.
roundtrip t k 02:00:c6:12:02
# The same from tandemd for a client of kea-dhcp4's.
roundtrip k t 02:00:c6:12:03
ROWS=$(pg_sql "SELECT count(*) FROM lease4")
check "one row per client ($ROWS)" [ "$ROWS" = 6 ]
# Statistics reach the registry at the server's housekeeping tick (250 ms).
found_ge() { [ "$(stat t pkt4-lease-db-lookup-found)" -ge "$1" ]; }
wait_for 3 "tandemd's pkt4-lease-db-lookup-found to reach 3" found_ge 3
check "tandemd found kea-dhcp4's leases in the database" found_ge 3
log "PASS"
