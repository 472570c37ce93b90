#pragma once
// The one sendmmsg loop of both sending sockets (DhcpSocket: UDP datagrams, PacketSocket:
// link-layer frames). A batch goes out in calls of at most 64 messages, one buffer each. A
// message the kernel refuses (sendmmsg returns <= 0 at its position: a full queue, an
// unreachable relay, a vanished interface) is skipped and the rest goes on: the client
// retransmits (RFC 2131 4.1), and Kea does not retry a failed send either.
#include <sys/socket.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace tandem::net {

// Item has `bytes` (contiguous bytes, e.g. a vector or span of std::uint8_t);
// fillAddress(const Item&, Address&) writes one message's destination into a zeroed Address
// (sockaddr_in, sockaddr_ll). Returns how many messages the kernel accepted.
template <class Address, class Item, class FillAddress>
std::size_t sendmmsgBatches(int fd, std::span<const Item> items, int flags, FillAddress fillAddress) noexcept {
  constexpr std::size_t kMax = 64;
  std::size_t done = 0, accepted = 0;
  while (done < items.size()) {
    const std::size_t n = std::min(kMax, items.size() - done);
    Address addrs[kMax];
    iovec iov[kMax];
    mmsghdr msgs[kMax];
    std::memset(msgs, 0, sizeof(mmsghdr) * n);
    for (std::size_t i = 0; i < n; ++i) {
      const Item& item = items[done + i];
      std::memset(&addrs[i], 0, sizeof addrs[i]);
      fillAddress(item, addrs[i]);
      iov[i].iov_base = const_cast<std::uint8_t*>(item.bytes.data());
      iov[i].iov_len = item.bytes.size();
      msgs[i].msg_hdr.msg_name = &addrs[i];
      msgs[i].msg_hdr.msg_namelen = sizeof addrs[i];
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    const int r = ::sendmmsg(fd, msgs, unsigned(n), flags);
    if (r <= 0) {
      ++done;  // this message is lost, the client retransmits
      continue;
    }
    done += std::size_t(r);
    accepted += std::size_t(r);
  }
  return accepted;
}

}  // namespace tandem::net
