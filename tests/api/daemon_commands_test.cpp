#include "dhcpd/api/daemon_commands.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "dhcpd/common/sha256.h"
#include "tests/api/fake_server_control.h"

namespace tandem::api {
namespace {

class DaemonCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::setUpTwoSubnets(control_);
    registerDaemonCommands(registry_, control_);
  }
  json run(const std::string& name, const char* args = nullptr) {
    return registry_.execute(name, args ? json::parse(args) : json(), CommandContext{"test", "", "", {}});
  }
  testing::FakeServerControl control_;
  CommandRegistry registry_;
};

TEST_F(DaemonCommandsTest, ListCommandsSeesLaterRegistrations) {
  registry_.add("ha-heartbeat", [](const json&, const CommandContext&) { return makeAnswer(0, ""); });
  auto a = run("list-commands");
  EXPECT_EQ(a["result"], 0);
  EXPECT_FALSE(a.contains("text"));
  auto names = a["arguments"].get<std::vector<std::string>>();
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_NE(std::find(names.begin(), names.end(), "ha-heartbeat"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "config-hash-get"), names.end());
}

TEST_F(DaemonCommandsTest, VersionAndBuildReport) {
  auto v = run("version-get");
  EXPECT_EQ(v["result"], 0);
  EXPECT_EQ(v["text"], TANDEM_VERSION);
  EXPECT_TRUE(v["arguments"]["extended"].is_string());
  auto b = run("build-report");
  EXPECT_NE(b["text"].get<std::string>().find(TANDEM_VERSION), std::string::npos);
}

TEST_F(DaemonCommandsTest, StatusGetCarriesUptimeReloadAndExtras) {
  control_.clock.advance(std::chrono::seconds(30));
  control_.reloaded = control_.clock.now();
  control_.clock.advance(std::chrono::seconds(5));
  control_.extras = {{"high-availability", json::array({{{"ha-mode", "hot-standby"}}})}};
  auto a = run("status-get");
  EXPECT_EQ(a["result"], 0);
  EXPECT_EQ(a["arguments"]["uptime"], 35);
  EXPECT_EQ(a["arguments"]["reload"], 5);
  EXPECT_EQ(a["arguments"]["pid"], static_cast<std::int64_t>(::getpid()));
  EXPECT_EQ(a["arguments"]["multi-threading-enabled"], false);
  EXPECT_EQ(a["arguments"]["sockets"]["status"], "ready");
  EXPECT_EQ(a["arguments"]["high-availability"][0]["ha-mode"], "hot-standby");
}

TEST_F(DaemonCommandsTest, Shutdown) {
  EXPECT_EQ(run("shutdown"), makeAnswer(0, "Shutting down."));
  EXPECT_EQ(control_.shutdownCode, 0);
  EXPECT_EQ(run("shutdown", R"({"exit-value":3})")["result"], 0);
  EXPECT_EQ(control_.shutdownCode, 3);
  EXPECT_EQ(run("shutdown", R"({"exit-value":"x"})"), makeAnswer(1, "parameter 'exit-value' is not an integer"));
}

TEST_F(DaemonCommandsTest, ConfigGetAndHash) {
  auto g = run("config-get");
  EXPECT_EQ(g["arguments"], control_.cfg.source);
  auto h = run("config-hash-get");
  EXPECT_EQ(h["arguments"]["hash"], sha256Hex(control_.cfg.source.dump()));
  EXPECT_EQ(h["arguments"]["hash"].get<std::string>().size(), 64u);
}

TEST_F(DaemonCommandsTest, ConfigTest) {
  EXPECT_EQ(run("config-test", R"({"Dhcp4":{}})")["text"],
            "Configuration seems sane. Control-socket, hook-libraries, and D2 configuration were sanity checked, "
            "but not applied.");
  EXPECT_EQ(run("config-test"), makeAnswer(1, "Missing mandatory 'arguments' parameter."));
  EXPECT_EQ(run("config-test", R"({"Foo":{}})"), makeAnswer(1, "Missing mandatory 'Dhcp4' parameter."));
  EXPECT_EQ(run("config-test", R"({"Dhcp4":5})"), makeAnswer(1, "'Dhcp4' parameter expected to be a map."));
  control_.testError = makeError("Dhcp4/subnet4/0/subnet: bad prefix");
  EXPECT_EQ(run("config-test", R"({"Dhcp4":{}})"), makeAnswer(1, "Dhcp4/subnet4/0/subnet: bad prefix"));
  EXPECT_TRUE(control_.applied.empty());
}

