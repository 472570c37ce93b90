#!/bin/bash
# Keeps the layering of design.md true:
# 1. The pure core (codec, lease store, engine, config, command handlers, HA state machine,
#    failure detector, sync logic) never includes Asio, Beast or OpenSSL, neither directly nor
#    through a project header, and the pure CMake targets do not link them. Adapters live in
#    dhcpd/net, dhcpd/daemon, dhcpd/ctl, dhcpd/pgsql (libpq), dhcpd/mysql (MariaDB Connector/C), dhcpd/main.cpp and the HA shells ha/net, ha/service,
#    ha/ctl.
# 2. Dependencies go one way (issue 11, "one home"): a file never includes a header of a
#    higher layer. Lowest first:
#      dhcpd core (common proto classify lease config engine ddns api)
#      < heartbeat < ha < sync            (the pure HA core)
#      < dhcpd/net, dhcpd/ctl             (DHCP and control adapters)
#      < ha/net < ha/service, ha/ctl      (HA adapters: peer client, HaService, tandemctl ha)
#      < dhcpd/daemon, dhcpd/main.cpp, dhcpd/ctl/main.cpp   (composition)
# 3. The DHCP side holds no HA code: under dhcpd/ only the composition (dhcpd/daemon, the two
#    main.cpp) includes anything from ha/, sync/ or heartbeat/, and of the HA adapters only
#    their entry headers (HA_ENTRY_HDRS); the packet path knows HA through the hooks it is given.
#
# usage: scripts/check-layering.sh [source-dir]     exit 0 = clean, 1 = violations listed
set -u -o pipefail
SRC=$(cd "${1:-$(dirname "$0")/..}" && pwd)
PURE_DIRS="dhcpd/common dhcpd/proto dhcpd/classify dhcpd/lease dhcpd/engine dhcpd/ddns dhcpd/config dhcpd/api heartbeat ha sync"
# Adapter folders inside pure ones (not scanned as pure).
ADAPTER_SUBDIRS="ha/net ha/service ha/ctl"
PURE_TARGETS="tandem_common tandem_proto tandem_classify tandem_lease tandem_engine tandem_ddns tandem_config tandem_api tandem_ha tandem_heartbeat tandem_sync"
# <boost/asio...>, <boost/beast...>, <asio...> (standalone), <openssl/...>
FORBIDDEN='^[[:space:]]*#[[:space:]]*include[[:space:]]*<(boost/(asio|beast)|asio|openssl/|libpq-fe\.h|libpq/|mysql\.h|mariadb/)'
# Project headers that are adapters themselves: including one drags Asio in.
ADAPTER_HDR='^(dhcpd/(net|daemon|ctl|pgsql|mysql)|ha/(net|service|ctl))/'
# The HA adapter headers the composition under dhcpd/ may include.
HA_ENTRY_HDRS="ha/service/ha_hub.h ha/service/ha_service.h ha/service/ha_setup.h ha/service/ha_timers.h ha/service/ha_io_gate.h ha/ctl/ctl_ha.h"

