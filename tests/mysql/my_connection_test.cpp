// The MariaDB Connector/C side of the MySQL lease backend that needs no server: the session
// settings, the error classes the journal acts on, the log description, a refused connection.
#include <gtest/gtest.h>

#include <errmsg.h>
#include <mysqld_error.h>

#include <algorithm>

#include "dhcpd/mysql/my_connection.h"

namespace tandem::mysql {
namespace {

TEST(MyConnection, SessionSettingsAreKeasAndUtc) {
  const auto cmds = sessionInitCommands();
  auto has = [&](const std::string& c) { return std::find(cmds.begin(), cmds.end(), c) != cmds.end(); };
  // Kea's MySqlConnection::openDatabase.
  EXPECT_TRUE(has("SET SESSION sql_mode = 'STRICT_ALL_TABLES'"));
  EXPECT_TRUE(has("SET SESSION wait_timeout = 30 * 86400"));
  // FROM_UNIXTIME / UNIX_TIMESTAMP exact whatever the server's zone.
  EXPECT_TRUE(has("SET SESSION time_zone = '+00:00'"));
  EXPECT_TRUE(has("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED"));
}

TEST(MyConnection, ErrorClasses) {
  EXPECT_TRUE(isConnectionError(CR_SERVER_GONE_ERROR));
  EXPECT_TRUE(isConnectionError(CR_SERVER_LOST));
  EXPECT_TRUE(isConnectionError(ER_SERVER_SHUTDOWN));
  EXPECT_TRUE(isConnectionError(ER_CONNECTION_KILLED));
  EXPECT_FALSE(isConnectionError(ER_DATA_TOO_LONG));
  EXPECT_FALSE(isConnectionError(ER_LOCK_DEADLOCK));
  EXPECT_TRUE(isTransientError(ER_LOCK_DEADLOCK));
  EXPECT_TRUE(isTransientError(ER_LOCK_WAIT_TIMEOUT));
  EXPECT_FALSE(isTransientError(ER_DUP_ENTRY));
}

TEST(MyConnection, DescriptionNeverShowsThePassword) {
  config::LeaseDatabase db;
  db.type = "mysql";
  db.name = "kea";
  db.user = "keauser";
  db.password = "s3cret";
  EXPECT_EQ(describeConnection(db), "host=localhost port=default name=kea user=keauser");
  db.host = "198.18.0.9";
  db.port = 3307;
  db.trustAnchor = "/etc/ca.pem";
  EXPECT_EQ(describeConnection(db), "host=198.18.0.9 port=3307 name=kea user=keauser tls=yes");
}

// Nothing listens on loopback port 1: the error is the connector's, and comes at once.
TEST(MyConnection, RefusedConnectionIsAnError) {
  config::LeaseDatabase db;
  db.type = "mysql";
  db.name = "kea";
  db.host = "127.0.0.1";
  db.port = 1;
  db.connectTimeout = 2;
  auto c = MyConnection::open(db);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("127.0.0.1"), std::string::npos) << c.error().message;
}

}  // namespace
}  // namespace tandem::mysql
