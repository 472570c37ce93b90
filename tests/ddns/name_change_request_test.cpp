// NameChangeRequests byte for byte against the datagrams a real kea-dhcp4 2.2 sent to
// kea-dhcp-ddns (tests/data/kea-ncr/kea22-ncrs.json, captured by capture_kea_ncr.py there),
// and the planner's choice of requests for each lease change Kea reacts to.
#include "dhcpd/ddns/name_change_request.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "dhcpd/ddns/ncr_planner.h"

namespace tandem::ddns {
namespace {

namespace fs = std::filesystem;
const fs::path kCapture = fs::path(__FILE__).parent_path().parent_path() / "data" / "kea-ncr" / "kea22-ncrs.json";

std::vector<std::uint8_t> unhex(const std::string& h) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(std::uint8_t(std::stoi(h.substr(i, 2), nullptr, 16)));
  return out;
}

// The lease Kea had when it sent an NCR, rebuilt from the NCR and the capture's notes.
Lease leaseOf(const nlohmann::json& e) {
  const auto ncr = nlohmann::json::parse(e["json"].get<std::string>());
  Lease l;
  l.address = Ipv4::parse(ncr["ip-address"].get<std::string>()).value();
  l.hwAddr = HwAddr::parse(e["hwaddr"].get<std::string>()).value();
  if (!e["client-id"].is_null()) l.clientId = unhex(e["client-id"].get<std::string>());
  l.validLifetime = e["valid-lifetime"].get<std::uint32_t>();
  l.hostname = ncr["fqdn"].get<std::string>();
  l.fqdnFwd = ncr["forward-change"].get<bool>();
  l.fqdnRev = ncr["reverse-change"].get<bool>();
  const std::string exp = ncr["lease-expires-on"].get<std::string>();
  std::tm tm{};
  tm.tm_year = std::stoi(exp.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(exp.substr(4, 2)) - 1;
  tm.tm_mday = std::stoi(exp.substr(6, 2));
  tm.tm_hour = std::stoi(exp.substr(8, 2));
  tm.tm_min = std::stoi(exp.substr(10, 2));
  tm.tm_sec = std::stoi(exp.substr(12, 2));
  l.cltt = std::int64_t(timegm(&tm)) - ddnsTtl(l.validLifetime);
  return l;
}

TEST(NameChangeRequest, MatchesKea22Datagrams) {
  std::ifstream in(kCapture);
  ASSERT_TRUE(in) << kCapture;
  const auto doc = nlohmann::json::parse(in);
  ASSERT_GE(doc["ncrs"].size(), 10u);
  for (const auto& e : doc["ncrs"]) {
    SCOPED_TRACE(e["event"].get<std::string>());
    const auto ncr = nlohmann::json::parse(e["json"].get<std::string>());
    const auto type = ncr["change-type"].get<int>() == 0 ? ChangeType::Add : ChangeType::Remove;
    auto r = requestFor(type, leaseOf(e), true);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->toJson(), e["json"].get<std::string>());
    EXPECT_EQ(r->toWire(), unhex(e["datagram"].get<std::string>()));
  }
}

TEST(NameChangeRequest, DhcidFromClientIdOrHardwareAddress) {
  Lease l;
  l.hwAddr = HwAddr::parse("02:dd:00:00:00:01").value();
  auto hw = dhcidFor(l, "host-a.example.org.");
  ASSERT_TRUE(hw.has_value());
  EXPECT_EQ(hw->size(), 35u);
  EXPECT_EQ((*hw)[1], 0x00);  // RFC 4701 identifier type 0: htype + chaddr
  EXPECT_EQ((*hw)[2], 0x01);  // SHA-256
  // Case does not matter: the name is hashed lower-cased in wire form.
  EXPECT_EQ(*hw, *dhcidFor(l, "Host-A.Example.ORG"));
  l.clientId = {0x01, 0xaa, 0xbb};
  auto cid = dhcidFor(l, "host-a.example.org.");
  EXPECT_EQ((*cid)[1], 0x01);  // type 1: the client identifier
  EXPECT_NE(*cid, *hw);
  EXPECT_FALSE(dhcidFor(l, "a..b").has_value());
}

TEST(NameChangeRequest, TtlAndTimeText) {
  EXPECT_EQ(ddnsTtl(2), 600u);
  EXPECT_EQ(ddnsTtl(1799), 600u);
  EXPECT_EQ(ddnsTtl(1800), 600u);
  EXPECT_EQ(ddnsTtl(4000), 1333u);
  EXPECT_EQ(ncrTimeText(0), "19700101000000");
  EXPECT_EQ(ncrTimeText(1796407199), "20261204175959");
}

TEST(NameChangeRequest, NothingWithoutANameOrDirection) {
  Lease l;
  l.address = Ipv4(198, 18, 0, 9);
  l.hostname = "host.";
  EXPECT_FALSE(requestFor(ChangeType::Add, l, true).has_value());  // neither direction
  l.fqdnRev = true;
  auto r = requestFor(ChangeType::Add, l, false);
  ASSERT_TRUE(r.has_value());
  EXPECT_NE(r->toJson().find("\"forward-change\":false,\"reverse-change\":true"), std::string::npos);
  EXPECT_NE(r->toJson().find("\"use-conflict-resolution\":false"), std::string::npos);
  l.hostname.clear();
  EXPECT_FALSE(requestFor(ChangeType::Add, l, true).has_value());
}

// ---- planner ---------------------------------------------------------------------------------

Lease bound(const char* mac, const char* name, bool fwd = true, bool rev = true) {
  Lease l;
  l.address = Ipv4(198, 18, 0, 100);
  l.hwAddr = HwAddr::parse(mac).value();
  l.validLifetime = 4000;
  l.cltt = 1796400000;
  l.subnetId = 1;
  l.hostname = name;
  l.fqdnFwd = fwd;
  l.fqdnRev = rev;
  return l;
}

std::vector<std::pair<ChangeType, std::string>> kinds(const std::vector<NameChangeRequest>& v) {
  std::vector<std::pair<ChangeType, std::string>> out;
  for (const auto& r : v) out.emplace_back(r.type, r.fqdn);
  return out;
}

constexpr auto kAdd = ChangeType::Add;
constexpr auto kRemove = ChangeType::Remove;

TEST(NcrPlanner, AckAddsAndRenewalsChangeOnlyWhenTheNameDoes) {
  DdnsRules rules;
  NcrPlanner p(true, [&](std::uint32_t) { return rules; });
  std::vector<NameChangeRequest> out;
  const Lease a = bound("02:dd:00:00:00:01", "host-a.example.org.");
  p.upserted(a, std::nullopt, out);
  EXPECT_EQ(kinds(out), (std::vector<std::pair<ChangeType, std::string>>{{kAdd, "host-a.example.org."}}));
  out.clear();
  p.upserted(a, a, out);  // renewal, same name: nothing (Kea's capture: no datagram)
  EXPECT_TRUE(out.empty());
  const Lease a2 = bound("02:dd:00:00:00:01", "host-a2.example.org.");
  p.upserted(a2, a, out);
  EXPECT_EQ(kinds(out), (std::vector<std::pair<ChangeType, std::string>>{{kRemove, "host-a.example.org."},
                                                                         {kAdd, "host-a2.example.org."}}));
  out.clear();
  rules.updateOnRenew = true;
  p.upserted(a, a, out);
  EXPECT_EQ(out.size(), 2u);
  out.clear();
  rules.sendUpdates = false;
  p.upserted(a, std::nullopt, out);
  EXPECT_TRUE(out.empty());
}

TEST(NcrPlanner, ReleaseDeclineExpiryAndReuseRemove) {
  NcrPlanner p(true, [](std::uint32_t) { return DdnsRules{}; });
  std::vector<NameChangeRequest> out;
  const Lease a = bound("02:dd:00:00:00:05", "host-e.example.org.");
  p.removed(a, out);  // RELEASE
  EXPECT_EQ(kinds(out), (std::vector<std::pair<ChangeType, std::string>>{{kRemove, "host-e.example.org."}}));
  out.clear();
  Lease declined = a;
  declined.state = LeaseState::Declined;
  declined.hostname.clear();
  p.upserted(declined, a, out);
  EXPECT_EQ(kinds(out), (std::vector<std::pair<ChangeType, std::string>>{{kRemove, "host-e.example.org."}}));
  out.clear();
  Lease reclaimed = a;
  reclaimed.state = LeaseState::ExpiredReclaimed;
  p.upserted(reclaimed, a, out);
  EXPECT_EQ(out.size(), 1u);
  out.clear();
  p.removed(reclaimed, out);  // flushing a reclaimed lease: its name went already
  EXPECT_TRUE(out.empty());
  // Another client takes over the expired address.
  const Lease b = bound("02:dd:00:00:00:09", "host-z.example.org.");
  p.upserted(b, a, out);
  EXPECT_EQ(kinds(out), (std::vector<std::pair<ChangeType, std::string>>{{kRemove, "host-e.example.org."},
                                                                         {kAdd, "host-z.example.org."}}));
}

TEST(NcrPlanner, NothingWhenUpdatesAreOff) {
  NcrPlanner p(false, [](std::uint32_t) { return DdnsRules{}; });
  std::vector<NameChangeRequest> out;
  const Lease a = bound("02:dd:00:00:00:01", "host-a.example.org.");
  p.upserted(a, std::nullopt, out);
  p.removed(a, out);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace tandem::ddns
