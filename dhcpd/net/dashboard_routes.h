#pragma once
// The dashboard's GET routes on the HTTP(S) control listener (behind the same basic auth and
// TLS as the commands). The page, its script and style sheet are compiled into the binary
// (dhcpd/dashboard/, cmake/embed_files.cmake); the page reads everything it shows by POSTing
// the ordinary JSON commands (status-get, statistic-get-all, config-get, lease4-get*) to the
// same listener, so it needs no API of its own and sees exactly what tandemctl and kea-shell see.
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "dhcpd/net/control_server.h"
#include "dhcpd/net/embedded_file.h"

namespace tandem::net {

inline constexpr std::string_view kDashboardPath = "/dashboard/";

// Adds "/dashboard/" (the files; the folder itself is index.html) and "/" (GET / and
// /dashboard redirect to /dashboard/, every other unrouted path stays 404). POST / (the
// commands, as Kea's Control Agent takes them) is untouched: routes only answer GET and HEAD.
void addDashboardRoutes(std::map<std::string, HttpGetHandler>& routes);

// The reply for `path` (under /dashboard/) from `files`.
HttpGetReply dashboardReply(std::string_view path, std::span<const EmbeddedFile> files);

// The reply of the "/" route for `path`.
HttpGetReply rootReply(std::string_view path);

}  // namespace tandem::net
