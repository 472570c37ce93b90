#include "dhcpd/api/lease_commands.h"

#include <gtest/gtest.h>

#include "tests/api/fake_server_control.h"

namespace tandem::api {
namespace {

class LeaseCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::setUpTwoSubnets(control_);
    registerLeaseCommands(registry_, control_);
  }
  json run(const std::string& name, const char* args = nullptr) {
    return registry_.execute(name, args ? json::parse(args) : json(), CommandContext{"test", "", "", {}});
  }
  void addSample() {
    ASSERT_EQ(run("lease4-add",
                  R"({"ip-address":"198.18.16.20","hw-address":"1a:1b:1c:1d:1e:1f","hostname":"host1"})")["result"],
              0);
    ASSERT_EQ(run("lease4-add", R"({"ip-address":"198.18.16.24","hw-address":"1a:1b:1c:1d:1e:20","client-id":"01:02:03",
        "valid-lft":100,"expire":1900000000,"fqdn-fwd":true,"hostname":"h24","state":1,"user-context":{"a":1}})")
                  ["result"],
              0);
    ASSERT_EQ(run("lease4-add", R"({"ip-address":"198.18.17.20","hw-address":"1a:1b:1c:1d:1e:1f"})")["result"], 0);
  }
  testing::FakeServerControl control_;
  CommandRegistry registry_;
};

TEST_F(LeaseCommandsTest, AddThenGetHasKeaShape) {
  auto a = run("lease4-add", R"({"ip-address":"198.18.16.20","hw-address":"1a:1b:1c:1d:1e:1f","hostname":"host1"})");
  EXPECT_EQ(a, makeAnswer(0, "Lease for address 198.18.16.20, subnet-id 1 added."));
  auto g = run("lease4-get", R"({"ip-address":"198.18.16.20"})");
  json expected = json::parse(R"({"cltt": 0, "fqdn-fwd": false, "fqdn-rev": false, "hostname": "host1",
      "hw-address": "1a:1b:1c:1d:1e:1f", "ip-address": "198.18.16.20", "state": 0, "subnet-id": 1, "valid-lft": 7200})");
  expected["cltt"] = toEpochSeconds(control_.now());
  EXPECT_EQ(g, makeAnswer(0, "IPv4 lease found.", expected));
  ASSERT_EQ(control_.puts.size(), 1u);
  EXPECT_EQ(control_.puts[0].second, Origin::Admin);
}

TEST_F(LeaseCommandsTest, AddUsesExpireUserContextAndSubnetLifetime) {
  addSample();
  auto l = control_.store.byAddress(Ipv4(198, 18, 16, 24));
  ASSERT_TRUE(l);
  EXPECT_EQ(l->cltt, 1900000000 - 100);
  EXPECT_EQ(l->state, LeaseState::Declined);
  EXPECT_EQ(json::parse(l->userContext), json::parse(R"({"a":1})"));
  EXPECT_EQ(control_.store.byAddress(Ipv4(198, 18, 17, 20))->validLifetime, 600u);  // subnet 2's lifetime
  auto g = run("lease4-get", R"({"ip-address":"198.18.16.24"})");
  EXPECT_EQ(g["arguments"]["client-id"], "01:02:03");
  EXPECT_EQ(g["arguments"]["user-context"]["a"], 1);
}

