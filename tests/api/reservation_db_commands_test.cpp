// reservation-* with a hosts database (api::HostsBackend): Kea 2.2's HostMgr semantics (add
// and del go to the database, answered after the commit; reads see the configuration first,
// then the database), "readonly" refused with Kea's wording.
#include <gtest/gtest.h>

#include "dhcpd/api/reservation_commands.h"
#include "dhcpd/config/host_diff.h"
#include "tests/api/fake_server_control.h"

namespace tandem::api {
namespace {

// An in-memory hosts database; writes complete when the test says (commit()).
class FakeHostsBackend : public HostsBackend {
 public:
  config::HostMap rows;
  bool readonly = false;
  bool deferred = false;  // hold done() until commit()
  std::vector<std::function<void()>> pending;
  std::optional<std::string> failWith;

  std::vector<const config::HostRow*> hosts() const override {
    std::vector<const config::HostRow*> out;
    for (const auto& [k, r] : rows) out.push_back(&r);
    std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->hostId < b->hostId; });
    return out;
  }
  bool writable() const override { return !readonly; }
  const char* productName = "PostgreSQL";
  const char* product() const override { return productName; }
  void addHost(config::HostRow row, std::function<void(Result<void>)> done) override {
    auto job = [this, row = std::move(row), done]() mutable {
      if (failWith) return done(makeError(*failWith));
      row.hostId = static_cast<std::int64_t>(rows.size() + 100);
      rows[config::hostKeyOf(row)] = row;
      done({});
    };
    if (deferred) pending.push_back(job);
    else job();
  }
  void delHost(HostSelector sel, std::function<void(Result<bool>)> done) override {
    for (auto it = rows.begin(); it != rows.end(); ++it) {
      const auto& r = it->second;
      if (r.subnetId != sel.subnetId) continue;
      if (sel.address ? r.ipv4Address == sel.address->value
                      : (r.identifierType == sel.identifierType && r.identifier == sel.identifier)) {
        rows.erase(it);
        return done(true);
      }
    }
    done(false);
  }
  void commit() {
    for (auto& j : pending) j();
    pending.clear();
  }
};

class ReservationDbCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::setUpTwoSubnets(control_);
    control_.hostsDb = &db_;
    registerReservationCommands(registry_, control_);
  }
  json run(const std::string& name, const char* args) {
    return registry_.execute(name, json::parse(args), CommandContext{"test", "", "", {}});
  }
  void runAsync(const std::string& name, const char* args, std::optional<json>& answer) {
    registry_.executeAsync(name, json::parse(args), CommandContext{"test", "", "", {}},
                           [&answer](json a) { answer = std::move(a); });
  }
  testing::FakeServerControl control_;
  FakeHostsBackend db_;
  CommandRegistry registry_;
};

TEST_F(ReservationDbCommandsTest, AddWritesTheDatabaseAndAnswersAfterTheCommit) {
  db_.deferred = true;
  std::optional<json> answer;
  runAsync("reservation-add",
           R"({"reservation":{"subnet-id":2,"hw-address":"1a:1b:1c:1d:1e:1f","ip-address":"198.18.17.5",
               "hostname":"printer","option-data":[{"name":"domain-name-servers","data":"198.18.17.53"}]}})",
           answer);
  EXPECT_FALSE(answer.has_value());  // not before the commit
  db_.commit();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(*answer, makeAnswer(0, "Host added."));
  EXPECT_TRUE(control_.applied.empty());  // the configuration is left alone
  ASSERT_EQ(db_.rows.size(), 1u);
  const config::HostRow& row = db_.rows.begin()->second;
  EXPECT_EQ(row.subnetId, 2u);
  EXPECT_EQ(row.ipv4Address, Ipv4(198, 18, 17, 5).value);
  EXPECT_EQ(row.hostname, "printer");
  ASSERT_EQ(row.options.size(), 1u);
  EXPECT_EQ(row.options[0].formattedValue, "198.18.17.53");

  // reservation-get finds it (the configuration's hosts first, then the database's).
  auto g = run("reservation-get", R"({"subnet-id":2,"identifier-type":"hw-address","identifier":"1a:1b:1c:1d:1e:1f"})");
  ASSERT_EQ(g["result"], 0) << g;
  EXPECT_EQ(g["arguments"]["hostname"], "printer");
  EXPECT_EQ(g["arguments"]["ip-address"], "198.18.17.5");
  EXPECT_EQ(g["arguments"]["subnet-id"], 2);
  EXPECT_EQ(run("reservation-get-by-address", R"({"ip-address":"198.18.17.5"})")["arguments"]["hosts"].size(), 1u);
  EXPECT_EQ(run("reservation-get-page", R"({"limit":10})")["arguments"]["count"], 2);  // res1 of the file + this
}

