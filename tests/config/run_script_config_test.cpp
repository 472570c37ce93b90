// The run_script hook's parameters (libdhcp_run_script.so), checked as Kea 2.2's
// RunScriptImpl::configure does (its messages, measured with kea-dhcp4 2.2 loading the real
// library), plus the unknown keys Kea ignores and tandemd refuses.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <sys/stat.h>

#include "tests/config/config_test_util.h"

namespace tandem::config::testing {
namespace {

namespace fs = std::filesystem;

class RunScriptConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/run-script-config-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir = tmpl;
    script = dir + "/hook.sh";
    std::ofstream(script) << "#!/bin/sh\n";
    ::chmod(script.c_str(), 0755);
    std::ofstream(dir + "/plain.sh") << "#!/bin/sh\n";
    ::chmod((dir + "/plain.sh").c_str(), 0644);
    ctx = testContext();
    ctx.baseDir = dir;
  }
  void TearDown() override { fs::remove_all(dir); }

  std::string withHook(const std::string& params) {
    return dhcp4(R"("hooks-libraries": [{"library": "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_run_script.so",
                                         "parameters": )" +
                 params + "}]");
  }

  std::string dir, script;
  ParseContext ctx;
};

TEST_F(RunScriptConfig, NameAndSync) {
  auto cfg = parseOk(withHook(R"({"name": ")" + script + R"(", "sync": false})"), ctx);
  ASSERT_TRUE(cfg.runScript);
  EXPECT_EQ(cfg.runScript->name, script);
  EXPECT_FALSE(cfg.runScript->sync);
  EXPECT_TRUE(cfg.warnings.empty());
}

TEST_F(RunScriptConfig, RelativeNameResolvesAgainstTheWorkingDirectory) {
  auto cfg = parseOk(withHook(R"({"name": "hook.sh"})"), ctx);
  ASSERT_TRUE(cfg.runScript);
  EXPECT_EQ(cfg.runScript->name, script);
}

TEST_F(RunScriptConfig, SyncTrueIsAcceptedWithAWarning) {
  auto cfg = parseOk(withHook(R"({"name": ")" + script + R"(", "sync": true})"), ctx);
  ASSERT_TRUE(cfg.runScript);
  ASSERT_EQ(cfg.warnings.size(), 1u);
  EXPECT_NE(cfg.warnings[0].find("Dhcp4/hooks-libraries/0/parameters/sync: "), std::string::npos) << cfg.warnings[0];
}

TEST_F(RunScriptConfig, KeasErrors) {
  EXPECT_EQ(parseErr(withHook("{}"), ctx),
            "Dhcp4/hooks-libraries/0/parameters: loading Run Script hooks library failed: The 'name' parameter is "
            "mandatory");
  EXPECT_EQ(parseErr(withHook(R"({"name": 5})"), ctx),
            "Dhcp4/hooks-libraries/0/parameters/name: loading Run Script hooks library failed: The 'name' parameter "
            "must be a string");
  EXPECT_EQ(parseErr(withHook(R"({"name": "/nonexistent/hook.sh"})"), ctx),
            "Dhcp4/hooks-libraries/0/parameters/name: loading Run Script hooks library failed: Invalid 'name' "
            "parameter: File not found: /nonexistent/hook.sh");
  EXPECT_EQ(parseErr(withHook(R"({"name": "plain.sh"})"), ctx),
            "Dhcp4/hooks-libraries/0/parameters/name: loading Run Script hooks library failed: Invalid 'name' "
            "parameter: File not executable: plain.sh");
  EXPECT_EQ(parseErr(withHook(R"({"name": ")" + script + R"(", "sync": "yes"})"), ctx),
            "Dhcp4/hooks-libraries/0/parameters/sync: loading Run Script hooks library failed: The 'sync' parameter "
            "must be a boolean");
  EXPECT_NE(parseErr(withHook(R"({"name": ")" + dir + R"("})"), ctx).find("is a directory"), std::string::npos);
}

TEST_F(RunScriptConfig, UnknownParameterIsRefusedByPath) {
  EXPECT_EQ(parseErr(withHook(R"({"name": ")" + script + R"(", "timeout": 5})"), ctx),
            "Dhcp4/hooks-libraries/0/parameters/timeout: loading Run Script hooks library failed: unknown parameter "
            "(run_script has \"name\" and \"sync\")");
}

TEST_F(RunScriptConfig, NoHookNoScript) {
  auto cfg = parseOk(dhcp4(R"("valid-lifetime": 100)"), ctx);
  EXPECT_FALSE(cfg.runScript);
}

}  // namespace
}  // namespace tandem::config::testing
