// The forensic log hook's parameters (libdhcp_legal_log.so): Kea's names, defaults and
// messages (BackendStore::parseFile, RotatingFile), the database backends refused (issue 13),
// unknown keys refused with their path.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <sys/stat.h>

#include "tests/config/config_test_util.h"

namespace tandem::config::testing {
namespace {

namespace fs = std::filesystem;
using Unit = LegalLogConfig::TimeUnit;

class LegalLogConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/legal-log-config-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir = tmpl;
    ctx = testContext();
    ctx.baseDir = dir;
    ctx.defaultLeaseFile = dir + "/kea-leases4.csv";
  }
  void TearDown() override { fs::remove_all(dir); }

  std::string withHook(const std::string& params) {
    return dhcp4(R"("hooks-libraries": [{"library": "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_legal_log.so",
                                         "parameters": )" +
                 params + "}]");
  }

  std::string dir;
  ParseContext ctx;
};

TEST_F(LegalLogConfigTest, KeasDefaults) {
  auto cfg = parseOk(dhcp4(R"("hooks-libraries": [{"library": "libdhcp_legal_log.so"}])"), ctx);
  ASSERT_TRUE(cfg.legalLog);
  EXPECT_EQ(cfg.legalLog->path, dir);  // the state directory, where the lease file is by default
  EXPECT_EQ(cfg.legalLog->baseName, "kea-legal");
  EXPECT_EQ(cfg.legalLog->timeUnit, Unit::Day);
  EXPECT_EQ(cfg.legalLog->count, 1u);
  EXPECT_EQ(cfg.legalLog->timestampFormat, "%Y-%m-%d %H:%M:%S %Z");
  EXPECT_FALSE(cfg.legalLog->requestFormat);
}

TEST_F(LegalLogConfigTest, EveryParameter) {
  const std::string script = dir + "/rotate.sh";
  std::ofstream(script) << "#!/bin/sh\n";
  ::chmod(script.c_str(), 0755);
  fs::create_directory(dir + "/log");
  auto cfg = parseOk(withHook(R"J({"path": "log", "base-name": "kea-forensic4", "time-unit": "month", "count": 3,
                                  "prerotate": "rotate.sh", "postrotate": ")J" +
                              script + R"J(",
                                  "timestamp-format": "%H%t%w %F%%",
                                  "request-parser-format": "'mac ' + hexstring(pkt4.mac, ':')",
                                  "response-parser-format": "addrtotext(pkt4.yiaddr)", "type": "logfile",
                                  "comment": "audit"})J"),
                     ctx);
  ASSERT_TRUE(cfg.legalLog);
  EXPECT_EQ(cfg.legalLog->path, dir + "/log");
  EXPECT_EQ(cfg.legalLog->baseName, "kea-forensic4");
  EXPECT_EQ(cfg.legalLog->timeUnit, Unit::Month);
  EXPECT_EQ(cfg.legalLog->count, 3u);
  EXPECT_EQ(cfg.legalLog->prerotate, script);
  EXPECT_EQ(cfg.legalLog->postrotate, script);
  EXPECT_EQ(cfg.legalLog->timestampFormat, "%H%t%w %F%%");
  EXPECT_TRUE(cfg.legalLog->requestFormat);
  EXPECT_TRUE(cfg.legalLog->responseFormat);
}

TEST_F(LegalLogConfigTest, KeasErrors) {
  const std::string p = "Dhcp4/hooks-libraries/0/parameters/";
  const std::string f = ": loading Forensic Logging hooks library failed: ";
  EXPECT_EQ(parseErr(withHook(R"({"time-unit": "week"})"), ctx),
            p + "time-unit" + f + "unknown time unit type: week, expected one of: second, day, month, year");
  EXPECT_EQ(parseErr(withHook(R"({"count": -1})"), ctx),
            p + "count" + f + "count value: -1 is out of range, expected value: 0..4294967295");
  EXPECT_EQ(parseErr(withHook(R"({"base-name": ""})"), ctx), p + "base-name" + f + "file name cannot be blank");
  EXPECT_EQ(parseErr(withHook(R"({"path": "missing"})"), ctx),
            p + "path" + f + "the directory " + dir + "/missing does not exist");
  EXPECT_EQ(parseErr(withHook(R"({"prerotate": "/nonexistent/rotate.sh"})"), ctx),
            p + "prerotate" + f + "Invalid 'prerotate' parameter: File not found: /nonexistent/rotate.sh");
  EXPECT_NE(parseErr(withHook(R"({"request-parser-format": "pkt4.nosuchfield"})"), ctx)
                .find(p + "request-parser-format" + f + "can't parse request-parser-format expression"),
            std::string::npos);
}

TEST_F(LegalLogConfigTest, DatabasesAndUnknownKeysAreRefusedByPath) {
  const std::string p = "Dhcp4/hooks-libraries/0/parameters/";
  EXPECT_NE(parseErr(withHook(R"({"type": "mysql"})"), ctx).find(p + "type: "), std::string::npos);
  EXPECT_NE(parseErr(withHook(R"({"user": "kea"})"), ctx).find(p + "user: "), std::string::npos);
  EXPECT_NE(parseErr(withHook(R"({"extended-info": true})"), ctx).find(p + "extended-info: "), std::string::npos);
}

}  // namespace
}  // namespace tandem::config::testing
