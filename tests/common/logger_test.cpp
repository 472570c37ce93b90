#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "dhcpd/common/logger.h"

using namespace tandem;

namespace {
std::string readAll(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
}  // namespace

TEST(Logger, WritesIdAndSeverityToFile) {
  std::string path = ::testing::TempDir() + "/logger_test.log";
  std::remove(path.c_str());
  {
    Logger log;
    ASSERT_TRUE(log.setOutput(path));
    log.info("DHCP4_STARTED", "serving {} subnets", 2);
    log.debug("DHCP4_HIDDEN", "not shown at INFO");
  }
  auto text = readAll(path);
  EXPECT_NE(text.find("INFO  [tandemd] DHCP4_STARTED serving 2 subnets"), std::string::npos) << text;
  EXPECT_EQ(text.find("DHCP4_HIDDEN"), std::string::npos);
}

TEST(Logger, RateLimitsFloodsPerId) {
  std::string path = ::testing::TempDir() + "/logger_flood.log";
  std::remove(path.c_str());
  {
    Logger log;
    ASSERT_TRUE(log.setOutput(path));
    for (int i = 0; i < 1000; ++i) log.limited(Severity::Warn, "DHCP4_PARSE_FAIL", "bad packet {}", i);
    log.limited(Severity::Warn, "OTHER_ID", "separate bucket");
  }
  auto text = readAll(path);
  std::size_t lines = 0, pos = 0;
  while ((pos = text.find("DHCP4_PARSE_FAIL", pos)) != std::string::npos) ++lines, ++pos;
  EXPECT_EQ(lines, 10u);
  EXPECT_NE(text.find("OTHER_ID separate bucket"), std::string::npos);
}

TEST(Logger, ParsesKeaSeverities) {
  Severity s;
  EXPECT_TRUE(parseSeverity("DEBUG", s));
  EXPECT_EQ(s, Severity::Debug);
  EXPECT_TRUE(parseSeverity("WARN", s));
  EXPECT_EQ(s, Severity::Warn);
  EXPECT_FALSE(parseSeverity("LOUD", s));
}

TEST(Logger, RejectsUnwritableOutput) {
  Logger log;
  EXPECT_FALSE(log.setOutput("/nonexistent-dir/x.log"));
}