TEST_F(LeaseCommandsTest, AddErrors) {
  addSample();
  auto text = [&](const char* args) {
    auto a = run("lease4-add", args);
    EXPECT_EQ(a["result"], 1) << args;
    return a["text"].get<std::string>();
  };
  EXPECT_EQ(text(R"({"ip-address":"198.18.16.20","hw-address":"1a:1b:1c:1d:1e:1f"})"), "IPv4 lease already exists.");
  EXPECT_EQ(text(R"({"ip-address":"198.18.99.20","hw-address":"1a:1b:1c:1d:1e:1f"})"),
            "subnet-id not specified and failed to find a subnet for address 198.18.99.20");
  EXPECT_EQ(text(R"({"ip-address":"198.18.16.21","subnet-id":2,"hw-address":"1a:1b:1c:1d:1e:1f"})"),
            "The address 198.18.16.21 does not belong to subnet 198.18.17.0/24, subnet-id=2");
  EXPECT_EQ(text(R"({"ip-address":"198.18.16.21","subnet-id":7,"hw-address":"1a:1b:1c:1d:1e:1f"})"),
            "Invalid subnet-id: No IPv4 subnet with subnet-id=7 currently configured.");
  EXPECT_EQ(text(R"({"ip-address":"198.18.16.22"})"), "missing parameter 'hw-address'");
  EXPECT_EQ(text(R"({"hw-address":"1a:1b:1c:1d:1e:1f"})"), "missing parameter 'ip-address'");
  EXPECT_EQ(text(R"({"ip-address":"bogus","hw-address":"1a:1b:1c:1d:1e:1f"})"), "Failed to convert 'bogus' to address");
  EXPECT_EQ(text(R"({"ip-address":"198.18.16.23","hw-address":"zz"})"), "'zz' is not a valid hw-address");
  EXPECT_EQ(text(R"({"ip-address":"198.18.16.25","hw-address":"1a:1b:1c:1d:1e:21","fqdn-fwd":true})"),
            "No hostname specified and either forward or reverse fqdn was set to true.");
  EXPECT_EQ(text(R"({"ip-address":"198.18.16.26","hw-address":"1a:1b:1c:1d:1e:21","state":4})"),
            "Invalid state value: 4, supported values are: 0 (default), 1 (declined) and 2 (expired-reclaimed)");
  EXPECT_EQ(text(R"({"ip-address":"198.18.16.27","hw-address":"1a:1b:1c:1d:1e:21","expire":5,"valid-lft":100})"),
            "expiration time must be greater than valid lifetime for address 198.18.16.27");
  EXPECT_EQ(text(R"({"ip-address":"198.18.16.27","hw-address":"1a:1b:1c:1d:1e:21","expire":0})"),
            "expiration time must be positive for address 198.18.16.27");
  EXPECT_EQ(text(R"({"ip-address":"198.18.16.33","hw-address":"1a:1b:1c:1d:1e:33","valid-lft":"x"})"),
            "invalid type specified for parameter 'valid-lft'");
  EXPECT_EQ(text(R"({"ip-address":"198.18.16.33","hw-address":"1a:1b:1c:1d:1e:33","hostname":5})"),
            "invalid type specified for parameter 'hostname'");
  EXPECT_EQ(text(R"({"ip-address":"198.18.16.33","hw-address":"1a:1b:1c:1d:1e:33","client-id":"qq"})"),
            "'qq' is not a valid string of hexadecimal digits");
  EXPECT_EQ(text(R"({"ip-address":"198.18.16.33","hw-address":"1a:1b:1c:1d:1e:33","user-context":5})"),
            "Invalid user context '5' is not a JSON map.");
  EXPECT_EQ(run("lease4-add")["text"], "no parameters specified for the command");
  control_.putError = makeError("journal write failed");
  EXPECT_EQ(text(R"({"ip-address":"198.18.16.40","hw-address":"1a:1b:1c:1d:1e:40"})"), "journal write failed");
}