TEST_F(DaemonCommandsTest, ConfigSetAppliesOrKeepsRunning) {
  EXPECT_EQ(run("config-set", R"({"Dhcp4":{"valid-lifetime":5}})"), makeAnswer(0, "Configuration successful."));
  ASSERT_EQ(control_.applied.size(), 1u);
  EXPECT_EQ(control_.applied[0], json::parse(R"({"Dhcp4":{"valid-lifetime":5}})"));
  control_.applyError = makeError("Dhcp4/subnet4/0/subnet: bad prefix");
  EXPECT_EQ(run("config-set", R"({"Dhcp4":{}})"), makeAnswer(1, "Dhcp4/subnet4/0/subnet: bad prefix"));
  EXPECT_EQ(run("config-set")["result"], 1);
  EXPECT_EQ(control_.applied.size(), 1u);
}

TEST_F(DaemonCommandsTest, ConfigReload) {
  EXPECT_EQ(run("config-reload"), makeAnswer(0, "Configuration successful."));
  EXPECT_EQ(control_.reloads, 1);
  control_.reloadError = makeError("cannot read /etc/tandem/tandem.conf");
  EXPECT_EQ(run("config-reload"), makeAnswer(1, "Config reload failed: cannot read /etc/tandem/tandem.conf"));
}

TEST_F(DaemonCommandsTest, ConfigWrite) {
  char dir[] = "/tmp/tap-cfgwrite-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/out.json";
  control_.file = std::string(dir) + "/tandemd.conf";
  auto a = run("config-write", (R"({"filename":")" + path + R"("})").c_str());
  EXPECT_EQ(a["result"], 0);
  EXPECT_EQ(a["text"], "Configuration written to " + path + " successful");
  EXPECT_EQ(a["arguments"]["filename"], path);
  std::ifstream in(path);
  json written = json::parse(in);
  EXPECT_EQ(written, control_.cfg.source);
  EXPECT_EQ(a["arguments"]["size"], control_.cfg.source.dump(2).size() + 1);
  std::remove(path.c_str());
  ::rmdir(dir);

  control_.file = std::string(dir) + "/missing-dir/default.json";
  // Kea 2.2's answer, with the path and the system's reason after it.
  EXPECT_EQ(run("config-write"), makeAnswer(1, "Error during write-config:Unable to open file " + control_.file +
                                                   " for writing: No such file or directory"));
  EXPECT_EQ(run("config-write", R"({"filename":5})"), makeAnswer(1, "passed parameter 'filename' is not a string"));
  ::rmdir(dir);
}

