#pragma once
// How tandemctl reaches tandemd: the UNIX control socket or HTTP(S) (Kea Control Agent
// style, with optional client certificate and basic auth).
#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "dhcpd/common/result.h"

namespace tandem::ctl {

struct Endpoint {
  std::string socketPath;  // used when url is empty
  std::string url;         // http://host:port/ or https://host:port/
  std::string certFile, keyFile, caFile;
  std::string user, password;
  std::chrono::seconds timeout{30};
};

// Error.code for failures to reach the daemon at all (exit code 4), as opposed to a broken
// exchange after connecting.
inline constexpr int kCannotConnect = 4;

// Sends one command and returns its answer map (a Control Agent list is unwrapped).
[[nodiscard]] Result<nlohmann::json> sendCommand(const Endpoint& endpoint, const nlohmann::json& command);

}  // namespace tandem::ctl