TEST_F(LeaseCommandsTest, GetByIdentifierAndErrors) {
  addSample();
  EXPECT_EQ(run("lease4-get",
                R"({"identifier-type":"hw-address","identifier":"1a:1b:1c:1d:1e:1f","subnet-id":2})")["arguments"]
                                                                                                     ["ip-address"],
            "198.18.17.20");
  EXPECT_EQ(run("lease4-get",
                R"({"identifier-type":"client-id","identifier":"01:02:03","subnet-id":1})")["arguments"]["ip-address"],
            "198.18.16.24");
  EXPECT_EQ(run("lease4-get", R"({"ip-address":"198.18.16.99"})"), makeAnswer(3, "Lease not found."));
  EXPECT_EQ(run("lease4-get", R"({"identifier-type":"hw-address","identifier":"1a:1b:1c:1d:1e:1f"})"),
            makeAnswer(1, "Mandatory 'subnet-id' parameter missing."));
  EXPECT_EQ(run("lease4-get", R"({"identifier-type":"duid","identifier":"1a:1b","subnet-id":1})"),
            makeAnswer(1, "Query by duid is not allowed in v4."));
  EXPECT_EQ(run("lease4-get", R"({"identifier-type":"foo","identifier":"1a:1b","subnet-id":1})")["text"],
            "Incorrect identifier type: foo, the only supported values are: address, hw-address, duid");
  EXPECT_EQ(run("lease4-get", R"({"subnet-id":1})")["text"],
            "No 'ip-address' provided and 'identifier-type' is either missing or not a string.");
  EXPECT_EQ(run("lease4-get", R"({"subnet-id":1,"identifier-type":"hw-address"})")["text"],
            "No 'ip-address' provided and 'identifier' is either missing or not a string.");
  EXPECT_EQ(run("lease4-get", R"({"subnet-id":1,"identifier-type":"hw-address","identifier":"zz"})")["result"], 1);
  EXPECT_EQ(run("lease4-get")["result"], 1);
}

TEST_F(LeaseCommandsTest, GetAllAndSubnetFilter) {
  EXPECT_EQ(run("lease4-get-all"), makeAnswer(3, "0 IPv4 lease(s) found.", json{{"leases", json::array()}}));
  addSample();
  auto all = run("lease4-get-all");
  EXPECT_EQ(all["text"], "3 IPv4 lease(s) found.");
  ASSERT_EQ(all["arguments"]["leases"].size(), 3u);
  EXPECT_EQ(all["arguments"]["leases"][0]["ip-address"], "198.18.16.20");  // address order
  EXPECT_EQ(all["arguments"]["leases"][2]["ip-address"], "198.18.17.20");
  EXPECT_EQ(run("lease4-get-all", R"({"subnets":[2]})")["arguments"]["leases"].size(), 1u);
  EXPECT_EQ(run("lease4-get-all", R"({"subnets":[9]})")["result"], 3);
  EXPECT_EQ(run("lease4-get-all", R"({"subnets":1})"), makeAnswer(1, "'subnets' parameter must be a list"));
  EXPECT_EQ(run("lease4-get-all", R"({"subnets":["a"]})"), makeAnswer(1, "listed subnet identifiers must be numbers"));
  EXPECT_EQ(run("lease4-get-all", "{}"), makeAnswer(1, "'subnets' parameter not specified"));
}

TEST_F(LeaseCommandsTest, GetPageWalksInAddressOrder) {
  addSample();
  auto p1 = run("lease4-get-page", R"({"from":"start","limit":2})");
  EXPECT_EQ(p1["text"], "2 IPv4 lease(s) found.");
  EXPECT_EQ(p1["arguments"]["count"], 2);
  EXPECT_EQ(p1["arguments"]["leases"][1]["ip-address"], "198.18.16.24");
  auto p2 = run("lease4-get-page", R"({"from":"198.18.16.24","limit":2})");
  EXPECT_EQ(p2["arguments"]["count"], 1);
  auto p3 = run("lease4-get-page", R"({"from":"198.18.17.20","limit":2})");
  EXPECT_EQ(p3, makeAnswer(3, "0 IPv4 lease(s) found.", json{{"count", 0}, {"leases", json::array()}}));
}

TEST_F(LeaseCommandsTest, GetPageErrors) {
  auto text = [&](const char* args) { return run("lease4-get-page", args)["text"].get<std::string>(); };
  EXPECT_EQ(text(R"({"from":"bad","limit":2})"),
            "'from' parameter value is neither 'start' keyword nor a valid IPv4 address");
  EXPECT_EQ(text(R"({"from":"::1","limit":2})"), "'from' parameter value ::1 is not an IPv4 address");
  EXPECT_EQ(text(R"({"limit":2})"), "'from' parameter not specified");
  EXPECT_EQ(text(R"({"from":5,"limit":2})"), "'from' parameter must be a string");
  EXPECT_EQ(text(R"({"from":"start"})"), "'limit' parameter not specified");
  EXPECT_EQ(text(R"({"from":"start","limit":0})"), "page size of retrieved leases must not be 0");
  EXPECT_EQ(text(R"({"from":"start","limit":"x"})"), "'limit' parameter must be a number");
  EXPECT_EQ(text(R"({"from":"start","limit":-1})"), "'limit' parameter must not be negative");
  EXPECT_EQ(run("lease4-get-page")["text"], "no parameters specified for the lease4-get-page command");
}

