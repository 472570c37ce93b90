#include "dhcpd/common/sha256.h"

#include <gtest/gtest.h>

namespace tandem {
namespace {

// FIPS 180-4 / NIST example vectors.
TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256Hex(""), "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855");
  EXPECT_EQ(sha256Hex("abc"), "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
  EXPECT_EQ(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248D6A61D20638B8E5C026930C3E6039A33CE45964FF2167F6ECEDD419DB06C1");
}

TEST(Sha256, IncrementalEqualsOneShot) {
  std::string million(1000000, 'a');
  Sha256 s;
  for (std::size_t i = 0; i < million.size(); i += 997) s.update(std::string_view(million).substr(i, 997));
  auto d = s.finish();
  EXPECT_EQ(d[0], 0xcd);
  EXPECT_EQ(d[31], 0xd0);
  EXPECT_EQ(sha256Hex(million), "CDC76E5C9914FB9281A1C7E284D73E67F1809A48A497200E046D39CCC7112CD0");
}

}  // namespace
}  // namespace tandem
