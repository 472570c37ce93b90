#include "dhcpd/config/config_control.h"

#include <fmt/format.h>

#include "dhcpd/config/parser_parts.h"

namespace tandem::config {

using nlohmann::json;

void parseConfigControl(const json& obj, const std::string& path, Diagnostics& diag, ConfigControl* out) {
  ObjectReader r(obj, path, diag);
  ConfigControl cc;
  if (const json* dbs = r.array("config-databases")) {
    forEachObject(*dbs, r.pathOf("config-databases"), diag, [&](const json& e, const std::string& p, std::size_t i) {
      // Kea 2.2's grammar: the database map of lease-database (ConfigControlParser uses
      // DbAccessParser); the backend library decides which types exist.
      ObjectReader d(e, p, diag, /*allowContext=*/false);
      const std::size_t before = diag.errorCount();
      LeaseDatabase db;
      db.type.clear();
      if (auto type = d.string("type")) {
        db.type = *type;
        if (*type != "postgresql" && *type != "mysql") {
          // Kea: "The type of the configuration backend: 'x' is not supported".
          diag.error(d.pathOf("type"),
                     fmt::format("The type of the configuration backend: '{}' is not supported", *type));
        }
      } else if (!d.has("type")) {
        diag.error(p, "missing \"type\" (postgresql or mysql)");
      }
      d.boolean("persist");
      d.u32("lfc-interval");
      d.u32("max-row-errors");
      d.boolean("readonly");
      parseDbAccessKeys(d, db);
      d.finish();
      if (i == 1) {
        diag.warn(p, "only the first configuration database is read (tandemd does not merge several backends)");
      }
      if (diag.errorCount() == before) cc.databases.push_back(std::move(db));
    });
  }
  if (auto v = r.u32("config-fetch-wait-time")) cc.fetchWaitTime = *v;
  r.finish();
  if (out) *out = std::move(cc);
}

ConfigControl configControlOf(const Dhcp4Config& cfg) {
  ConfigControl out;
  if (!cfg.source.is_object()) return out;
  auto dhcp4 = cfg.source.find("Dhcp4");
  if (dhcp4 == cfg.source.end() || !dhcp4->is_object()) return out;
  auto it = dhcp4->find("config-control");
  if (it == dhcp4->end() || !it->is_object()) return out;
  Diagnostics diag;
  parseConfigControl(*it, "Dhcp4/config-control", diag, &out);
  return out;
}

}  // namespace tandem::config
