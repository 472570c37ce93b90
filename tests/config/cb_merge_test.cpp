// Kea 2.2's configuration backend rows merged with the file (dhcpd/config/cb_merge.h): each
// table's mapping, the server-tag selection, Kea's merge rules, and bad rows (left out and
// reported, never an exception or a refused configuration).
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <string>

#include "config_test_util.h"
#include "dhcpd/config/cb_merge.h"
#include "dhcpd/config/config_control.h"

namespace tandem::config {
namespace {

using nlohmann::json;

json fileDoc(std::string_view body = "") {
  return json::parse(testing::dhcp4(std::string(R"("interfaces-config": {"interfaces": ["*"]})") +
                                    (body.empty() ? "" : ", ") + std::string(body)));
}

CbRow row(std::initializer_list<std::pair<const char*, std::optional<std::string>>> cols) {
  CbRow r;
  for (const auto& [k, v] : cols) r[k] = v;
  return r;
}

CbRow subnetRow(const char* id, const char* prefix, const char* tag = "all",
                std::optional<std::string> network = std::nullopt) {
  return row({{"subnet_id", id}, {"subnet_prefix", prefix}, {"server_tag", tag}, {"shared_network_name", network}});
}

CbRow poolRow(const char* id, const char* subnet, const char* first, const char* last) {
  return row({{"id", id}, {"subnet_id", subnet}, {"start_address", first}, {"end_address", last}});
}

CbRow optionRow(const char* id, const char* code, std::optional<std::string> formatted, const char* scope,
                const char* tag = "all") {
  return row({{"option_id", id},
              {"code", code},
              {"formatted_value", formatted},
              {"space", "dhcp4"},
              {"persistent", "f"},
              {"scope_id", scope},
              {"server_tag", tag}});
}

CbMergeResult mergeOk(const json& doc, const CbSnapshot& snap) {
  auto r = mergeConfigBackend(doc, snap, testing::testContext());
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  if (r.ok()) {
    for (const auto& b : r->badRows) std::cout << "  bad row: " << b << "\n";
  }
  return r.ok() ? std::move(r).value() : CbMergeResult{};
}

const Subnet4* subnetById(const Dhcp4Config& cfg, std::uint32_t id) {
  for (const auto& s : cfg.subnets) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

const OptionData* optionByCode(const std::vector<OptionData>& opts, std::uint8_t code) {
  for (const auto& o : opts) {
    if (o.code == code) return &o;
  }
  return nullptr;
}

TEST(CbMerge, SubnetWithPoolsAndOptionsFromTheTables) {
  CbSnapshot s;
  CbRow sub = subnetRow("7", "198.18.7.0/24");
  sub["valid_lifetime"] = "600";
  sub["renew_timer"] = "100";
  sub["rebind_timer"] = "200";
  sub["match_client_id"] = "f";
  sub["next_server"] = "198.18.7.2";
  sub["relay"] = R"(["198.18.7.1"])";
  sub["require_client_classes"] = "[]";
  sub["ddns_replace_client_name"] = "2";
  sub["t1_percent"] = "0.4";
  sub["user_context"] = R"({"site": "a"})";
  s.subnets.push_back(sub);
  s.pools.push_back(poolRow("3", "7", "198.18.7.100", "198.18.7.150"));
  s.options.push_back(optionRow("11", "3", "198.18.7.1", "1"));
  s.options.back()["dhcp4_subnet_id"] = "7";
  s.options.push_back(optionRow("12", "6", std::nullopt, "5"));
  s.options.back()["pool_id"] = "3";
  s.options.back()["value"] = "\\xc6120735";  // binary value: 198.18.7.53
  auto r = mergeOk(fileDoc(), s);
  ASSERT_EQ(r.config.subnets.size(), 1u);
  const Subnet4& n = r.config.subnets[0];
  EXPECT_EQ(n.id, 7u);
  EXPECT_EQ(n.prefix.length, 24);
  EXPECT_EQ(n.validLifetime, 600u);
  EXPECT_EQ(n.renewTimer, 100u);
  EXPECT_EQ(n.rebindTimer, 200u);
  EXPECT_FALSE(n.matchClientId);
  EXPECT_EQ(n.nextServer, Ipv4::parse("198.18.7.2"));
  ASSERT_EQ(n.relayAddresses.size(), 1u);
  EXPECT_EQ(n.ddns.replaceClientName, ReplaceClientName::WhenPresent);
  EXPECT_DOUBLE_EQ(n.t1Percent, 0.4);
  ASSERT_EQ(n.pools.size(), 1u);
  EXPECT_EQ(n.pools[0].first, Ipv4::parse("198.18.7.100"));
  EXPECT_EQ(n.pools[0].last, Ipv4::parse("198.18.7.150"));
  const OptionData* routers = optionByCode(n.options, 3);
  ASSERT_NE(routers, nullptr);
  EXPECT_EQ(routers->payload, (std::vector<std::uint8_t>{198, 18, 7, 1}));
  const OptionData* dns = optionByCode(n.pools[0].options, 6);
  ASSERT_NE(dns, nullptr);
  EXPECT_EQ(dns->payload, (std::vector<std::uint8_t>{198, 18, 7, 53}));
  EXPECT_TRUE(r.badRows.empty());
  EXPECT_EQ(r.subnets, 1u);
  // config-get shows the merged document.
  EXPECT_EQ(r.config.source["Dhcp4"]["subnet4"][0]["subnet"], "198.18.7.0/24");
}

TEST(CbMerge, GlobalParametersOverrideTheFileByType) {
  CbSnapshot s;
  s.globals.push_back(
      row({{"id", "1"}, {"name", "valid-lifetime"}, {"value", "900"}, {"parameter_type", "0"}, {"server_tag", "all"}}));
  s.globals.push_back(
      row({{"id", "2"}, {"name", "authoritative"}, {"value", "true"}, {"parameter_type", "2"}, {"server_tag", "all"}}));
  s.globals.push_back(row(
      {{"id", "3"}, {"name", "boot-file-name"}, {"value", "pxe.0"}, {"parameter_type", "4"}, {"server_tag", "all"}}));
  s.globals.push_back(
      row({{"id", "4"}, {"name", "t1-percent"}, {"value", "0.3"}, {"parameter_type", "1"}, {"server_tag", "all"}}));
  auto r = mergeOk(fileDoc(R"("valid-lifetime": 4000, "boot-file-name": "file.0")"), s);
  EXPECT_EQ(r.config.validLifetime, 900u);
  EXPECT_TRUE(r.config.authoritative);
  EXPECT_EQ(r.config.bootFileName, "pxe.0");
  EXPECT_DOUBLE_EQ(r.config.t1Percent, 0.3);
  EXPECT_EQ(r.globals, 4u);
}

TEST(CbMerge, ServerTagSelectsRowsAndOwnTagWinsOverAll) {
  CbSnapshot s;
  s.globals.push_back(
      row({{"id", "1"}, {"name", "valid-lifetime"}, {"value", "900"}, {"parameter_type", "0"}, {"server_tag", "all"}}));
  s.globals.push_back(row(
      {{"id", "2"}, {"name", "valid-lifetime"}, {"value", "1200"}, {"parameter_type", "0"}, {"server_tag", "server1"}}));
  s.globals.push_back(
      row({{"id", "3"}, {"name", "renew-timer"}, {"value", "50"}, {"parameter_type", "0"}, {"server_tag", "server2"}}));
  s.subnets.push_back(subnetRow("1", "198.18.1.0/24", "server1"));
  s.subnets.push_back(subnetRow("2", "198.18.2.0/24", "server2"));
  s.subnets.push_back(subnetRow("3", "198.18.3.0/24", "all"));
  // A subnet associated with both servers repeats once per tag.
  s.subnets.push_back(subnetRow("4", "198.18.4.0/24", "server2"));
  s.subnets.push_back(subnetRow("4", "198.18.4.0/24", "server1"));
  s.options.push_back(optionRow("1", "66", "all.example", "0", "all"));
  s.options.push_back(optionRow("2", "66", "one.example", "0", "server1"));

  auto r = mergeOk(fileDoc(R"("server-tag": "server1")"), s);
  EXPECT_EQ(r.config.validLifetime, 1200u);
  EXPECT_FALSE(r.config.renewTimer);
  EXPECT_NE(subnetById(r.config, 1), nullptr);
  EXPECT_EQ(subnetById(r.config, 2), nullptr);
  EXPECT_NE(subnetById(r.config, 3), nullptr);
  EXPECT_NE(subnetById(r.config, 4), nullptr);
  const OptionData* tftp = optionByCode(r.config.options, 66);
  ASSERT_NE(tftp, nullptr);
  EXPECT_EQ(std::string(tftp->payload.begin(), tftp->payload.end()), "one.example");
  EXPECT_EQ(r.config.options.size(), 1u);

  // Without a server-tag only the "all" rows (Kea's ServerSelector::ALL).
  auto all = mergeOk(fileDoc(), s);
  EXPECT_EQ(all.config.validLifetime, 900u);
  EXPECT_EQ(all.config.subnets.size(), 1u);
  EXPECT_NE(subnetById(all.config, 3), nullptr);
}

TEST(CbMerge, DbSubnetReplacesTheFilesWithTheSameIdAndFileSubnetsStay) {
  CbSnapshot s;
  s.subnets.push_back(subnetRow("1", "198.18.9.0/24"));
  auto r =
      mergeOk(fileDoc(R"("subnet4": [{"id": 1, "subnet": "198.18.1.0/24"}, {"id": 2, "subnet": "198.18.2.0/24"}])"), s);
  ASSERT_EQ(r.config.subnets.size(), 2u);
  ASSERT_NE(subnetById(r.config, 1), nullptr);
  EXPECT_EQ(subnetById(r.config, 1)->prefix.network, Ipv4::parse("198.18.9.0"));
  EXPECT_NE(subnetById(r.config, 2), nullptr);
}

TEST(CbMerge, SharedNetworksReplaceByNameAndKeepTheFilesSubnets) {
  CbSnapshot s;
  CbRow net = row({{"id", "1"}, {"name", "lan"}, {"server_tag", "all"}, {"valid_lifetime", "333"}});
  s.sharedNetworks.push_back(net);
  s.sharedNetworks.push_back(row({{"id", "2"}, {"name", "dbnet"}, {"server_tag", "all"}}));
  s.subnets.push_back(subnetRow("5", "198.18.5.0/24", "all", "dbnet"));
  s.subnets.push_back(subnetRow("6", "198.18.6.0/24", "all", "lan"));
  s.options.push_back(optionRow("9", "15", "net.example", "4"));
  s.options.back()["shared_network_name"] = "dbnet";
  auto r = mergeOk(fileDoc(R"("shared-networks": [{"name": "lan", "valid-lifetime": 100,
                              "subnet4": [{"id": 1, "subnet": "198.18.1.0/24"}]}])"),
                   s);
  ASSERT_EQ(r.config.sharedNetworks.size(), 2u);
  ASSERT_NE(subnetById(r.config, 1), nullptr);
  EXPECT_EQ(subnetById(r.config, 1)->sharedNetwork, "lan");
  EXPECT_EQ(subnetById(r.config, 1)->validLifetime, 333u);  // the DB network's value
  ASSERT_NE(subnetById(r.config, 6), nullptr);
  EXPECT_EQ(subnetById(r.config, 6)->sharedNetwork, "lan");
  ASSERT_NE(subnetById(r.config, 5), nullptr);
  EXPECT_EQ(subnetById(r.config, 5)->sharedNetwork, "dbnet");
  const auto& dbnet = r.config.sharedNetworks[1];
  EXPECT_EQ(dbnet.name, "dbnet");
  EXPECT_NE(optionByCode(dbnet.options, 15), nullptr);
}

TEST(CbMerge, OptionDefsAndGlobalOptionsReplaceByCodeAndSpace) {
  CbSnapshot s;
  s.optionDefs.push_back(row({{"id", "1"},
                              {"code", "222"},
                              {"name", "db-opt"},
                              {"space", "dhcp4"},
                              {"type", "7"},
                              {"is_array", "f"},
                              {"encapsulate", ""},
                              {"server_tag", "all"}}));
  s.optionDefs.push_back(row({{"id", "2"},
                              {"code", "223"},
                              {"name", "rec"},
                              {"space", "dhcp4"},
                              {"type", "17"},
                              {"is_array", "f"},
                              {"encapsulate", ""},
                              {"record_types", "[10, 7]"},
                              {"server_tag", "all"}}));
  s.options.push_back(optionRow("1", "222", "513", "0"));
  s.options.push_back(optionRow("2", "223", "198.18.0.1, 2", "0"));
  s.options.push_back(optionRow("3", "6", "198.18.0.53", "0"));
  auto r = mergeOk(fileDoc(R"("option-def": [{"name": "file-opt", "code": 222, "type": "string"}],
                              "option-data": [{"code": 6, "data": "198.18.0.1"}, {"code": 15, "data": "file.example"}])"),
                   s);
  const auto* def = r.config.optionDefs.find("dhcp4", std::uint8_t{222});
  ASSERT_NE(def, nullptr);
  EXPECT_EQ(def->name, "db-opt");
  const OptionData* o222 = optionByCode(r.config.options, 222);
  ASSERT_NE(o222, nullptr);
  EXPECT_EQ(o222->payload, (std::vector<std::uint8_t>{2, 1}));
  const OptionData* o223 = optionByCode(r.config.options, 223);
  ASSERT_NE(o223, nullptr);
  EXPECT_EQ(o223->payload, (std::vector<std::uint8_t>{198, 18, 0, 1, 0, 2}));
  const OptionData* dns = optionByCode(r.config.options, 6);
  ASSERT_NE(dns, nullptr);
  EXPECT_EQ(dns->payload, (std::vector<std::uint8_t>{198, 18, 0, 53}));
  EXPECT_NE(optionByCode(r.config.options, 15), nullptr);  // the file's, untouched
  EXPECT_EQ(r.optionDefs, 2u);
  EXPECT_EQ(r.options, 3u);
}

TEST(CbMerge, ClientClassesReplaceTheFilesListInOrder) {
  CbSnapshot s;
  CbRow b = row({{"id", "2"},
                 {"name", "b"},
                 {"test", "member('a')"},
                 {"only_if_required", "f"},
                 {"next_server", "0.0.0.0"},
                 {"server_hostname", ""},
                 {"boot_file_name", "b.efi"},
                 {"order_index", "2"},
                 {"server_tag", "all"}});
  CbRow a = row({{"id", "1"},
                 {"name", "a"},
                 {"test", "option[60].hex == 'PXE'"},
                 {"only_if_required", "f"},
                 {"valid_lifetime", "300"},
                 {"order_index", "1"},
                 {"server_tag", "all"}});
  s.clientClasses = {b, a};
  s.options.push_back(optionRow("4", "67", "x.efi", "2"));
  s.options.back()["dhcp_client_class"] = "a";
  auto r = mergeOk(fileDoc(R"("client-classes": [{"name": "file-class"}])"), s);
  ASSERT_EQ(r.config.classes.size(), 2u);
  EXPECT_EQ(r.config.classes[0].name, "a");
  EXPECT_EQ(r.config.classes[1].name, "b");
  EXPECT_FALSE(r.config.classes[1].nextServer);  // 0.0.0.0: Kea's "not set"
  EXPECT_EQ(r.config.classes[1].bootFileName, "b.efi");
  ASSERT_TRUE(r.config.classes[0].validLifetime);
  EXPECT_EQ(r.config.classes[0].validLifetime->value, 300u);
  EXPECT_NE(optionByCode(r.config.classes[0].options, 67), nullptr);
  // No DB class: the file's stay.
  auto none = mergeOk(fileDoc(R"("client-classes": [{"name": "file-class"}])"), CbSnapshot{});
  ASSERT_EQ(none.config.classes.size(), 1u);
}

TEST(CbMerge, BadRowsAreLeftOutAndReported) {
  CbSnapshot s;
  s.subnets.push_back(subnetRow("1", "198.18.1.0/24"));
  s.subnets.push_back(subnetRow("2", "not-a-prefix"));  // refused by the parser
  CbRow relay = subnetRow("3", "198.18.3.0/24");
  relay["relay"] = "{oops";  // not JSON
  s.subnets.push_back(relay);
  s.subnets.push_back(subnetRow("4", "198.18.4.0/24", "all", "nonexistent"));  // no such network
  s.pools.push_back(poolRow("1", "1", "198.18.1.10", "198.18.1.20"));
  s.pools.push_back(poolRow("2", "1", "198.18.9.10", "198.18.9.20"));  // outside its subnet
  s.options.push_back(optionRow("1", "3", "not-an-address", "1"));     // bad routers value
  s.options.back()["dhcp4_subnet_id"] = "1";
  s.globals.push_back(
      row({{"id", "1"}, {"name", "valid-lifetime"}, {"value", "abc"}, {"parameter_type", "0"}, {"server_tag", "all"}}));
  s.globals.push_back(
      row({{"id", "2"}, {"name", "no-such-key"}, {"value", "1"}, {"parameter_type", "0"}, {"server_tag", "all"}}));
  s.globals.push_back(
      row({{"id", "3"}, {"name", "renew-timer"}, {"value", "60"}, {"parameter_type", "9"}, {"server_tag", "all"}}));
  s.optionDefs.push_back(row({{"id", "1"},
                              {"code", "224"},
                              {"name", "x"},
                              {"space", "dhcp4"},
                              {"type", "99"},
                              {"is_array", "f"},
                              {"server_tag", "all"}}));
  auto r = mergeOk(fileDoc(R"("subnet4": [{"id": 10, "subnet": "198.18.10.0/24"}])"), s);
  // What is good is served: subnet 1 with its good pool, and the file's subnet.
  ASSERT_EQ(r.config.subnets.size(), 2u);
  const Subnet4* one = subnetById(r.config, 1);
  ASSERT_NE(one, nullptr);
  EXPECT_EQ(one->pools.size(), 1u);
  EXPECT_TRUE(one->options.empty());
  EXPECT_NE(subnetById(r.config, 10), nullptr);
  auto reported = [&](std::string_view key) {
    return std::any_of(r.badRows.begin(), r.badRows.end(), [&](const std::string& m) { return m.starts_with(key); });
  };
  EXPECT_TRUE(reported("dhcp4_subnet 2: ")) << ::testing::PrintToString(r.badRows);
  EXPECT_TRUE(reported("dhcp4_subnet 3: relay: "));
  EXPECT_TRUE(reported("dhcp4_subnet 4: Cannot assign subnet ID of 4 to shared network: nonexistent"));
  EXPECT_TRUE(reported("dhcp4_pool 2: "));
  EXPECT_TRUE(reported("dhcp4_options 1: "));
  EXPECT_TRUE(reported("dhcp4_global_parameter valid-lifetime: value: 'abc' is not an integer"));
  EXPECT_TRUE(reported("dhcp4_global_parameter no-such-key: "));
  EXPECT_TRUE(reported("dhcp4_global_parameter renew-timer: parameter_type: 9"));
  EXPECT_TRUE(reported("dhcp4_option_def 1: type: 99 is not an option data type"));
  EXPECT_EQ(r.badRows.size(), 9u) << ::testing::PrintToString(r.badRows);
  EXPECT_EQ(r.subnets, 1u);
}

TEST(CbMerge, AGlobalBreakingTheFilesValuesElsewhereIsLeftOut) {
  // rebind-timer from the DB below the file's renew-timer: the error names renew-timer.
  CbSnapshot s;
  s.globals.push_back(
      row({{"id", "1"}, {"name", "rebind-timer"}, {"value", "10"}, {"parameter_type", "0"}, {"server_tag", "all"}}));
  auto r = mergeOk(fileDoc(R"("renew-timer": 100, "rebind-timer": 200)"), s);
  EXPECT_EQ(r.config.rebindTimer, 200u);
  ASSERT_EQ(r.badRows.size(), 1u);
  EXPECT_TRUE(r.badRows[0].starts_with("dhcp4_global_parameter rebind-timer: ")) << r.badRows[0];
}

TEST(CbMerge, EmptySnapshotGivesTheFile) {
  auto r = mergeOk(fileDoc(R"("subnet4": [{"id": 1, "subnet": "198.18.1.0/24"}])"), CbSnapshot{});
  EXPECT_EQ(r.config.subnets.size(), 1u);
  EXPECT_TRUE(r.badRows.empty());
}

TEST(ConfigControl, DatabasesAndFetchWaitTime) {
  auto cfg = testing::parseOk(testing::dhcp4(R"("config-control": {"config-databases": [{"type": "postgresql",
      "name": "kea", "host": "/run/pg", "user": "kea"}], "config-fetch-wait-time": 2},
      "hooks-libraries": [{"library": "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_pgsql_cb.so"},
                          {"library": "libdhcp_mysql_cb.so"}])"));
  ConfigControl cc = configControlOf(cfg);
  ASSERT_EQ(cc.databases.size(), 1u);
  EXPECT_EQ(cc.databases[0].name, "kea");
  EXPECT_EQ(cc.databases[0].host, "/run/pg");
  EXPECT_EQ(cc.fetchWaitTime, 2u);
  EXPECT_EQ(configControlOf(testing::parseOk(testing::dhcp4(""))).databases.size(), 0u);
  EXPECT_EQ(configControlOf(testing::parseOk(testing::dhcp4(R"("config-control": {})"))).fetchWaitTime, 30u);
}

TEST(ConfigControl, TakesMysqlRefusesUnknownTypes) {
  // libdhcp_mysql_cb.so's database (dhcpd/mysql/mysql_cb_reader.h), with its TLS keys.
  ConfigControl cc = configControlOf(testing::parseOk(testing::dhcp4(
      R"("config-control": {"config-databases": [{"type": "mysql", "name": "kea", "user": "kea",
          "trust-anchor": "/etc/ca.pem"}], "config-fetch-wait-time": 1})")));
  ASSERT_EQ(cc.databases.size(), 1u);
  EXPECT_TRUE(cc.databases[0].mysql());
  EXPECT_EQ(cc.databases[0].trustAnchor, "/etc/ca.pem");
  EXPECT_EQ(cc.fetchWaitTime, 1u);
  EXPECT_EQ(testing::parseErr(testing::dhcp4(R"("config-control": {"config-databases": [{"type": "memfile"}]})")),
            "Dhcp4/config-control/config-databases/0/type: The type of the configuration backend: 'memfile' is not "
            "supported");
}

}  // namespace
}  // namespace tandem::config