TEST_F(LeaseCommandsTest, GetByHwClientIdHostname) {
  addSample();
  EXPECT_EQ(run("lease4-get-by-hw-address", R"({"hw-address":"1a:1b:1c:1d:1e:1f"})")["arguments"]["leases"].size(), 2u);
  EXPECT_EQ(run("lease4-get-by-hw-address", R"({"hw-address":"1a:1b:1c:1d:1e:99"})")["result"], 3);
  EXPECT_EQ(run("lease4-get-by-hw-address", "{}")["text"], "'hw-address' parameter not specified");
  EXPECT_EQ(run("lease4-get-by-hw-address", R"({"hw-address":5})")["text"], "'hw-address' parameter must be a string");
  EXPECT_EQ(run("lease4-get-by-hw-address", R"({"hw-address":"zz"})")["result"], 1);
  EXPECT_EQ(run("lease4-get-by-hw-address")["text"], "Command arguments missing or a not a map.");
  EXPECT_EQ(run("lease4-get-by-client-id", R"({"client-id":"01:02:03"})")["text"], "1 IPv4 lease(s) found.");
  EXPECT_EQ(run("lease4-get-by-client-id", R"({"client-id":"01:02:09"})")["result"], 3);
  EXPECT_EQ(run("lease4-get-by-client-id", "{}")["text"], "'client-id' parameter not specified");
  EXPECT_EQ(run("lease4-get-by-client-id", R"({"client-id":"zz"})")["text"],
            "'zz' is not a valid string of hexadecimal digits");
  EXPECT_EQ(run("lease4-get-by-hostname", R"({"hostname":"HOST1"})")["arguments"]["leases"][0]["ip-address"],
            "198.18.16.20");
  EXPECT_EQ(run("lease4-get-by-hostname", R"({"hostname":"nope"})")["result"], 3);
  EXPECT_EQ(run("lease4-get-by-hostname", R"({"hostname":""})")["text"], "'hostname' parameter is empty");
  EXPECT_EQ(run("lease4-get-by-hostname", "{}")["text"], "'hostname' parameter not specified");
  EXPECT_EQ(run("lease4-get-by-hostname", R"({"hostname":5})")["text"], "'hostname' parameter must be a string");
}

// The exact request an HA peer sends (reference/kea-wire/lease4-update.request.json).
TEST_F(LeaseCommandsTest, UpdateFromHaPeerAddsThenUpdates) {
  const char* wire = R"({"client-id": "01:00:0c:01:02:03:04", "expire": 1795338859, "force-create": true,
      "fqdn-fwd": false, "fqdn-rev": false, "hostname": "", "hw-address": "00:0c:01:02:03:04",
      "ip-address": "198.18.16.50", "state": 0, "subnet-id": 1, "valid-lft": 4000, "origin": "ha-partner"})";
  EXPECT_EQ(run("lease4-update", wire), makeAnswer(0, "IPv4 lease added."));
  EXPECT_EQ(run("lease4-update", wire), makeAnswer(0, "IPv4 lease updated."));
  ASSERT_EQ(control_.puts.size(), 2u);
  EXPECT_EQ(control_.puts[0].second, Origin::Partner);
  EXPECT_EQ(control_.puts[0].first.cltt, 1795338859 - 4000);
}

