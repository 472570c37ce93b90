#!/bin/bash
# The one-command test run (README, .ci/run): configure, build with 2 jobs, run every test
# (unit tests, the layering check, the network-namespace integration tests; these need root
# and are reported as skipped without it). Missing Debian packages are installed first
# (scripts/install-deps.sh, as root). Extra arguments go to ctest, e.g. -L unit.
# env: BUILD_DIR (default <repo>/build), JOBS (default 2)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD_DIR:-$SRC/build}
JOBS=${JOBS:-2}
# On a machine with only Debian 12 and the clone, install the packages first (root).
# Without root the install cannot run; the build then fails clearly or the tests that need a
# missing tool report themselves skipped.
"$SRC/scripts/install-deps.sh" --if-missing || [ "$(id -u)" != 0 ] || exit 1
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$BUILD" -j"$JOBS"
ctest --test-dir "$BUILD" --output-on-failure -j"$JOBS" "$@"
