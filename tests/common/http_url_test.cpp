#include <gtest/gtest.h>

#include "dhcpd/common/http_url.h"

using namespace tandem;

// The one URL parser: HA peer URLs in the configuration and the peer client, tandemctl --url.
TEST(HttpUrl, Parsing) {
  auto u = parseHttpUrl("https://[2001:db8::1]:8443/ha");
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_TRUE(u->https);
  EXPECT_TRUE(u->ipv6);
  EXPECT_EQ(u->host, "2001:db8::1");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->path, "/ha");
  EXPECT_EQ(u->hostPort(), "[2001:db8::1]:8443");
  auto v = parseHttpUrl("HTTP://198.18.0.1");
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->https);
  EXPECT_EQ(v->effectivePort(), 80);
  EXPECT_EQ(v->path, "/");
  EXPECT_EQ(parseHttpUrl("https://198.18.0.1/")->effectivePort(), 443);
  EXPECT_TRUE(v->hostname.empty());
  EXPECT_TRUE(v->resolved());
  // A DNS name (a tandemd extension: Kea 2.2 wants an address) waits for the daemon's resolver.
  auto n = parseHttpUrl("http://Server1.example.org:8001/");
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(n->hostname, "Server1.example.org");
  EXPECT_FALSE(n->resolved());
  n->host = "198.18.0.7";
  EXPECT_TRUE(n->resolved());
  EXPECT_EQ(n->addressText(), "http://198.18.0.7:8001/");
  EXPECT_TRUE(parseHttpUrl("http://localhost/").ok());
  for (const char* bad :
       {"198.18.0.1:8001", "ftp://198.18.0.1/", "http://", "http://:80/", "http://-server1.example.org:8001/",
        "http://a..b/", "http://server_1/", "http://198.18.0.1:0/", "http://198.18.0.1:65536/",
        "http://198.18.0.1:80x/", "http://[2001:db8::1/", "http://[zz::1]:80/", "http://198.18.0.1?x",
        "http://198.18.0.256/"}) {
    EXPECT_FALSE(parseHttpUrl(bad).ok()) << bad;
  }
}

TEST(HttpUrl, ErrorsNameTheUrl) {
  auto e = parseHttpUrl("ftp://198.18.0.1/");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message, "bad url 'ftp://198.18.0.1/': unsupported scheme 'ftp', must be http or https");
  EXPECT_EQ(parseHttpUrl("http://198.18.0.1:0/").error().message,
            "bad url 'http://198.18.0.1:0/': invalid port number");
  EXPECT_EQ(parseHttpUrl("http://user@198.18.0.1/").ok(), false);
}
