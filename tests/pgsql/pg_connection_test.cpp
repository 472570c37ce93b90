// The libpq parameters built from Kea's lease-database keys (no database needed).
#include <gtest/gtest.h>

#include <map>

#include "dhcpd/pgsql/pg_connection.h"

namespace tandem::pgsql {
namespace {

std::map<std::string, std::string> asMap(const config::LeaseDatabase& db) {
  std::map<std::string, std::string> m;
  for (const auto& [k, v] : connectionParameters(db)) m[k] = v;
  return m;
}

TEST(PgConnection, ParametersFollowKeaDefaults) {
  config::LeaseDatabase db;
  db.type = "postgresql";
  db.name = "kea";
  auto m = asMap(db);
  // Kea's PgSqlConnection: host "localhost" unless set, no port unless set, 5 s timeout.
  EXPECT_EQ(m["host"], "localhost");
  EXPECT_EQ(m.count("port"), 0u);
  EXPECT_EQ(m.count("user"), 0u);
  EXPECT_EQ(m.count("password"), 0u);
  EXPECT_EQ(m["dbname"], "kea");
  EXPECT_EQ(m["connect_timeout"], "5");
}

TEST(PgConnection, ParametersCarryEveryConfiguredKey) {
  config::LeaseDatabase db;
  db.type = "postgresql";
  db.name = "leases db";
  db.host = "198.18.0.9";
  db.port = 5433;
  db.user = "kea user";
  db.password = "it's secret";
  db.connectTimeout = 2;
  auto m = asMap(db);
  EXPECT_EQ(m["host"], "198.18.0.9");
  EXPECT_EQ(m["port"], "5433");
  EXPECT_EQ(m["user"], "kea user");  // passed as values, no quoting needed
  EXPECT_EQ(m["password"], "it's secret");
  EXPECT_EQ(m["dbname"], "leases db");
  EXPECT_EQ(m["connect_timeout"], "2");
  const std::string shown = describeConnection(db);
  EXPECT_EQ(shown, "host=198.18.0.9 port=5433 name=leases db user=kea user");
  EXPECT_EQ(shown.find("secret"), std::string::npos);
}

TEST(PgConnection, UnreachableServerIsAnErrorWithLibpqsMessage) {
  config::LeaseDatabase db;
  db.type = "postgresql";
  db.name = "kea";
  db.host = "/nonexistent-socket-dir";  // a Unix socket directory that does not exist: fails at once
  auto c = PgConnection::open(db);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("nonexistent-socket-dir"), std::string::npos) << c.error().message;
}

}  // namespace
}  // namespace tandem::pgsql
