// The UDP sender of NameChangeRequests: one datagram per request (Kea's 2-byte length + JSON)
// to server-ip:server-port, a bounded queue whose overflow is dropped and counted, nothing
// sent with updates off. A UDP socket on 127.0.0.1 stands for kea-dhcp-ddns.
#include "dhcpd/net/ncr_sender.h"

#include <gtest/gtest.h>

#include <chrono>

#include <boost/asio/ip/udp.hpp>

namespace tandem::net {
namespace {

namespace asio = boost::asio;
using asio::ip::udp;

ddns::NameChangeRequest ncr(int n) {
  ddns::NameChangeRequest r;
  r.type = ddns::ChangeType::Add;
  r.forward = r.reverse = true;
  r.fqdn = "host-" + std::to_string(n) + ".example.org.";
  r.address = Ipv4(198, 18, 0, std::uint8_t(100 + n));
  r.dhcid = {0, 0, 1, 0xab};
  r.leaseExpiresOn = 1796407199;
  r.leaseLength = 1333;
  return r;
}

class NcrSenderTest : public ::testing::Test {
 protected:
  NcrSenderTest() : d2(io, udp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0)) {}

  config::DhcpDdnsConfig config(std::uint32_t maxQueue = 1024) {
    config::DhcpDdnsConfig c;
    c.enableUpdates = true;
    c.serverIp = Ipv4(127, 0, 0, 1);
    c.serverPort = d2.local_endpoint().port();
    c.senderIp = Ipv4(127, 0, 0, 1);
    c.maxQueueSize = maxQueue;
    return c;
  }

  // Runs the io_context until n datagrams arrived at the stand-in (or 2 s passed).
  std::vector<std::vector<std::uint8_t>> receive(std::size_t n) {
    std::vector<std::vector<std::uint8_t>> got;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    d2.non_blocking(true);
    while (got.size() < n && std::chrono::steady_clock::now() < deadline) {
      io.poll();
      io.restart();
      std::vector<std::uint8_t> buf(65536);
      boost::system::error_code ec;
      const std::size_t len = d2.receive(asio::buffer(buf), 0, ec);
      if (!ec) {
        buf.resize(len);
        got.push_back(std::move(buf));
      }
    }
    return got;
  }

  asio::io_context io;
  udp::socket d2;
  Logger log;
};

TEST_F(NcrSenderTest, SendsOneFramedDatagramPerRequestInOrder) {
  NcrSender s(io, log);
  ASSERT_TRUE(s.configure(config()).ok());
  ASSERT_TRUE(s.active());
  for (int i = 0; i < 3; ++i) s.send(ncr(i));
  auto got = receive(3);
  ASSERT_EQ(got.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(got[std::size_t(i)], ncr(i).toWire());
  EXPECT_EQ(s.counters().sent, 3u);
  EXPECT_EQ(s.queued(), 0u);
}

TEST_F(NcrSenderTest, FullQueueDropsAndCounts) {
  NcrSender s(io, log);
  ASSERT_TRUE(s.configure(config(2)).ok());
  // Nothing runs the io_context meanwhile: the first request is in flight, two wait, the
  // rest find the queue full. The packet path never waits.
  for (int i = 0; i < 5; ++i) s.send(ncr(i));
  EXPECT_EQ(s.queued(), 2u);
  EXPECT_EQ(s.counters().queueFull, 3u);
  auto got = receive(2);
  EXPECT_EQ(got.size(), 2u);
  EXPECT_EQ(s.counters().sent, 2u);
}

TEST_F(NcrSenderTest, NothingWithUpdatesOff) {
  NcrSender s(io, log);
  auto c = config();
  c.enableUpdates = false;
  ASSERT_TRUE(s.configure(c).ok());
  EXPECT_FALSE(s.active());
  s.send(ncr(1));
  EXPECT_EQ(s.queued(), 0u);
  EXPECT_TRUE(receive(1).empty());
}

TEST_F(NcrSenderTest, ReconfigureKeepsQueuedRequests) {
  NcrSender s(io, log);
  ASSERT_TRUE(s.configure(config()).ok());
  s.send(ncr(1));
  s.send(ncr(2));
  // A new sender address: a new socket; what still waits goes out from it (Kea's
  // assumeQueue). The request in flight on the old socket may leave twice, never not at all.
  auto c = config();
  c.senderIp = Ipv4(0, 0, 0, 0);
  ASSERT_TRUE(s.configure(c).ok());
  auto got = receive(3);
  ASSERT_GE(got.size(), 2u);
  EXPECT_EQ(got.front(), ncr(1).toWire());
  EXPECT_EQ(got.back(), ncr(2).toWire());
  EXPECT_EQ(s.queued(), 0u);
}

TEST_F(NcrSenderTest, BindFailureIsAnError) {
  NcrSender s(io, log);
  auto c = config();
  c.senderIp = Ipv4(198, 18, 255, 254);  // not an address of this host
  EXPECT_FALSE(s.configure(c).ok());
  EXPECT_FALSE(s.active());
}

}  // namespace
}  // namespace tandem::net
