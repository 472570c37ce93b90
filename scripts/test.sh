#!/bin/bash
# The one-command test run (README, .ci/run): configure, build with 2 jobs, run every test
# (unit tests, the layering check, the network-namespace integration tests; these need root
# and are reported as skipped without it). Extra arguments go to ctest, e.g. -L unit.
# env: BUILD_DIR (default <repo>/build), JOBS (default 2)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD_DIR:-$SRC/build}
JOBS=${JOBS:-2}
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$BUILD" -j"$JOBS"
ctest --test-dir "$BUILD" --output-on-failure -j"$JOBS" "$@"
