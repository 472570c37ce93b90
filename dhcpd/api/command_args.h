#pragma once
// Typed access to a command's "arguments" map with Kea's error texts, so every handler
// reports a wrong type the same way ("invalid type specified for parameter 'valid-lft'").
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "dhcpd/common/result.h"

namespace tandem::api {

// Present-and-typed, absent (nullopt), or a type error.
[[nodiscard]] Result<std::optional<std::string>> optString(const nlohmann::json& args, std::string_view key);
[[nodiscard]] Result<std::optional<bool>> optBool(const nlohmann::json& args, std::string_view key);
// Integers within [min, max]; floats and out-of-range values are type errors.
[[nodiscard]] Result<std::optional<std::int64_t>> optInt(const nlohmann::json& args, std::string_view key,
                                                         std::int64_t min, std::int64_t max);

std::string invalidType(std::string_view key);
std::string missingParameter(std::string_view key);

}  // namespace tandem::api
