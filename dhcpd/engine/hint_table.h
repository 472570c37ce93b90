#pragma once
// The address a client last held, kept after RELEASE or expiry so that a returning client
// gets its previous address back when it is still free (RFC 2131 4.3.1: "the client's
// previous address as recorded in the client's (now expired or released) binding").
// Kea deletes released leases, so it needs no such memory; we bound it with an LRU.
#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>

#include "dhcpd/common/ipv4.h"

namespace tandem::engine {

class HintTable {
 public:
  explicit HintTable(std::size_t capacity = 65536) : capacity_(capacity) {}

  void remember(const std::string& clientKey, Ipv4 address, std::uint32_t subnetId);
  // The last address of the client in that subnet, if remembered.
  std::optional<Ipv4> lookup(const std::string& clientKey, std::uint32_t subnetId) const;
  void forget(const std::string& clientKey);
  std::size_t size() const noexcept { return index_.size(); }

 private:
  struct Entry {
    std::string key;
    Ipv4 address;
    std::uint32_t subnetId = 0;
  };
  std::size_t capacity_;
  std::list<Entry> lru_;  // most recent first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace tandem::engine
