#include "ha/ha_relationships.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

namespace tandem::ha {

using nlohmann::json;

std::optional<std::size_t> HaRelationships::byPeerName(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < relationships.size(); ++i) {
    if (relationships[i].find(name)) return i;
  }
  return std::nullopt;
}

std::optional<std::size_t> HaRelationships::bySubnet(std::uint32_t subnetId) const noexcept {
  if (!hub()) return 0;
  auto it = std::lower_bound(subnets.begin(), subnets.end(), subnetId,
                             [](const auto& entry, std::uint32_t id) { return entry.first < id; });
  if (it == subnets.end() || it->first != subnetId) return std::nullopt;
  return it->second;
}

std::vector<std::string> describeHaChanges(const HaRelationships& before, const HaRelationships& after) {
  const auto& a = before.relationships;
  const auto& b = after.relationships;
  if (a.size() != b.size()) return {fmt::format("{} -> {} HA relationships", a.size(), b.size())};
  std::vector<std::string> out;
  for (std::size_t i = 0; i < a.size(); ++i) {
    for (auto& c : describeHaChanges(a[i], b[i])) {
      out.push_back(before.hub() ? fmt::format("{}: {}", a[i].thisServerName, c) : std::move(c));
    }
  }
  if (before.subnets != after.subnets) out.emplace_back("subnets tied to other HA relationships");
  return out;
}

bool listenerChanged(const HaRelationships& before, const HaRelationships& after) {
  if (before.relationships.size() != after.relationships.size()) return true;
  for (std::size_t i = 0; i < before.relationships.size(); ++i) {
    if (listenerChanged(before.relationships[i], after.relationships[i])) return true;
  }
  return false;
}

namespace {

// The node a Subnet4::sourcePointer names ("/Dhcp4/subnet4/0"), if it is still in the document
// (subnets from a configuration backend have none).
const json* nodeAt(const json& source, const std::string& pointer) {
  if (pointer.empty()) return nullptr;
  try {
    const json::json_pointer p(pointer);
    if (!source.contains(p)) return nullptr;
    return &source.at(p);
  } catch (const json::exception&) {
    return nullptr;
  }
}

// The "ha-server-name" of a node's user context: nullopt when absent; error when not a string.
Result<std::optional<std::string>> serverNameOf(const json* node, const std::string& where) {
  if (!node || !node->is_object()) return std::optional<std::string>();
  auto uc = node->find("user-context");
  if (uc == node->end() || !uc->is_object()) return std::optional<std::string>();
  auto name = uc->find("ha-server-name");
  if (name == uc->end()) return std::optional<std::string>();
  if (!name->is_string()) return makeError(where + "/user-context/ha-server-name: must be a string");
  return std::optional<std::string>(name->get<std::string>());
}

// "/Dhcp4/subnet4/0" -> "Dhcp4/subnet4/0" (the form config errors use).
std::string pathOf(const std::string& pointer, std::uint32_t id) {
  if (pointer.empty()) return fmt::format("subnet {}", id);
  return pointer.front() == '/' ? pointer.substr(1) : pointer;
}

}  // namespace

Result<HaRelationships> tieSubnets(std::vector<HaConfig> relationships, const config::Dhcp4Config& dhcp) {
  HaRelationships out;
  out.relationships = std::move(relationships);
  if (!out.hub()) return out;
  std::map<std::string, std::uint32_t> networkRel;  // shared network name -> relationship
  for (const auto& s : dhcp.subnets) {
    const std::string where = pathOf(s.sourcePointer, s.id);
    auto own = serverNameOf(nodeAt(dhcp.source, s.sourcePointer), where);
    if (!own) return own.error();
    std::optional<std::string> name = *own;
    std::string from = where;
    if (!name && !s.sharedNetwork.empty()) {
      // The subnet sits at ".../shared-networks/N/subnet4/M": its network is the parent.
      const auto cut = s.sourcePointer.rfind("/subnet4/");
      if (cut != std::string::npos) {
        const std::string parent = s.sourcePointer.substr(0, cut);
        auto net = serverNameOf(nodeAt(dhcp.source, parent), pathOf(parent, s.id));
        if (!net) return net.error();
        name = *net;
        from = pathOf(parent, s.id);
      }
    }
    if (!name) {
      return makeError(
          fmt::format("{}: no \"ha-server-name\" in the user context of subnet {} ({}) or its shared "
                      "network: with several HA relationships every subnet must name the relationship "
                      "serving it",
                      where, s.id, s.prefix.toString()));
    }
    auto rel = out.byPeerName(*name);
    if (!rel) {
      return makeError(
          fmt::format("{}/user-context/ha-server-name: '{}' is not a peer of any HA relationship", from, *name));
    }
    if (!s.sharedNetwork.empty()) {
      auto [it, added] = networkRel.emplace(s.sharedNetwork, static_cast<std::uint32_t>(*rel));
      if (!added && it->second != *rel) {
        return makeError(
            fmt::format("{}/user-context/ha-server-name: subnet {} of shared network '{}' is tied to "
                        "another HA relationship than the network's other subnets",
                        from, s.id, s.sharedNetwork));
      }
    }
    out.subnets.emplace_back(s.id, static_cast<std::uint32_t>(*rel));
  }
  std::sort(out.subnets.begin(), out.subnets.end());
  return out;
}

}  // namespace tandem::ha
