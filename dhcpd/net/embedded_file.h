#pragma once
// Files compiled into the binary by cmake/embed_files.cmake (the dashboard's page, script and
// style sheet), served by GET routes of the control listener.
#include <span>
#include <string_view>

namespace tandem::net {

struct EmbeddedFile {
  std::string_view name;  // file name in its source folder, e.g. "index.html"
  std::string_view data;
};

// dhcpd/dashboard/*, sorted by name (generated: <build>/dhcpd/dashboard_files.cpp).
std::span<const EmbeddedFile> dashboardFiles();

}  // namespace tandem::net
