#!/bin/bash
# Checks that the C++ sources follow .clang-format (clang-format 14, Debian's `clang-format`).
# usage: scripts/check-format.sh          list the files that differ and count the changed lines;
#                                        exit 1 when any file differs
#        scripts/check-format.sh --fix    reformat those files in place
# Only files tracked by git are looked at (build directories and generated files are not).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
cd "$SRC"
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
command -v "$CLANG_FORMAT" >/dev/null || { echo "check-format: $CLANG_FORMAT not found (apt-get install clang-format)" >&2; exit 2; }
mapfile -t files < <(git ls-files '*.cpp' '*.h')
if [ "${1:-}" = "--fix" ]; then
  printf '%s\0' "${files[@]}" | xargs -0 -n 50 "$CLANG_FORMAT" -i --style=file
  exit 0
fi
# One clang-format run over every file (a few seconds); only when it finds something is each
# file diffed to name it and count its lines.
if printf '%s\0' "${files[@]}" | xargs -0 -n 100 "$CLANG_FORMAT" --style=file --dry-run --Werror 2>/dev/null; then
  echo "check-format: all ${#files[@]} files follow .clang-format"
  exit 0
fi
bad=0 lines=0
for f in "${files[@]}"; do
  n=$("$CLANG_FORMAT" --style=file "$f" | diff "$f" - | grep -c '^<' || true)
  if [ "$n" -gt 0 ]; then
    echo "$f: $n lines differ"
    bad=$((bad + 1)) lines=$((lines + n))
  fi
done
if [ "$bad" -gt 0 ]; then
  echo "check-format: $bad of ${#files[@]} files differ from .clang-format ($lines lines); fix: scripts/check-format.sh --fix" >&2
  exit 1
fi
echo "check-format: all ${#files[@]} files follow .clang-format"
