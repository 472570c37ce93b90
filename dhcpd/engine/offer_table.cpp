#include "dhcpd/engine/offer_table.h"

namespace tandem::engine {

void OfferTable::add(const ClientIdentity& client, Ipv4 address, std::uint32_t subnetId, TimePoint expires) {
  std::string key = client.key();
  if (auto it = byClient_.find(key); it != byClient_.end() && it->second != address.value) {
    byAddress_.erase(it->second);
  }
  if (auto it = byAddress_.find(address.value); it != byAddress_.end() && it->second.clientKey != key) {
    byClient_.erase(it->second.clientKey);
  }
  Offer& o = byAddress_[address.value];
  o.address = address;
  o.hwAddr = client.hwAddr;
  o.clientId = client.clientId;
  o.clientKey = key;
  o.subnetId = subnetId;
  o.expires = expires;
  byClient_[std::move(key)] = address.value;
  deadlines_.push(Deadline{expires, address.value});
  // Offers taken by REQUEST leave their deadline behind; if the timer that calls expire()
  // is slow, rebuild the heap so it stays proportional to the live offers.
  if (deadlines_.size() > 2 * byAddress_.size() + 1024) {
    std::vector<Deadline> live;
    live.reserve(byAddress_.size());
    for (const auto& [a, offer] : byAddress_) live.push_back(Deadline{offer.expires, a});
    deadlines_ = decltype(deadlines_)(std::greater<>(), std::move(live));
  }
}

const Offer* OfferTable::byAddress(Ipv4 address, TimePoint now) const {
  auto it = byAddress_.find(address.value);
  if (it == byAddress_.end() || it->second.expires <= now) return nullptr;
  return &it->second;
}

const Offer* OfferTable::byClient(const ClientIdentity& client, TimePoint now) const {
  auto it = byClient_.find(client.key());
  if (it == byClient_.end()) return nullptr;
  return byAddress(Ipv4(it->second), now);
}

std::optional<Ipv4> OfferTable::removeClient(const ClientIdentity& client) {
  auto it = byClient_.find(client.key());
  if (it == byClient_.end()) return std::nullopt;
  Ipv4 a(it->second);
  byAddress_.erase(it->second);
  byClient_.erase(it);
  return a;
}

void OfferTable::removeAddress(Ipv4 address) {
  auto it = byAddress_.find(address.value);
  if (it == byAddress_.end()) return;
  byClient_.erase(it->second.clientKey);
  byAddress_.erase(it);
}

std::vector<Ipv4> OfferTable::expire(TimePoint now) {
  std::vector<Ipv4> freed;
  while (!deadlines_.empty() && deadlines_.top().when <= now) {
    Deadline d = deadlines_.top();
    deadlines_.pop();
    auto it = byAddress_.find(d.address);
    // A stale deadline (offer renewed or moved) must not remove the newer offer.
    if (it == byAddress_.end() || it->second.expires != d.when) continue;
    byClient_.erase(it->second.clientKey);
    byAddress_.erase(it);
    freed.push_back(Ipv4(d.address));
  }
  return freed;
}

}  // namespace tandem::engine
