#include "dhcpd/net/packet_socket.h"

#include <array>
#include <vector>

#include <gtest/gtest.h>

namespace tandem::net {
namespace {

std::uint16_t be16(const std::uint8_t* p) { return std::uint16_t((p[0] << 8) | p[1]); }

TEST(InternetChecksum, Rfc1071Example) {
  // RFC 1071 section 3: the one's complement sum of these words is 0xddf2.
  const std::array<std::uint8_t, 8> data{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(internetChecksum(data), std::uint16_t(~0xddf2));
}

TEST(InternetChecksum, OddLengthPadsWithZero) {
  const std::array<std::uint8_t, 3> odd{0x12, 0x34, 0x56};
  const std::array<std::uint8_t, 4> even{0x12, 0x34, 0x56, 0x00};
  EXPECT_EQ(internetChecksum(odd), internetChecksum(even));
}

TEST(BuildIpv4Udp, HeadersAndChecksumsVerify) {
  std::vector<std::uint8_t> payload(301);
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = std::uint8_t(i * 7);
  std::vector<std::uint8_t> frame(kIpv4UdpHeaderSize + payload.size());
  const Ipv4 src(198, 18, 0, 1), dst(198, 18, 0, 50);
  ASSERT_EQ(buildIpv4Udp(frame, src, 67, dst, 68, payload), frame.size());

  const std::uint8_t* ip = frame.data();
  EXPECT_EQ(ip[0], 0x45);
  EXPECT_EQ(be16(ip + 2), frame.size());
  EXPECT_EQ(ip[8], 64);
  EXPECT_EQ(ip[9], 17);
  EXPECT_EQ(std::vector<std::uint8_t>(ip + 12, ip + 16), (std::vector<std::uint8_t>{198, 18, 0, 1}));
  EXPECT_EQ(std::vector<std::uint8_t>(ip + 16, ip + 20), (std::vector<std::uint8_t>{198, 18, 0, 50}));
  // A correct header checksums to zero including its checksum field.
  EXPECT_EQ(internetChecksum({ip, 20}), 0);

  const std::uint8_t* udp = ip + 20;
  EXPECT_EQ(be16(udp), 67);
  EXPECT_EQ(be16(udp + 2), 68);
  EXPECT_EQ(be16(udp + 4), 8 + payload.size());
  EXPECT_NE(be16(udp + 6), 0);
  // Receiver's check: pseudo-header + UDP header + data (with checksum) sums to 0xffff.
  std::vector<std::uint8_t> pseudo{
      198, 18, 0, 1, 198, 18, 0, 50, 0, 17, std::uint8_t((8 + payload.size()) >> 8), std::uint8_t(8 + payload.size())};
  pseudo.insert(pseudo.end(), udp, udp + 8 + payload.size());
  EXPECT_EQ(internetChecksum(pseudo), 0);
  EXPECT_EQ(std::vector<std::uint8_t>(udp + 8, udp + 8 + payload.size()), payload);
}

TEST(BuildIpv4Udp, RefusesTooSmallBuffer) {
  std::vector<std::uint8_t> payload(10);
  std::vector<std::uint8_t> frame(kIpv4UdpHeaderSize + 9);
  EXPECT_EQ(buildIpv4Udp(frame, Ipv4(1, 2, 3, 4), 67, Ipv4(5, 6, 7, 8), 68, payload), 0u);
}

TEST(BuildIpv4Udp, RefusesOversizedPayload) {
  std::vector<std::uint8_t> payload(70000);
  std::vector<std::uint8_t> frame(kIpv4UdpHeaderSize + payload.size());
  EXPECT_EQ(buildIpv4Udp(frame, Ipv4(1, 2, 3, 4), 67, Ipv4(5, 6, 7, 8), 68, payload), 0u);
}

}  // namespace
}  // namespace tandem::net
