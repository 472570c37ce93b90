#!/bin/bash
# Times the README's first command on a fresh Debian 12 machine (issue 14's first target):
# debootstrap bookworm into a new folder, clone this repository into it, then chroot and run
# `scripts/ha-demo.sh` as a new user would (it installs the packages with
# scripts/install-deps.sh, builds tandemd and tandemctl, runs the HA demo). Prints the time
# of each phase (packages, build, demo, total) and the machine's load average during the run.
# With --tests, then also times the second command (`scripts/test.sh`) in the same root,
# bounded by a timeout.
#
# A tool, not a CI test (CI itself starts from a fresh machine). Needs root, debootstrap and
# git, and network access to the Debian mirror this machine's apt uses (the chroot's apt gets
# the same suites: bookworm, bookworm-updates, bookworm-security). Everything happens in a
# private mount namespace (the chroot's /proc, /sys, /dev, /run and the demo's named network
# namespaces are gone with it); the folder is removed on exit, also on failure or Ctrl-C.
# The demo's network namespaces are named in the chroot's own /run/netns and their links live
# inside them: nothing collides with tests running on the host, and they are deleted by the
# demo (and by the private /run's end) afterwards.
#
# usage: sudo scripts/fresh-machine.sh [--tests] [--keep] [WORKDIR]
#        WORKDIR  new folder for the root (default /var/tmp/tandem-fresh-<pid>; it must not
#                 exist, and must not be inside this repository)
#        --tests  also run and time `scripts/test.sh` (bounded by TESTS_TIMEOUT)
#        --keep   keep WORKDIR (the root and the logs) instead of removing it
# env:   MIRROR (default: this machine's Debian mirror), SECURITY_MIRROR, REPO (what to clone,
#        default this repository), DEMO_TIMEOUT (s, default 5400), TESTS_TIMEOUT (s, 5400)
# exit:  0 the demo passed (and the tests, with --tests); 1 otherwise; 2 usage
set -u -o pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
TESTS=0 KEEP=0 WORK=""
for a in "$@"; do
  case "$a" in
    --tests) TESTS=1 ;;
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fresh-machine: unknown option $a" >&2; exit 2 ;;
    *) [ -z "$WORK" ] || { echo "fresh-machine: one WORKDIR only" >&2; exit 2; }; WORK=$a ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "fresh-machine: must run as root (debootstrap, chroot, mounts)" >&2; exit 2; }
for t in debootstrap git unshare chroot findmnt; do
  command -v "$t" >/dev/null || { echo "fresh-machine: $t not installed (apt-get install $t)" >&2; exit 2; }
done
REPO=${REPO:-$SRC}
DEMO_TIMEOUT=${DEMO_TIMEOUT:-5400}
TESTS_TIMEOUT=${TESTS_TIMEOUT:-5400}

