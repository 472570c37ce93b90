#pragma once
// The option definitions a configuration sees: its "option-def" entries over Kea 2.2's
// standard ones. Lookup order as in Kea's OptionDataParser::findOptionDefinition: the
// standard definitions of the space, then the custom ones, then (dhcp4 only) the last-resort
// definition of option 43. Custom definitions cannot replace a standard dhcp4 option
// (the parser refuses that), but can replace option 43's last-resort one.
#include <cstdint>
#include <string_view>
#include <vector>

#include "dhcpd/proto/option_defs.h"

namespace tandem::proto {

class OptionDefSet {
 public:
  OptionDefSet() = default;

  // Adds a custom definition; the caller has checked Kea's rules (unique code and name per
  // space, valid names, not a standard dhcp4 option).
  void add(OptionDef def);
  // Definitions that take precedence over every other one (a client class's option-def for
  // option 43 while its option-data is parsed).
  void addOverride(OptionDef def);

  const OptionDef* find(std::string_view space, std::uint8_t code) const noexcept;
  const OptionDef* find(std::string_view space, std::string_view name) const noexcept;
  // Custom definitions only (duplicate checks).
  const OptionDef* findCustom(std::string_view space, std::uint8_t code) const noexcept;
  const OptionDef* findCustom(std::string_view space, std::string_view name) const noexcept;

  const std::vector<OptionDef>& custom() const noexcept { return custom_; }

 private:
  std::vector<OptionDef> custom_;
  std::vector<OptionDef> overrides_;
};

}  // namespace tandem::proto
