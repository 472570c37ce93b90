#include "dhcpd/net/client_dispatch.h"

#include <gtest/gtest.h>

#include <vector>

#include "dhcpd/proto/packet4.h"

// Which packet worker gets a datagram (issue 12): by chaddr, so a client's packets stay on one
// worker whatever else changes between them, and many clients spread evenly.
namespace tandem::net {
namespace {

using proto::MessageType;
using proto::Packet4;

std::vector<std::uint8_t> datagram(std::array<std::uint8_t, 6> mac, MessageType t, std::uint32_t xid,
                                   Ipv4 giaddr = Ipv4()) {
  Packet4 p;
  p.op = Packet4::kBootRequest;
  p.xid = xid;
  p.giaddr = giaddr;
  std::copy(mac.begin(), mac.end(), p.chaddr.begin());
  p.set(proto::opt::kMessageType, {std::uint8_t(t)});
  if (t == MessageType::Request) p.set(proto::opt::kRequestedAddress, proto::ipBytes(Ipv4(198, 18, 0, 9)));
  return proto::encode(p).bytes;
}

TEST(ClientDispatch, OneWorkerOrFewerTakesEverything) {
  auto d = datagram({2, 0, 0, 0, 1, 7}, MessageType::Discover, 1);
  EXPECT_EQ(workerForDatagram(d, 1), 0u);
  EXPECT_EQ(workerForDatagram(d, 0), 0u);
}

TEST(ClientDispatch, AClientStaysOnOneWorkerAcrossItsExchange) {
  for (std::size_t workers : {2u, 3u, 16u, 64u}) {
    for (std::uint8_t last = 0; last < 50; ++last) {
      const std::array<std::uint8_t, 6> mac{2, 0, 0, 0, 1, last};
      const auto w = workerForDatagram(datagram(mac, MessageType::Discover, 100u + last), workers);
      ASSERT_LT(w, workers);
      // Another transaction id, message type, options and relay: the same worker.
      EXPECT_EQ(workerForDatagram(datagram(mac, MessageType::Request, 999, Ipv4(198, 18, 1, 1)), workers), w);
      EXPECT_EQ(workerForDatagram(datagram(mac, MessageType::Release, 5), workers), w);
    }
  }
}

TEST(ClientDispatch, ConsecutiveAddressesSpreadEvenly) {
  // A bench's clients (perfdhcp) differ in their last octets only.
  for (std::size_t workers : {2u, 4u, 16u}) {
    std::vector<int> count(workers);
    constexpr int kClients = 4096;
    for (int i = 0; i < kClients; ++i) {
      const std::array<std::uint8_t, 6> mac{0, 0x0c, 1, 2, std::uint8_t(i >> 8), std::uint8_t(i)};
      ++count[workerForDatagram(datagram(mac, MessageType::Discover, 1), workers)];
    }
    const double fair = double(kClients) / double(workers);
    for (std::size_t w = 0; w < workers; ++w) {
      EXPECT_GT(count[w], fair * 0.8) << workers << " workers, worker " << w;
      EXPECT_LT(count[w], fair * 1.2) << workers << " workers, worker " << w;
    }
  }
}

TEST(ClientDispatch, OnlyTheAddressBytesCount) {
  auto a = datagram({2, 0, 0, 0, 1, 7}, MessageType::Discover, 1);
  auto b = a;
  b[28 + 10] = 0xff;  // beyond hlen (6): padding of chaddr, not the client's address
  for (std::size_t workers : {2u, 7u, 64u}) EXPECT_EQ(workerForDatagram(a, workers), workerForDatagram(b, workers));
  // An hlen past chaddr's 16 octets reads 16 of them, no further.
  auto c = a;
  c[2] = 200;
  for (std::size_t workers : {2u, 7u, 64u}) EXPECT_LT(workerForDatagram(c, workers), workers);
}

TEST(ClientDispatch, ADatagramTooShortForChaddrGoesToWorkerZero) {
  std::vector<std::uint8_t> runt(43, 0x55);
  EXPECT_EQ(workerForDatagram(runt, 8), 0u);
  EXPECT_EQ(workerForDatagram({}, 8), 0u);
}

}  // namespace
}  // namespace tandem::net
