#!/bin/bash
# Progress of long commands (lease4-wipe, a big reservation-get-all) in tandemctl and in the
# server log. One tandemd with 1,000,000 leases (records in 10.0.0.0/8, no packet is ever sent
# to them) and 60,000 host reservations:
#  1. `tandemctl reservations --subnet 2` prints every host (stdout) while status-get shows the
#     operation; `tandemctl leases wipe --subnet 1` deletes every lease of subnet 1, printing
#     "lease4-wipe: N of 400000 leases (P%), T s" lines on stderr (not a terminal) while it runs;
#  2. meanwhile status-get answers (the daemon works in slices) with "operations":
#     [{"command": "lease4-wipe", "done", "total", ...}] (checked when the wipe lasts over 1.5 s
#     here), and afterwards a DHCP client is served;
#  3. the log has the closing line "lease4-wipe: 400000 leases in N ms" (and progress lines
#     "DHCP4_OPERATION_PROGRESS" when it took over 2 s); the lease file holds no live lease.
# Namespaces h-app-<pid>-*, addresses 198.18.0.0/24. Exit 77 = skipped.
TIT_BUDGET=${TIT_BUDGET:-200}
. "$(dirname "$0")/lib.sh"
TIT_ID="h-app-$$"
tit_init
tit_require socat jq python3 perfdhcp
tit_server_bin
[ "$TIT_SERVER_KIND" = tandemd ] || skip "tandemctl and the progress are tandemd's"
CTL=${TANDEMCTL:-$(dirname "$TIT_SERVER")/tandemctl}
[ -x "$CTL" ] || skip "no tandemctl at $CTL"

tit_switch
tit_host srv 02:00:c6:12:6e:01 198.18.0.1/24
tit_host c 02:00:c6:12:6e:64 198.18.0.100/24
SRV="$TIT_ID-srv"
D="$TIT_TMP/srv"
mkdir -p "$D"
N=1000000 H=60000
/usr/bin/python3 - "$D" "$N" "$H" <<'PY' || fail "generating the lease file and the config"
import json, sys
d, n, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(f"{d}/leases4.csv", "w") as f:
    f.write("address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context\n")
    for i in range(n):
        a = (10 << 24) + (1 << 16) + i
        f.write(f"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255},02:00:{(i >> 24) & 255:02x}:{(i >> 16) & 255:02x}:"
                f"{(i >> 8) & 255:02x}:{i & 255:02x},,86400,2000000000,1,0,0,,0,\n")
hosts = [{"hw-address": f"0a:00:00:{(i >> 16) & 255:02x}:{(i >> 8) & 255:02x}:{i & 255:02x}", "hostname": f"h{i}"}
         for i in range(h)]
cfg = {"Dhcp4": {
    "interfaces-config": {"interfaces": ["eth0"], "dhcp-socket-type": "raw"},
    "control-socket": {"socket-type": "unix", "socket-name": f"{d}/ctrl.sock"},
    "lease-database": {"type": "memfile", "persist": True, "name": f"{d}/leases4.csv", "lfc-interval": 0},
    "valid-lifetime": 86400,
    "subnet4": [{"id": 1, "subnet": "10.0.0.0/8"},
                {"id": 2, "subnet": "198.18.0.0/24", "pools": [{"pool": "198.18.0.10 - 198.18.0.200"}],
                 "reservations": hosts}],
    "loggers": [{"name": "kea-dhcp4", "output_options": [{"output": f"{d}/server.log"}], "severity": "INFO"}]}}
json.dump(cfg, open(f"{d}/dhcp4.json", "w"))
PY
TIT_DIAG+=("$D/server.log")
( cd "$D" && exec ip netns exec "$SRV" "$TIT_SERVER" -c "$D/dhcp4.json" >>"$D/stdout.log" 2>&1 ) &
PID=$!
TIT_PIDS+=("$PID")
ctl() { "$CTL" -s "$D/ctrl.sock" "$@"; }
up() { ctl status >/dev/null 2>&1; }
wait_for 60 "tandemd with $N leases answering" up || fail "tandemd did not start"
assigned1() {  # subnet 1's assigned-addresses, from Kea's stat-lease4-get
  ctl --json raw '{"command":"stat-lease4-get","arguments":{"subnet-id":1}}' |
    jq '.arguments["result-set"] | .rows[0][.columns | index("assigned-addresses")]'
}
check "$N leases loaded" [ "$(assigned1)" = "$N" ]

