#include <gtest/gtest.h>

#include <string>

#include "dhcpd/common/base64.h"

using namespace tandem;

// RFC 4648 section 10's test vectors, and the basic-auth value two Kea 2.2 peers exchanged
// (reference/kea-wire).
TEST(Base64, Rfc4648VectorsBothWays) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"},
                                                         {"kea-ha:anchor-test", "a2VhLWhhOmFuY2hvci10ZXN0"}};
  for (const auto& [plain, coded] : vectors) {
    EXPECT_EQ(encodeBase64(plain), coded) << plain;
    EXPECT_EQ(decodeBase64(coded), plain) << coded;
  }
}

TEST(Base64, EveryByteRoundTrips) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t n = 0; n <= all.size(); n += 37) {
    const std::string part = all.substr(0, n);
    EXPECT_EQ(decodeBase64(encodeBase64(part)), part) << n;
  }
}

TEST(Base64, MalformedIsRefused) {
  EXPECT_FALSE(decodeBase64("YQ="));       // not a multiple of 4
  EXPECT_FALSE(decodeBase64("Y!=="));      // outside the alphabet
  EXPECT_FALSE(decodeBase64("Y=Q="));      // data after padding
  EXPECT_FALSE(decodeBase64("=QQQ"));      // padding first
  EXPECT_FALSE(decodeBase64("YQ==YQ=="));  // padding before the end
  EXPECT_EQ(decodeBase64("YQ=="), "a");
}
