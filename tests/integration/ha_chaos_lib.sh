# shellcheck shell=bash
# Helpers for the HA chaos tests (ha_chaos_*_test.sh, issue 11 "Proven under faults"), on top
# of lib.sh's sync_* helpers: a pair (server1 198.18.0.1, server2 198.18.0.2, optional backup
# server3 198.18.0.3) on a bridge, a client namespace c (198.18.0.100) running a bounded
# perfdhcp load, tcpdump recording every reply the clients see, faults injected with nftables
# inside the peers' namespaces, and one verdict at the end (ha_chaos_verify.py): no ACKed lease
# lost and no address held by two clients, checked in every store.
# Source lib.sh first.

CHAOS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
declare -A CHAOS_SID=([server1]=198.18.0.1 [server2]=198.18.0.2 [server3]=198.18.0.3)
declare -A CHAOS_NS=([server1]=s1 [server2]=s2 [server3]=s3)
CHAOS_LOAD_PID=""
CHAOS_CAP_PID=""

# chaos_init: root, tools, binaries.
chaos_init() {
  tit_init
  sync_bins
  tit_require perfdhcp tcpdump nft
}

# chaos_pair_up [label]: starts server1 and server2 (configs written) and waits until both are
# in load-balancing.
chaos_pair_up() {
  sync_start server1 s1 tandem
  sync_start server2 s2 tandem
  sync_wait_state server1 load-balancing 30 && sync_wait_state server2 load-balancing 10 ||
    fail "${1:-}the pair did not reach load-balancing: $(chaos_states server1 server2)"
}

# chaos_capture_start: tcpdump of the servers' replies in the client namespace.
chaos_capture_start() {
  tit_bg "$TIT_TMP/tcpdump.log" ip netns exec "$TIT_ID-c" tcpdump -i eth0 -n -U -B 16384 -s 600 \
    -w "$TIT_TMP/replies.pcap" udp src port 67
  CHAOS_CAP_PID=$TIT_LAST_PID
  wait_for 10 "tcpdump to start" grep -q 'listening on' "$TIT_TMP/tcpdump.log" || fail "tcpdump did not start"
}

chaos_capture_stop() {
  [ -n "$CHAOS_CAP_PID" ] && tit_stop "$CHAOS_CAP_PID" INT 5 >/dev/null
  CHAOS_CAP_PID=""
}

# chaos_load <seconds> <rate> <clients> <mac-prefix>: perfdhcp DORA load from the client
# namespace in the background, bounded by -p and by timeout. PID in CHAOS_LOAD_PID.
chaos_load() {
  local secs=$1 rate=$2 clients=$3 mac=$4
  tit_bg "$TIT_TMP/perfdhcp-$mac.log" ip netns exec "$TIT_ID-c" timeout $((secs + 15)) \
    perfdhcp -4 -l eth0 -r "$rate" -R "$clients" -b "mac=$mac" -p "$secs" -W 2000000
  CHAOS_LOAD_PID=$TIT_LAST_PID
}

# chaos_load_wait: waits for the load to end by itself.
chaos_load_wait() {
  [ -n "$CHAOS_LOAD_PID" ] || return 0
  wait "$CHAOS_LOAD_PID" 2>/dev/null
  CHAOS_LOAD_PID=""
}

# chaos_block <name> <ip> [in|out]: in <name>'s namespace, drop TCP to <ip>:8001 (out: <name>
# cannot open or use connections to that peer's listener) or from <ip> to <name>'s :8001 (in:
# the peer cannot reach <name>'s listener). Packets of the other direction still flow: the
# peer's connections to <name> work, a partition in one direction only.
chaos_block() {
  local ns="$TIT_ID-${CHAOS_NS[$1]}" ip=$2 dir=${3:-out}
  nsx "$ns" nft add table inet chaos 2>/dev/null
  if [ "$dir" = out ]; then
    nsx "$ns" nft add chain inet chaos out '{ type filter hook output priority 0; }'
    nsx "$ns" nft add rule inet chaos out ip daddr "$ip" tcp dport 8001 drop
  else
    nsx "$ns" nft add chain inet chaos in '{ type filter hook input priority 0; }'
    nsx "$ns" nft add rule inet chaos in ip saddr "$ip" tcp dport 8001 drop
  fi
  log "fault: $1 $dir $ip:8001 blocked"
}

# chaos_heal <name>: removes every nftables rule chaos_block put in <name>'s namespace.
chaos_heal() {
  nsx "$TIT_ID-${CHAOS_NS[$1]}" nft delete table inet chaos 2>/dev/null
  log "fault healed on $1"
}

# chaos_states: "server1=<state> server2=<state>" for the log.
chaos_states() {
  local n out=""
  for n in "$@"; do out+="$n=$(sync_state "$n") "; done
  echo "$out"
}

# chaos_dump <name>: lease4-get-all of <name> into $TIT_TMP/<name>.leases.json.
chaos_dump() {
  sync_ctl "$1" '{"command":"lease4-get-all"}' 20 >"$TIT_TMP/$1.leases.json" ||
    fail "lease4-get-all on $1 failed"
}

# chaos_verify [--acked-by-only] <name...>: the verdict over the capture and those stores.
chaos_verify() {
  local opt="" n args=()
  [ "${1:-}" = --acked-by-only ] && { opt=$1; shift; }
  chaos_capture_stop
  for n in "$@"; do
    chaos_dump "$n"
    args+=(--store "$n=${CHAOS_SID[$n]}=$TIT_TMP/$n.leases.json")
  done
  local out
  out=$(/usr/bin/python3 "$CHAOS_DIR/ha_chaos_verify.py" "$TIT_TMP/replies.pcap" $opt "${args[@]}")
  local rc=$?
  log "verdict: $out"
  return $rc
}
