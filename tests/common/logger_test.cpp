#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
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
std::size_t count(const std::string& text, std::string_view what) {
  std::size_t n = 0;
  for (std::size_t pos = 0; (pos = text.find(what, pos)) != std::string::npos; ++pos) ++n;
  return n;
}
LoggerSpec spec(std::string name, Severity s, int dbg, std::string output) {
  LoggerSpec l;
  l.name = std::move(name);
  l.severity = s;
  l.debugLevel = dbg;
  if (!output.empty()) {
    LogOutputSpec o;
    o.output = std::move(output);
    l.outputs.push_back(std::move(o));
  }
  return l;
}
}  // namespace

TEST(Logger, WritesKeasDefaultPattern) {
  std::string path = ::testing::TempDir() + "/logger_test.log";
  std::remove(path.c_str());
  {
    Logger log;
    ASSERT_TRUE(log.setOutput(path));
    log.info("DHCP4_STARTED", "Kea DHCPv4 server version {} started", "2.2.0");
    log.debug("DHCP4_HIDDEN", "not shown at INFO");
    log.info(LogSource::Leases, "DHCP4_LEASE_ALLOC", "{}: lease {} has been allocated for {} seconds", "[x]",
             "198.18.0.5", 600);
  }
  auto text = readAll(path);
  // "2026-12-04 13:34:09.634 INFO  [kea-dhcp4.dhcp4/PID.TID] DHCP4_STARTED ..."
  const std::string pid = std::to_string(::getpid());
  EXPECT_NE(text.find(" INFO  [kea-dhcp4.dhcp4/" + pid + "."), std::string::npos) << text;
  EXPECT_NE(text.find("] DHCP4_STARTED Kea DHCPv4 server version 2.2.0 started\n"), std::string::npos) << text;
  EXPECT_NE(text.find(" INFO  [kea-dhcp4.leases/" + pid + "."), std::string::npos) << text;
  EXPECT_EQ(text.find("DHCP4_HIDDEN"), std::string::npos);
  ASSERT_GE(text.size(), 24u);
  EXPECT_EQ(text[4], '-');
  EXPECT_EQ(text[10], ' ');
  EXPECT_EQ(text[19], '.');
  EXPECT_EQ(text[23], ' ');
}

TEST(Logger, PatternTokens) {
  auto t = std::chrono::system_clock::time_point(std::chrono::seconds(1750000000)) + std::chrono::microseconds(123456);
  EXPECT_EQ(Logger::formatLine("%d{%Y-%m-%d %H:%M:%S.%q}|%-5p|%5p|%c|%m%n", t, Severity::Warn, "kea-dhcp4.packets",
                               "ID", "text"),
            "2025-06-15 15:06:40.123|WARN | WARN|kea-dhcp4.packets|ID text\n");
  EXPECT_EQ(Logger::formatLine("%d{%S.%Q} 100%%", t, Severity::Info, "x", "I", "t"), "40.123456 100%");
  EXPECT_EQ(Logger::formatLine(Logger::kSyslogPattern, t, Severity::Error, "kea-dhcp4.dhcp4", "I", "t").substr(0, 23),
            "ERROR [kea-dhcp4.dhcp4.");
}

