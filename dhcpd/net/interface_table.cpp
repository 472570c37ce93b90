#include "dhcpd/net/interface_table.h"

#include <algorithm>
#include <map>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <fmt/format.h>

namespace tandem::net {
namespace {

void addServed(InterfaceSelection& sel, const SystemInterface& s, Ipv4 address) {
  ServedInterface si{s.name, s.index, address, s.mac};
  auto same = [&](const ServedInterface& x) { return x.index == si.index; };
  // One socket per interface: a second spec for the same interface keeps the first address.
  if (std::find_if(sel.served.begin(), sel.served.end(), same) == sel.served.end()) {
    sel.served.push_back(std::move(si));
  }
}

}  // namespace

InterfaceSelection selectInterfaces(const std::vector<config::InterfaceSpec>& specs,
                                    const std::vector<SystemInterface>& system) {
  InterfaceSelection sel;
  for (const auto& spec : specs) {
    if (spec.name == "*") {
      for (const auto& s : system) {
        if (s.up && !s.loopback && !s.addresses.empty()) addServed(sel, s, s.addresses.front());
      }
      continue;
    }
    auto it = std::find_if(system.begin(), system.end(), [&](const SystemInterface& s) { return s.name == spec.name; });
    if (it == system.end()) {
      sel.warnings.push_back(fmt::format("interface {} does not exist, not served", spec.name));
      continue;
    }
    if (!it->up) {
      sel.warnings.push_back(fmt::format("interface {} is down, not served", spec.name));
      continue;
    }
    if (it->addresses.empty()) {
      sel.warnings.push_back(fmt::format("interface {} has no IPv4 address, not served", spec.name));
      continue;
    }
    if (spec.address) {
      if (std::find(it->addresses.begin(), it->addresses.end(), *spec.address) == it->addresses.end()) {
        sel.warnings.push_back(
            fmt::format("interface {} has no address {}, not served", spec.name, spec.address->toString()));
        continue;
      }
      addServed(sel, *it, *spec.address);
    } else {
      addServed(sel, *it, it->addresses.front());
    }
  }
  return sel;
}

std::vector<SystemInterface> listSystemInterfaces() {
  std::vector<SystemInterface> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  std::map<std::string, std::size_t> byName;
  auto entry = [&](const ifaddrs* ifa) -> SystemInterface& {
    auto [it, inserted] = byName.emplace(ifa->ifa_name, out.size());
    if (inserted) {
      SystemInterface s;
      s.name = ifa->ifa_name;
      s.index = static_cast<int>(if_nametoindex(ifa->ifa_name));
      s.up = (ifa->ifa_flags & IFF_UP) && (ifa->ifa_flags & IFF_RUNNING);
      s.loopback = ifa->ifa_flags & IFF_LOOPBACK;
      out.push_back(std::move(s));
    }
    return out[it->second];
  };
  for (const ifaddrs* ifa = list; ifa; ifa = ifa->ifa_next) {
    auto& s = entry(ifa);
    if (!ifa->ifa_addr) continue;
    if (ifa->ifa_addr->sa_family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(ifa->ifa_addr);
      s.addresses.push_back(Ipv4(ntohl(sin->sin_addr.s_addr)));
    } else if (ifa->ifa_addr->sa_family == AF_PACKET) {
      const auto* sll = reinterpret_cast<const sockaddr_ll*>(ifa->ifa_addr);
      if (sll->sll_halen == 6) {
        s.mac = HwAddr::fromBytes(std::span<const std::uint8_t>(sll->sll_addr, 6), 1);
      }
    }
  }
  freeifaddrs(list);
  return out;
}

}  // namespace tandem::net