// A partner's update or deletion older than the lease held here is stale (TCP delivered it
// after a partition healed): the newer lease stays; an operator's update is applied as Kea does.
TEST_F(LeaseCommandsTest, StaleUpdateOrDeletionFromHaPeerKeepsTheNewerLease) {
  ASSERT_EQ(run("lease4-update", R"({"ip-address":"198.18.16.50","hw-address":"00:0c:01:02:03:05","expire":1795338900,
      "valid-lft":4000,"force-create":true,"subnet-id":1,"origin":"ha-partner"})")["result"],
            0);
  const char* older = R"({"ip-address":"198.18.16.50","hw-address":"00:0c:01:02:03:04","expire":1795338859,
      "valid-lft":4000,"force-create":true,"subnet-id":1,"origin":"ha-partner"})";
  EXPECT_EQ(run("lease4-update", older), makeAnswer(0, "IPv4 lease kept: the lease held for the address is newer."));
  EXPECT_EQ(run("lease4-del", older), makeAnswer(0, "IPv4 lease kept: the lease held for the address is newer."));
  ASSERT_EQ(control_.puts.size(), 1u);
  EXPECT_TRUE(control_.deletes.empty());
  EXPECT_EQ(control_.store.byAddress(Ipv4(198, 18, 16, 50))->hwAddr.toString(), "00:0c:01:02:03:05");
  // Not from a partner: applied.
  EXPECT_EQ(run("lease4-update", R"({"ip-address":"198.18.16.50","hw-address":"00:0c:01:02:03:04","expire":1795338859,
      "valid-lft":4000,"subnet-id":1})"),
            makeAnswer(0, "IPv4 lease updated."));
  EXPECT_EQ(control_.store.byAddress(Ipv4(198, 18, 16, 50))->hwAddr.toString(), "00:0c:01:02:03:04");
  // A partner's deletion of a lease as new as ours (or without times) deletes it.
  EXPECT_EQ(run("lease4-del", older), makeAnswer(0, "IPv4 lease deleted."));
}

TEST_F(LeaseCommandsTest, UpdateErrors) {
  EXPECT_EQ(run("lease4-update", R"({"ip-address":"198.18.16.40","hw-address":"1a:1b:1c:1d:1e:1f"})")["text"],
            "failed to update the lease with address 198.18.16.40 either because the lease has been deleted or it "
            "has changed in the database, in both cases a retry might succeed");
  // A lease that does not fit the receiver's subnets is a conflict (result 4) for HA senders.
  EXPECT_EQ(run("lease4-update",
                R"({"ip-address":"198.18.16.40","hw-address":"1a:1b:1c:1d:1e:1f","force-create":true,"subnet-id":2})"),
            makeAnswer(4, "The address 198.18.16.40 does not belong to subnet 198.18.17.0/24, subnet-id=2"));
  EXPECT_EQ(run("lease4-update",
                R"({"ip-address":"198.18.16.40","hw-address":"1a:1b:1c:1d:1e:1f","force-create":"yes"})"),
            makeAnswer(1, "invalid type specified for parameter 'force-create'"));
  EXPECT_EQ(run("lease4-update", R"({"ip-address":"198.18.16.40"})")["result"], 1);
  EXPECT_EQ(run("lease4-update")["result"], 1);
}

TEST_F(LeaseCommandsTest, DeleteByAddressAndIdentifier) {
  addSample();
  // HA peers send the whole lease; it is located by ip-address.
  EXPECT_EQ(run("lease4-del",
                R"({"ip-address":"198.18.16.20","hw-address":"ff:ff:ff:ff:ff:ff","origin":"ha-partner"})"),
            makeAnswer(0, "IPv4 lease deleted."));
  EXPECT_EQ(control_.deletes.back().second, Origin::Partner);
  EXPECT_EQ(run("lease4-del", R"({"ip-address":"198.18.16.20"})"), makeAnswer(3, "IPv4 lease not found."));
  EXPECT_EQ(run("lease4-del", R"({"identifier-type":"hw-address","identifier":"1a:1b:1c:1d:1e:1f","subnet-id":2})"),
            makeAnswer(0, "IPv4 lease deleted."));
  EXPECT_EQ(run("lease4-del",
                R"({"identifier-type":"hw-address","identifier":"1a:1b:1c:1d:1e:77","subnet-id":1})")["result"],
            3);
  EXPECT_EQ(run("lease4-del", R"({"identifier-type":"hw-address","identifier":"1a:1b:1c:1d:1e:21"})")["text"],
            "Mandatory 'subnet-id' parameter missing.");
  EXPECT_EQ(run("lease4-del", R"({"subnet-id":1})")["result"], 1);
  EXPECT_EQ(run("lease4-del")["result"], 1);
  EXPECT_EQ(control_.store.size(), 1u);
}

