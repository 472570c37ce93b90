#!/bin/bash
# Builds the libFuzzer targets (tests/fuzz/*_fuzz.cpp) with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer in their own build directory, then runs each for a bounded time
# from its seed corpus (tests/fuzz/corpus/<name>/) with tests/fuzz/run_fuzz_target.sh, as CI
# does (scripts/test.sh's sanitizer stage, `ctest -L fuzz`). Any crash, leak, undefined
# behaviour, timeout or broken invariant fails the run; the input that caused it is kept in
# $FUZZ_BUILD_DIR/fuzz-artifacts/ (add it to the corpus and a unit test once fixed).
#
# usage: scripts/fuzz.sh [-t SECONDS] [-k] [name...]   (names: packet4 config ..., default all)
#   -t SECONDS  run time of each target (default 20)
#   -k          keep what the run discovered: new inputs are merged into the seed corpus
#               (for a long local run; CI never writes to the tree)
# env: FUZZ_BUILD_DIR (default <repo>/build-sanitize, the directory scripts/test.sh uses),
#      JOBS (default 2), CXX_FUZZ (clang++), FUZZ_NICE (default 0: niceness of the fuzzers)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${FUZZ_BUILD_DIR:-$SRC/build-sanitize}
JOBS=${JOBS:-2}
SECONDS_EACH=20
KEEP=0
while getopts "t:k" o; do
  case $o in
    t) SECONDS_EACH=$OPTARG ;;
    k) KEEP=1 ;;
    *) sed -n '2,15p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if [ $# -gt 0 ]; then
  names=("$@")
else
  names=()
  for f in "$SRC"/tests/fuzz/*_fuzz.cpp; do n=$(basename "$f" _fuzz.cpp); names+=("$n"); done
fi

"$SRC/scripts/sanitize-configure.sh" "$BUILD" >/dev/null
targets=()
for n in "${names[@]}"; do targets+=("${n}_fuzz"); done
cmake --build "$BUILD" -j"$JOBS" --target "${targets[@]}"

failed=()
for n in "${names[@]}"; do
  KEEP_CORPUS=$KEEP "$SRC/tests/fuzz/run_fuzz_target.sh" "$BUILD/tests/fuzz/${n}_fuzz" "$n" "$SECONDS_EACH" \
    "$BUILD/fuzz-artifacts" || failed+=("$n")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: FAILED: ${failed[*]} (inputs in $BUILD/fuzz-artifacts)" >&2
  exit 1
fi
echo "fuzz.sh: all ${#names[@]} targets ran ${SECONDS_EACH}s each without a finding"
