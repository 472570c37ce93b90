#!/bin/bash
# Full disk (issue 2: "a bound lease is written and synced before its ACK is sent", "never a
# crash, the server keeps serving"). The lease file lives on a 256 KiB tmpfs:
#   A. healthy: perfdhcp gets its ACKs;
#   B. a filler file takes all the free space; perfdhcp with new clients: tandemd must stay
#      up, log the write error (DHCP4_LEASE_FILE_WRITE_FAIL ... No space left on device), and
#      send no ACK whose lease is not in the file. tcpdump in the client namespace records
#      every ACK; each (yiaddr, chaddr) must be a complete row of the lease file as it is
#      while the disk is still full (scripts/robust-dhcp-acks.py), and the server's own
#      pkt4-ack-sent must not exceed the complete rows in the file;
#   C. the filler is deleted: new clients get ACKs again, and those are on disk too.
# Exits 77 (skipped) without root, perfdhcp, socat, tcpdump, python3 or the tandemd binary.
# shellcheck disable=SC2154  # trb_get assigns the variables it is given (printf -v)
set -u -o pipefail
TIT_BUDGET=${TIT_BUDGET:-170}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../scripts/robust-lib.sh
. "${TANDEM_SRC:-$here/../..}/scripts/robust-lib.sh"
ACKS_PY="$TANDEM_SRC/scripts/robust-dhcp-acks.py"

trb_init
tit_require tcpdump mount umount
DISK="$TIT_TMP/disk"
trb_tmpfs "$DISK" 256k
LEASES="$DISK/leases4.csv"

trb_config "$LEASES" INFO >"$TIT_TMP/dhcp4.json"
tit_server_start srv "$TRB_SRV" "$TIT_TMP/dhcp4.json"
TIT_DIAG+=("$TIT_SERVER_DIR/server-out.log")
wait_for 10 "control socket" test -S "$TRB_CTRL" || fail "no control socket at $TRB_CTRL"

# capture <name>: tcpdump of the server's replies as seen by the client; PID in CAP_PID.
capture() {
  tit_bg "$TIT_TMP/tcpdump-$1.log" ip netns exec "$TRB_CLI" tcpdump -i eth0 -n -U -B 8192 -s 600 \
    -w "$TIT_TMP/$1.pcap" 'udp and src host 198.18.0.1 and src port 67'
  CAP_PID=$TIT_LAST_PID
  wait_for 10 "tcpdump $1 to start" grep -q 'listening on' "$TIT_TMP/tcpdump-$1.log" || fail "tcpdump did not start"
}
# durable_check <pcap> <csv...>: every captured ACK has its row; prints the checker's JSON.
durable_check() {
  local pcap=$1; shift
  local args=() c
  for c in "$@"; do args+=(--csv "$c"); done
  python3 "$ACKS_PY" "$pcap" "${args[@]}"
}
jfield() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

# ---- A: healthy --------------------------------------------------------------------------
capture full
acks_a=$(trb_perf a -R 300 -n 300 -r 100 -p 15 -b mac=00:0a:00:00:00:00)
log "A (healthy): $acks_a ACKs"
check "A: perfdhcp got its ACKs ($acks_a >= 285 of 300)" test "$acks_a" -ge 285

# ---- B: the disk is full -----------------------------------------------------------------
# dd stops at ENOSPC; that is the point.
dd if=/dev/zero of="$DISK/filler" bs=4k >/dev/null 2>&1
log "disk full: $(df -k "$DISK" | awk 'NR == 2 { print $3 " KiB used, " $4 " KiB free" }'), lease file $(stat -c %s "$LEASES") bytes"
OUT_N=${TRB_OUTAGE_N:-1200}
acks_b=$(trb_perf b -R 800 -n "$OUT_N" -r "${TRB_OUTAGE_RATE:-150}" -p 20 -b mac=00:0b:00:00:00:00)
log "B (disk full): $acks_b ACKs for $OUT_N offered exchanges"
sleep 1
check "B: tandemd survived the full disk" trb_alive
wait_for 10 "the write error in the log" grep -q 'DHCP4_LEASE_FILE_WRITE_FAIL.*No space left on device' \
  "$TIT_SERVER_DIR/server-out.log"
check "B: the write error is logged (DHCP4_LEASE_FILE_WRITE_FAIL ... No space left on device)" \
  grep -q 'DHCP4_LEASE_FILE_WRITE_FAIL.*No space left on device' "$TIT_SERVER_DIR/server-out.log"
# Only the slack in the lease file's last tmpfs page can take rows; most requests get no ACK.
check "B: most requests went unacknowledged ($acks_b of $OUT_N)" test "$acks_b" -le $((OUT_N / 2))
trb_stats_settle
trb_get ack_sent pkt4-ack-sent
trb_get not_durable pkt4-ack-not-durable-drop
tit_stop "$CAP_PID" INT 5
cp "$LEASES" "$TIT_TMP/snapshot.csv"
rows=$(trb_csv_rows "$TIT_TMP/snapshot.csv")
log "B: pkt4-ack-sent $ack_sent, pkt4-ack-not-durable-drop $not_durable, complete rows on disk $rows"
res=$(durable_check "$TIT_TMP/full.pcap" "$TIT_TMP/snapshot.csv")
log "B: captured ACKs vs. the lease file while full: $res"
captured=$(jfield "$res" acks)
check "B: tcpdump saw the ACKs the server counted ($captured of $ack_sent)" test "$captured" -ge $((ack_sent * 98 / 100))
check "A+B: every ACK sent is for a lease row on disk ($(jfield "$res" missing) missing)" test "$(jfield "$res" missing)" -eq 0
check "A+B: pkt4-ack-sent ($ack_sent) <= complete lease rows on disk ($rows)" test "$ack_sent" -le "$rows"
check "B: replies whose lease was not on disk were dropped and counted ($not_durable)" test "$not_durable" -ge 1

# ---- C: space freed ----------------------------------------------------------------------
rm -f "$DISK/filler"
log "space freed: $(df -k "$DISK" | awk 'NR == 2 { print $4 " KiB free" }')"
# The journal retries its pending batch every 200 ms; give it a moment, then new clients.
sleep 2
capture recovered
acks_c=$(trb_perf c -R 300 -n 300 -r 100 -p 15 -b mac=00:0c:00:00:00:00)
log "C (space freed): $acks_c ACKs"
check "C: new clients get ACKs again ($acks_c >= 270 of 300)" test "$acks_c" -ge 270
sleep 1  # let tcpdump drain its buffer before it stops
tit_stop "$CAP_PID" INT 5
check "C: tandemd still running" trb_alive
res=$(durable_check "$TIT_TMP/recovered.pcap" "$LEASES")
log "C: captured ACKs vs. the lease file: $res"
check "C: every ACK after recovery is on disk" test "$(jfield "$res" missing)" -eq 0
trb_stats_settle
trb_get ack_sent pkt4-ack-sent
rows=$(trb_csv_rows "$LEASES")
check "all: pkt4-ack-sent ($ack_sent) <= complete lease rows on disk ($rows)" test "$ack_sent" -le "$rows"

tit_stop "$TIT_SERVER_PID" TERM 15
check "tandemd exits 0 on SIGTERM (exit $TIT_STOP_RC)" test "$TIT_STOP_RC" -eq 0
log "PASS: A $acks_a, B $acks_b (disk full), C $acks_c ACKs; every ACK on disk"
