// The forensic log's files as Kea's RotatingFile keeps them: names per time unit, rotation
// after `count` units (calendar days, months, years; seconds), the newest file reused at start
// within its period, Kea's timestamp prefix on every line; and the writer thread that never
// loses a line silently. Time is injected (UTC).
#include "dhcpd/net/legal_log_file.h"
#include "dhcpd/net/legal_log_writer.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace tandem::net {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Unit = config::LegalLogConfig::TimeUnit;

timespec at(std::time_t t, long nsec = 0) { return timespec{t, nsec}; }
// 2026-12-04 13:34:09 UTC
constexpr std::time_t kT0 = 1796391249;

class LegalLogFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
    char tmpl[] = "/tmp/legal-log-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir = tmpl;
    cfg.path = dir;
    cfg.baseName = "kea-forensic4";
  }
  void TearDown() override { fs::remove_all(dir); }

  std::string read(const std::string& name) {
    std::ifstream in(dir + "/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::vector<std::string> files() {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
  void write(LegalLogFile& f, const std::string& text, std::time_t t) {
    std::optional<LegalLogFile::Rotation> r;
    ASSERT_TRUE(f.write(text, at(t), r).ok());
    std::string error;
    ASSERT_EQ(f.flush(error), 0u) << error;
  }

  std::string dir;
  config::LegalLogConfig cfg;
};

TEST_F(LegalLogFileTest, DailyFilesWithKeasTimestamp) {
  LegalLogFile f(cfg);
  std::optional<LegalLogFile::Rotation> r;
  ASSERT_TRUE(f.write("Address: 198.18.0.100 has been assigned", at(kT0), r).ok());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->closed, "");
  EXPECT_EQ(r->opened, dir + "/kea-forensic4.20261204.txt");
  std::string error;
  EXPECT_EQ(f.flush(error), 0u);
  write(f, "second", kT0 + 3600);
  EXPECT_EQ(read("kea-forensic4.20261204.txt"),
            "2026-12-04 13:34:09 UTC Address: 198.18.0.100 has been assigned\n2026-12-04 14:34:09 UTC second\n");
  // The next day starts a new file.
  r.reset();
  ASSERT_TRUE(f.write("next day", at(kT0 + 11 * 3600), r).ok());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->closed, dir + "/kea-forensic4.20261204.txt");
  EXPECT_EQ(r->opened, dir + "/kea-forensic4.20261205.txt");
  EXPECT_EQ(f.flush(error), 0u);
  EXPECT_EQ(read("kea-forensic4.20261205.txt"), "2026-12-05 00:34:09 UTC next day\n");
}

TEST_F(LegalLogFileTest, CountDaysAndMonthsAndYears) {
  cfg.count = 2;
  {
    LegalLogFile f(cfg);
    write(f, "a", kT0);
    write(f, "b", kT0 + 86400);      // day 2 of 2: same file
    write(f, "c", kT0 + 2 * 86400);  // day 3: new file
  }
  EXPECT_EQ(files(), (std::vector<std::string>{"kea-forensic4.20261204.txt", "kea-forensic4.20261206.txt"}));
  fs::remove_all(dir);
  fs::create_directory(dir);
  cfg.timeUnit = Unit::Month;
  cfg.count = 1;
  {
    LegalLogFile f(cfg);
    write(f, "a", kT0);
    write(f, "b", kT0 + 28 * 86400);  // 2027-01-01: a month counts from the file's date (Kea)
    write(f, "c", kT0 + 31 * 86400);  // 2027-01-04
  }
  EXPECT_EQ(files(), (std::vector<std::string>{"kea-forensic4.20261204.txt", "kea-forensic4.20270104.txt"}));
  fs::remove_all(dir);
  fs::create_directory(dir);
  cfg.timeUnit = Unit::Year;
  {
    LegalLogFile f(cfg);
    write(f, "a", kT0);
    write(f, "b", kT0 + 27 * 86400);  // 2026-12-31
    write(f, "c", kT0 + 40 * 86400);  // 2027-01-13: within the year from 2026-12-04
  }
  EXPECT_EQ(files(), (std::vector<std::string>{"kea-forensic4.20261204.txt"}));
}

TEST_F(LegalLogFileTest, SecondsUnitNamesByEpoch) {
  cfg.timeUnit = Unit::Second;
  cfg.count = 10;
  LegalLogFile f(cfg);
  write(f, "a", kT0);
  write(f, "b", kT0 + 9);
  write(f, "c", kT0 + 10);
  EXPECT_EQ(files(), (std::vector<std::string>{"kea-forensic4.T00000000001796391249.txt",
                                               "kea-forensic4.T00000000001796391259.txt"}));
}

