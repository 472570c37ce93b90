#!/bin/bash
# Full disk, long outage (issue 2: "must recover when space is freed"). Like
# robust_full_disk_test.sh, but the disk stays full while clients keep asking for longer: the
# lease rows queued meanwhile add up to more than the space that is freed afterwards (about
# 4,000 REQUESTs x ~100 bytes against ~230 KiB). A server that keeps and rewrites its whole
# failed batch (plus everything queued since) in one piece can never fit it again, and stays
# down although most of the disk is free; a recovering server writes what fits (or sheds
# rows whose replies were already dropped) and acknowledges new clients again.
# Also prints the server's resident memory before and after the outage (the queued backlog).
# Exits 77 (skipped) without root, perfdhcp, socat, python3 or the tandemd binary.
# shellcheck disable=SC2154  # trb_get assigns the variables it is given (printf -v)
set -u -o pipefail
TIT_BUDGET=${TIT_BUDGET:-170}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../scripts/robust-lib.sh
. "${TANDEM_SRC:-$here/../..}/scripts/robust-lib.sh"

trb_init
tit_require mount umount
DISK="$TIT_TMP/disk"
trb_tmpfs "$DISK" 256k
LEASES="$DISK/leases4.csv"

trb_config "$LEASES" INFO >"$TIT_TMP/dhcp4.json"
tit_server_start srv "$TRB_SRV" "$TIT_TMP/dhcp4.json"
TIT_DIAG+=("$TIT_SERVER_DIR/server-out.log")
wait_for 10 "control socket" test -S "$TRB_CTRL" || fail "no control socket at $TRB_CTRL"
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$TIT_SERVER_PID/status" 2>/dev/null; }

acks_a=$(trb_perf a -R 200 -n 200 -r 100 -p 15 -b mac=00:1a:00:00:00:00)
check "healthy: perfdhcp got its ACKs ($acks_a >= 190 of 200)" test "$acks_a" -ge 190

dd if=/dev/zero of="$DISK/filler" bs=4k >/dev/null 2>&1
rss_before=$(rss)
log "disk full; server RSS ${rss_before} KiB; 4000 exchanges at 300/s from 3000 clients"
acks_b=$(trb_perf b -R 3000 -n 4000 -r 300 -p 25 -b mac=00:1b:00:00:00:00)
rss_after=$(rss)
log "outage: $acks_b ACKs; server RSS ${rss_after} KiB (+$((rss_after - rss_before)) KiB)"
check "tandemd survived the outage" trb_alive

rm -f "$DISK/filler"
log "space freed: $(df -k "$DISK" | awk 'NR == 2 { print $4 " KiB free" }')"
sleep 3
acks_c=$(trb_perf c -R 300 -n 300 -r 100 -p 15 -b mac=00:1c:00:00:00:00)
log "after freeing the space: $acks_c ACKs for 300 new clients; disk now $(df -k "$DISK" | awk 'NR == 2 { print $4 " KiB free" }')"
if [ "$acks_c" -lt 270 ]; then
  grep -c 'DHCP4_LEASE_FILE_WRITE_FAIL' "$TIT_SERVER_DIR/server-out.log" |
    { read -r n; log "DHCP4_LEASE_FILE_WRITE_FAIL logged $n times; the last:"; }
  grep 'DHCP4_LEASE_FILE_WRITE_FAIL' "$TIT_SERVER_DIR/server-out.log" | tail -n 1 >&2
fi
check "new clients get ACKs once space is freed ($acks_c >= 270 of 300)" test "$acks_c" -ge 270
trb_stats_settle
trb_get ack_sent pkt4-ack-sent
rows=$(trb_csv_rows "$LEASES")
check "every ACK sent has its lease row on disk ($ack_sent <= $rows)" test "$ack_sent" -le "$rows"
tit_stop "$TIT_SERVER_PID" TERM 15
log "PASS: recovered after a long outage ($acks_c ACKs), RSS +$((rss_after - rss_before)) KiB during it"
