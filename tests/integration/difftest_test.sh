#!/bin/bash
# Differential test against the real Kea 2.2 (tests/difftest/difftest.py): hundreds of scripted
# DHCPv4 exchanges (RFC 2131 4.3 cases, relays, reservations, options, malformed packets) are
# played against kea-dhcp4 and tandemd, each in its own pair of namespaces with the same config
# and addresses; every reply is compared field by field. Fails on any difference not listed in
# tests/difftest/expected_divergences*.json. The summary line counts scenarios, identical,
# expected and unexpected divergences.
. "$(dirname "$0")/lib.sh"
TIT_BUDGET=280 tit_init
tit_server_bin
[ "$TIT_SERVER_KIND" = tandemd ] || skip "compares tandemd with Kea; DHCP_SERVER_BIN must be tandemd"
KEA=${KEA_DHCP4:-/usr/sbin/kea-dhcp4}
[ -x "$KEA" ] || skip "kea-dhcp4 not installed ($KEA)"
PY=/usr/bin/python3
"$PY" -c 'import scapy' 2>/dev/null || skip "python3-scapy not installed"
SRC=${TANDEM_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}

# The driver makes its namespaces under this prefix and deletes them; the trap below deletes
# any left over (a killed driver), by that exact prefix only.
PREFIX="$TIT_ID-dt"
drop_ns() {
  local ns
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
    case "$ns" in "$PREFIX"-*) ip netns del "$ns" 2>/dev/null ;; esac
  done
}
trap 'rc=$?; drop_ns; (exit $rc); tit_cleanup' EXIT

tit_bg "$TIT_TMP/difftest.log" "$PY" "$SRC/tests/difftest/difftest.py" --tandemd "$TIT_SERVER" \
  --kea "$KEA" --prefix "$PREFIX" --workdir "$TIT_TMP/work"
DT_PID=$TIT_LAST_PID
wait "$DT_PID"
rc=$?
cat "$TIT_TMP/difftest.log" >&2
[ "$rc" = 77 ] && skip "difftest skipped"
[ "$rc" = 0 ] || fail "divergences from Kea 2.2 (see above; work files in $TIT_TMP/work with TIT_KEEP=1)"
log "PASS"
