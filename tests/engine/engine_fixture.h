#pragma once
// Shared setup for engine tests: a config built in C++, the fake store, a fake clock, and
// helpers that build client packets and apply the engine's lease changes like the shell does.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "dhcpd/engine/engine.h"
#include "tests/engine/fake_lease_store.h"

namespace tandem::test {

using namespace std::chrono_literals;
using engine::Decision;
using engine::DropReason;
using engine::LeaseChange;
using proto::MessageType;
using proto::Packet4;
namespace opt = proto::opt;

inline Ipv4 ip(std::string_view s) { return Ipv4::parse(s).value(); }

inline HwAddr mac(std::uint8_t last, std::uint8_t second = 0) {
  HwAddr h;
  h.htype = 1;
  h.length = 6;
  h.bytes = {0x02, second, 0x00, 0x00, 0x00, last};
  return h;
}

inline std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

inline config::OptionData optionData(std::uint8_t code, std::vector<std::uint8_t> payload, bool always = false) {
  config::OptionData o;
  o.code = code;
  o.payload = std::move(payload);
  o.alwaysSend = always;
  return o;
}

inline config::Pool pool(std::string_view first, std::string_view last, std::string cls = {}) {
  config::Pool p;
  p.first = ip(first);
  p.last = ip(last);
  p.clientClass = std::move(cls);
  return p;
}

inline const proto::Option* findOpt(const Packet4& p, std::uint8_t code) {
  for (const auto& o : p.options) {
    if (o.code == code) return &o;
  }
  return nullptr;
}

inline std::uint32_t u32Opt(const Packet4& p, std::uint8_t code) {
  const proto::Option* o = findOpt(p, code);
  EXPECT_NE(o, nullptr) << "option " << int(code) << " missing";
  if (!o || o->data.size() != 4) return 0;
  return std::uint32_t(o->data[0]) << 24 | std::uint32_t(o->data[1]) << 16 | std::uint32_t(o->data[2]) << 8 |
         o->data[3];
}

inline Ipv4 ipOpt(const Packet4& p, std::uint8_t code) { return Ipv4(u32Opt(p, code)); }

inline std::optional<MessageType> typeOf(const Decision& d) {
  if (!d.reply) return std::nullopt;
  return d.reply->messageType();
}

inline std::vector<std::uint8_t> codes(const Packet4& p) {
  std::vector<std::uint8_t> c;
  for (const auto& o : p.options) c.push_back(o.code);
  return c;
}

// Subnet 1: 198.18.0.0/24 on eth0 (pool .10-.50); subnet 2: 198.18.2.0/24 reached through a
// relay inside it; subnet 3: 198.18.3.0/24 reached through relay 198.18.100.1 (relay
// ip-addresses). Server address 198.18.0.1.
inline config::Dhcp4Config baseConfig() {
  config::Dhcp4Config c;
  c.validLifetime = 4000;
  c.declineProbationPeriod = 600;
  c.offerLifetime = 10;
  c.options.push_back(optionData(opt::kDomainNameServers, proto::ipBytes(ip("198.18.0.2"))));
  c.options.push_back(optionData(opt::kDomainName, bytes("global.example")));
  c.options.push_back(optionData(42, proto::ipBytes(ip("198.18.0.3"))));  // ntp-servers: only when requested

  config::Subnet4 s1;
  s1.id = 1;
  s1.prefix = Prefix4::parse("198.18.0.0/24").value();
  s1.interface = "eth0";
  s1.pools.push_back(pool("198.18.0.10", "198.18.0.50"));
  s1.options.push_back(optionData(opt::kRouters, proto::ipBytes(ip("198.18.0.1"))));
  s1.options.push_back(optionData(opt::kDomainName, bytes("subnet1.example")));
  c.subnets.push_back(s1);

  config::Subnet4 s2;
  s2.id = 2;
  s2.prefix = Prefix4::parse("198.18.2.0/24").value();
  s2.pools.push_back(pool("198.18.2.10", "198.18.2.20"));
  c.subnets.push_back(s2);

  config::Subnet4 s3;
  s3.id = 3;
  s3.prefix = Prefix4::parse("198.18.3.0/24").value();
  s3.pools.push_back(pool("198.18.3.10", "198.18.3.20"));
  s3.relayAddresses.push_back(ip("198.18.100.1"));
  c.subnets.push_back(s3);
  return c;
}

class EngineTest : public ::testing::Test {
 protected:
  EngineTest() {
    meta.ifName = "eth0";
    meta.ifIndex = 2;
    meta.ifAddr = ip("198.18.0.1");
    meta.dstAddr = Ipv4::broadcast();
  }

