#!/bin/bash
# Builds the Debian package (tandem_<version>_<arch>.deb) with CPack from the CMake install
# rules: tandemd, tandemctl, the systemd unit, /etc/tandem/tandemd.conf, logrotate, man pages.
#
# usage: scripts/build-deb.sh [BUILD_DIR [OUT_DIR]]
#   BUILD_DIR  a build directory (default build/; configured RelWithDebInfo if it is not)
#   OUT_DIR    where the .deb goes (default BUILD_DIR/package)
# Prints the path of the .deb. Needs dpkg-dev (dpkg-shlibdeps computes the dependencies);
# scripts/install-deps.sh installs it. Check the result with `lintian FILE.deb`.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(realpath -m "${1:-$SRC/build}")
OUT=$(realpath -m "${2:-$BUILD/package}")
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
fi
# Only what the package holds; the tests need not be built for it.
cmake --build "$BUILD" -j"${JOBS:-2}" --target tandemd tandemctl tandem_package_files >&2
mkdir -p "$OUT"
# The staging area goes to OUT too, so a read-only or shared build tree stays as it was.
(cd "$BUILD" && cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$OUT") >&2
VERSION=$("$BUILD/dhcpd/tandemd" -v)
ls "$OUT"/tandem_"$VERSION"_*.deb
