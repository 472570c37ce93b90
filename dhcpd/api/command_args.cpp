#include "dhcpd/api/command_args.h"

namespace tandem::api {

std::string invalidType(std::string_view key) {
  return "invalid type specified for parameter '" + std::string(key) + "'";
}

std::string missingParameter(std::string_view key) { return "missing parameter '" + std::string(key) + "'"; }

Result<std::optional<std::string>> optString(const nlohmann::json& args, std::string_view key) {
  if (!args.is_object()) return std::optional<std::string>{};
  auto it = args.find(key);
  if (it == args.end()) return std::optional<std::string>{};
  if (!it->is_string()) return makeError(invalidType(key));
  return std::optional<std::string>{it->get<std::string>()};
}

Result<std::optional<bool>> optBool(const nlohmann::json& args, std::string_view key) {
  if (!args.is_object()) return std::optional<bool>{};
  auto it = args.find(key);
  if (it == args.end()) return std::optional<bool>{};
  if (!it->is_boolean()) return makeError(invalidType(key));
  return std::optional<bool>{it->get<bool>()};
}

Result<std::optional<std::int64_t>> optInt(const nlohmann::json& args, std::string_view key, std::int64_t min,
                                           std::int64_t max) {
  if (!args.is_object()) return std::optional<std::int64_t>{};
  auto it = args.find(key);
  if (it == args.end()) return std::optional<std::int64_t>{};
  if (it->is_number_unsigned()) {
    auto u = it->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(max)) return makeError("parameter '" + std::string(key) + "' is out of range");
    return std::optional<std::int64_t>{static_cast<std::int64_t>(u)};
  }
  if (!it->is_number_integer()) return makeError(invalidType(key));
  auto v = it->get<std::int64_t>();
  if (v < min || v > max) return makeError("parameter '" + std::string(key) + "' is out of range");
  return std::optional<std::int64_t>{v};
}

}  // namespace tandem::api