  engine::Engine& eng() {
    if (!engine_) engine_ = std::make_unique<engine::Engine>(cfg, store);
    return *engine_;
  }

  static Packet4 packet(MessageType t, const HwAddr& hw) {
    Packet4 p;
    p.op = Packet4::kBootRequest;
    p.htype = hw.htype;
    p.hlen = hw.length;
    p.xid = 0x1234 + hw.bytes[5];
    std::copy_n(hw.bytes.begin(), hw.length, p.chaddr.begin());
    p.set(opt::kMessageType, {std::uint8_t(t)});
    return p;
  }
  static Packet4 discover(const HwAddr& hw) { return packet(MessageType::Discover, hw); }
  // REQUEST in SELECTING for address a from server sid.
  static Packet4 selecting(const HwAddr& hw, Ipv4 a, Ipv4 sid = ip("198.18.0.1")) {
    Packet4 p = packet(MessageType::Request, hw);
    p.set(opt::kServerId, proto::ipBytes(sid));
    p.set(opt::kRequestedAddress, proto::ipBytes(a));
    return p;
  }
  static Packet4 initReboot(const HwAddr& hw, Ipv4 a) {
    Packet4 p = packet(MessageType::Request, hw);
    p.set(opt::kRequestedAddress, proto::ipBytes(a));
    return p;
  }
  static Packet4 renewing(const HwAddr& hw, Ipv4 a) {
    Packet4 p = packet(MessageType::Request, hw);
    p.ciaddr = a;
    return p;
  }

  // Handles p and applies the lease changes to the store, as the shell does before sending.
  Decision send(const Packet4& p) { return sendVia(p, meta); }
  Decision sendVia(const Packet4& p, const engine::RecvMeta& m) {
    Decision d = eng().handle(p, m, clock.now());
    apply(d.changes);
    return d;
  }
  void apply(const std::vector<LeaseChange>& changes) {
    for (const auto& c : changes) {
      if (c.kind == LeaseChange::Kind::Upsert) {
        ASSERT_TRUE(store.put(c.lease).ok());
      } else {
        ASSERT_TRUE(store.erase(c.lease.address).ok());
      }
    }
  }

  // DISCOVER, then REQUEST the offered address; returns the bound address.
  Ipv4 dora(const HwAddr& hw) {
    Decision offer = send(discover(hw));
    EXPECT_EQ(typeOf(offer), MessageType::Offer) << offer.note;
    if (!offer.reply) return Ipv4();
    Decision ack = send(selecting(hw, offer.reply->yiaddr, ipOpt(*offer.reply, opt::kServerId)));
    EXPECT_EQ(typeOf(ack), MessageType::Ack) << ack.note;
    return ack.reply ? ack.reply->yiaddr : Ipv4();
  }

  Lease leaseFor(const HwAddr& hw, Ipv4 a, std::uint32_t subnetId = 1) {
    Lease l;
    l.address = a;
    l.hwAddr = hw;
    l.validLifetime = 4000;
    l.cltt = toEpochSeconds(clock.now());
    l.subnetId = subnetId;
    return l;
  }

  FakeClock clock;
  FakeLeaseStore store;
  config::Dhcp4Config cfg = baseConfig();
  engine::RecvMeta meta;

 private:
  std::unique_ptr<engine::Engine> engine_;
};

}  // namespace tandem::test
