// The one sendmmsg loop of DhcpSocket and PacketSocket (net/mmsg_send.h), on loopback: a batch
// longer than one call goes out whole and in order, and a message the kernel refuses is
// skipped while the ones after it still go (the client retransmits the lost one).
#include "dhcpd/net/mmsg_send.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

namespace tandem::net {
namespace {

struct Datagram {
  std::uint16_t port = 0;  // 0: a destination the kernel refuses (EINVAL)
  std::vector<std::uint8_t> bytes;
};

// A UDP socket on 127.0.0.1 with an ephemeral port; closed at scope exit.
struct LoopbackSocket {
  int fd = -1;
  std::uint16_t port = 0;
  LoopbackSocket() {
    fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int big = 1 << 20;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << std::strerror(errno);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~LoopbackSocket() { ::close(fd); }
  // The first byte of each datagram queued now (waits at most 1 s for the first).
  std::vector<std::uint8_t> drain() const {
    std::vector<std::uint8_t> firsts;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 1000) != 1) return firsts;
    std::uint8_t buf[64];
    for (;;) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n <= 0) break;
      firsts.push_back(buf[0]);
    }
    return firsts;
  }
};

std::size_t sendAll(int fd, const std::vector<Datagram>& out) {
  return sendmmsgBatches<sockaddr_in>(fd, std::span<const Datagram>(out), MSG_DONTWAIT,
                                      [](const Datagram& d, sockaddr_in& a) {
                                        a.sin_family = AF_INET;
                                        a.sin_port = htons(d.port);
                                        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                                      });
}

TEST(SendmmsgBatches, MoreThanOneCallGoesOutWholeAndInOrder) {
  LoopbackSocket rx, tx;
  std::vector<Datagram> out;
  for (int i = 0; i < 150; ++i) out.push_back({rx.port, {std::uint8_t(i), 0xab}});  // 64 + 64 + 22
  EXPECT_EQ(sendAll(tx.fd, out), 150u);
  const auto got = rx.drain();
  ASSERT_EQ(got.size(), 150u);
  for (int i = 0; i < 150; ++i) EXPECT_EQ(got[i], std::uint8_t(i));
}

TEST(SendmmsgBatches, ARefusedMessageIsSkippedAndTheRestGoes) {
  LoopbackSocket rx, tx;
  std::vector<Datagram> out{{rx.port, {1}}, {0, {2}}, {rx.port, {3}}, {0, {4}}, {rx.port, {5}}};
  EXPECT_EQ(sendAll(tx.fd, out), 3u);
  EXPECT_EQ(rx.drain(), (std::vector<std::uint8_t>{1, 3, 5}));
}

TEST(SendmmsgBatches, NothingToSend) {
  LoopbackSocket tx;
  EXPECT_EQ(sendAll(tx.fd, {}), 0u);
}

}  // namespace
}  // namespace tandem::net
