#pragma once
// HTTP basic authentication (RFC 7617) for the control listener: several users, each
// checked in constant time so a timing side channel does not reveal passwords.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dhcpd/config/dhcp4_config.h"

namespace tandem::net {

// Returns the authenticated user name for an Authorization header value, or nullopt.
std::optional<std::string> checkBasicAuth(std::string_view authorization,
                                          const std::vector<config::ControlSocket::User>& users);

}  // namespace tandem::net
