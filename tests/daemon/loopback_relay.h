#pragma once
// The "relay" of the packet loop and packet worker tests: a UDP socket bound to 127.0.0.2 on
// the server's port. The queries carry giaddr 127.0.0.2, so the server answers there (RFC 2131
// 4.1), and the more specific binding takes the replies from the server's wildcard socket.
// Nothing leaves loopback.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "dhcpd/common/ipv4.h"
#include "dhcpd/proto/packet4.h"

namespace tandem::testing {

inline const Ipv4 kLoopbackRelay(127, 0, 0, 2);

struct LoopbackRelay {
  int fd = -1;
  std::uint16_t port = 0;

  explicit LoopbackRelay(std::uint16_t p) : port(p) {
    fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int big = 1 << 20;  // room for a burst of replies
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(kLoopbackRelay.value);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << std::strerror(errno);
  }
  ~LoopbackRelay() { ::close(fd); }
  LoopbackRelay(const LoopbackRelay&) = delete;
  LoopbackRelay& operator=(const LoopbackRelay&) = delete;

  // Sends a query to the server (127.0.0.1, the same port).
  void send(const proto::Packet4& p) const {
    auto bytes = proto::encode(p).bytes;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a),
              ssize_t(bytes.size()));
  }
  // Replies that arrive within `wait` (stops at the first quiet period of 50 ms after one came).
  std::vector<proto::Packet4> receive(std::chrono::milliseconds wait = std::chrono::milliseconds(200)) const {
    std::vector<proto::Packet4> out;
    std::uint8_t buf[2048];
    pollfd p{fd, POLLIN, 0};
    while (::poll(&p, 1, int(wait.count())) == 1) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      auto d = proto::decode({buf, std::size_t(n)});
      if (d) out.push_back(std::move(*d));
      wait = std::chrono::milliseconds(50);
    }
    return out;
  }
  // Up to `want` replies, waiting at most `wait` in all.
  std::vector<proto::Packet4> receive(std::size_t want, std::chrono::milliseconds wait) const {
    std::vector<proto::Packet4> out;
    std::uint8_t buf[2048];
    const auto until = std::chrono::steady_clock::now() + wait;
    while (out.size() < want) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, int(left.count())) != 1) break;
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      if (auto d = proto::decode({buf, std::size_t(n)})) out.push_back(std::move(*d));
    }
    return out;
  }
};

}  // namespace tandem::testing
