#pragma once
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "dhcpd/lease/lease.h"

namespace tandem::testing {

// A fresh directory under /tmp, removed with its contents at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = "/tmp/tls-lease-XXXXXX";
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void writeFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

inline Lease makeLease(std::uint32_t host, std::uint32_t subnet = 1) {
  Lease l;
  l.address = Ipv4(198, 18, static_cast<std::uint8_t>(host >> 8), static_cast<std::uint8_t>(host));
  std::uint8_t mac[6] = {0x02,
                         0x00,
                         0x00,
                         static_cast<std::uint8_t>(host >> 16),
                         static_cast<std::uint8_t>(host >> 8),
                         static_cast<std::uint8_t>(host)};
  l.hwAddr = HwAddr::fromBytes(mac);
  l.clientId = {0x01, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]};
  l.validLifetime = 3600;
  l.cltt = 1'750'000'000;
  l.subnetId = subnet;
  l.hostname = "host-" + std::to_string(host);
  return l;
}

}  // namespace tandem::testing