TEST_F(LeaseCommandsTest, Wipe) {
  addSample();
  EXPECT_EQ(run("lease4-wipe", R"({"subnet-id":9})"), makeAnswer(3, "Deleted 0 IPv4 lease(s) from subnet(s) 9"));
  EXPECT_EQ(run("lease4-wipe", R"({"subnet-id":1})"), makeAnswer(0, "Deleted 2 IPv4 lease(s) from subnet(s) 1"));
  EXPECT_EQ(run("lease4-wipe"), makeAnswer(0, "Deleted 1 IPv4 lease(s) from subnet(s) 1 2"));
  EXPECT_EQ(run("lease4-wipe", "{}"), makeAnswer(3, "Deleted 0 IPv4 lease(s) from subnet(s) 1 2"));
  EXPECT_EQ(run("lease4-wipe", R"({"subnet-id":"x"})"),
            makeAnswer(1, "invalid type specified for parameter 'subnet-id'"));
}

// Millions of leases: deleted in slices of 20,000 with DHCP served in between, the progress
// recorded for status-get and the log; the answer comes with the last slice.
TEST_F(LeaseCommandsTest, WipeInSlicesWithProgress) {
  for (std::uint32_t i = 0; i < 45000; ++i) {
    Lease l;
    l.address = Ipv4(10u << 24 | i);
    l.subnetId = i % 3 == 0 ? 2 : 1;  // 15,000 in subnet 2
    ASSERT_TRUE(control_.store.put(l));
  }
  control_.sliced = true;
  std::optional<json> answer;
  registry_.executeAsync("lease4-wipe", json::parse(R"({"subnet-id":1})"), {}, [&](json a) { answer = a; });
  ASSERT_TRUE(control_.operation);
  EXPECT_EQ(control_.operation->command(), "lease4-wipe");
  EXPECT_EQ(control_.operation->total(), 30000u);
  EXPECT_FALSE(control_.stepOperation());
  EXPECT_EQ(control_.operation->done(), 20000u);
  EXPECT_FALSE(answer);
  EXPECT_EQ(control_.store.size(), 25000u);
  // A lease of subnet 1 that moved to subnet 2 meanwhile stays.
  Lease moved = *control_.store.byAddress(Ipv4(10u << 24 | 44999));
  moved.subnetId = 2;
  ASSERT_TRUE(control_.store.put(moved));
  EXPECT_TRUE(control_.stepOperation());
  EXPECT_EQ(control_.operation->done(), 30000u);
  ASSERT_TRUE(answer);
  EXPECT_EQ(*answer, makeAnswer(0, "Deleted 29999 IPv4 lease(s) from subnet(s) 1"));
  EXPECT_EQ(control_.store.size(), 15001u);
}

TEST_F(LeaseCommandsTest, Write) {
  EXPECT_EQ(run("lease4-write", R"({"filename":"/tmp/x.csv"})"),
            makeAnswer(0, "IPv4 lease database into '/tmp/x.csv'."));
  EXPECT_EQ(control_.leaseFileWritten, "/tmp/x.csv");
  EXPECT_EQ(run("lease4-write", "{}")["text"], "'filename' parameter not specified");
  EXPECT_EQ(run("lease4-write", R"({"filename":5})")["text"], "'filename' parameter must be a string");
  EXPECT_EQ(run("lease4-write", R"({"filename":""})")["text"], "'filename' parameter is empty");
  EXPECT_EQ(run("lease4-write")["result"], 1);
  control_.writeLeaseError = makeError("cannot open /tmp/x.csv");
  EXPECT_EQ(run("lease4-write", R"({"filename":"/tmp/x.csv"})"), makeAnswer(1, "cannot open /tmp/x.csv"));
}

