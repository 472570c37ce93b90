#!/bin/bash
# Builds the libFuzzer targets (tests/fuzz/*_fuzz.cpp) with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer in their own build directory, then runs each for a bounded time
# from its seed corpus (tests/fuzz/corpus/<name>/). Any crash, leak, undefined behaviour,
# timeout or broken invariant fails the run; the input that caused it is kept in
# $FUZZ_BUILD_DIR/artifacts/ (add it to the corpus and a unit test once fixed).
#
# usage: scripts/fuzz.sh [-t SECONDS] [-k] [name...]   (names: packet4 config ..., default all)
#   -t SECONDS  run time of each target (default 20)
#   -k          keep what the run discovered: new inputs are merged into the seed corpus
#               (for a long local run; CI never writes to the tree)
# env: FUZZ_BUILD_DIR (default <repo>/build-fuzz), JOBS (default 2), CXX_FUZZ (clang++),
#      FUZZ_NICE (default 0: niceness of the fuzzers)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${FUZZ_BUILD_DIR:-$SRC/build-fuzz}
JOBS=${JOBS:-2}
SECONDS_EACH=20
KEEP=0
while getopts "t:k" o; do
  case $o in
    t) SECONDS_EACH=$OPTARG ;;
    k) KEEP=1 ;;
    *) sed -n '2,14p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
CORPUS=$SRC/tests/fuzz/corpus
if [ $# -gt 0 ]; then
  names=("$@")
else
  names=()
  for f in "$SRC"/tests/fuzz/*_fuzz.cpp; do n=$(basename "$f" _fuzz.cpp); names+=("$n"); done
fi

cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="${CXX_FUZZ:-clang++}" \
  -DTANDEM_FUZZ=ON -DTANDEM_SANITIZE=address,undefined >/dev/null
targets=()
for n in "${names[@]}"; do targets+=("${n}_fuzz"); done
cmake --build "$BUILD" -j"$JOBS" --target "${targets[@]}"

ART=$BUILD/artifacts
mkdir -p "$ART"
failed=()
for n in "${names[@]}"; do
  seeds=$CORPUS/$n
  [ -d "$seeds" ] || { echo "fuzz.sh: no seed corpus $seeds" >&2; exit 1; }
  work=$(mktemp -d "$BUILD/corpus-$n.XXXXXX")
  dict=()
  [ -f "$SRC/tests/fuzz/$n.dict" ] && dict=(-dict="$SRC/tests/fuzz/$n.dict")
  echo "fuzz.sh: $n for ${SECONDS_EACH}s ($(ls "$seeds" | wc -l) seeds)"
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb: a blow-up is a failure too.
  # UBSan findings abort (-fno-sanitize-recover); ASan's leak check runs at every input's end.
  if ! nice -n "${FUZZ_NICE:-0}" "$BUILD/tests/fuzz/${n}_fuzz" "${dict[@]}" -max_total_time="$SECONDS_EACH" \
      -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$ART/$n-" \
      "$work" "$seeds" >"$BUILD/$n.log" 2>&1; then
    failed+=("$n")
    tail -60 "$BUILD/$n.log" >&2
  fi
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' "$BUILD/$n.log" |
    tr '\n' ' ' | sed "s/^/fuzz.sh: $n: /;s/\$/\n/"
  if [ "$KEEP" = 1 ]; then
    # Keep only inputs that add coverage to the seeds (libFuzzer's merge).
    "$BUILD/tests/fuzz/${n}_fuzz" -merge=1 "$seeds" "$work" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: FAILED: ${failed[*]} (inputs in $ART)" >&2
  exit 1
fi
echo "fuzz.sh: all ${#names[@]} targets ran ${SECONDS_EACH}s each without a finding"
