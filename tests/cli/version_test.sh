#!/bin/bash
# tandemd and tandemctl print the version CMake's project(VERSION) gives, on the flags Kea's
# programs use: kea-dhcp4 -v prints the bare version and -V an extended report (tandemd
# mirrors both and adds --version); tandemctl has -v/--version. Help goes to stdout with exit
# 0, an unknown flag is a usage error. Runs no daemon.
# usage: version_test.sh TANDEMD TANDEMCTL VERSION
set -u -o pipefail
TANDEMD=$1 TANDEMCTL=$2 VERSION=$3
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# expect_out <description> <expected stdout> <expected exit code> <command...>
expect_out() {
  local what=$1 want=$2 code=$3; shift 3
  local out rc
  out=$("$@" 2>/dev/null); rc=$?
  [ "$rc" = "$code" ] || fail "$what: exit $rc, expected $code"
  [ "$out" = "$want" ] || fail "$what: printed '$out', expected '$want'"
  [ "$rc" = "$code" ] && [ "$out" = "$want" ] && echo "ok: $what"
}

[[ $VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "project version '$VERSION' is not X.Y.Z"
expect_out "tandemd -v" "$VERSION" 0 "$TANDEMD" -v
expect_out "tandemd --version" "$VERSION" 0 "$TANDEMD" --version
expect_out "tandemctl -v" "$VERSION" 0 "$TANDEMCTL" -v
expect_out "tandemctl --version" "$VERSION" 0 "$TANDEMCTL" --version
# The version wins wherever it stands, as --help does: nothing is sent to a daemon.
expect_out "tandemctl --version after a command" "$VERSION" 0 "$TANDEMCTL" -s /nonexistent status --version

# -V: the version on the first line, then the build's libraries.
ext=$("$TANDEMD" -V) || fail "tandemd -V exit $?"
[ "$(head -n1 <<<"$ext")" = "$VERSION" ] || fail "tandemd -V first line: $(head -n1 <<<"$ext")"
for lib in Boost OpenSSL nlohmann_json fmt; do
  grep -q "$lib" <<<"$ext" || fail "tandemd -V does not name $lib"
done
echo "ok: tandemd -V"

# Help on stdout, exit 0, naming the version flags; unknown flags are usage errors.
help=$("$TANDEMD" --help) || fail "tandemd --help exit $?"
grep -q -- "--version" <<<"$help" || fail "tandemd --help does not mention --version"
help=$("$TANDEMCTL" --help) || fail "tandemctl --help exit $?"
grep -q -- "--version" <<<"$help" || fail "tandemctl --help does not mention --version"
"$TANDEMD" --bogus >/dev/null 2>&1; rc=$?
[ "$rc" = 1 ] || fail "tandemd --bogus: exit $rc, expected 1 (usage)"
"$TANDEMCTL" --bogus >/dev/null 2>&1; rc=$?
[ "$rc" = 2 ] || fail "tandemctl --bogus: exit $rc, expected 2 (usage)"
echo "ok: help and usage errors"

# tandemd's own --coalesce-window (packet thread, issue 12): 0-1000 microseconds, anything
# else a usage error, never accepted silently.
help=$("$TANDEMD" --help)
grep -q -- "--coalesce-window" <<<"$help" || fail "tandemd --help does not mention --coalesce-window"
expect_out "tandemd --coalesce-window 1000 -v" "$VERSION" 0 "$TANDEMD" --coalesce-window 1000 -v
expect_out "tandemd --coalesce-window 0 -v" "$VERSION" 0 "$TANDEMD" --coalesce-window 0 -v
for bad in 1001 -1 250us ""; do
  "$TANDEMD" --coalesce-window "$bad" -v >/dev/null 2>&1; rc=$?
  [ "$rc" = 1 ] || fail "tandemd --coalesce-window '$bad': exit $rc, expected 1 (usage)"
done
"$TANDEMD" --coalesce-window >/dev/null 2>&1; rc=$?
[ "$rc" = 1 ] || fail "tandemd --coalesce-window without a value: exit $rc, expected 1 (usage)"
"$TANDEMD" --commit-window "" -v >/dev/null 2>&1; rc=$?
[ "$rc" = 1 ] || fail "tandemd --commit-window '': exit $rc, expected 1 (usage)"
echo "ok: --coalesce-window bounds"

[ "$failures" = 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "all version checks passed"
