# shellcheck shell=bash
# shellcheck disable=SC2034  # the TRB_* variables are for the sourcing tests
# Helpers shared by the robustness tests (tests/integration/robust_*_test.sh), on top of
# tests/integration/lib.sh (namespaces on a bridge, cleanup trap, time budget).
#
# Source after setting TIT_BUDGET if wanted:
#   . "$TANDEM_SRC/scripts/robust-lib.sh"
#   trb_init                       # root, tools, server binary, bridge + srv/cli namespaces
#   trb_config > file              # a Kea Dhcp4 config (see trb_config for the knobs)
#   tit_server_start srv "$TRB_SRV" file
#   trb_stat pkt4-ack-sent         # one statistic via the UNIX control socket (socat)
#   trb_perf <tag> <perfdhcp args> # bounded perfdhcp from the client namespace; ACKs on stdout
#
# Namespaces are named trb-<pid>-<name> (this test family's prefix), addresses 198.18.0.0/15.

_trb_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TANDEM_SRC=${TANDEM_SRC:-$(cd "$_trb_here/.." && pwd)}
# shellcheck source=../tests/integration/lib.sh
. "$TANDEM_SRC/tests/integration/lib.sh"
# lib.sh names namespaces after TIT_ID; this family uses its own prefix so it never collides.
TIT_ID="trb-$$"
TRB_PROBE="$TANDEM_SRC/scripts/fuzz-dhcp-probe.py"

# trb_init [client-count]: checks, temp dir, trap, topology: srv (198.18.0.1) and cli
# (198.18.0.100), plus cli2 (198.18.0.101) when client-count is 2.
trb_init() {
  tit_init
  tit_require perfdhcp socat python3
  tit_server_bin
  [ "$TIT_SERVER_KIND" = tandemd ] || skip "this test checks tandemd-specific statistics and logs"
  tit_switch
  tit_host srv 02:00:c6:12:00:01 198.18.0.1/15
  tit_host cli 02:00:c6:12:00:64 198.18.0.100/15
  [ "${1:-1}" -ge 2 ] && tit_host cli2 02:00:c6:12:00:65 198.18.0.101/15
  TRB_SRV="$TIT_ID-srv"
  TRB_CLI="$TIT_ID-cli"
  TRB_CLI2="$TIT_ID-cli2"
  TRB_CTRL="$TIT_TMP/ctrl.sock"
}

# trb_config [lease-file] [severity] [extra-json]: a Kea Dhcp4 config on eth0 with persistence,
# a control socket at $TRB_CTRL and the log in server-out.log (in the server's directory).
# perfdhcp acts as a relay (giaddr = its address), so the subnet holds the client addresses.
trb_config() {
  local leases=${1:-leases4.csv} sev=${2:-INFO} extra=${3:-}
  cat <<EOF
{
  "Dhcp4": {
    "interfaces-config": { "interfaces": [ "eth0" ] },
    "lease-database": { "type": "memfile", "persist": true, "name": "$leases", "lfc-interval": 0 },
    "valid-lifetime": 4000, "renew-timer": 1000, "rebind-timer": 2000,
    "control-sockets": [ { "socket-type": "unix", "socket-name": "$TRB_CTRL" } $extra ],
    "subnet4": [ { "id": 1, "subnet": "198.18.0.0/15",
                   "pools": [ { "pool": "198.18.16.0 - 198.19.255.254" } ],
                   "option-data": [ { "name": "routers", "data": "198.18.0.1" } ] } ],
    "loggers": [ { "name": "kea-dhcp4", "output_options": [ { "output": "server-out.log" } ],
                   "severity": "$sev", "debuglevel": 99 } ]
  }
}
EOF
}

# trb_cmd <json>: one command over the UNIX socket; prints the answer.
trb_cmd() {
  echo "$1" | timeout 15 socat -t 10 - "UNIX-CONNECT:$TRB_CTRL" 2>/dev/null
}

