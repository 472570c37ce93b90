#include "dhcpd/proto/option_def_set.h"

#include <utility>

namespace tandem::proto {

void OptionDefSet::add(OptionDef def) { custom_.push_back(std::move(def)); }

void OptionDefSet::addOverride(OptionDef def) { overrides_.push_back(std::move(def)); }

const OptionDef* OptionDefSet::findCustom(std::string_view space, std::uint8_t code) const noexcept {
  for (const auto& d : custom_) {
    if (d.space == space && d.code == code) return &d;
  }
  return nullptr;
}

const OptionDef* OptionDefSet::findCustom(std::string_view space, std::string_view name) const noexcept {
  for (const auto& d : custom_) {
    if (d.space == space && d.name == name) return &d;
  }
  return nullptr;
}

const OptionDef* OptionDefSet::find(std::string_view space, std::uint8_t code) const noexcept {
  for (const auto& d : overrides_) {
    if (d.space == space && d.code == code) return &d;
  }
  if (const OptionDef* d = findStandardOptionDef(space, code)) return d;
  if (const OptionDef* d = findCustom(space, code)) return d;
  return space == kDhcp4Space ? findOptionDef(code) : nullptr;
}

const OptionDef* OptionDefSet::find(std::string_view space, std::string_view name) const noexcept {
  for (const auto& d : overrides_) {
    if (d.space == space && d.name == name) return &d;
  }
  if (const OptionDef* d = findStandardOptionDef(space, name)) return d;
  if (const OptionDef* d = findCustom(space, name)) return d;
  return space == kDhcp4Space ? findOptionDef(name) : nullptr;
}

}  // namespace tandem::proto