TEST_F(ReservationDbCommandsTest, ConflictsWithDatabaseHostsUseKeasWording) {
  EXPECT_EQ(
      run("reservation-add",
          R"({"reservation":{"subnet-id":2,"hw-address":"1a:1b:1c:1d:1e:1f","ip-address":"198.18.17.5"}})")["result"],
      0);
  auto dup =
      run("reservation-add", R"({"reservation":{"subnet-id":2,"hw-address":"1a:1b:1c:1d:1e:1f","hostname":"h"}})");
  EXPECT_EQ(dup["result"], 4) << dup;
  auto same = run("reservation-add",
                  R"({"reservation":{"subnet-id":2,"hw-address":"1a:1b:1c:1d:1e:20","ip-address":"198.18.17.5"}})");
  EXPECT_EQ(same["text"],
            "failed to add new host using the hw-address '1a:1b:1c:1d:1e:20' to the IPv4 subnet id '2' for the address "
            "198.18.17.5: There's already a reservation for this address");
}

TEST_F(ReservationDbCommandsTest, ReadonlyRefusesWritesAsKea) {
  db_.readonly = true;
  EXPECT_EQ(run("reservation-add",
                R"({"reservation":{"subnet-id":2,"hw-address":"1a:1b:1c:1d:1e:1f","hostname":"h"}})"),
            makeAnswer(1, "PostgreSQL host database backend is configured to operate in read only mode"));
  EXPECT_EQ(run("reservation-del", R"({"subnet-id":2,"ip-address":"198.18.17.9"})"),
            makeAnswer(1, "PostgreSQL host database backend is configured to operate in read only mode"));
  EXPECT_TRUE(db_.rows.empty());
  // The refusal names the backend, as Kea's MySqlHostDataSource does.
  db_.productName = "MySQL";
  EXPECT_EQ(run("reservation-add",
                R"({"reservation":{"subnet-id":2,"hw-address":"1a:1b:1c:1d:1e:1f","hostname":"h"}})"),
            makeAnswer(1, "MySQL host database backend is configured to operate in read only mode"));
}

TEST_F(ReservationDbCommandsTest, DatabaseErrorIsTheAnswer) {
  db_.failWith = "duplicate key value violates unique constraint";
  EXPECT_EQ(run("reservation-add",
                R"({"reservation":{"subnet-id":2,"hw-address":"1a:1b:1c:1d:1e:1f","hostname":"h"}})"),
            makeAnswer(1, "duplicate key value violates unique constraint"));
}

TEST_F(ReservationDbCommandsTest, DelGoesToTheDatabaseUnlessTheHostIsTheFiles) {
  EXPECT_EQ(
      run("reservation-add",
          R"({"reservation":{"subnet-id":2,"hw-address":"1a:1b:1c:1d:1e:1f","ip-address":"198.18.17.5"}})")["result"],
      0);
  EXPECT_EQ(run("reservation-del",
                R"({"subnet-id":2,"identifier-type":"hw-address","identifier":"1a:1b:1c:1d:1e:1f"})"),
            makeAnswer(0, "Host deleted."));
  EXPECT_TRUE(db_.rows.empty());
  EXPECT_EQ(run("reservation-del", R"({"subnet-id":2,"ip-address":"198.18.17.5"})"),
            makeAnswer(3, "Host not deleted (not found)."));
  // res1 lives in the configuration file: deleted there.
  EXPECT_EQ(run("reservation-del", R"({"subnet-id":1,"ip-address":"198.18.16.5"})"), makeAnswer(0, "Host deleted."));
  EXPECT_EQ(control_.applied.size(), 1u);
}

TEST_F(ReservationDbCommandsTest, OperationTargetPrimaryKeepsTheConfigurationFile) {
  EXPECT_EQ(run("reservation-add", R"({"operation-target":"primary",
      "reservation":{"subnet-id":2,"hw-address":"1a:1b:1c:1d:1e:1f","hostname":"h"}})"),
            makeAnswer(0, "Host added."));
  EXPECT_EQ(control_.applied.size(), 1u);
  EXPECT_TRUE(db_.rows.empty());
}

TEST_F(ReservationDbCommandsTest, InvalidHostIsRefusedBeforeTheDatabase) {
  auto a = run("reservation-add", R"({"reservation":{"subnet-id":2,"hw-address":"1a:1b:1c:1d:1e:1f",
      "option-data":[{"name":"routers","data":"not-an-address"}]}})");
  EXPECT_EQ(a["result"], 1) << a;
  EXPECT_TRUE(db_.rows.empty());
}

}  // namespace
}  // namespace tandem::api
