#!/bin/bash
# The Debian package, built by CPack from this build tree's install rules, then installed
# into a fresh root and run from it:
#  - dpkg-deb -I/-c: name, version (= tandemd -v), dependencies, maintainer scripts, conffiles,
#    every file in its place with root ownership and Debian's modes, stripped binaries;
#  - lintian reports no error and no warning (overrides, if any, are in the package);
#  - the root is a copy-on-write overlay of this machine (nothing of it reaches the real
#    system, mounts live in a private mount namespace), where `dpkg -i` runs the real
#    maintainer scripts: user _tandem, /var/lib/tandem, the conffile readable by _tandem only,
#    the unit enabled; `systemd-analyze verify` accepts the unit and `systemd-analyze security`
#    rates it; a reinstall keeps an edited conffile; /etc/tandem is root:_tandem 2770 (a
#    statoverride) so config-write can replace the configuration;
#  - first the unit's process by hand, as the unit would run it: in a
#    network namespace, as _tandem with exactly the unit's capabilities (CAP_NET_BIND_SERVICE,
#    CAP_NET_RAW) and no new privileges, /run/tandem made as RuntimeDirectory= would, and
#    $NOTIFY_SOCKET on a socket this test listens on. READY=1 arrives only when the control
#    socket answers and the DHCP socket is open; a real dhclient gets a lease; tandemctl finds
#    the control socket by itself; SIGHUP (ExecReload) gives RELOADING=1 then READY=1 and the
#    new configuration; config-write replaces /etc/tandem/tandemd.conf (mode kept) and refuses
#    /etc with Kea's error text; SIGTERM gives STOPPING=1 and exit 0;
#  - then the unit under a real systemd 252, PID 1 of a container made of the same root (own
#    PID/net/mount/cgroup namespaces, /proc/sys read-only, the kernel-touching units masked):
#    Type=notify start with tandemd's status text, the sandbox as written (user, capabilities,
#    NoNewPrivs, seccomp, read-only /usr), a dhclient lease from the sandboxed service, the
#    journal holding its lines, `systemctl reload` (and its refusal of a broken file, the
#    service running on), config-set + config-write through the sandbox (read-only file system
#    elsewhere in /etc), Restart=on-failure after SIGKILL serving the written configuration,
#    `systemctl stop` with status 0;
#  - dpkg -r keeps the conffile, dpkg --purge removes it, the leases and the logs.
set -u -o pipefail
# Everything mounted here (the overlay root, its /run, /dev, /proc) disappears with this
# process: a private mount namespace, entered once.
if [ "${PKG_TEST_IN_NS:-}" != 1 ]; then
  [ "$(id -u)" = 0 ] || { echo "SKIP: needs root (mount namespace, dpkg in a chroot)" >&2; exit 77; }
  command -v unshare >/dev/null || { echo "SKIP: unshare not installed" >&2; exit 77; }
  PKG_TEST_IN_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi
