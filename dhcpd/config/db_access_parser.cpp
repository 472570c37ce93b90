// The connection keys of Kea 2.2's DbAccessParser, shared by lease-database and
// hosts-database(s) (Kea parses both maps with the one parser).
#include <fmt/format.h>

#include "dhcpd/config/parser_parts.h"

namespace tandem::config {

void parseDbAccessKeys(ObjectReader& r, LeaseDatabase& db) {
  Diagnostics& diag = r.diag();
  auto name = r.string("name");
  if (db.sql()) {
    // Kea's PgSqlConnection / MySqlConnection: "must specify a name for the database".
    const char* product = db.mysql() ? "MySQL" : "PostgreSQL";
    if (name && !name->empty()) {
      db.name = *name;
    } else if (name) {
      diag.error(r.pathOf("name"), fmt::format("must name the {} database (empty)", product));
    } else if (!r.has("name")) {
      diag.error(r.path(), fmt::format("missing \"name\": the {} database to connect to", product));
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
    // Kea's PgSqlConnection and MySqlConnection take only a positive timeout (0 could mean
    // "wait forever").
    if (*v == 0 && db.sql()) diag.error(r.pathOf("connect-timeout"), "0 is out of range (1..4294967295)");
    else db.connectTimeout = *v;
  }
  if (auto v = r.u32("max-reconnect-tries")) db.maxReconnectTries = *v;
  if (auto v = r.u32("reconnect-wait-time")) db.reconnectWaitTime = *v;
  if (auto v = r.choice("on-fail", {"stop-retry-exit", "serve-retry-exit", "serve-retry-continue"})) {
    db.onFail = *v == "stop-retry-exit"    ? DbOnFail::StopRetryExit
                : *v == "serve-retry-exit" ? DbOnFail::ServeRetryExit
                                           : DbOnFail::ServeRetryContinue;
  }
  // TLS: Kea 2.2's MySqlConnection passes them to the client library (MYSQL_OPT_SSL_*); its
  // PgSqlConnection refuses them when it opens the database ("Attempt to configure TLS for
  // PostgreSQL backend (built with this feature disabled)", DHCPSRV_PGSQL_NO_TLS_SUPPORT);
  // tandemd says so while parsing, so `tandemd -t` catches it too. memfile ignores them.
  std::string* tls[] = {&db.trustAnchor, &db.certFile, &db.keyFile, &db.cipherList};
  const char* tlsKeys[] = {"trust-anchor", "cert-file", "key-file", "cipher-list"};
  for (std::size_t i = 0; i < 4; ++i) {
    auto v = r.string(tlsKeys[i]);
    if (!v) continue;
    if (db.type == "postgresql") {
      diag.error(r.pathOf(tlsKeys[i]), "TLS is not supported for the PostgreSQL backend (as in Kea 2.2)");
    } else if (db.mysql()) {
      *tls[i] = *v;
    }
  }
}

}  // namespace tandem::config
