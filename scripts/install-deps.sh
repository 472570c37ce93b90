#!/bin/bash
# The one list of Debian 12 packages Tandem needs to build, run its demos and pass its tests,
# and the one way to install them. Used by .ci/run, scripts/test.sh and the demo scripts.
#
# usage: sudo scripts/install-deps.sh              install (apt-get update + install)
#        scripts/install-deps.sh --if-missing      install only when a needed tool is missing
#        scripts/install-deps.sh --list            print the package list
# exit:  0 everything is there; 1 a tool is still missing (or not root when it must install)
set -euo pipefail

PACKAGES=(
  # toolchain and libraries
  g++ cmake make pkg-config
  libboost-dev libboost-system-dev libssl-dev nlohmann-json3-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # fuzzing (scripts/fuzz.sh): clang with libFuzzer and the sanitizer runtimes; clang-format
  # for scripts/check-format.sh
  clang libclang-rt-14-dev clang-format
  # ISC Kea 2.2: the reference server (differential tester, lease-file interop, HA partner,
  # benchmarks), perfdhcp, kea-shell
  kea-dhcp4-server kea-admin kea-common kea-ctrl-agent
  # DDNS end to end: kea-dhcp-ddns (Kea's D2) updating a BIND 9 server; dig checks the records
  kea-dhcp-ddns-server bind9 bind9-dnsutils
  # DHCP clients and tools the integration tests drive; scapy for the differential tester
  isc-dhcp-client busybox socat iproute2 procps python3 python3-scapy openssl curl jq
  iputils-ping bc tcpdump ca-certificates
  # The Debian package: CPack's DEB generator (dpkg-shlibdeps), lintian, and systemd-analyze
  # to verify the unit (package_deb_test.sh)
  dpkg-dev lintian systemd
  # PostgreSQL lease backend: libpq to build, a server (initdb/pg_ctl, psql) for the tests
  libpq-dev postgresql postgresql-client
  # MySQL/MariaDB lease backend: MariaDB Connector/C to build, a server (mariadb-install-db,
  # mariadbd) and the client for the tests
  libmariadb-dev mariadb-server mariadb-client
  # the dashboard test loads the page in headless Chromium (tests/integration/dashboard_*)
  chromium
  # /metrics: a real Prometheus scrapes a pair in the tests; promtool checks the exposition
  prometheus
  # HA chaos tests (tests/integration/ha_chaos_*): nftables cuts one direction of the peers'
  # traffic inside a namespace; libfaketime shifts one peer's clock
  nftables faketime
)
# What must be on PATH afterwards (a package's maintainer script may fail in a container
# without an init system; what counts is that these exist).
TOOLS=(g++ cmake pkg-config pg_config psql mariadb mariadb-install-db clang++ clang-format dpkg-shlibdeps lintian systemd-analyze kea-dhcp4 kea-dhcp-ddns named dig perfdhcp dhclient busybox socat jq python3 ss tcpdump openssl curl chromium prometheus promtool nft faketime)

missing() {
  local t out=()
  for t in "${TOOLS[@]}"; do command -v "$t" >/dev/null || out+=("$t"); done
  # scapy is imported by Debian's interpreter, not by whatever python3 comes first on PATH.
  [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import scapy' 2>/dev/null || out+=(python3-scapy)
  [ -e /usr/include/boost/beast.hpp ] || out+=(libboost-dev)
  [ -e /usr/include/nlohmann/json.hpp ] || out+=(nlohmann-json3-dev)
  [ -e /usr/include/gtest/gtest.h ] || out+=(libgtest-dev)
  [ -e /usr/include/postgresql/libpq-fe.h ] || out+=(libpq-dev)
  [ -e /usr/include/mariadb/mysql.h ] || out+=(libmariadb-dev)
  [ -x /usr/sbin/mariadbd ] || out+=(mariadb-server)
  # initdb/pg_ctl are not on PATH in Debian (postgresql-common wraps them).
  [ -x "$(pg_config --bindir 2>/dev/null)/initdb" ] || [ -x /usr/lib/postgresql/15/bin/initdb ] || out+=(postgresql)
  compgen -G '/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a' >/dev/null || out+=(libclang-rt-14-dev)
  echo "${out[*]}"
}

case "${1:-}" in
  --list) printf '%s\n' "${PACKAGES[@]}"; exit 0 ;;
  --if-missing) [ -z "$(missing)" ] && exit 0 ;;
  "") ;;
  *) echo "usage: $0 [--if-missing|--list]" >&2; exit 2 ;;
esac

if [ "$(id -u)" != 0 ]; then
  echo "install-deps: missing: $(missing); run as root (sudo $0) to install them" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# kea-dhcp4-server's postinst tries to start the service; a container has no init system.
# policy-rc.d exit 101 ("action forbidden") makes invoke-rc.d skip it; removed again on exit.
POLICY=/usr/sbin/policy-rc.d
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$POLICY"
  chmod +x "$POLICY"
  trap 'rm -f "$POLICY"' EXIT
fi
echo "install-deps: apt-get install ${#PACKAGES[@]} packages" >&2
apt-get update
if ! apt-get install -y --no-install-recommends "${PACKAGES[@]}"; then
  echo "install-deps: apt-get install reported an error, finishing configuration" >&2
  dpkg --configure -a || true
fi
left=$(missing)
if [ -n "$left" ]; then
  echo "install-deps: still missing after install: $left" >&2
  exit 1
fi
echo "install-deps: all dependencies present" >&2