# cpack and lintian alone take over 2 minutes on a loaded 2-core machine (about 290 s in all
# measured there with a load average of 16); ctest's TIMEOUT for this test is 450 s.
TIT_BUDGET=${TIT_BUDGET:-420}
TIT_ID="h-pkg-$$"
TIT_NAME=package_deb
# shellcheck source=lib.sh
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
SRC=${TANDEM_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${TANDEM_BUILD:-$SRC/build}
TANDEMD=${TANDEMD:-$BUILD/dhcpd/tandemd}
PY=/usr/bin/python3

tit_init
tit_require cpack dpkg-deb dpkg-shlibdeps lintian systemd-analyze setpriv chroot readelf dhclient
[ -x "$TANDEMD" ] && [ -x "$BUILD/dhcpd/tandemctl" ] || skip "tandemd/tandemctl not built in $BUILD"
[ -f "$BUILD/CPackConfig.cmake" ] || skip "$BUILD has no CPackConfig.cmake"
VERSION=$("$TANDEMD" -v) || fail "tandemd -v"
ROOT="$TIT_TMP/root"

# Processes running from the root must go before it is unmounted, and the root must be
# unmounted before lib.sh removes $TIT_TMP (rm -rf would walk into the mounts). The systemd
# container goes first: killing its PID 1 ends its whole PID namespace; then its cgroups.
SD_PID="" CG=""
pkg_exit() {
  local rc=$? pid d
  if [ -n "$SD_PID" ] && kill -0 "$SD_PID" 2>/dev/null; then
    kill -KILL "$SD_PID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$SD_PID" 2>/dev/null || break; sleep 0.1; done
  fi
  if [ -n "$CG" ] && [ -d "$CG" ]; then
    for _ in $(seq 30); do [ -z "$(cat "$CG"/cgroup.procs 2>/dev/null)" ] && break; sleep 0.1; done
    find "$CG" -depth -type d -exec rmdir {} \; 2>/dev/null
    [ -d "$CG" ] && log "could not remove cgroup $CG"
  fi
  # Before lib.sh's rm -rf of $TIT_TMP, which must not walk into the cgroup2 root.
  if mountpoint -q "$TIT_TMP/cg2" 2>/dev/null; then
    umount "$TIT_TMP/cg2" 2>/dev/null || umount -l "$TIT_TMP/cg2" 2>/dev/null || { log "cannot unmount $TIT_TMP/cg2"; TIT_TMP=""; }
  fi
  for pid in "${PKG_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PKG_PIDS[@]}"; do tit_stop "$pid" TERM 3 >/dev/null 2>&1; done
  if mountpoint -q "$ROOT" 2>/dev/null; then
    umount -R "$ROOT" 2>/dev/null || umount -R -l "$ROOT" 2>/dev/null || { log "cannot unmount $ROOT"; TIT_TMP=""; }
  fi
  (exit "$rc")
  tit_cleanup
}
PKG_PIDS=()
trap pkg_exit EXIT

# ---- build the package ---------------------------------------------------------------------
log "cpack -G DEB from $BUILD (tandem $VERSION)"
cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$TIT_TMP/pkg" >"$TIT_TMP/cpack.log" 2>&1 ||
  { cat "$TIT_TMP/cpack.log" >&2; fail "cpack failed"; }
DEB="$TIT_TMP/pkg/tandem_${VERSION}_amd64.deb"
[ -f "$DEB" ] || { ls -l "$TIT_TMP/pkg" >&2; fail "no $DEB"; }
log "built $(basename "$DEB"), $(stat -c %s "$DEB") bytes"

# ---- control data ----------------------------------------------------------------------------
INFO=$(dpkg-deb -I "$DEB") || fail "dpkg-deb -I"
field() { dpkg-deb -f "$DEB" "$1"; }
check "Package: tandem" [ "$(field Package)" = tandem ]
check "Version: $VERSION (tandemd -v)" [ "$(field Version)" = "$VERSION" ]
check "Architecture: amd64" [ "$(field Architecture)" = amd64 ]
check "Section: net" [ "$(field Section)" = net ]
DEPENDS=$(field Depends)
log "Depends: $DEPENDS"
for d in adduser libc6 libssl3 libstdc++6 libfmt9; do
  check "Depends names $d" grep -qw "$d" <<<"$DEPENDS"
done
for s in postinst prerm postrm conffiles md5sums; do
  check "control member $s" grep -q " $s\$\| $s " <<<"$INFO"
done
dpkg-deb -e "$DEB" "$TIT_TMP/control" || fail "dpkg-deb -e"
for s in postinst prerm postrm; do
  check "$s is executable and valid sh" sh -n "$TIT_TMP/control/$s"
  check "$s mode 0755" [ "$(stat -c %a "$TIT_TMP/control/$s")" = 755 ]
done
check "conffiles: /etc/tandem/tandemd.conf and /etc/logrotate.d/tandem" \
  [ "$(sort "$TIT_TMP/control/conffiles" | tr '\n' ' ')" = "/etc/logrotate.d/tandem /etc/tandem/tandemd.conf " ]

# ---- contents --------------------------------------------------------------------------------
dpkg-deb -c "$DEB" >"$TIT_TMP/contents" || fail "dpkg-deb -c"
# has <mode> <path>: the file is in the package with that mode, owned by root/root.
has() { grep -qE "^$1 root/root +[0-9]+ [0-9-]+ [0-9:]+ \./${2#/}\$" "$TIT_TMP/contents"; }
check "/usr/sbin/tandemd" has -rwxr-xr-x /usr/sbin/tandemd
check "/usr/bin/tandemctl" has -rwxr-xr-x /usr/bin/tandemctl
check "unit /lib/systemd/system/tandemd.service" has -rw-r--r-- /lib/systemd/system/tandemd.service
check "config /etc/tandem/tandemd.conf" has -rw-r--r-- /etc/tandem/tandemd.conf
check "logrotate /etc/logrotate.d/tandem" has -rw-r--r-- /etc/logrotate.d/tandem
check "man page tandemd.8.gz" has -rw-r--r-- /usr/share/man/man8/tandemd.8.gz
check "man page tandemctl.8.gz" has -rw-r--r-- /usr/share/man/man8/tandemctl.8.gz
check "copyright" has -rw-r--r-- /usr/share/doc/tandem/copyright
check "changelog.gz" has -rw-r--r-- /usr/share/doc/tandem/changelog.gz
check "example configurations" has -rw-r--r-- /usr/share/doc/tandem/examples/single-server.json
check "every entry owned by root/root" bash -c "! awk '\$2 != \"root/root\"' '$TIT_TMP/contents' | grep -q ."
dpkg-deb -x "$DEB" "$TIT_TMP/x" || fail "dpkg-deb -x"
for b in usr/sbin/tandemd usr/bin/tandemctl; do
  check "$b is stripped (no .debug_info, no .symtab)" bash -c "! readelf -S '$TIT_TMP/x/$b' | grep -qE '\\.debug_info|\\.symtab'"
done
check "man pages are gzip and render without warnings" bash -c \
  "for m in '$TIT_TMP'/x/usr/share/man/man8/*.8.gz; do gzip -t \"\$m\" || exit 1; out=\$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l \"\$m\" 2>&1 >/dev/null); [ -z \"\$out\" ] || { echo \"\$out\"; exit 1; }; done"

# ---- lintian ---------------------------------------------------------------------------------
log "lintian (takes a while)"
lintian --allow-root --fail-on error,warning --display-info "$DEB" >"$TIT_TMP/lintian.log" 2>&1
LRC=$?
sed 's/^/  lintian: /' "$TIT_TMP/lintian.log" >&2
check "lintian: no error and no warning" [ "$LRC" = 0 ]
# Optimized builds use -D_FORTIFY_SOURCE=2 (the top CMakeLists.txt): glibc's checked functions.
check "lintian: no hardening-no-fortify-functions" bash -c "! grep -q hardening-no-fortify-functions '$TIT_TMP/lintian.log'"
check "tandemd calls glibc's checked functions (__*_chk)" bash -c "readelf --dyn-syms -W '$TIT_TMP/x/usr/sbin/tandemd' | grep -q '__[a-z_]*_chk'"

# ---- a fresh root: this machine's files, copy-on-write -----------------------------------------
mkdir -p "$TIT_TMP/upper" "$TIT_TMP/work" "$ROOT"
mount -t overlay overlay -o "lowerdir=/,upperdir=$TIT_TMP/upper,workdir=$TIT_TMP/work" "$ROOT" ||
  skip "cannot mount an overlay of / here"
# Empty /run and /tmp (no systemd running in the root, as in a container), a minimal /dev,
# and /proc for systemd-analyze.
mount -t tmpfs tmpfs "$ROOT/run" && mount -t tmpfs tmpfs "$ROOT/tmp" && mount -t tmpfs tmpfs "$ROOT/dev" ||
  fail "tmpfs mounts in the root"
mknod -m 666 "$ROOT/dev/null" c 1 3 && mknod -m 666 "$ROOT/dev/zero" c 1 5 &&
  mknod -m 666 "$ROOT/dev/urandom" c 1 9 && mknod -m 666 "$ROOT/dev/random" c 1 8 &&
  mknod -m 666 "$ROOT/dev/full" c 1 7 && mknod -m 666 "$ROOT/dev/tty" c 5 0 &&
  mknod -m 600 "$ROOT/dev/console" c 5 1 || fail "mknod"
# What a container manager also gives: PrivateDevices= builds the unit's /dev from these.
mkdir -p "$ROOT/dev/pts" "$ROOT/dev/shm" && ln -s pts/ptmx "$ROOT/dev/ptmx" && ln -s /proc/self/fd "$ROOT/dev/fd" &&
  mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$ROOT/dev/pts" &&
  mount -t tmpfs tmpfs "$ROOT/dev/shm" || fail "/dev/pts, /dev/shm in the root"
mount -t proc proc "$ROOT/proc" || fail "mount proc"
mount -t sysfs -o ro sysfs "$ROOT/sys" || fail "mount sysfs"
inroot() { chroot "$ROOT" "$@"; }
inroot dpkg -s tandem >/dev/null 2>&1 && skip "tandem is installed on this machine: the root would not be fresh"
inroot getent passwd _tandem >/dev/null && skip "user _tandem exists on this machine: the root would not be fresh"

cp "$DEB" "$ROOT/tmp/" || fail "copy the package into the root"
log "dpkg -i in the root"
inroot dpkg -i "/tmp/$(basename "$DEB")" >"$TIT_TMP/dpkg-i.log" 2>&1 || { cat "$TIT_TMP/dpkg-i.log" >&2; fail "dpkg -i"; }
check "dpkg: tandem installed" bash -c "chroot '$ROOT' dpkg-query -W -f '\${Status} \${Version}' tandem | grep -qx 'install ok installed $VERSION'"
PW=$(inroot getent passwd _tandem) || fail "postinst did not create user _tandem"
log "user: $PW"
check "_tandem is a system user (uid < 1000) with no login shell, home /var/lib/tandem" \
  bash -c "IFS=: read -r _ _ uid _ _ home sh <<<'$PW'; [ \$uid -lt 1000 ] && [ \$home = /var/lib/tandem ] && [ \$sh = /usr/sbin/nologin ]"
check "group _tandem" inroot getent group _tandem
check "/var/lib/tandem: _tandem, 0750" [ "$(inroot stat -c '%U:%G %a' /var/lib/tandem)" = "_tandem:_tandem 750" ]
check "/var/log/tandem: _tandem, 0750" [ "$(inroot stat -c '%U:%G %a' /var/log/tandem)" = "_tandem:_tandem 750" ]
check "/etc/tandem/tandemd.conf: root:_tandem 0640" [ "$(inroot stat -c '%U:%G %a' /etc/tandem/tandemd.conf)" = "root:_tandem 640" ]
# config-write replaces the file through a temporary beside it: the group may create files.
check "/etc/tandem: root:_tandem 2770" [ "$(inroot stat -c '%U:%G %a' /etc/tandem)" = "root:_tandem 2770" ]
check "/etc/tandem: a dpkg statoverride (upgrades keep it)" \
  bash -c "chroot '$ROOT' dpkg-statoverride --list /etc/tandem | grep -qx 'root _tandem 2770 /etc/tandem'"
check "unit enabled (multi-user.target.wants)" \
  [ "$(readlink "$ROOT/etc/systemd/system/multi-user.target.wants/tandemd.service")" = /lib/systemd/system/tandemd.service ]
check "the shipped configuration is valid" inroot /usr/sbin/tandemd -t /etc/tandem/tandemd.conf
check "nothing reached the real system" bash -c "! getent passwd _tandem && [ ! -e /usr/sbin/tandemd ]"

# ---- the unit ----------------------------------------------------------------------------------
inroot systemd-analyze verify /lib/systemd/system/tandemd.service >"$TIT_TMP/verify.log" 2>&1
VRC=$?
sed 's/^/  verify: /' "$TIT_TMP/verify.log" >&2
check "systemd-analyze verify tandemd.service" [ "$VRC" = 0 ]
check "systemd-analyze verify printed nothing about tandemd.service" bash -c "! grep -q 'tandemd.service' '$TIT_TMP/verify.log'"
inroot systemd-analyze security --offline=true --threshold=30 /lib/systemd/system/tandemd.service >"$TIT_TMP/security.log" 2>&1
SRC_RC=$?
EXPOSURE=$(grep -o 'Overall exposure level for tandemd.service: [0-9.]* [A-Z]*' "$TIT_TMP/security.log")
log "systemd-analyze security: ${EXPOSURE:-no score}"
check "systemd-analyze security: exposure at most 3.0 (OK)" [ "$SRC_RC" = 0 ]
UNIT="$ROOT/lib/systemd/system/tandemd.service"
check "unit: Type=notify" grep -qx 'Type=notify' "$UNIT"
check "unit: ExecReload sends SIGHUP" grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$UNIT"
CAPS=$(sed -n 's/^AmbientCapabilities=//p' "$UNIT")
check "unit: capabilities CAP_NET_BIND_SERVICE CAP_NET_RAW" [ "$CAPS" = "CAP_NET_BIND_SERVICE CAP_NET_RAW" ]
check "unit: same bounding set" [ "$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")" = "$CAPS" ]

# ---- configure it as an operator would: edit the conffile, reinstall keeps it ------------------
CONF="$ROOT/etc/tandem/tandemd.conf"
sed -i 's|"interfaces": \[ \],|"interfaces": [ "eth0" ],|' "$CONF"
sed -i 's|^    "subnet4": \[$|    "subnet4": [ { "id": 1, "subnet": "198.18.0.0/24", "pools": [ { "pool": "198.18.0.100 - 198.18.0.150" } ], "option-data": [ { "name": "routers", "data": "198.18.0.1" } ] }|' "$CONF"
check "edited configuration serves eth0 and 198.18.0.0/24" grep -q '"eth0"' "$CONF"
inroot dpkg -i "/tmp/$(basename "$DEB")" >"$TIT_TMP/dpkg-reinstall.log" 2>&1 ||
  { cat "$TIT_TMP/dpkg-reinstall.log" >&2; fail "dpkg -i (reinstall)"; }
check "reinstall kept the edited conffile" grep -q '"eth0"' "$CONF"
check "reinstall kept its mode" [ "$(inroot stat -c '%U:%G %a' /etc/tandem/tandemd.conf)" = "root:_tandem 640" ]
check "reinstall kept /etc/tandem root:_tandem 2770" [ "$(inroot stat -c '%U:%G %a' /etc/tandem)" = "root:_tandem 2770" ]
# As _tandem (what ExecReload's `tandemd -t` runs as), the 0640 file is readable.
AS_TANDEM=(setpriv --reuid=_tandem --regid=_tandem --init-groups
  --inh-caps=-all,+net_bind_service,+net_raw --ambient-caps=-all,+net_bind_service,+net_raw
  --bounding-set=-all,+net_bind_service,+net_raw --no-new-privs)
check "_tandem can check the configuration" inroot "${AS_TANDEM[@]}" /usr/sbin/tandemd -t /etc/tandem/tandemd.conf

# ---- run it as the unit would ------------------------------------------------------------------
tit_switch
tit_host srv 02:00:c6:12:00:01 198.18.0.1/24
tit_host cl 02:00:c6:12:00:64
SRV="$TIT_ID-srv" CL="$TIT_ID-cl"
# RuntimeDirectory=tandem, RuntimeDirectoryMode=0750, owned by User=.
install -d -m 0750 "$ROOT/run/tandem" && inroot chown _tandem:_tandem /run/tandem || fail "/run/tandem"
mkdir -p "$ROOT/run/systemd"
NOTES="$TIT_TMP/notify.jsonl"
TIT_DIAG+=("$NOTES" "$TIT_TMP/tandemd.log")
"$PY" "$SRC/tests/integration/package_deb_notify.py" "$ROOT/run/systemd/notify" \
  "$ROOT/run/tandem/tandem4-ctrl-socket" "$SRV" "$NOTES" 120 >"$TIT_TMP/notify.log" 2>&1 &
PKG_PIDS+=($!); TIT_PIDS+=($!)
NOTIFY_PID=$!
wait_for 10 "notify listener" grep -q listening "$NOTES" || fail "notify listener did not start"
# ip netns exec, chroot, setpriv, env and sh all exec: $! is tandemd itself (as MAINPID).
ip netns exec "$SRV" chroot "$ROOT" "${AS_TANDEM[@]}" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  NOTIFY_SOCKET=/run/systemd/notify sh -c 'umask 0027; cd /var/lib/tandem && exec /usr/sbin/tandemd -c /etc/tandem/tandemd.conf' \
  >"$TIT_TMP/tandemd.log" 2>&1 &
TD=$!
PKG_PIDS+=("$TD"); TIT_PIDS+=("$TD")
notes() { grep -c '"fields"' "$NOTES"; }
has_notes() { [ "$(notes)" -ge "$1" ]; }
wait_for 20 "READY=1" has_notes 1 || fail "no notification from tandemd"
note() { "$PY" -c "import json,sys; r=[json.loads(l) for l in open('$NOTES') if '\"fields\"' in l][$1]; print(eval(sys.argv[1]))" "$2"; }
check "first notification is READY=1" [ "$(note 0 'r["fields"].get("READY")')" = 1 ]
check "READY=1 carries MAINPID = tandemd's pid $TD" [ "$(note 0 'r["fields"].get("MAINPID")')" = "$TD" ]
check "control socket answered when READY=1 arrived" [ "$(note 0 'r["control_answers"]')" = True ]
check "DHCP socket was open when READY=1 arrived" [ "$(note 0 'r.get("dhcp_socket")')" = True ]
log "STATUS: $(note 0 'r["fields"].get("STATUS")')"
check "tandemd runs as _tandem" [ "$(awk '/^Uid:/ {print $2}' /proc/"$TD"/status)" = "$(cut -d: -f3 <<<"$PW")" ]
check "tandemd has exactly CAP_NET_BIND_SERVICE and CAP_NET_RAW" \
  [ "$(awk '/^CapEff/ {print $2}' /proc/"$TD"/status)" = 0000000000002400 ]
check "control socket only for _tandem (and root)" \
  bash -c "[ \"\$(chroot '$ROOT' stat -c '%U:%G %a' /run/tandem/tandem4-ctrl-socket)\" = '_tandem:_tandem 600' ]"

# A real client gets a lease from the packaged server.
C="$TIT_TMP/dhclient"
tit_dhclient_start "$C" "$CL"
DHC1=$TIT_LAST_PID
PKG_PIDS+=("$DHC1")
wait_event "$C" BOUND 1 25 || fail "dhclient got no lease from the packaged tandemd"
IP=$(event_var "$C/events" new_ip_address BOUND)
check "dhclient bound $IP from the pool" ip_in_range "$IP" 198.18.0.100 198.18.0.150
CSV="$ROOT/var/lib/tandem/tandem-leases4.csv"
wait_for 5 "lease in /var/lib/tandem" lease_active "$CSV" "$IP" || fail "no lease for $IP in $CSV"
check "lease file owned by _tandem" [ "$(inroot stat -c %U /var/lib/tandem/tandem-leases4.csv)" = _tandem ]
# tandemctl as root in the root finds /run/tandem/tandem4-ctrl-socket by itself.
inroot tandemctl leases >"$TIT_TMP/ctl-leases.txt" 2>&1 || { cat "$TIT_TMP/ctl-leases.txt" >&2; fail "tandemctl leases"; }
check "tandemctl (default socket) lists the lease" grep -q "$IP" "$TIT_TMP/ctl-leases.txt"
# Another user: /run/tandem (0750) is closed to it; tandemctl still names the packaged socket
# and says why it cannot use it (exit 4: cannot reach the daemon).
inroot setpriv --reuid=nobody --regid=nogroup --clear-groups tandemctl status >"$TIT_TMP/ctl-nobody.txt" 2>&1
CRC=$?
cat "$TIT_TMP/ctl-nobody.txt" >&2
check "tandemctl as nobody: exit 4" [ "$CRC" = 4 ]
check "tandemctl as nobody: names /run/tandem/tandem4-ctrl-socket, permission denied" \
  bash -c "grep -q /run/tandem/tandem4-ctrl-socket '$TIT_TMP/ctl-nobody.txt' && grep -qi 'permission denied' '$TIT_TMP/ctl-nobody.txt'"
check "journald-friendly log on stdout (no timestamp, severity first)" grep -qE '^INFO  \[kea-dhcp4\.[a-z0-9-]+\] DHCP4_STARTED' "$TIT_TMP/tandemd.log"

# ExecReload: SIGHUP with one more subnet -> RELOADING=1, READY=1, the new configuration.
sed -i 's|^    "subnet4": \[ {|    "subnet4": [ { "id": 2, "subnet": "198.18.9.0/24" }, {|' "$CONF"
kill -HUP "$TD"
wait_for 15 "RELOADING=1 and READY=1" has_notes 3 || fail "no reload notifications"
check "SIGHUP: RELOADING=1 first" [ "$(note 1 'r["fields"].get("RELOADING")')" = 1 ]
check "RELOADING=1 has MONOTONIC_USEC" [ -n "$(note 1 'r["fields"].get("MONOTONIC_USEC", "")')" ]
check "then READY=1" [ "$(note 2 'r["fields"].get("READY")')" = 1 ]
check "READY=1 after reload: control socket answers" [ "$(note 2 'r["control_answers"]')" = True ]
log "STATUS after reload: $(note 2 'r["fields"].get("STATUS")')"
inroot tandemctl --json raw '{"command": "config-get"}' >"$TIT_TMP/config-get.json" 2>&1 || fail "tandemctl config-get"
check "reloaded configuration has 2 subnets" \
  [ "$(jq '.arguments.Dhcp4.subnet4 | length' "$TIT_TMP/config-get.json")" = 2 ]

# config-write without a file name saves the running configuration over the file tandemd was
# started with, as kea-dhcp4 does: as _tandem, which may create files in /etc/tandem (2770),
# the file is replaced whole and keeps its mode; outside /etc/tandem Kea's error comes back
# with the path and the reason.
inroot tandemctl config write >"$TIT_TMP/config-write.txt" 2>&1 ||
  { cat "$TIT_TMP/config-write.txt" >&2; fail "tandemctl config write"; }
check "config-write: written to the file it was started with" \
  grep -qx "Configuration written to /etc/tandem/tandemd.conf successful" "$TIT_TMP/config-write.txt"
check "config-write: the file holds the running configuration" \
  bash -c "[ \"\$(jq -S .arguments '$TIT_TMP/config-get.json')\" = \"\$(jq -S . '$CONF')\" ]"
check "config-write: replaced by _tandem, mode 0640 and group _tandem kept" \
  [ "$(inroot stat -c '%U:%G %a' /etc/tandem/tandemd.conf)" = "_tandem:_tandem 640" ]
check "config-write: no temporary file left" [ ! -e "$CONF.tmp" ]
check "config-write: the written file is valid" inroot "${AS_TANDEM[@]}" /usr/sbin/tandemd -t /etc/tandem/tandemd.conf
inroot tandemctl config write /etc/tandem-elsewhere.conf >"$TIT_TMP/config-write-denied.txt" 2>&1
CWRC=$?
check "config-write to /etc: exit 1" [ "$CWRC" = 1 ]
check "config-write to /etc: refused, only beside the config file" grep -qxF \
  "not allowed to write config into /etc/tandem-elsewhere.conf: file /etc/tandem-elsewhere.conf must be in the same directory as the config file (/etc/tandem/tandemd.conf)" \
  "$TIT_TMP/config-write-denied.txt"
check "config-write to /etc: nothing written" [ ! -e "$ROOT/etc/tandem-elsewhere.conf" ]

# systemctl stop: SIGTERM -> STOPPING=1, exit 0.
tit_stop "$TD" TERM 10 || fail "tandemd did not stop on SIGTERM"
check "tandemd exited 0" [ "$TIT_STOP_RC" = 0 ]
wait_for 5 "STOPPING=1" has_notes 4 || fail "no STOPPING=1"
check "SIGTERM: STOPPING=1" [ "$(note 3 'r["fields"].get("STOPPING")')" = 1 ]
check "four notifications in all" [ "$(notes)" = 4 ]
tit_stop "$NOTIFY_PID" TERM 5

# ---- the unit under a real systemd ---------------------------------------------------------
# systemd 252 as PID 1 of a container made of the same root: its own PID, network, UTS, IPC,
# mount and cgroup namespaces (cgroups under a child of the cgroup2 root, removed on exit),
# /proc/sys read-only and no CAP_SYS_MODULE/CAP_SYS_TIME (as systemd-nspawn does), the
# units that would touch the kernel masked, and a target that starts tandemd.service only.
# Then everything the unit file says is real: User=, the capabilities, ProtectSystem=strict,
# the *Directory= paths, PrivateDevices, SystemCallFilter, RestrictAddressFamilies,
# Type=notify readiness, ExecReload, Restart=on-failure, the journal.
tit_stop "$DHC1" TERM 5 >/dev/null 2>&1
systemd_stage() {
CG="$TIT_TMP/cg2/$TIT_ID"
mkdir "$CG" || fail "cannot create cgroup $CG"
umount "$ROOT/run" && mount -t tmpfs -o mode=0755 tmpfs "$ROOT/run" || fail "fresh /run for systemd"
for u in systemd-sysctl.service systemd-modules-load.service systemd-binfmt.service \
  proc-sys-fs-binfmt_misc.automount systemd-udevd.service systemd-udev-trigger.service \
  systemd-timesyncd.service systemd-hwdb-update.service kmod-static-nodes.service; do
  ln -sf /dev/null "$ROOT/etc/systemd/system/$u"
done
cat >"$ROOT/etc/systemd/system/tandem-test.target" <<'EOT'
[Unit]
Description=package_deb_test: tandemd.service only
Requires=tandemd.service
After=tandemd.service
EOT
tit_host sd 02:00:c6:12:00:02 198.18.0.2/24
tit_host cl2 02:00:c6:12:00:65
SDNS="$TIT_ID-sd" CL2="$TIT_ID-cl2"
(
  echo "$BASHPID" >"$CG/cgroup.procs" || exit 1
  exec ip netns exec "$SDNS" unshare --pid --fork --uts --ipc --cgroup --mount --propagation private \
    --mount-proc="$ROOT/proc" chroot "$ROOT" /bin/sh -c '
      mount -t cgroup2 cgroup2 /sys/fs/cgroup || exit 1
      mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys || exit 1
      exec setpriv --bounding-set=-sys_module,-sys_time -- env -i container=other \
        PATH=/usr/sbin:/usr/bin:/sbin:/bin /lib/systemd/systemd --unit=tandem-test.target --log-target=journal'
) >"$TIT_TMP/systemd.log" 2>&1 &
SD_LAUNCHER=$!
PKG_PIDS+=("$SD_LAUNCHER")
sd_pid() { SD_PID=$(pgrep -P "$SD_LAUNCHER" | head -n1); [ -n "$SD_PID" ] && [ "$(cat /proc/"$SD_PID"/comm 2>/dev/null)" = systemd ]; }
wait_for 15 "systemd as PID 1 of the container" sd_pid || { cat "$TIT_TMP/systemd.log" >&2; fail "systemd did not start"; }
insd() { nsenter -t "$SD_PID" -m -u -i -n -p -C -r -w "$@"; }
TIT_DIAG+=("$TIT_TMP/journal.txt")
journal() { insd journalctl --no-pager -b -o short-monotonic "$@" >"$TIT_TMP/journal.txt" 2>&1; }
is_active() { [ "$(insd systemctl show -p ActiveState --value tandemd.service)" = active ]; }
wait_for 40 "tandemd.service active under systemd" is_active || { journal; fail "tandemd.service did not become active"; }
prop() { insd systemctl show -p "$1" --value tandemd.service; }
STATUS=$(prop StatusText)
log "systemctl status: $(prop ActiveState)/$(prop SubState), Status: \"$STATUS\""
check "systemd: Type=notify start finished with its READY=1 (status text from tandemd)" \
  grep -q "serving 2 subnets on 1 DHCP sockets" <<<"$STATUS"
MAIN=$(prop MainPID)
mstat() { insd cat /proc/"$MAIN"/status; }
check "systemd: tandemd runs as _tandem" [ "$(mstat | awk '/^Uid:/ {print $2}')" = "$(cut -d: -f3 <<<"$PW")" ]
check "systemd: effective and bounding capabilities are exactly NET_BIND_SERVICE + NET_RAW" \
  bash -c "[ \"\$(nsenter -t $SD_PID -m -p -r cat /proc/$MAIN/status | awk '/^Cap(Eff|Bnd):/ {print \$2}' | sort -u)\" = 0000000000002400 ]"
check "systemd: NoNewPrivs and a seccomp filter" bash -c "nsenter -t $SD_PID -m -p -r cat /proc/$MAIN/status | grep -qP '^NoNewPrivs:\\t1' && nsenter -t $SD_PID -m -p -r cat /proc/$MAIN/status | grep -qP '^Seccomp:\\t2'"
check "systemd: /usr is read-only for the service (ProtectSystem=strict)" \
  bash -c "nsenter -t $SD_PID -m -p -r awk '\$2 == \"/usr\" || \$2 == \"/\" {print \$4}' /proc/$MAIN/mounts | grep -q '^ro'"

C2="$TIT_TMP/dhclient2"
tit_dhclient_start "$C2" "$CL2"
PKG_PIDS+=("$TIT_LAST_PID")
wait_event "$C2" BOUND 1 25 || { journal; fail "dhclient got no lease from tandemd under systemd"; }
IP2=$(event_var "$C2/events" new_ip_address BOUND)
check "systemd: dhclient bound $IP2 from the sandboxed unit" ip_in_range "$IP2" 198.18.0.100 198.18.0.150
check "systemd: tandemctl status" insd tandemctl status
journal -u tandemd.service
check "journald has tandemd's lines (stdout of the unit)" grep -q 'tandemd\[[0-9]*\]: INFO  \[kea-dhcp4.dhcp4\] DHCP4_STARTED' "$TIT_TMP/journal.txt"
check "journald: the lease, with the client's MAC" grep -q "DHCP4_LEASE_ALLOC.*02:00:c6:12:00:65.*$IP2" "$TIT_TMP/journal.txt"

# systemctl reload: ExecReload checks the file, then SIGHUP; a broken file fails the reload
# and the service keeps running.
check "systemctl reload" insd systemctl reload tandemd.service
check "reloaded: status text" grep -q "configuration reloaded" <<<"$(prop StatusText)"
cp "$CONF" "$TIT_TMP/conf.good"
echo '{ "Dhcp4": { "no-such-key": 1 } }' >"$CONF"
insd systemctl reload tandemd.service >"$TIT_TMP/reload-bad.txt" 2>&1
check "systemctl reload of a broken file fails" [ $? != 0 ]
check "  and tandemd keeps running, same pid" bash -c "[ \"\$(nsenter -t $SD_PID -m -u -i -n -p -C -r -w systemctl show -p MainPID --value tandemd.service)\" = $MAIN ]"
cp "$TIT_TMP/conf.good" "$CONF"

# config-set, then config-write under the unit's sandbox (ProtectSystem=strict; /etc/tandem is
# the one writable place in /etc): the file tandemd started with gets the running
# configuration, which the restart below serves. Elsewhere in /etc: refused by tandemd itself
# (the sandbox's read-only /etc stays behind it).
insd tandemctl --json raw '{"command": "config-get"}' >"$TIT_TMP/sd-config-get.json" || fail "config-get under systemd"
jq '{command: "config-set", arguments: {Dhcp4: (.arguments.Dhcp4 | .subnet4 += [{"id": 3, "subnet": "198.18.7.0/24"}])}}' \
  "$TIT_TMP/sd-config-get.json" >"$TIT_TMP/config-set.json" || fail "jq config-set document"
insd tandemctl --json raw - <"$TIT_TMP/config-set.json" >"$TIT_TMP/config-set.out" 2>&1
check "systemd: config-set with a third subnet" [ "$(jq .result "$TIT_TMP/config-set.out")" = 0 ]
insd tandemctl config write >"$TIT_TMP/sd-config-write.txt" 2>&1
check "systemd: config-write answered success" \
  grep -qx "Configuration written to /etc/tandem/tandemd.conf successful" "$TIT_TMP/sd-config-write.txt"
check "systemd: /etc/tandem/tandemd.conf has the 3 subnets" [ "$(jq '.Dhcp4.subnet4 | length' "$CONF")" = 3 ]
check "systemd: written by _tandem, still 0640" [ "$(inroot stat -c '%U:%G %a' /etc/tandem/tandemd.conf)" = "_tandem:_tandem 640" ]
insd tandemctl config write /etc/tandem-elsewhere.conf >"$TIT_TMP/sd-config-write-ro.txt" 2>&1
CWRC=$?
cat "$TIT_TMP/sd-config-write-ro.txt" >&2
check "systemd: config-write to /etc refused (exit 1)" [ "$CWRC" = 1 ]
check "systemd: refused, only beside the config file" grep -qxF \
  "not allowed to write config into /etc/tandem-elsewhere.conf: file /etc/tandem-elsewhere.conf must be in the same directory as the config file (/etc/tandem/tandemd.conf)" \
  "$TIT_TMP/sd-config-write-ro.txt"
check "systemd: nothing written outside /etc/tandem" [ ! -e "$ROOT/etc/tandem-elsewhere.conf" ]

# Restart=on-failure: a crash (SIGKILL) brings it back.
insd kill -KILL "$MAIN"
restarted() { is_active && [ "$(prop NRestarts)" = 1 ] && [ "$(prop MainPID)" != "$MAIN" ] && [ "$(prop MainPID)" != 0 ]; }
wait_for 20 "restart after SIGKILL" restarted || { journal; fail "tandemd.service was not restarted after a crash"; }
log "restarted after SIGKILL: MainPID $(prop MainPID), NRestarts $(prop NRestarts)"
check "systemd: restarted (Restart=on-failure)" restarted
check "systemd: the restarted tandemd serves the written configuration (3 subnets)" \
  grep -q "serving 3 subnets" <<<"$(prop StatusText)"

# systemctl stop: SIGTERM, STOPPING=1, exit 0.
check "systemctl stop" insd systemctl stop tandemd.service
check "stopped cleanly (Result=success, status 0)" \
  bash -c "[ \"\$(nsenter -t $SD_PID -m -u -i -n -p -C -r -w systemctl show -p Result -p ExecMainStatus --value tandemd.service | tr '\\n' ' ')\" = 'success 0 ' ]"
journal -u tandemd.service
check "journald: SIGTERM shut it down" grep -q "DHCP4_SHUTDOWN" "$TIT_TMP/journal.txt"
kill -KILL "$SD_PID"
for _ in $(seq 50); do kill -0 "$SD_PID" 2>/dev/null || break; sleep 0.1; done
tit_stop "$SD_LAUNCHER" TERM 3 >/dev/null 2>&1
find "$CG" -depth -type d -exec rmdir {} \; 2>/dev/null
check "container's cgroups removed" [ ! -d "$CG" ]
umount "$TIT_TMP/cg2" || fail "umount cgroup2"
}
# systemd in a container needs a cgroup2 hierarchy; without one this stage is skipped (said
# in the log), the rest of the test still runs.
mkdir -p "$TIT_TMP/cg2"
if mount -t cgroup2 cgroup2 "$TIT_TMP/cg2"; then
  systemd_stage
else
  log "SKIPPED the systemd stage: cannot mount cgroup2 here"
fi

# ---- remove, purge -----------------------------------------------------------------------------
inroot dpkg -r tandem >"$TIT_TMP/dpkg-r.log" 2>&1 || { cat "$TIT_TMP/dpkg-r.log" >&2; fail "dpkg -r"; }
check "dpkg -r: binaries gone" [ ! -e "$ROOT/usr/sbin/tandemd" ]
check "dpkg -r: conffile kept" [ -f "$CONF" ]
check "dpkg -r: leases kept" [ -f "$CSV" ]
inroot dpkg --purge tandem >"$TIT_TMP/dpkg-purge.log" 2>&1 || { cat "$TIT_TMP/dpkg-purge.log" >&2; fail "dpkg --purge"; }
check "purge: /etc/tandem gone" [ ! -e "$ROOT/etc/tandem" ]
check "purge: statoverride of /etc/tandem gone" bash -c "! chroot '$ROOT' dpkg-statoverride --list /etc/tandem"
check "purge: /var/lib/tandem and /var/log/tandem gone" bash -c "[ ! -e '$ROOT/var/lib/tandem' ] && [ ! -e '$ROOT/var/log/tandem' ]"
check "purge: unit enablement gone" [ ! -e "$ROOT/etc/systemd/system/multi-user.target.wants/tandemd.service" ]
check "purge: dpkg forgot the package" bash -c "! chroot '$ROOT' dpkg-query -W tandem >/dev/null 2>&1"
log "PASS"