TEST_F(LeaseCommandsTest, WriteRefusesTheLeaseFileInUse) {
  control_.cfg.leaseDatabase.name = "/var/lib/kea/kea-leases4.csv";
  control_.leaseFileWritten.clear();
  for (const char* f : {"/var/lib/kea/kea-leases4.csv", "/var/lib/kea/../kea/kea-leases4.csv",
                        "/var/lib/kea/kea-leases4.csv.2", "/var/lib/kea/kea-leases4.csv.completed"}) {
    auto a = run("lease4-write", json{{"filename", f}}.dump().c_str());
    EXPECT_EQ(a["result"], 1) << f;
    EXPECT_NE(a["text"].get<std::string>().find("lease file in use"), std::string::npos) << a.dump();
  }
  EXPECT_TRUE(control_.leaseFileWritten.empty());
  EXPECT_EQ(run("lease4-write", R"({"filename":"/var/lib/kea/backup.csv"})")["result"], 0);
  // Without a lease file (persist false) any name may be written.
  control_.cfg.leaseDatabase.persist = false;
  EXPECT_EQ(run("lease4-write", R"({"filename":"/var/lib/kea/kea-leases4.csv"})")["result"], 0);
}

TEST_F(LeaseCommandsTest, StatLease4Get) {
  addSample();
  ASSERT_EQ(run("lease4-add", R"({"ip-address":"198.18.16.31","hw-address":"1a:1b:1c:1d:1e:31","state":2})")["result"],
            0);
  control_.statsRegistry.set("subnet[1].cumulative-assigned-addresses", 7, control_.now());
  auto all = run("stat-lease4-get");
  EXPECT_EQ(all["text"], "stat-lease4-get[all subnets]: 2 rows found");
  auto& rs = all["arguments"]["result-set"];
  EXPECT_EQ(
      rs["columns"],
      json::parse(
          R"(["subnet-id","total-addresses","cumulative-assigned-addresses","assigned-addresses","declined-addresses"])"));
  // Subnet 1: .20 (default) and .24 (declined) count as assigned; .31 (reclaimed) does not.
  EXPECT_EQ(rs["rows"][0], json::parse("[1, 91, 7, 2, 1]"));
  EXPECT_EQ(rs["rows"][1], json::parse("[2, 91, 0, 1, 0]"));
  EXPECT_TRUE(rs["timestamp"].is_string());
  EXPECT_EQ(run("stat-lease4-get", R"({"subnet-id":1})")["text"], "stat-lease4-get[subnet-id=1]: 1 rows found");
  EXPECT_EQ(run("stat-lease4-get", R"({"subnet-id":9})"),
            makeAnswer(3, "stat-lease4-get[subnet-id=9]: no matching data, subnet-id: 9 does not exist",
                       json::object()));
  EXPECT_EQ(run("stat-lease4-get", R"({"subnet-range":{"first-subnet-id":1,"last-subnet-id":2}})")["text"],
            "stat-lease4-get[subnets 1 through 2]: 2 rows found");
  EXPECT_EQ(
      run("stat-lease4-get", R"({"subnet-range":{"first-subnet-id":5,"last-subnet-id":9}})")["text"],
      "stat-lease4-get[subnets 5 through 9]: no matching data, selected ID range: 5 through 9 includes no known subnets");
  EXPECT_EQ(run("stat-lease4-get", R"({"subnet-range":{"first-subnet-id":2}})")["text"],
            "'last-subnet-id' parameter missing or not an integer");
  EXPECT_EQ(run("stat-lease4-get", R"({"subnet-range":{"first-subnet-id":3,"last-subnet-id":2}})")["text"],
            "'last-subnet-id' must be greater than 'first-subnet-id'");
  EXPECT_EQ(run("stat-lease4-get", R"({"subnet-id":1,"subnet-range":{}})")["text"],
            "cannot specify both subnet-id and subnet-range");
  EXPECT_EQ(run("stat-lease4-get", R"({"subnet-id":"x"})")["text"], "'subnet-id' parameter is not integer");
}

