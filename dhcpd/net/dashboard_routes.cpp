#include "dhcpd/net/dashboard_routes.h"

#include <algorithm>

namespace tandem::net {
namespace {

std::string_view contentType(std::string_view name) {
  auto ends = [&](std::string_view ext) {
    return name.size() >= ext.size() && name.substr(name.size() - ext.size()) == ext;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

HttpGetReply notFound() { return {404, "text/plain; charset=utf-8", "not found\n", {}}; }

HttpGetReply redirect(std::string_view to) {
  return {302, "text/plain; charset=utf-8", "see " + std::string(to) + "\n", {{"Location", std::string(to)}}};
}

}  // namespace

HttpGetReply dashboardReply(std::string_view path, std::span<const EmbeddedFile> files) {
  if (path.substr(0, kDashboardPath.size()) != kDashboardPath) return notFound();
  std::string_view name = path.substr(kDashboardPath.size());
  if (name.empty()) name = "index.html";
  // Flat folder: no sub-paths, so "../" or encoded names can only miss.
  auto it = std::find_if(files.begin(), files.end(), [&](const EmbeddedFile& f) { return f.name == name; });
  if (it == files.end() || name.find('/') != std::string_view::npos) return notFound();
  HttpGetReply r;
  r.contentType = std::string(contentType(name));
  r.body = std::string(it->data);
  // The files change only with the binary: revalidate (cheap, they are small) so an upgrade
  // never runs an old script against a new daemon.
  r.headers = {
      {"Cache-Control", "no-cache"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      // Everything comes from this listener: no inline script or style, no other origin (an
      // operator's browser on the management network must not be able to leak the API).
      {"Content-Security-Policy",
       "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"},
  };
  return r;
}

HttpGetReply rootReply(std::string_view path) {
  // Only "/dashboard": a GET of "/" stays Kea's 405 (Control Agent parity, robust_api tests).
  if (path == "/dashboard") return redirect(kDashboardPath);
  return notFound();
}

void addDashboardRoutes(std::map<std::string, HttpGetHandler>& routes) {
  routes[std::string(kDashboardPath)] = [](std::string_view path, std::string_view) {
    return dashboardReply(path, dashboardFiles());
  };
  routes["/dashboard"] = [](std::string_view path, std::string_view) { return rootReply(path); };
}

}  // namespace tandem::net
