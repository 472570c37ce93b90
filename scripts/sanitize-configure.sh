#!/bin/bash
# Configures the one clang build directory that serves both the sanitizer unit tests and the
# fuzz targets (scripts/test.sh's sanitizer stage, scripts/fuzz.sh): every object built with
# AddressSanitizer + UndefinedBehaviorSanitizer and libFuzzer's coverage instrumentation
# (-fsanitize=fuzzer-no-link), at -O1 with line tables only (-g1): fast enough to build and
# run, and reports still name file and line. Asserts stay on (no NDEBUG).
# usage: scripts/sanitize-configure.sh BUILD_DIR
# env: CXX_FUZZ (default clang++), TANDEM_FUZZ_SECONDS (run time of each fuzz target in
#      `ctest -L fuzz`, default 30)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 1 ] || { sed -n '2,9p' "$0" >&2; exit 2; }
CXX=${CXX_FUZZ:-clang++}
command -v "$CXX" >/dev/null || { echo "sanitize-configure: $CXX not found (scripts/install-deps.sh installs clang)" >&2; exit 1; }
cmake -S "$SRC" -B "$1" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DTANDEM_SANITIZE=address,undefined -DTANDEM_FUZZ=ON \
  -DTANDEM_FUZZ_SECONDS="${TANDEM_FUZZ_SECONDS:-30}" ${CMAKE_CXX_COMPILER_LAUNCHER:+-DCMAKE_CXX_COMPILER_LAUNCHER=$CMAKE_CXX_COMPILER_LAUNCHER}
