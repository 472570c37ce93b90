#pragma once
// Which interfaces tandemd serves: Kea's interfaces-config ("eth0", "eth0/198.18.0.1", "*")
// matched against what the kernel reports. Selection is pure so it is unit tested;
// listSystemInterfaces() is the only part that asks the kernel.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "dhcpd/common/hw_addr.h"
#include "dhcpd/common/ipv4.h"
#include "dhcpd/config/dhcp4_config.h"

namespace tandem::net {

struct SystemInterface {
  std::string name;
  int index = 0;
  bool up = false;
  bool loopback = false;
  HwAddr mac;                   // empty for interfaces without a link-layer address
  std::vector<Ipv4> addresses;  // IPv4 addresses in kernel order (primary first)
};

struct ServedInterface {
  std::string name;
  int index = 0;
  Ipv4 address;  // our address there: source of replies and server identifier (option 54)
  HwAddr mac;
  bool operator==(const ServedInterface&) const = default;
};

struct InterfaceSelection {
  std::vector<ServedInterface> served;
  std::vector<std::string> warnings;  // named interfaces that are missing, down or address-less
};

// "*" picks every up, non-loopback interface with an IPv4 address; a name picks that
// interface (its first address), "name/addr" that address. As kea-dhcp4 does by default
// (service-sockets-require-all false), a listed interface that cannot be served is a
// warning, not an error. Duplicates are served once.
InterfaceSelection selectInterfaces(const std::vector<config::InterfaceSpec>& specs,
                                    const std::vector<SystemInterface>& system);

// getifaddrs(3) view of this network namespace.
std::vector<SystemInterface> listSystemInterfaces();

}  // namespace tandem::net
