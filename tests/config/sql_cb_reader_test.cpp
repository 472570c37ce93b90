// The part of the configuration backend readers both SQL servers share (dhcpd/config/
// sql_cb_reader.h): the SELECTs a dialect produces, one snapshot transaction around a fetch
// (ended by ROLLBACK when a read fails), the audit stamp; and rows in MySQL's text forms
// (TINYINT booleans, the dialect's "\x" hex) merged as PostgreSQL's are. The dialects
// themselves run against real servers: pgsql_cb_test.sh, mysql_cb_test.sh.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "config_test_util.h"
#include "dhcpd/config/cb_merge.h"
#include "dhcpd/config/sql_cb_reader.h"

namespace tandem::config {
namespace {

const CbSqlDialect kMy{
    .address = "INET_NTOA({})",
    .bytes = "HEXOF({})",
    .subnet4o6 = "n.`4o6_interface` AS interface_4o6",
    .beginSnapshot = {"SET ISOLATION", "START SNAPSHOT"},
};

// A reader whose "server" answers each SELECT from a table of canned rows and records every
// statement it was sent.
class FakeReader final : public SqlCbReader {
 public:
  FakeReader() : SqlCbReader(kMy) {}
  const LeaseDatabase& database() const noexcept override { return db_; }
  bool ensureConnected(std::string*) override { return true; }
  bool connected() const override { return true; }

  std::vector<std::string> sent;
  std::map<std::string, std::vector<CbRow>> answers;  // by the FROM table
  std::string failOn;                                 // a table whose SELECT fails

 private:
  Result<void> execute(std::string_view sql) override {
    sent.emplace_back(sql);
    return {};
  }
  Result<std::vector<CbRow>> select(const std::string& sql) override {
    sent.push_back(sql);
    const auto from = sql.find(" FROM ");
    const std::string table = sql.substr(from + 6, sql.find(' ', from + 6) - from - 6);
    if (table == failOn) return makeError("server gone");
    return answers[table];
  }
  LeaseDatabase db_;
};

CbRow row(std::initializer_list<std::pair<const char*, std::optional<std::string>>> cols) {
  CbRow r;
  for (const auto& [k, v] : cols) r[k] = v;
  return r;
}

TEST(SqlCbReader, DialectRewritesAddressesBinaryAnd4o6) {
  const CbQueries q = cbQueries(kMy);
  EXPECT_NE(q.pools.find("INET_NTOA(p.start_address) AS start_address"), std::string::npos) << q.pools;
  EXPECT_NE(q.pools.find("INET_NTOA(p.end_address) AS end_address"), std::string::npos) << q.pools;
  EXPECT_NE(q.subnets.find("INET_NTOA(n.next_server) AS next_server"), std::string::npos) << q.subnets;
  EXPECT_NE(q.subnets.find("n.`4o6_interface` AS interface_4o6"), std::string::npos) << q.subnets;
  EXPECT_NE(q.sharedNetworks.find("INET_NTOA(n.next_server) AS next_server"), std::string::npos);
  EXPECT_NE(q.clientClasses.find("INET_NTOA(c.next_server) AS next_server"), std::string::npos);
  EXPECT_NE(q.options.find("HEXOF(o.value) AS value"), std::string::npos) << q.options;
  // Host options (scope 3) are the hosts backend's.
  EXPECT_NE(q.options.find("o.scope_id IN (0, 1, 2, 4, 5)"), std::string::npos);
}

TEST(SqlCbReader, ReadsEveryTableInOneSnapshot) {
  FakeReader r;
  r.answers["dhcp4_audit"] = {row({{"id", "9"}, {"n", "7"}})};
  r.answers["dhcp4_subnet"] = {row({{"subnet_id", "5"}, {"server_tag", "all"}})};
  r.answers["dhcp4_pool"] = {row({{"id", "1"}}), row({{"id", "2"}})};
  std::string stamp;
  auto s = r.readTables(&stamp);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(stamp, "9/7");
  EXPECT_EQ(s->subnets.size(), 1u);
  EXPECT_EQ(s->pools.size(), 2u);
  EXPECT_TRUE(s->globals.empty());
  ASSERT_EQ(r.sent.size(), 2u + 1u + 7u + 1u);
  EXPECT_EQ(r.sent[0], "SET ISOLATION");
  EXPECT_EQ(r.sent[1], "START SNAPSHOT");
  EXPECT_NE(r.sent[2].find("FROM dhcp4_audit"), std::string::npos);
  EXPECT_EQ(r.sent.back(), "COMMIT");
  auto a = r.auditStamp();
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, "9/7");
}

TEST(SqlCbReader, AFailedReadEndsTheSnapshotWithRollback) {
  FakeReader r;
  r.answers["dhcp4_audit"] = {row({{"id", "0"}, {"n", "0"}})};
  r.failOn = "dhcp4_pool";
  auto s = r.readTables(nullptr);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "reading dhcp4_pool: server gone");
  EXPECT_EQ(r.sent.back(), "ROLLBACK");
  r.failOn = "dhcp4_audit";
  auto a = r.auditStamp();
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().message, "reading dhcp4_audit: server gone");
}

TEST(SqlCbReader, MysqlTextFormsMergeAsPostgresqlOnes) {
  // MySQL prints TINYINT(1) as "0"/"1" and the dialect gives a BLOB as "\x" + hex.
  CbSnapshot s;
  s.subnets = {row({{"subnet_id", "5"},
                    {"subnet_prefix", "198.18.0.0/24"},
                    {"match_client_id", "0"},
                    {"next_server", "198.18.0.9"},
                    {"t1_percent", "0.5"},
                    {"relay", "[]"},
                    {"server_tag", "all"}})};
  s.pools = {
      row({{"id", "1"}, {"subnet_id", "5"}, {"start_address", "198.18.0.100"}, {"end_address", "198.18.0.150"}})};
  s.options = {row({{"option_id", "3"},
                    {"code", "6"},
                    {"value", "\\xc6120035"},
                    {"formatted_value", std::nullopt},
                    {"space", "dhcp4"},
                    {"persistent", "1"},
                    {"scope_id", "0"},
                    {"server_tag", "all"}})};
  auto doc = nlohmann::json::parse(testing::dhcp4(R"("interfaces-config": {"interfaces": ["*"]})"));
  auto m = mergeConfigBackend(doc, s, ParseContext{});
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_TRUE(m->badRows.empty());
  const auto& d = m->document["Dhcp4"];
  EXPECT_EQ(d["subnet4"][0]["match-client-id"], false);
  EXPECT_EQ(d["subnet4"][0]["next-server"], "198.18.0.9");
  EXPECT_EQ(d["subnet4"][0]["pools"][0]["pool"], "198.18.0.100 - 198.18.0.150");
  EXPECT_EQ(d["option-data"][0]["data"], "c6120035");
  EXPECT_EQ(d["option-data"][0]["always-send"], true);
}

}  // namespace
}  // namespace tandem::config