# layer <path>: sets RANK to the file's layer (see 2. above), -1 outside the layering.
layer() {
  case $1 in
    dhcpd/main.cpp | dhcpd/ctl/main.cpp | dhcpd/daemon/*) RANK=7 ;;
    ha/service/* | ha/ctl/*) RANK=6 ;;
    ha/net/*) RANK=5 ;;
    dhcpd/net/* | dhcpd/ctl/* | dhcpd/pgsql/* | dhcpd/mysql/*) RANK=4 ;;
    sync/*) RANK=3 ;;
    ha/*) RANK=2 ;;
    heartbeat/*) RANK=1 ;;
    dhcpd/common/* | dhcpd/proto/* | dhcpd/classify/* | dhcpd/lease/* | dhcpd/config/* | dhcpd/engine/* | \
      dhcpd/ddns/* | dhcpd/api/*) RANK=0 ;;
    *) RANK=-1 ;;
  esac
}
LAYER_NAMES=("dhcpd core" heartbeat "ha core" sync "dhcpd/net, dhcpd/ctl" ha/net "ha/service, ha/ctl" composition)

cd "$SRC" || exit 2
violations=0
declare -A seen=()   # header -> "" when clean, else the first offending line

sources() {
  find "$@" \( -name '*.h' -o -name '*.hpp' -o -name '*.cpp' -o -name '*.cc' \) | sort
}

# One pass over every project source (a process per file is slow on a loaded machine):
# INCS[file] = the project headers it includes, as paths from $SRC; FORBID[file] = its first
# Asio/Beast/OpenSSL include, as "line:text".
declare -A INCS=() FORBID=()
while IFS= read -r line; do
  f=${line%%:*}
  inc=${line#*\"}
  inc=${inc%%\"*}
  if [ -f "$inc" ]; then
    INCS[$f]+="$inc "
  elif [ -f "${f%/*}/$inc" ]; then
    INCS[$f]+="$(realpath --relative-to="$SRC" "${f%/*}/$inc") "
  fi
done < <(sources dhcpd ha sync heartbeat | xargs grep -H '^[[:space:]]*#[[:space:]]*include[[:space:]]*"')
while IFS= read -r line; do
  f=${line%%:*}
  [ -n "${FORBID[$f]+x}" ] || FORBID[$f]=${line#*:}
done < <(sources dhcpd ha sync heartbeat | xargs grep -nHE "$FORBIDDEN")

# scan <file> <chain>: report forbidden includes in the file or any project header it pulls in.
scan() {
  local f=$1 chain=$2 hit inc
  [ -n "${seen[$f]+x}" ] && return 0
  seen[$f]=""
  hit=${FORBID[$f]-}
  if [ -n "$hit" ]; then
    echo "LAYERING: $chain -> $f:${hit%%:*}: ${hit#*:}"
    violations=$((violations + 1))
  fi
  for inc in ${INCS[$f]-}; do
    if [[ $inc =~ $ADAPTER_HDR ]]; then
      echo "LAYERING: $chain -> $f includes adapter header $inc"
      violations=$((violations + 1))
      continue
    fi
    scan "$inc" "$chain"
  done
}

files=0
prune=()
for a in $ADAPTER_SUBDIRS; do prune+=(-path "$a" -prune -o); done
for d in $PURE_DIRS; do
  [ -d "$d" ] || continue
  while IFS= read -r f; do
    files=$((files + 1))
    scan "$f" "$f"
  done < <(find "$d" "${prune[@]}" \( -name '*.h' -o -name '*.hpp' -o -name '*.cpp' -o -name '*.cc' \) -print | sort)
done

# Dependency direction, over every source of the layered folders.
declare -A counted=()
for f in "${!INCS[@]}"; do
  layer "$f"
  from=$RANK
  [ "$from" -ge 0 ] || continue
  counted[$f]=1
  for inc in ${INCS[$f]}; do
    layer "$inc"
    to=$RANK
    [ "$to" -ge 0 ] || continue
    if [ "$to" -gt "$from" ]; then
      echo "LAYERING: $f (${LAYER_NAMES[$from]}) includes $inc (${LAYER_NAMES[$to]}, a higher layer)"
      violations=$((violations + 1))
    fi
    if [[ $f == dhcpd/* && $inc =~ ^(ha|sync|heartbeat)/ ]]; then
      if [ "$from" -ne 7 ]; then
        echo "LAYERING: $f includes $inc: the DHCP side knows HA only through its hooks"
        violations=$((violations + 1))
      elif [[ $inc =~ $ADAPTER_HDR && " $HA_ENTRY_HDRS " != *" $inc "* ]]; then
        echo "LAYERING: $f includes $inc, an HA adapter internal (entry headers: $HA_ENTRY_HDRS)"
        violations=$((violations + 1))
      fi
    fi
  done
done
checked=${#counted[@]}

# CMake: a pure target must not link Boost (Asio/Beast are header-only, so Boost::boost is how
# they arrive) or OpenSSL.
while IFS= read -r call; do
  cm=${call%%:*}
  call=${call#*:}
  [[ $call =~ ^target_link_libraries\([[:space:]]*([A-Za-z0-9_]+) ]] || continue
  t=${BASH_REMATCH[1]}
  if [[ " $PURE_TARGETS " == *" $t "* && $call =~ Boost::|OpenSSL::|PostgreSQL::|[^_]ssl|crypto ]]; then
    echo "LAYERING: $cm links $t with Boost or OpenSSL"
    violations=$((violations + 1))
  fi
done < <(find . -name CMakeLists.txt -not -path './build*' | sort |
           while IFS= read -r cm; do tr '\n' ' ' <"$cm" | grep -oE 'target_link_libraries\([^)]*\)' | sed "s|^|$cm:|"; done)

if [ "$violations" -gt 0 ]; then
  echo "check-layering: $violations violation(s) ($files pure source files, $checked layered files)"
  exit 1
fi
echo "check-layering: $files pure source files clean (no Asio/Beast/OpenSSL), $checked layered files include no higher layer"
