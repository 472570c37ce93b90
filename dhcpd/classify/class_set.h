#pragma once
// The classes one packet belongs to, as a bitset over the class ids of one configuration
// (ClassTable below). Cheap to clear and test per packet; no allocation once sized.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tandem::classify {

using ClassId = std::uint16_t;

class ClassSet {
 public:
  void reset(std::size_t classes) { words_.assign((classes + 63) / 64, 0); }
  void clear() noexcept {
    for (auto& w : words_) w = 0;
  }
  void add(ClassId id) noexcept {
    if (id / 64 < words_.size()) words_[id / 64] |= std::uint64_t(1) << (id % 64);
  }
  bool has(ClassId id) const noexcept { return id / 64 < words_.size() && (words_[id / 64] >> (id % 64)) & 1u; }

 private:
  std::vector<std::uint64_t> words_;
};

// Interns every class name a configuration can ask about (defined classes, built-ins, names
// in member(), client-class of pools and subnets) so that packets carry ids, not strings.
class ClassTable {
 public:
  ClassId intern(std::string_view name) {
    if (auto it = ids_.find(std::string(name)); it != ids_.end()) return it->second;
    const auto id = ClassId(names_.size());
    names_.emplace_back(name);
    ids_.emplace(names_.back(), id);
    return id;
  }
  // nullopt-like: returns false when the name was never interned.
  bool find(std::string_view name, ClassId& out) const {
    auto it = ids_.find(std::string(name));
    if (it == ids_.end()) return false;
    out = it->second;
    return true;
  }
  const std::string& name(ClassId id) const { return names_[id]; }
  std::size_t size() const noexcept { return names_.size(); }

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::string, ClassId> ids_;
};

}  // namespace tandem::classify