TEST(Logger, NamedLoggersSelectMessagesAndDebugLevels) {
  const std::string dir = ::testing::TempDir();
  const std::string all = dir + "/logger_all.log", packets = dir + "/logger_packets.log";
  std::remove(all.c_str());
  std::remove(packets.c_str());
  {
    Logger log;
    auto failed = log.configure(
        {spec("kea-dhcp4", Severity::Warn, 0, all), spec("kea-dhcp4.packets", Severity::Debug, 45, packets)});
    EXPECT_TRUE(failed.empty());
    EXPECT_TRUE(log.enabled(LogSource::Packets, Severity::Debug, kDbgTraceBasicData));
    EXPECT_FALSE(log.enabled(LogSource::Packets, Severity::Debug, kDbgTraceDetailData));
    EXPECT_FALSE(log.enabled(LogSource::Leases, Severity::Info));
    EXPECT_TRUE(log.enabled(LogSource::Leases, Severity::Warn));
    log.debug(LogSource::Packets, kDbgTraceBasic, "DHCP4_BUFFER_RECEIVED", "received buffer");
    log.debug(LogSource::Packets, kDbgTraceDetailData, "DHCP4_QUERY_DATA", "too detailed");
    log.info(LogSource::Leases, "DHCP4_LEASE_ALLOC", "below WARN");
    log.warn(LogSource::AllocEngine, "ALLOC_ENGINE_V4_ALLOC_FAIL", "warned");
  }
  auto a = readAll(all), p = readAll(packets);
  EXPECT_NE(p.find("[kea-dhcp4.packets/"), std::string::npos);
  EXPECT_EQ(count(p, "DHCP4_BUFFER_RECEIVED"), 1u);
  EXPECT_EQ(count(p, "DHCP4_QUERY_DATA"), 0u);
  EXPECT_EQ(count(a, "DHCP4_BUFFER_RECEIVED"), 0u);  // the child's own output only
  EXPECT_EQ(count(a, "DHCP4_LEASE_ALLOC"), 0u);
  EXPECT_EQ(count(a, "[kea-dhcp4.alloc-engine/"), 1u);
}

TEST(Logger, NoneSilencesAndChildInheritsOutputs) {
  const std::string path = ::testing::TempDir() + "/logger_none.log";
  std::remove(path.c_str());
  {
    Logger log;
    log.configure({spec("kea-dhcp4", Severity::Info, 0, path), spec("kea-dhcp4.leases", Severity::None, 0, "")});
    EXPECT_FALSE(log.enabled(LogSource::Leases, Severity::Fatal));
    log.info(LogSource::Leases, "DHCP4_LEASE_ALLOC", "silenced");
    log.info(LogSource::Dhcp4, "DHCP4_STARTED", "kept");
  }
  auto text = readAll(path);
  EXPECT_EQ(count(text, "DHCP4_LEASE_ALLOC"), 0u);
  EXPECT_EQ(count(text, "DHCP4_STARTED"), 1u);
}

TEST(Logger, RotatesPastMaxsizeKeepingMaxverFiles) {
  const std::string path = ::testing::TempDir() + "/logger_rot.log";
  for (const char* s : {"", ".1", ".2", ".3"}) std::remove((path + s).c_str());
  {
    Logger log;
    LoggerSpec l = spec("kea-dhcp4", Severity::Info, 0, "");
    LogOutputSpec o;
    o.output = path;
    o.maxsize = 2000;
    o.maxver = 2;
    l.outputs.push_back(o);
    ASSERT_TRUE(log.configure({l}).empty());
    for (int i = 0; i < 100; ++i) log.info("DHCP4_TEST", "line {} {}", i, std::string(50, 'x'));
  }
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_TRUE(std::filesystem::exists(path + ".1"));
  EXPECT_TRUE(std::filesystem::exists(path + ".2"));
  EXPECT_FALSE(std::filesystem::exists(path + ".3"));
  EXPECT_LE(std::filesystem::file_size(path + ".1"), 2200u);
  EXPECT_NE(readAll(path).find("line 99 "), std::string::npos);
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
  EXPECT_EQ(count(text, "DHCP4_PARSE_FAIL"), 10u);
  EXPECT_NE(text.find("OTHER_ID separate bucket"), std::string::npos);
}

TEST(Logger, ParsesKeaSeverities) {
  Severity s;
  EXPECT_TRUE(parseSeverity("DEBUG", s));
  EXPECT_EQ(s, Severity::Debug);
  EXPECT_TRUE(parseSeverity("WARN", s));
  EXPECT_EQ(s, Severity::Warn);
  EXPECT_TRUE(parseSeverity("NONE", s));
  EXPECT_EQ(s, Severity::None);
  EXPECT_FALSE(parseSeverity("LOUD", s));
}

TEST(Logger, RejectsUnwritableOutput) {
  Logger log;
  EXPECT_FALSE(log.setOutput("/nonexistent-dir/x.log"));
}