TEST_F(LegalLogFileTest, CountZeroNeverRotates) {
  cfg.count = 0;
  LegalLogFile f(cfg);
  write(f, "a", kT0);
  write(f, "b", kT0 + 400 * 86400);
  EXPECT_EQ(files(), (std::vector<std::string>{"kea-forensic4.20261204.txt"}));
}

TEST_F(LegalLogFileTest, RestartReusesTheFileOfTheCurrentPeriod) {
  cfg.count = 3;
  { std::ofstream(dir + "/kea-forensic4.20261203.txt") << "2026-12-03 10:00:00 UTC earlier\n"; }
  { std::ofstream(dir + "/kea-forensic4.2026120.txt") << "not ours\n"; }
  { std::ofstream(dir + "/other.20261204.txt") << "not ours\n"; }
  LegalLogFile f(cfg);
  write(f, "later", kT0);
  EXPECT_EQ(f.fileName(), dir + "/kea-forensic4.20261203.txt");
  EXPECT_EQ(read("kea-forensic4.20261203.txt"), "2026-12-03 10:00:00 UTC earlier\n2026-12-04 13:34:09 UTC later\n");
  // Its period (3 days from the 3rd) ends on the 6th.
  write(f, "sixth", kT0 + 2 * 86400);
  EXPECT_EQ(f.fileName(), dir + "/kea-forensic4.20261206.txt");
}

TEST_F(LegalLogFileTest, MultiLineEntriesAndMicroseconds) {
  cfg.timestampFormat = "%Y-%m-%d %H:%M:%S.%Q";
  LegalLogFile f(cfg);
  std::optional<LegalLogFile::Rotation> r;
  ASSERT_TRUE(f.write("first line\nsecond line", at(kT0, 123456789), r).ok());
  std::string error;
  EXPECT_EQ(f.flush(error), 0u);
  EXPECT_EQ(read("kea-forensic4.20261204.txt"),
            "2026-12-04 13:34:09.123.456 first line\n2026-12-04 13:34:09.123.456 second line\n");
  EXPECT_EQ(LegalLogFile::timestamp(at(kT0), "%H%t%w %F%%"), "13\t5 2026-12-04%");
}

TEST_F(LegalLogFileTest, WriterWritesOffThePacketPathAndCountsLosses) {
  Logger log;
  LegalLogWriter w(log, 4);
  EXPECT_FALSE(w.submit("before configure", at(kT0)));
  w.configure(cfg);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(w.submit("entry " + std::to_string(i), at(kT0 + i)));
  ASSERT_TRUE(w.waitIdle(10s));
  EXPECT_EQ(read("kea-forensic4.20261204.txt"),
            "2026-12-04 13:34:09 UTC entry 0\n2026-12-04 13:34:10 UTC entry 1\n2026-12-04 13:34:11 UTC entry 2\n");
  EXPECT_EQ(w.counters().written, 3u);
  EXPECT_EQ(w.currentFile(), dir + "/kea-forensic4.20261204.txt");
  // A directory that is gone: the lines are lost, counted, not silently.
  cfg.path = dir + "/missing";
  w.configure(cfg);
  EXPECT_TRUE(w.submit("lost", at(kT0)));
  ASSERT_TRUE(w.waitIdle(10s));
  EXPECT_EQ(w.counters().lost, 1u);
}

TEST_F(LegalLogFileTest, PrerotateAndPostrotateGetTheFileNames) {
  const std::string script = dir + "/rotate.sh";
  std::ofstream(script) << "#!/bin/sh\necho \"$0 $1\" >> " << dir << "/rotations\n";
  fs::permissions(script, fs::perms::owner_all);
  fs::create_directory(dir + "/logs");
  cfg.path = dir + "/logs";
  cfg.prerotate = script;
  cfg.postrotate = script;
  Logger log;
  {
    LegalLogWriter w(log);
    w.configure(cfg);
    EXPECT_TRUE(w.submit("a", at(kT0)));
    EXPECT_TRUE(w.submit("b", at(kT0 + 86400)));
    ASSERT_TRUE(w.waitIdle(10s));
  }
  std::string rotations;
  for (int i = 0; i < 200; ++i) {
    rotations = read("rotations");
    if (std::count(rotations.begin(), rotations.end(), '\n') == 2) break;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_NE(rotations.find(script + " " + dir + "/logs/kea-forensic4.20261204.txt\n"), std::string::npos) << rotations;
  EXPECT_NE(rotations.find(script + " " + dir + "/logs/kea-forensic4.20261205.txt\n"), std::string::npos) << rotations;
}

}  // namespace
}  // namespace tandem::net