# trb_stat <name>: the current value of a statistic (0 when absent). Statistics reach the
# registry from the server's housekeeping tick (250 ms), so callers wait a little first.
trb_stat() {
  trb_cmd "{\"command\": \"statistic-get\", \"arguments\": {\"name\": \"$1\"}}" | python3 -c '
import json, sys
name = sys.argv[1]
try:
    a = json.load(sys.stdin)
    print(a["arguments"][name][0][0] if a.get("result") == 0 and a["arguments"].get(name) else 0)
except Exception:
    print("ERR")' "$1"
}

# trb_get <var> <stat>: sets <var> to the statistic's value in the calling shell; fails the
# test when the control socket does not answer with a number (so a broken socket cannot
# make a comparison pass by reading as 0).
trb_get() {
  local v
  v=$(trb_stat "$2")
  [[ "$v" =~ ^[0-9]+$ ]] || fail "statistic-get $2 over $TRB_CTRL gave '$v'"
  printf -v "$1" '%s' "$v"
}

# trb_stats_settle: waits for two housekeeping ticks so counters are published.
trb_stats_settle() { sleep 0.8; }

# trb_perf <tag> <args...>: runs perfdhcp (bounded by `timeout`) in the client namespace with
# output in $TIT_TMP/perf-<tag>.txt; prints the ACKs it received. TRB_PERF_NS overrides the
# namespace.
trb_perf() {
  local tag=$1; shift
  timeout 75 ip netns exec "${TRB_PERF_NS:-$TRB_CLI}" perfdhcp -4 -l eth0 "$@" >"$TIT_TMP/perf-$tag.txt" 2>&1
  trb_perf_acks "$TIT_TMP/perf-$tag.txt"
}

# trb_perf_acks <file>: REQUEST-ACK received packets from a perfdhcp report (0 if none).
trb_perf_acks() {
  local n
  n=$(awk '/Statistics for: REQUEST-ACK/ {s=1} s && /^received packets:/ {print $3; exit}' "$1" 2>/dev/null)
  echo "${n:-0}"
}

# trb_csv_rows <csv>: complete lease rows with a non-zero lifetime (valid_lifetime 0 marks a
# deletion) in the file and its LFC predecessors. A last row torn by ENOSPC has no newline:
# it is not on disk as a lease and is not counted.
trb_csv_rows() {
  python3 - "$1" <<'PY'
import os, sys
n = 0
for f in (sys.argv[1] + ".2", sys.argv[1] + ".1", sys.argv[1]):
    if not os.path.exists(f):
        continue
    lines = open(f, "rb").read().decode("utf-8", "replace").split("\n")
    for line in lines[1:-1]:
        c = line.split(",")
        if len(c) >= 10 and c[3].isdigit() and int(c[3]) > 0:
            n += 1
print(n)
PY
}

# trb_tmpfs <dir> <size>: mounts a tmpfs of that size on <dir> (skips the test if it cannot)
# and unmounts it on exit -- lazily, as the server may still hold a file there -- before
# lib.sh's cleanup removes the temp dir, keeping the test's exit status.
trb_tmpfs() {
  TRB_TMPFS=$1
  mkdir -p "$TRB_TMPFS"
  mount -t tmpfs -o "size=$2,mode=0755" trb-disk "$TRB_TMPFS" || skip "cannot mount a tmpfs"
  trap _trb_tmpfs_cleanup EXIT
}
_trb_tmpfs_cleanup() {
  local rc=$?
  umount -l "$TRB_TMPFS" 2>/dev/null
  (exit "$rc")
  tit_cleanup
}

# trb_alive: the server process still runs.
trb_alive() { kill -0 "$TIT_SERVER_PID" 2>/dev/null; }

# trb_log_count <regex>: lines of the server log matching the regex.
trb_log_count() {
  local n
  n=$(grep -Ec -- "$1" "$TIT_SERVER_DIR/server-out.log" 2>/dev/null)
  echo "${n:-0}"
}
