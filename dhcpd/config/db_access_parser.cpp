// The connection keys of Kea 2.2's DbAccessParser, shared by lease-database and
// hosts-database(s) (Kea parses both maps with the one parser).
#include <fmt/format.h>

#include "dhcpd/config/parser_parts.h"

namespace tandem::config {

void parseDbAccessKeys(ObjectReader& r, LeaseDatabase& db) {
  Diagnostics& diag = r.diag();
  auto name = r.string("name");
  if (db.sql()) {
    // Kea's PgSqlConnection: "must specify a name for the database".
    if (name && !name->empty()) {
      db.name = *name;
    } else if (name) {
      diag.error(r.pathOf("name"), "must name the PostgreSQL database (empty)");
    } else if (!r.has("name")) {
      diag.error(r.path(), "missing \"name\": the PostgreSQL database to connect to");
    }
  } else if (name) {
    db.name = *name;  // memfile: a path the caller resolves
  }
  // SQL connection parameters: Kea 2.2 accepts them next to memfile and memfile never reads
  // them (checked with kea-dhcp4 -t).
  if (auto v = r.string("user")) db.user = *v;
  if (auto v = r.string("password")) db.password = *v;
  if (auto v = r.string("host")) db.host = *v;
  if (auto v = r.unsignedInt("port", 65535)) db.port = static_cast<std::uint16_t>(*v);
  if (auto v = r.u32("connect-timeout")) {
    // Kea's PgSqlConnection takes only a positive timeout (0 could mean "wait forever").
    if (*v == 0 && db.sql()) diag.error(r.pathOf("connect-timeout"), "0 is out of range (1..4294967295)");
    else db.connectTimeout = *v;
  }
  if (auto v = r.u32("max-reconnect-tries")) db.maxReconnectTries = *v;
  if (auto v = r.u32("reconnect-wait-time")) db.reconnectWaitTime = *v;
  if (auto v = r.choice("on-fail", {"stop-retry-exit", "serve-retry-exit", "serve-retry-continue"})) {
    db.onFail = *v == "stop-retry-exit" ? DbOnFail::StopRetryExit
                : *v == "serve-retry-exit" ? DbOnFail::ServeRetryExit
                                          : DbOnFail::ServeRetryContinue;
  }
  for (auto key : {"trust-anchor", "cert-file", "key-file", "cipher-list"}) {
    // Kea 2.2 refuses TLS for PostgreSQL when it opens the database ("Attempt to configure TLS
    // for PostgreSQL backend (built with this feature disabled)", DHCPSRV_PGSQL_NO_TLS_SUPPORT);
    // tandemd says so while parsing, so `tandemd -t` catches it too.
    if (r.string(key) && db.sql()) {
      diag.error(r.pathOf(key), "TLS is not supported for the PostgreSQL backend (as in Kea 2.2)");
    }
  }
}

}  // namespace tandem::config