// The file is replaced whole (a temporary beside it, renamed), keeping the old file's mode;
// a symbolic link is written through and stays a link; a directory in the way is an error
// naming the path and the reason.
TEST_F(DaemonCommandsTest, ConfigWriteReplacesFileKeepingModeAndLinks) {
  char dir[] = "/tmp/tap-cfgwrite-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string d(dir);
  const std::string conf = d + "/tandemd.conf";
  control_.file = conf;
  { std::ofstream(conf) << "old\n"; }
  ASSERT_EQ(::chmod(conf.c_str(), 0640), 0);
  ASSERT_EQ(run("config-write", (R"({"filename":")" + conf + R"("})").c_str())["result"], 0);
  struct stat st {};
  ASSERT_EQ(::stat(conf.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  std::ifstream in(conf);
  EXPECT_EQ(json::parse(in), control_.cfg.source);
  EXPECT_NE(::access((conf + ".tmp").c_str(), F_OK), 0);

  const std::string link = d + "/link.conf";
  ASSERT_EQ(::symlink(conf.c_str(), link.c_str()), 0);
  { std::ofstream(conf) << "old\n"; }
  control_.file = link;
  auto a = run("config-write");
  EXPECT_EQ(a["result"], 0);
  EXPECT_EQ(a["arguments"]["filename"], link);
  struct stat lst {};
  ASSERT_EQ(::lstat(link.c_str(), &lst), 0);
  EXPECT_TRUE(S_ISLNK(lst.st_mode));
  std::ifstream in2(conf);
  EXPECT_EQ(json::parse(in2), control_.cfg.source);

  // A directory in the way of the file: the reason is the system's (not "permission denied").
  const std::string blocker = d + "/blocker.json";
  ASSERT_EQ(::mkdir(blocker.c_str(), 0755), 0);
  control_.file = conf;
  EXPECT_EQ(run("config-write", (R"({"filename":")" + blocker + R"("})").c_str()),
            makeAnswer(1, "Error during write-config:Unable to write file " + blocker + ": Is a directory"));
  ::rmdir(blocker.c_str());
  ::unlink(link.c_str());
  ::unlink(conf.c_str());
  ::rmdir(dir);
}

// The packaged service as an operator may set it up for Kea: the file writable by the
// service, its directory not. As an unprivileged user (root drops to nobody in a child, as
// root ignores permission bits) the file is rewritten in place; a file it may not write is
// refused with "Permission denied" and left as it was.
TEST_F(DaemonCommandsTest, ConfigWriteInPlaceWhenOnlyTheFileIsWritable) {
  char dir[] = "/tmp/tap-cfgwrite-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string d(dir);
  const std::string writable = d + "/writable.conf";
  const std::string locked = d + "/locked.conf";
  control_.file = d + "/tandemd.conf";
  { std::ofstream(writable) << "old\n"; }
  { std::ofstream(locked) << "old\n"; }
  ASSERT_EQ(::chmod(writable.c_str(), 0666), 0);
  ASSERT_EQ(::chmod(locked.c_str(), 0444), 0);
  ASSERT_EQ(::chmod(dir, 0755), 0);
  struct stat before {};
  ASSERT_EQ(::stat(writable.c_str(), &before), 0);
  const uid_t owner = ::geteuid();
  EXPECT_EXIT(
      {
        if (owner == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) std::_Exit(10);
        // The file (not the directory) is open to the unprivileged user.
        if (owner != 0 && ::chmod(dir, 0555) != 0) std::_Exit(11);
        auto ok = run("config-write", (R"({"filename":")" + writable + R"("})").c_str());
        if (ok["result"] != 0) std::_Exit(12);
        auto refused = run("config-write", (R"({"filename":")" + locked + R"("})").c_str());
        if (owner != 0) ::chmod(dir, 0755);
        if (refused != makeAnswer(1, "Error during write-config:Unable to open file " + locked +
                                         " for writing: Permission denied")) {
          std::_Exit(13);
        }
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(0), "");
  struct stat after {};
  ASSERT_EQ(::stat(writable.c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino) << "rewritten in place, not replaced";
  std::ifstream in(writable);
  EXPECT_EQ(json::parse(in), control_.cfg.source);
  std::ifstream lockedIn(locked);
  std::string line;
  std::getline(lockedIn, line);
  EXPECT_EQ(line, "old");
  ::unlink(writable.c_str());
  ::unlink(locked.c_str());
  ::rmdir(dir);
}

// Only beside the file the server was started with (Kea 2.2 writes anywhere; later Kea
// versions refuse with this text): elsewhere, a path climbing out with "..", a directory
// symlink leading out, and a name without a file are refused before anything is written;
// other spellings of the same directory are accepted.
TEST_F(DaemonCommandsTest, ConfigWriteOnlyBesideTheConfigFile) {
  char dir[] = "/tmp/tap-cfgwrite-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  char other[] = "/tmp/tap-cfgwrite-XXXXXX";
  ASSERT_NE(::mkdtemp(other), nullptr);
  const std::string d(dir), o(other);
  control_.file = d + "/tandemd.conf";
  auto refusal = [&](const std::string& f) {
    return makeAnswer(1, "not allowed to write config into " + f + ": file " + f +
                             " must be in the same directory as the config file (" + control_.file + ")");
  };
  auto write = [&](const std::string& f) { return run("config-write", json{{"filename", f}}.dump().c_str()); };
  EXPECT_EQ(write(o + "/x.json"), refusal(o + "/x.json"));
  EXPECT_EQ(write(d + "/../" + o.substr(5) + "/x.json"), refusal(d + "/../" + o.substr(5) + "/x.json"));
  const std::string out = d + "/out";
  ASSERT_EQ(::symlink(o.c_str(), out.c_str()), 0);
  EXPECT_EQ(write(out + "/x.json"), refusal(out + "/x.json"));
  EXPECT_EQ(write(d + "/"), refusal(d + "/"));
  EXPECT_EQ(write("/etc/passwd"), refusal("/etc/passwd"));
  EXPECT_NE(::access((o + "/x.json").c_str(), F_OK), 0) << "nothing written outside";

  EXPECT_EQ(write(d + "/./a.json")["result"], 0);
  EXPECT_EQ(write(o + "/../" + d.substr(5) + "/b.json")["result"], 0);
  EXPECT_EQ(::access((d + "/a.json").c_str(), F_OK), 0);
  EXPECT_EQ(::access((d + "/b.json").c_str(), F_OK), 0);
  // Started with a relative path: a bare name is in the working directory, as with Kea.
  control_.file = "tandemd.conf";
  EXPECT_EQ(write("/tmp/../tmp/x.json")["result"], 1);
  ::unlink(out.c_str());
  ::unlink((d + "/a.json").c_str());
  ::unlink((d + "/b.json").c_str());
  ::rmdir(dir);
  ::rmdir(other);
}

TEST_F(DaemonCommandsTest, DhcpDisableEnable) {
  EXPECT_EQ(run("dhcp-disable", R"({"max-period":60,"origin":"ha-partner"})"),
            makeAnswer(0, "DHCPv4 service disabled for 60 seconds"));
  EXPECT_EQ(control_.lastDisable->first, "ha-partner");
  EXPECT_EQ(control_.lastDisable->second, 60u);
  EXPECT_EQ(run("status-get")["arguments"]["dhcp-state"]["globally-disabled"], true);
  EXPECT_EQ(run("dhcp-disable"), makeAnswer(0, "DHCPv4 service disabled"));
  EXPECT_EQ(control_.lastDisable->first, "user");
  EXPECT_FALSE(control_.lastDisable->second);
  EXPECT_EQ(run("dhcp-disable", R"({"origin-id":2000,"origin":"ha-partner","max-period":60})")["result"], 0);
  EXPECT_EQ(control_.lastDisable->first, "ha-partner");
  EXPECT_EQ(run("dhcp-disable", R"({"max-period":0})"), makeAnswer(1, "'max-period' must be positive integer"));
  EXPECT_EQ(run("dhcp-disable", R"({"max-period":"x"})"), makeAnswer(1, "'max-period' argument must be a number"));
  EXPECT_EQ(run("dhcp-disable", R"({"origin":"foo"})"),
            makeAnswer(1, "invalid value used for 'origin' parameter: foo"));
  EXPECT_EQ(run("dhcp-disable", R"({"origin":5})"), makeAnswer(1, "'origin' argument must be a string"));
  EXPECT_EQ(run("dhcp-disable", R"({"origin-id":7})")["result"], 1);
  EXPECT_EQ(run("dhcp-enable", R"({"origin":"ha-partner"})"), makeAnswer(0, "DHCP service successfully enabled"));
  EXPECT_EQ(control_.lastEnable, "ha-partner");
  EXPECT_TRUE(control_.enabled);
  EXPECT_EQ(run("dhcp-enable", R"({"origin":"x"})")["result"], 1);
}

TEST_F(DaemonCommandsTest, LeasesReclaim) {
  EXPECT_EQ(run("leases-reclaim", R"({"remove":true})"), makeAnswer(0, "Reclamation of expired leases is complete."));
  EXPECT_EQ(control_.reclaimRemove, true);
  EXPECT_EQ(run("leases-reclaim"), makeAnswer(1, "Missing mandatory 'remove' parameter."));
  EXPECT_EQ(run("leases-reclaim", "{}"), makeAnswer(1, "Missing mandatory 'remove' parameter."));
  EXPECT_EQ(run("leases-reclaim", R"({"remove":"x"})"), makeAnswer(1, "'remove' parameter expected to be a boolean."));
}

}  // namespace
}  // namespace tandem::api
