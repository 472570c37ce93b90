#!/usr/bin/env bash
# Times loading 1M and 2M leases from Kea-format CSV files and reports resident memory per
# lease (VmRSS growth over the load / leases). Targets (issue 2): 2M leases in under 5 s,
# under 250 bytes per lease. Not a test: it prints figures.
#   scripts/bench-lease-load.sh [build-dir]      (default: build)
# With JOURNAL=1 it also runs the journal/store micro-benchmarks (lease_journal_bench).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-${TANDEM_BUILD:-$SRC/build}}
cmake --build "$BUILD" --target tandem-leasetool >/dev/null 2>&1 || { echo "build of tandem-leasetool failed" >&2; exit 1; }
TOOL=$BUILD/tests/tandem-leasetool

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tls-leasebench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

for n in 1000000 2000000; do
  f=$WORK/leases-$n.csv
  "$TOOL" generate "$f" "$n"
  printf '%8d leases, file %4d MiB: ' "$n" $(( $(stat -c %s "$f") / 1048576 ))
  # Second run reads a warm page cache, as a restart right after a stop would; both shown.
  "$TOOL" load "$f"
  printf '%8s (again)              : ' ""
  "$TOOL" load "$f"
  rm -f "$f"
done

if [ "${JOURNAL:-0}" = 1 ]; then
  cmake --build "$BUILD" --target lease_journal_bench >/dev/null 2>&1 || { echo "build of lease_journal_bench failed" >&2; exit 1; }
  TANDEM_BENCH_DIR=$WORK "$BUILD/tests/lease_journal_bench"
fi