// Answers captured from kea-dhcp4 2.2 with libdhcp_lease_cmds.so (lease4-resend-ddns, and
// lease4-del's update-ddns), texts and result codes.
TEST_F(LeaseCommandsTest, ResendDdnsAsKea) {
  EXPECT_EQ(run("lease4-resend-ddns", R"({"ip-address":"198.18.16.99"})"),
            json::parse(R"({"result":1,"text":"DDNS updating is not enabled"})"));
  control_.ddns = true;
  ASSERT_EQ(run("lease4-add", R"({"ip-address":"198.18.16.21","hw-address":"02:00:00:00:00:01",
                                  "hostname":"host1.example.com.","fqdn-fwd":true,"fqdn-rev":true})")["result"],
            0);
  ASSERT_EQ(run("lease4-add", R"({"ip-address":"198.18.16.22","hw-address":"02:00:00:00:00:02"})")["result"], 0);
  ASSERT_EQ(run("lease4-add", R"({"ip-address":"198.18.16.23","hw-address":"02:00:00:00:00:03",
                                  "hostname":"h3.example.com."})")["result"],
            0);
  EXPECT_EQ(run("lease4-resend-ddns", R"({"ip-address":"198.18.16.21","extra":1})"),
            json::parse(R"({"result":0,"text":"NCR generated for: 198.18.16.21, hostname: host1.example.com."})"));
  ASSERT_EQ(control_.nameChanges.size(), 1u);
  EXPECT_TRUE(control_.nameChanges[0].first);
  EXPECT_EQ(control_.nameChanges[0].second.hostname, "host1.example.com.");
  EXPECT_EQ(run("lease4-resend-ddns", R"({"ip-address":"198.18.16.99"})"),
            json::parse(R"({"result":3,"text":"No lease found for: 198.18.16.99"})"));
  EXPECT_EQ(run("lease4-resend-ddns", R"({"ip-address":"198.18.16.22"})"),
            json::parse(R"({"result":1,"text":"Lease for: 198.18.16.22, has no hostname, nothing to update"})"));
  EXPECT_EQ(run("lease4-resend-ddns", R"({"ip-address":"198.18.16.23"})"),
            json::parse(
                R"({"result":1,"text":"Neither forward nor reverse updates enabled for lease for: 198.18.16.23"})"));
  EXPECT_EQ(run("lease4-resend-ddns", R"({"ip-address":"bogus"})"),
            json::parse(R"({"result":1,"text":"'bogus' is not a valid IP address."})"));
  EXPECT_EQ(run("lease4-resend-ddns", R"({"ip-address":"2001:db8::1"})"),
            json::parse(R"({"result":1,"text":"Invalid IPv4 address specified: 2001:db8::1"})"));
  EXPECT_EQ(run("lease4-resend-ddns", R"({"ip-address":5})"),
            json::parse(R"({"result":1,"text":"'ip-address' is not a string."})"));
  EXPECT_EQ(run("lease4-resend-ddns", R"({})"),
            json::parse(R"({"result":1,"text":"'ip-address' parameter is missing."})"));
  EXPECT_EQ(control_.nameChanges.size(), 1u);  // none of the failures queued anything

  EXPECT_EQ(run("lease4-del", R"({"ip-address":"198.18.16.22","update-ddns":"yes"})"),
            json::parse(R"({"result":1,"text":"'update-ddns' is not a boolean"})"));
  EXPECT_EQ(run("lease4-del", R"({"ip-address":"198.18.16.22"})")["result"], 0);
  EXPECT_EQ(control_.nameChanges.size(), 1u);  // without update-ddns: DNS untouched
  EXPECT_EQ(run("lease4-del", R"({"ip-address":"198.18.16.21","update-ddns":true})"),
            json::parse(R"({"result":0,"text":"IPv4 lease deleted."})"));
  ASSERT_EQ(control_.nameChanges.size(), 2u);
  EXPECT_FALSE(control_.nameChanges[1].first);
  EXPECT_EQ(control_.nameChanges[1].second.address.toString(), "198.18.16.21");
}

}  // namespace
}  // namespace tandem::api
