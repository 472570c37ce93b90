#!/bin/bash
# Runs one libFuzzer target for a bounded time from its seed corpus (tests/fuzz/corpus/<name>/)
# and its dictionary (tests/fuzz/<name>.dict, when there is one). New inputs go to a scratch
# corpus that is deleted afterwards, so the tree is never written; with KEEP_CORPUS=1 the ones
# adding coverage are merged into the seeds instead (a long local run, scripts/fuzz.sh -k).
# A crash, leak (LeakSanitizer after every input), undefined behaviour (aborts), an input
# taking over 10 s, 2 GiB of memory or a broken invariant fails the run (exit 1); the input is
# kept in ARTIFACTS/<name>-crash-... for a corpus entry and a regression test.
# FUZZ_SEED fixes libFuzzer's seed (scripts/test.sh sets it, so that CI explores the same
# inputs in the same order each run and a landing is never refused by chance; scripts/fuzz.sh
# leaves it unset to explore anew each time). FUZZ_RUNS caps the number of inputs as well, so
# that with a fixed seed the run is the same sequence of inputs on any machine (time only cuts
# it short).
# usage: run_fuzz_target.sh BINARY NAME SECONDS ARTIFACTS   (ctest -L fuzz, scripts/fuzz.sh)
set -euo pipefail
[ $# -eq 4 ] || { sed -n '2,9p' "$0" >&2; exit 2; }
BIN=$1 NAME=$2 SECS=$3 ART=$4
DIR=$(cd "$(dirname "$0")" && pwd)
SEEDS=$DIR/corpus/$NAME
[ -d "$SEEDS" ] || { echo "run_fuzz_target: no seed corpus $SEEDS" >&2; exit 2; }
mkdir -p "$ART"
work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-$NAME.XXXXXX")
log=$work.log
trap 'rm -rf "$work" "$log"' EXIT
dict=()
[ -f "$DIR/$NAME.dict" ] && dict=(-dict="$DIR/$NAME.dict")
seed=()
[ -n "${FUZZ_SEED:-}" ] && seed=(-seed="$FUZZ_SEED")
[ -n "${FUZZ_RUNS:-}" ] && seed+=(-runs="$FUZZ_RUNS")
echo "fuzz $NAME: ${SECS}s${FUZZ_RUNS:+ or $FUZZ_RUNS inputs} from $(ls "$SEEDS" | wc -l) seeds${FUZZ_SEED:+, seed $FUZZ_SEED}"
rc=0
nice -n "${FUZZ_NICE:-0}" "$BIN" "${dict[@]}" "${seed[@]}" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$ART/$NAME-" "$work" "$SEEDS" >"$log" 2>&1 || rc=$?
if [ "$rc" != 0 ]; then
  tail -80 "$log" >&2
  echo "fuzz $NAME: FAILED (exit $rc); the input is in $ART/" >&2
  exit 1
fi
grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' "$log" |
  tr '\n' ' ' | sed "s/^/fuzz $NAME: /;s/\$/\n/"
if [ "${KEEP_CORPUS:-0}" = 1 ]; then
  "$BIN" -merge=1 "$SEEDS" "$work" >/dev/null 2>&1 || true
fi
