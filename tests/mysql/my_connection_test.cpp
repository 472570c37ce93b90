// The MySQL adapter's pieces that need no server: error classification (what the journal does
// with a failed statement) and the connection failure path.
#include <gtest/gtest.h>

#include <errmsg.h>
#include <mysqld_error.h>

#include "dhcpd/mysql/my_connection.h"

namespace tandem::mysql {
namespace {

MyError err(unsigned code) { return MyError{code, "message"}; }

TEST(MyError, ClassifiesWhatTheJournalRetriesReconnectsOrRefuses) {
  EXPECT_TRUE(err(CR_SERVER_GONE_ERROR).connectionLost());
  EXPECT_TRUE(err(CR_SERVER_LOST).connectionLost());
  EXPECT_TRUE(err(ER_SERVER_SHUTDOWN).connectionLost());
  EXPECT_TRUE(err(ER_CONNECTION_KILLED).connectionLost());
  EXPECT_FALSE(err(ER_DUP_ENTRY).connectionLost());
  EXPECT_TRUE(err(ER_DUP_ENTRY).duplicateKey());
  EXPECT_TRUE(err(ER_LOCK_DEADLOCK).retryTransaction());
  EXPECT_TRUE(err(ER_LOCK_WAIT_TIMEOUT).retryTransaction());
  EXPECT_FALSE(err(ER_LOCK_DEADLOCK).connectionLost());
  // Data the database refuses (a value too long for its column): neither, the statement is dropped.
  const MyError tooLong = err(ER_DATA_TOO_LONG);
  EXPECT_FALSE(tooLong.connectionLost());
  EXPECT_FALSE(tooLong.retryTransaction());
  EXPECT_FALSE(tooLong.duplicateKey());
}

TEST(MyConnection, DescribesWithoutThePassword) {
  config::LeaseDatabase db;
  db.type = "mysql";
  db.name = "kea";
  db.user = "keauser";
  db.password = "secret";
  const std::string d = describeConnection(db);
  EXPECT_EQ(d, "host=localhost port=default name=kea user=keauser");
  EXPECT_EQ(d.find("secret"), std::string::npos);
}

TEST(MyConnection, UnreachableServerIsAnErrorValue) {
  config::LeaseDatabase db;
  db.type = "mysql";
  db.name = "kea";
  db.host = "127.0.0.1";
  db.port = 1;  // nothing listens on port 1 of the loopback
  db.connectTimeout = 2;
  auto c = MyConnection::open(db);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("127.0.0.1"), std::string::npos) << c.error().message;
}

}  // namespace
}  // namespace tandem::mysql
