#pragma once
// Pieces of the Dhcp4 parser shared between its translation units (not a public API).
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "dhcpd/config/dhcp4_config.h"
#include "dhcpd/config/json_reader.h"

namespace tandem::config {

// kea-dhcp4 2.2 opens relative paths from its working directory; the daemon passes it as baseDir.
std::string resolvePath(const ParseContext& ctx, std::string_view path);

// "option-data": [...] at any scope.
std::vector<OptionData> parseOptionDataList(const nlohmann::json& list, const std::string& path, Diagnostics& diag);

// One entry of "reservations" (global when subnet is null); appends to out.
void parseReservations(const nlohmann::json& list, const std::string& path, const Subnet4* subnet, bool ipUnique,
                       Diagnostics& diag, std::vector<Reservation>& out);

// Kea's reservation flags: "reservation-mode" (deprecated) or the three booleans, not both.
struct ReservationFlags {
  bool global = false, inSubnet = true, outOfPool = false;
};
void parseReservationFlags(ObjectReader& r, ReservationFlags& flags);

// The whole "subnet4" list, with Kea's inheritance of global values already applied.
void parseSubnets(const nlohmann::json& list, const std::string& path, const Dhcp4Config& globals,
                  const ReservationFlags& flags, Diagnostics& diag, std::vector<Subnet4>& out);

// Calls fn(reader) for each element of a list that must contain maps.
template <class Fn>
void forEachObject(const nlohmann::json& list, const std::string& path, Diagnostics& diag, Fn&& fn) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string p = joinPath(path, std::to_string(i));
    if (!list[i].is_object()) {
      diag.error(p, "expected a map, got " + describeType(list[i]));
      continue;
    }
    fn(list[i], p, i);
  }
}

}  // namespace tandem::config