# ---- 1. reservations of a big subnet ----------------------------------------------------------
ctl reservations --subnet 2 >"$TIT_TMP/hosts.out" 2>"$TIT_TMP/hosts.err" || fail "tandemctl reservations: $(head -c 300 "$TIT_TMP/hosts.err")"
check "every reservation printed ($(grep -c '0a:00:00:' "$TIT_TMP/hosts.out") of $H)" [ "$(grep -c '0a:00:00:' "$TIT_TMP/hosts.out")" = "$H" ]
check "no progress text on stdout" bash -c "! grep -q 'reservation-get-all:' '$TIT_TMP/hosts.out'"
check "stderr holds only progress lines" bash -c "! grep -v '^reservation-get-all: [0-9]* of $H hosts ([0-9]*%), [0-9.]* s\$' '$TIT_TMP/hosts.err' | grep -q ."

# ---- 2. the wipe, watched -----------------------------------------------------------------------
statusw() {  # status-get every 0.2 s while the wipe runs: the daemon answers between slices
  while :; do
    ctl --timeout 5 --json status 2>/dev/null | jq -c '.arguments.operations // empty' >>"$TIT_TMP/ops"
    sleep 0.2
  done
}
statusw &
WATCH=$!
TIT_PIDS+=("$WATCH")
T0=$(date +%s.%N)
ctl leases wipe --subnet 1 >"$TIT_TMP/wipe.out" 2>"$TIT_TMP/wipe.err" || fail "tandemctl leases wipe: $(head -c 300 "$TIT_TMP/wipe.err")"
T1=$(date +%s.%N)
kill "$WATCH" 2>/dev/null; wait "$WATCH" 2>/dev/null
SECS=$(python3 -c "print(round($T1 - $T0, 2))")
log "wipe took $SECS s; tandemctl printed: $(tr '\n' '|' <"$TIT_TMP/wipe.err")"
check "the answer: $(cat "$TIT_TMP/wipe.out")" grep -qx "Deleted $N IPv4 lease(s) from subnet(s) 1" "$TIT_TMP/wipe.out"
check "stderr holds only progress lines" bash -c "! grep -v '^lease4-wipe: [0-9]* of $N leases ([0-9]*%), [0-9.]* s\$' '$TIT_TMP/wipe.err' | grep -q ."
long=$(python3 -c "print(int($SECS >= 1.5))")
if [ "$long" = 1 ]; then
  check "tandemctl showed progress (over 1.5 s)" grep -q '^lease4-wipe: ' "$TIT_TMP/wipe.err"
  check "status-get showed the operation while it ran" grep -q '"command":"lease4-wipe"' "$TIT_TMP/ops"
  partial=$(jq -s "[.[][] | select(.command == \"lease4-wipe\" and .done < $N)] | length" "$TIT_TMP/ops")
  check "status-get answered during the wipe ($partial answers saw it unfinished)" [ "$partial" -ge 1 ]
else
  log "the wipe was too quick to watch on this machine ($SECS s)"
fi
check "the log's closing line" grep -qE "DHCP4_OPERATION_DONE .*lease4-wipe: $N leases in [0-9]+ ms" "$D/server.log"
if python3 -c "import sys; sys.exit(0 if $SECS >= 2.5 else 1)"; then
  check "progress lines in the log (over 2.5 s)" grep -qE "DHCP4_OPERATION_PROGRESS .*lease4-wipe: [0-9]+ of $N leases \([0-9]+%\)" "$D/server.log"
fi
check "no lease left in subnet 1" [ "$(assigned1)" = 0 ]
no_ops() { ! ctl --json status | jq -e '.arguments.operations' >/dev/null; }
check "status-get shows no operation afterwards" no_ops
# DHCP is served as usual afterwards.
nsx "$TIT_ID-c" timeout 20 perfdhcp -4 -l eth0 -r 5 -n 5 -R 5 -p 8 -W 1000000 >"$TIT_TMP/perfdhcp.log" 2>&1
check "DHCP served after the wipe" grep -qE 'received packets: [1-9]' "$TIT_TMP/perfdhcp.log"
kill -0 "$PID" || fail "tandemd died"
log "PASS"