# Everything mounted below lives in this process's own mount namespace: entered once.
if [ "${FRESH_IN_NS:-}" != 1 ]; then
  WORK=${WORK:-/var/tmp/tandem-fresh-$$}
  WORK=$(readlink -m "$WORK")
  [ -e "$WORK" ] && { echo "fresh-machine: $WORK exists; give a new folder" >&2; exit 2; }
  case "$WORK/" in "$SRC"/*|"$(readlink -m "$REPO")"/*)
    echo "fresh-machine: $WORK is inside the repository; give a folder outside it" >&2; exit 2 ;;
  esac
  case "$WORK" in /|/var|/var/tmp|/tmp|/work) echo "fresh-machine: refusing $WORK" >&2; exit 2 ;; esac
  args=()
  [ "$TESTS" = 1 ] && args+=(--tests)
  [ "$KEEP" = 1 ] && args+=(--keep)
  FRESH_IN_NS=1 exec unshare --mount --propagation private bash "$0" "${args[@]}" "$WORK"
fi

ROOT="$WORK/root"
LOG="$WORK/log"
log() { printf '[fresh-machine %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# ---- the mirror this machine's apt uses ------------------------------------------------------
# deb822 .sources (URIs:) and one-line .list entries; the first URI ending in /debian is the
# archive, the first ending in /debian-security the security archive.
apt_uris() {
  {
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [ -f "$f" ] && awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }' "$f"
    done
    for f in /etc/apt/sources.list.d/*.sources; do
      [ -f "$f" ] && awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' "$f"
    done
  } | sed 's|/*$||'
}
MIRROR=${MIRROR:-$(apt_uris | grep -m1 '/debian$')}
SECURITY_MIRROR=${SECURITY_MIRROR:-$(apt_uris | grep -m1 '/debian-security$')}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${SECURITY_MIRROR:-http://deb.debian.org/debian-security}

# ---- clean up: processes in the root, mounts, the folder ----------------------------------------
LOAD_PID=""
cleanup() {
  local rc=$? pid n
  [ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null
  # Processes still running from the root (a step interrupted by Ctrl-C or a timeout): they
  # are ours, found by their root directory, ended by PID.
  if [ -d "$ROOT" ]; then
    for n in 1 2; do
      for pid in /proc/[0-9]*; do
        pid=${pid#/proc/}
        [ "$(readlink "/proc/$pid/root" 2>/dev/null)" = "$ROOT" ] && kill -"$([ $n = 1 ] && echo TERM || echo KILL)" "$pid" 2>/dev/null
      done
      sleep 1
    done
  fi
  # Every mount below the root, deepest first, then the root's bind mount on itself.
  findmnt -rn -o TARGET | awk -v r="$ROOT" '$0 == r || index($0, r "/") == 1' | sort -r | while IFS= read -r m; do
    umount -R "$m" 2>/dev/null || umount -R -l "$m" 2>/dev/null
  done
  # Never rm -rf into a mount (the host's /dev, /sys): only when nothing is mounted below.
  if [ "$KEEP" = 1 ]; then
    log "kept $WORK (the root and the logs)"
  elif findmnt -rn -o TARGET | grep -qF "$WORK/"; then
    log "something is still mounted under $WORK; not removing it"
  else
    rm -rf --one-file-system "$WORK"
    log "removed $WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$ROOT" "$LOG" || exit 1
# The load average during the run (the machine may be shared): one sample every 10 s.
( while :; do echo "$(date +%s) $(cut -d' ' -f1 /proc/loadavg)"; sleep 10; done ) >"$LOG/load" &
LOAD_PID=$!

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", b - a }'; }
mmss() { awk -v s="$1" 'BEGIN { printf "%d min %02d s", s / 60, s % 60 }'; }

# ---- 1. a fresh Debian 12 ------------------------------------------------------------------------
log "debootstrap bookworm from $MIRROR into $ROOT"
T_BOOT=$(now)
debootstrap --arch=amd64 bookworm "$ROOT" "$MIRROR" >"$LOG/debootstrap.log" 2>&1 ||
  { tail -20 "$LOG/debootstrap.log" >&2; log "debootstrap failed"; exit 1; }
T_BOOT_END=$(now)
# What the Debian installer writes: the release, its updates and the security archive.
cat >"$ROOT/etc/apt/sources.list" <<EOF
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb $SECURITY_MIRROR bookworm-security main
EOF
cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null
log "debootstrap: $(mmss "$(secs "$T_BOOT" "$T_BOOT_END")"), $(chroot "$ROOT" dpkg-query -W | wc -l) packages"

# ---- 2. the clone ----------------------------------------------------------------------------------
# git itself is not in a fresh Debian: the clone is made from outside, as if copied in.
git clone --quiet --no-hardlinks "$REPO" "$ROOT/root/tandem" || { log "git clone $REPO failed"; exit 1; }
log "cloned $REPO at $(git -C "$ROOT/root/tandem" log -1 --format='%h %s' | cut -c1-80)"

# ---- the root's kernel file systems (private to this mount namespace) -----------------------------
# The root is bind-mounted on itself first, so that its / is a mount point as a real
# machine's is: `ip netns add` (the demo's namespaces) runs `mount --make-rslave /`, which
# fails with "Invalid argument" on a plain directory.
mount --bind "$ROOT" "$ROOT" && mount --make-private "$ROOT" &&
  mount -t proc proc "$ROOT/proc" && mount -t sysfs sysfs "$ROOT/sys" &&
  mount --rbind /dev "$ROOT/dev" && mount --make-rprivate "$ROOT/dev" &&
  mount -t tmpfs -o mode=0755 tmpfs "$ROOT/run" && mkdir -p "$ROOT/run/lock" || { log "mounts failed"; exit 1; }

# Runs a command in the root with a clean environment, each output line prefixed with the
# time it arrived (for the phase figures), also shown on the terminal.
inroot() {
  local out=$1 limit=$2; shift 2
  timeout --kill-after=20 "$limit" chroot "$ROOT" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /bin/bash -c "$*" 2>&1 |
    while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done | tee "$out" | cut -d' ' -f2-
  return "${PIPESTATUS[0]}"
}
# first_at <file> <regex>: arrival time of the first line matching (empty if none)
first_at() { awk -v re="$2" '{ t = $1; $1 = ""; if (substr($0, 2) ~ re) { print t; exit } }' "$1"; }

# ---- 3. the README's first command ----------------------------------------------------------------
log "chroot: cd /root/tandem && time scripts/ha-demo.sh (bounded: $DEMO_TIMEOUT s)"
T0=$(now)
inroot "$LOG/demo.log" "$DEMO_TIMEOUT" 'cd /root/tandem && time scripts/ha-demo.sh'
DEMO_RC=$?
T1=$(now)
T_PKG_END=$(first_at "$LOG/demo.log" '^install-deps: (all dependencies present|still missing)')
T_BUILD=$(first_at "$LOG/demo.log" 'building tandemd and tandemctl in')
T_DEMO=$(first_at "$LOG/demo.log" '== 1[.] ')
PKGS=$(chroot "$ROOT" dpkg-query -W | wc -l)

TEST_RC="" T2=""
if [ "$TESTS" = 1 ] && [ "$DEMO_RC" = 0 ]; then
  log "chroot: cd /root/tandem && time scripts/test.sh (bounded: $TESTS_TIMEOUT s)"
  inroot "$LOG/test.log" "$TESTS_TIMEOUT" 'cd /root/tandem && time scripts/test.sh'
  TEST_RC=$?
  T2=$(now)
fi
kill "$LOAD_PID" 2>/dev/null; LOAD_PID=""

# ---- figures -----------------------------------------------------------------------------------------
load_between() {  # min / mean / max of the 1-minute load average sampled between two times
  awk -v a="$1" -v b="$2" '$1 >= a && $1 <= b { n++; s += $2; if (n == 1 || $2 < lo) lo = $2; if ($2 > hi) hi = $2 }
    END { if (n) printf "%.1f / %.1f / %.1f", lo, s / n, hi; else printf "n/a" }' "$LOG/load"
}
echo
echo "== fresh Debian 12 (debootstrap bookworm, $(uname -m), $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo)) =="
printf '  %-34s %s\n' "debootstrap (not part of the command)" "$(mmss "$(secs "$T_BOOT" "$T_BOOT_END")")"
printf '  %-34s %s\n' "scripts/ha-demo.sh, exit status" "$DEMO_RC"
[ -n "$T_PKG_END" ] && printf '  %-34s %s (%s packages installed in all)\n' "  packages (install-deps.sh)" "$(mmss "$(secs "$T0" "$T_PKG_END")")" "$PKGS"
[ -n "$T_BUILD" ] && [ -n "$T_DEMO" ] && printf '  %-34s %s\n' "  build (tandemd, tandemctl)" "$(mmss "$(secs "$T_BUILD" "$T_DEMO")")"
[ -n "$T_DEMO" ] && printf '  %-34s %s\n' "  demo" "$(mmss "$(secs "$T_DEMO" "$T1")")"
printf '  %-34s %s\n' "  total" "$(mmss "$(secs "$T0" "$T1")")"
grep -E '^[0-9.]+ (real|user|sys)\s' "$LOG/demo.log" | awk '{ printf "  %-34s %s\n", "  time: " $2, $3 }'
printf '  %-34s %s\n' "load average (1 min) min/mean/max" "$(load_between "${T0%.*}" "${T1%.*}")"
if [ -n "$TEST_RC" ]; then
  printf '  %-34s %s (exit status %s)\n' "scripts/test.sh" "$(mmss "$(secs "$T1" "$T2")")" "$TEST_RC"
  grep -E '^[0-9.]+ (real|user|sys)\s' "$LOG/test.log" | awk '{ printf "  %-34s %s\n", "  time: " $2, $3 }'
  grep -E 'tests passed|tests failed' "$LOG/test.log" | cut -d' ' -f2- | sed 's/^/  /'
  printf '  %-34s %s\n' "load average (1 min) min/mean/max" "$(load_between "${T1%.*}" "${T2%.*}")"
fi
[ "$DEMO_RC" = 0 ] && { [ -z "$TEST_RC" ] || [ "$TEST_RC" = 0 ]; }
