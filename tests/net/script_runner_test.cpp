// The run_script runner: the program gets exactly the hook point as argument and Kea's
// variables as its whole environment; the caller never waits; the queue is bounded (drops
// counted); a program still running after the timeout is killed with its process group.
#include "dhcpd/net/script_runner.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <sys/stat.h>
#include <signal.h>

namespace tandem::net {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class ScriptRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/script-runner-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir = tmpl;
  }
  void TearDown() override { fs::remove_all(dir); }

  // A /bin/sh script; the environment it was started with is /proc/$$/environ (a shell adds
  // variables of its own, such as PWD, only for the programs it starts).
  std::string script(const std::string& body) {
    const std::string path = dir + "/script.sh";
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    ::chmod(path.c_str(), 0755);
    return path;
  }
  std::string read(const std::string& name) {
    std::ifstream in(dir + "/" + name, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::string dir;
  Logger log;
};

TEST_F(ScriptRunnerTest, ProgramGetsTheHookAndExactlyKeasEnvironment) {
  ScriptRunner runner(log, {});
  runner.configure(
      script("/bin/cat /proc/$$/environ > \"" + dir + "/env.$1\"; echo \"$#:$1\" > \"" + dir + "/argv.$1\""));
  ASSERT_TRUE(
      runner.submit(engine::ScriptCall{"lease4_renew", {"LEASE4_ADDRESS=198.18.0.103", "LEASE4_HOSTNAME="}, {}}));
  ASSERT_TRUE(runner.waitIdle(10s));
  EXPECT_EQ(read("argv.lease4_renew"), "1:lease4_renew\n");
  EXPECT_EQ(read("env.lease4_renew"), std::string("LEASE4_ADDRESS=198.18.0.103\0LEASE4_HOSTNAME=\0", 45));
  EXPECT_EQ(runner.counters().started, 1u);
  EXPECT_EQ(runner.counters().failedExit, 0u);
}

TEST_F(ScriptRunnerTest, SubmitNeverWaitsForTheProgram) {
  ScriptRunner runner(log, {});
  runner.configure(script("/bin/sleep 2"));
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(runner.submit(engine::ScriptCall{"leases4_committed", {}, {}}));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 200ms);
}

TEST_F(ScriptRunnerTest, FullQueueDropsAndCounts) {
  ScriptRunner::Options o;
  o.queueCapacity = 2;
  o.maxRunning = 1;
  ScriptRunner runner(log, o);
  runner.configure(script("/bin/sleep 0.3"));
  int accepted = 0;
  for (int i = 0; i < 10; ++i) accepted += runner.submit(engine::ScriptCall{"lease4_expire", {}, {}}) ? 1 : 0;
  // One may already have left the queue for the worker, so 2 or 3 were taken.
  EXPECT_GE(accepted, 2);
  EXPECT_LE(accepted, 3);
  EXPECT_EQ(runner.counters().dropped, std::uint64_t(10 - accepted));
  ASSERT_TRUE(runner.waitIdle(10s));
  EXPECT_EQ(runner.counters().started, std::uint64_t(accepted));
}

TEST_F(ScriptRunnerTest, StuckProgramIsKilledWithItsChildren) {
  ScriptRunner::Options o;
  o.timeout = 300ms;
  ScriptRunner runner(log, o);
  // The script starts a child and waits; both must go.
  runner.configure(script("/bin/sleep 30 & echo $! > \"" + dir + "/child\"; wait"));
  ASSERT_TRUE(runner.submit(engine::ScriptCall{"lease4_decline", {}, {}}));
  ASSERT_TRUE(runner.waitIdle(10s));
  EXPECT_EQ(runner.counters().killed, 1u);
  const int child = std::atoi(read("child").c_str());
  ASSERT_GT(child, 0);
  // Killed with the group: gone, or a zombie until init reaps it.
  auto state = [&] {
    std::ifstream in("/proc/" + std::to_string(child) + "/stat");
    std::string pid, comm, st;
    in >> pid >> comm >> st;
    return st;
  };
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    const std::string st = state();
    gone = st.empty() || st == "Z";
    if (!gone) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(gone);
}

TEST_F(ScriptRunnerTest, FailuresAreCountedNotFatal) {
  ScriptRunner runner(log, {});
  runner.configure(script("exit 3"));
  ASSERT_TRUE(runner.submit(engine::ScriptCall{"lease4_release", {}, {}}));
  ASSERT_TRUE(runner.waitIdle(10s));
  EXPECT_EQ(runner.counters().failedExit, 1u);
  runner.configure(dir + "/missing");
  ASSERT_TRUE(runner.submit(engine::ScriptCall{"lease4_release", {}, {}}));
  ASSERT_TRUE(runner.waitIdle(10s));
  EXPECT_EQ(runner.counters().spawnFailed, 1u);
}

TEST_F(ScriptRunnerTest, WithoutProgramNothingIsQueued) {
  ScriptRunner runner(log, {});
  EXPECT_FALSE(runner.enabled());
  EXPECT_FALSE(runner.submit(engine::ScriptCall{"lease4_renew", {}, {}}));
  runner.configure(script("exit 0"));
  EXPECT_TRUE(runner.enabled());
  runner.configure(std::nullopt);
  EXPECT_FALSE(runner.submit(engine::ScriptCall{"lease4_renew", {}, {}}));
  EXPECT_EQ(runner.counters().dropped, 0u);
}

}  // namespace
}  // namespace tandem::net
