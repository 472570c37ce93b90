#!/bin/bash
# Operators' real kea-dhcp4 configs (tests/config/data/corpus, sources in its MANIFEST) run
# unchanged in tandemd: every file `kea-dhcp4 -t` (Kea 2.2) accepts must pass `tandemd -t`
# with no warning that part of it is ignored or not evaluated, unless
# tests/config/data/corpus/EXPECTED names the feature still missing (and tandemd's message
# names it too). Prints one line per file and a summary with the share loaded cleanly.
# Needs no root: both checks run in a private user+network namespace (`unshare -rn`) holding
# the interfaces each file names. Exits 77 (skipped) without tandemd, kea-dhcp4 or unshare.
set -u -o pipefail
TIT_NAME=kea_config_corpus
log() { printf '[%s %s] %s\n' "$(date +%T.%3N)" "$TIT_NAME" "$*" >&2; }
skip() { log "SKIP: $*"; exit 77; }
SRC=${TANDEM_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
TANDEMD=${TANDEMD:-${TANDEM_BUILD:-$SRC/build}/dhcpd/tandemd}
KEA=${KEA_DHCP4:-/usr/sbin/kea-dhcp4}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

[ -x "$TANDEMD" ] || skip "tandemd not built at $TANDEMD"
[ -x "$KEA" ] || skip "kea-dhcp4 not installed at $KEA"
unshare -rn true 2>/dev/null || skip "unshare -rn (user namespaces) not usable here"
WORK=$(mktemp -d "/tmp/kcc-$$.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
timeout 280 "$PY" "$SRC/tests/integration/kea_config_corpus.py" --corpus "$SRC/tests/config/data/corpus" \
  --expected "$SRC/tests/config/data/corpus/EXPECTED" --tandemd "$TANDEMD" --kea "$KEA" --work "$WORK"
