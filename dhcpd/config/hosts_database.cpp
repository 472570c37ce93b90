#include "dhcpd/config/hosts_database.h"

#include <fmt/format.h>

#include "dhcpd/config/parser_parts.h"

namespace tandem::config {

using nlohmann::json;

namespace {

std::optional<HostsDatabase> parseHostsDatabase(const json& obj, const std::string& path, Diagnostics& diag) {
  // The same map as lease-database in Kea 2.2's grammar (no "comment" or "user-context").
  ObjectReader r(obj, path, diag, /*allowContext=*/false);
  const std::size_t errorsBefore = diag.errorCount();
  HostsDatabase out;
  LeaseDatabase& db = out.access;
  db.type.clear();
  if (auto type = r.string("type")) {
    if (*type == "cql") {
      diag.error(r.pathOf("type"),
                 "hosts database type 'cql' is not supported (Kea 2.2 deprecates Cassandra); "
                 "use postgresql or mysql");
    } else if (*type != "postgresql" && *type != "mysql") {
      // Kea 2.2's grammar takes memfile here, but no memfile host backend exists (HostDataSourceFactory).
      diag.error(r.pathOf("type"),
                 fmt::format("unknown hosts database type '{}' (expected postgresql or mysql)", *type));
    }
    db.type = *type;
  } else if (!r.has("type")) {
    diag.error(path, "missing \"type\" (postgresql or mysql)");
  }
  if (auto v = r.boolean("readonly")) out.readonly = *v;
  // Memfile keys Kea's parser takes in any database map; nothing reads them for SQL databases.
  r.boolean("persist");
  r.u32("lfc-interval");
  r.u32("max-row-errors");
  parseDbAccessKeys(r, db);
  r.finish();
  if (diag.errorCount() != errorsBefore) return std::nullopt;
  return out;
}

}  // namespace

void parseHostsDatabases(ObjectReader& r, std::vector<HostsDatabase>* out) {
  Diagnostics& diag = r.diag();
  // Kea 2.2 takes both (kea-dhcp4 -t): its configuration parser walks the keys in order,
  // "hosts-database" before "hosts-databases", each appending to the host sources.
  if (const json* o = r.object("hosts-database")) {
    if (auto db = parseHostsDatabase(*o, r.pathOf("hosts-database"), diag); db && out) out->push_back(std::move(*db));
  }
  if (const json* list = r.array("hosts-databases")) {
    forEachObject(*list, r.pathOf("hosts-databases"), diag, [&](const json& e, const std::string& p, std::size_t) {
      if (auto db = parseHostsDatabase(e, p, diag); db && out) out->push_back(std::move(*db));
    });
  }
}

std::vector<HostsDatabase> hostsDatabasesOf(const Dhcp4Config& cfg) {
  std::vector<HostsDatabase> out;
  if (!cfg.source.is_object()) return out;
  auto dhcp4 = cfg.source.find("Dhcp4");
  if (dhcp4 == cfg.source.end() || !dhcp4->is_object()) return out;
  // Read again from the checked document; only the two keys are looked at.
  json sub = json::object();
  for (auto key : {"hosts-database", "hosts-databases"}) {
    if (auto it = dhcp4->find(key); it != dhcp4->end()) sub[key] = *it;
  }
  Diagnostics diag;
  ObjectReader r(sub, "Dhcp4", diag);
  parseHostsDatabases(r, &out);
  return out;
}

}  // namespace tandem::config
