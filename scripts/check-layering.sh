#!/bin/bash
# Keeps the layering of design.md true: the pure core (codec, lease store, engine, config,
# command handlers, HA state machine, failure detector, sync logic) never includes Asio,
# Beast or OpenSSL, neither directly nor through a project header, and the pure CMake targets
# do not link them. Adapters live in dhcpd/net, dhcpd/daemon, dhcpd/ctl and dhcpd/main.cpp.
#
# usage: scripts/check-layering.sh [source-dir]     exit 0 = clean, 1 = violations listed
set -u -o pipefail
SRC=$(cd "${1:-$(dirname "$0")/..}" && pwd)
PURE_DIRS="dhcpd/common dhcpd/proto dhcpd/classify dhcpd/lease dhcpd/engine dhcpd/ddns dhcpd/config dhcpd/api ha heartbeat sync"
PURE_TARGETS="tandem_common tandem_proto tandem_classify tandem_lease tandem_engine tandem_ddns tandem_config tandem_api tandem_ha tandem_heartbeat tandem_sync"
# <boost/asio...>, <boost/beast...>, <asio...> (standalone), <openssl/...>
FORBIDDEN='^[[:space:]]*#[[:space:]]*include[[:space:]]*<(boost/(asio|beast)|asio|openssl/)'
# Project headers that are adapters themselves: including one drags Asio in.
ADAPTER_HDR='^(dhcpd/(net|daemon|ctl)/)'

cd "$SRC" || exit 2
violations=0
declare -A seen=()   # header -> "" when clean, else the first offending line

# quoted_includes <file>: the project headers it includes, as paths from $SRC.
quoted_includes() {
  local f=$1 dir inc
  dir=$(dirname "$f")
  sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
    while read -r inc; do
      if [ -f "$inc" ]; then echo "$inc"
      elif [ -f "$dir/$inc" ]; then realpath --relative-to="$SRC" "$dir/$inc"
      fi
    done
}

# scan <file> <chain>: report forbidden includes in the file or any project header it pulls in.
scan() {
  local f=$1 chain=$2 hit inc
  [ -n "${seen[$f]+x}" ] && return 0
  seen[$f]=""
  hit=$(grep -nE "$FORBIDDEN" "$f" | head -n 1)
  if [ -n "$hit" ]; then
    echo "LAYERING: $chain -> $f:${hit%%:*}: ${hit#*:}"
    violations=$((violations + 1))
  fi
  for inc in $(quoted_includes "$f"); do
    if [[ $inc =~ $ADAPTER_HDR ]]; then
      echo "LAYERING: $chain -> $f includes adapter header $inc"
      violations=$((violations + 1))
      continue
    fi
    scan "$inc" "$chain"
  done
}

files=0
for d in $PURE_DIRS; do
  [ -d "$d" ] || continue
  while IFS= read -r f; do
    files=$((files + 1))
    scan "$f" "$f"
  done < <(find "$d" \( -name '*.h' -o -name '*.hpp' -o -name '*.cpp' -o -name '*.cc' \) | sort)
done

# CMake: a pure target must not link Boost (Asio/Beast are header-only, so Boost::boost is how
# they arrive) or OpenSSL.
while IFS= read -r cm; do
  for t in $PURE_TARGETS; do
    if tr '\n' ' ' <"$cm" | grep -oE "target_link_libraries\([[:space:]]*${t}[[:space:]][^)]*\)" |
        grep -qE 'Boost::|OpenSSL::|[^_]ssl|crypto'; then
      echo "LAYERING: $cm links $t with Boost or OpenSSL"
      violations=$((violations + 1))
    fi
  done
done < <(find . -name CMakeLists.txt -not -path './build*' | sort)

if [ "$violations" -gt 0 ]; then
  echo "check-layering: $violations violation(s) in $files pure source files"
  exit 1
fi
echo "check-layering: $files pure source files clean (no Asio/Beast/OpenSSL)"
