#include "ha/scope_filter.h"

#include <algorithm>

#include <fmt/format.h>

namespace tandem::ha {

// The RFC 3074 section 6 permutation, byte for byte the same as Kea's loadb_mx_tbl (it was
// compared with the table inside Debian's Kea 2.2 libdhcp_ha.so). Its SHA-256,
// 50015bcb049a75f57f1224b2d303a4d75485a0de3a772a30e06256daa1c873a7, and its first and last
// entries are checked by a unit test against the values in reference/ha-protocol.md 5.3.
const std::array<std::uint8_t, 256> kRfc3074MixTable = {
    251, 175, 119, 215, 81,  14,  79,  191, 103, 49,  181, 143, 186, 157, 0,   232, 31,  32,  55,  60,  152, 58,
    17,  237, 174, 70,  160, 144, 220, 90,  57,  223, 59,  3,   18,  140, 111, 166, 203, 196, 134, 243, 124, 95,
    222, 179, 197, 65,  180, 48,  36,  15,  107, 46,  233, 130, 165, 30,  123, 161, 209, 23,  97,  16,  40,  91,
    219, 61,  100, 10,  210, 109, 250, 127, 22,  138, 29,  108, 244, 67,  207, 9,   178, 204, 74,  98,  126, 249,
    167, 116, 34,  77,  193, 200, 121, 5,   20,  113, 71,  35,  128, 13,  182, 94,  25,  226, 227, 199, 75,  27,
    41,  245, 230, 224, 43,  225, 177, 26,  155, 150, 212, 142, 218, 115, 241, 73,  88,  105, 39,  114, 62,  255,
    192, 201, 145, 214, 168, 158, 221, 148, 154, 122, 12,  84,  82,  163, 44,  139, 228, 236, 205, 242, 217, 11,
    187, 146, 159, 64,  86,  239, 195, 42,  106, 198, 118, 112, 184, 172, 87,  2,   173, 117, 176, 229, 247, 253,
    137, 185, 99,  164, 102, 147, 45,  66,  231, 52,  141, 211, 194, 206, 246, 238, 56,  110, 78,  248, 63,  240,
    189, 93,  92,  51,  53,  183, 19,  171, 72,  50,  33,  104, 101, 69,  8,   252, 83,  120, 76,  135, 85,  54,
    202, 125, 188, 213, 96,  235, 136, 208, 162, 129, 190, 132, 156, 38,  47,  1,   7,   254, 24,  4,   216, 131,
    89,  21,  28,  133, 37,  153, 149, 80,  170, 68,  6,   169, 234, 151,
};

std::uint8_t loadBalanceHash(std::span<const std::uint8_t> key) noexcept {
  // Kea casts the length to uint8_t; option 61 payloads are at most 255 bytes anyway.
  std::uint8_t h = static_cast<std::uint8_t>(key.size());
  for (std::size_t i = key.size(); i > 0; --i) h = kRfc3074MixTable[h ^ key[i - 1]];
  return h;
}

ScopeFilter::ScopeFilter(const HaConfig& cfg)
    : mode_(cfg.mode), myRole_(cfg.thisServer().role), myName_(cfg.thisServerName) {
  for (const PeerConfig* p : cfg.activeServers()) active_.push_back(p->name);
  for (const auto& p : cfg.peers) names_.push_back(p.name);
  serving_ = std::make_unique<std::atomic<bool>[]>(names_.size());
  for (std::size_t i = 0; i < names_.size(); ++i) serving_[i].store(false);
  for (const auto& name : active_) activeIndex_.push_back(indexOf(name));
  myIndex_ = indexOf(myName_);
}

bool ScopeFilter::isHaType(std::uint8_t t) noexcept {
  // RFC 2132 9.6 message types: 1 DISCOVER, 3 REQUEST, 4 DECLINE, 7 RELEASE, 8 INFORM.
  return t == 1 || t == 3 || t == 4 || t == 7 || t == 8;
}

ScopeDecision ScopeFilter::classify(const QueryView& q) const {
  ScopeDecision d;
  if (!isHaType(q.messageType)) {
    d.inScope = true;
    d.scope = active_.front();
    d.scopeClass = "HA_" + d.scope;
    return d;
  }
  std::size_t candidate = 0;
  if (mode_ == HaMode::LoadBalancing) {
    // Option 61 when present and non-empty, else chaddr (Kea QueryFilter::loadBalance).
    std::span<const std::uint8_t> key = !q.clientId.empty() ? q.clientId : q.hwAddr;
    if (key.empty()) return d;  // nothing to hash: out of scope, untagged
    d.hash = loadBalanceHash(key);
    // Kea: hash % active servers (2 in load-balancing): even -> primary, odd -> secondary.
    candidate = static_cast<std::size_t>(d.hash) % active_.size();
  }
  d.scope = active_[candidate];
  d.scopeClass = "HA_" + d.scope;
  d.inScope = amServing(d.scope);
  return d;
}

bool ScopeFilter::isPartnerQuery(const QueryView& q) const noexcept {
  if (!isHaType(q.messageType)) return false;
  std::size_t candidate = 0;
  if (mode_ == HaMode::LoadBalancing) {
    std::span<const std::uint8_t> key = !q.clientId.empty() ? q.clientId : q.hwAddr;
    if (key.empty()) return false;
    candidate = static_cast<std::size_t>(loadBalanceHash(key)) % active_.size();
  }
  const int scope = activeIndex_[candidate];
  return scope >= 0 && scope != myIndex_ && !serving_[static_cast<std::size_t>(scope)].load(std::memory_order_relaxed);
}

std::string ScopeFilter::scopeOf(std::span<const std::uint8_t> clientId, std::span<const std::uint8_t> hwAddr) const {
  if (mode_ != HaMode::LoadBalancing) return active_.front();
  std::span<const std::uint8_t> key = !clientId.empty() ? clientId : hwAddr;
  if (key.empty()) return {};
  return active_[loadBalanceHash(key) % active_.size()];
}

int ScopeFilter::indexOf(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return static_cast<int>(i);
  }
  return -1;
}

void ScopeFilter::serveNoScopes() {
  for (std::size_t i = 0; i < names_.size(); ++i) set(static_cast<int>(i), false);
}

void ScopeFilter::serveDefaultScopes() {
  serveNoScopes();
  if (myRole_ == Role::Primary || myRole_ == Role::Secondary) set(indexOf(myName_), true);
}

void ScopeFilter::serveFailoverScopes() {
  serveNoScopes();
  // The primary's scope always; in load-balancing the secondary's too. A standby takes over
  // the primary's scope. Never a backup's.
  for (const auto& name : active_) {
    if (mode_ == HaMode::LoadBalancing || name == active_.front()) set(indexOf(name), true);
  }
}

Result<void> ScopeFilter::serveScopes(const std::vector<std::string>& scopes) {
  for (const auto& s : scopes) {
    if (indexOf(s) < 0) {
      return makeError(fmt::format("invalid server name specified '{}' while enabling/disabling HA scopes", s));
    }
  }
  serveNoScopes();
  for (const auto& s : scopes) set(indexOf(s), true);
  return {};
}

bool ScopeFilter::amServing(std::string_view scope) const noexcept {
  const int i = indexOf(scope);
  return i >= 0 && serving_[static_cast<std::size_t>(i)].load(std::memory_order_relaxed);
}

std::vector<std::string> ScopeFilter::servedScopes() const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (serving_[i].load(std::memory_order_relaxed)) out.push_back(names_[i]);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace tandem::ha
