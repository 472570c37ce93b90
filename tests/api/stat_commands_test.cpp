#include "dhcpd/api/stat_commands.h"

#include <gtest/gtest.h>

#include "dhcpd/api/time_text.h"
#include "tests/api/fake_server_control.h"

namespace tandem::api {
namespace {

class StatCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registerStatCommands(registry_, control_);
    control_.statsRegistry.set("pkt4-received", 12, control_.now());
    control_.statsRegistry.set("subnet[1].assigned-addresses", 3, control_.now());
  }
  json run(const std::string& name, const char* args = nullptr) {
    return registry_.execute(name, args ? json::parse(args) : json(), CommandContext{"test", "", "", {}});
  }
  testing::FakeServerControl control_;
  CommandRegistry registry_;
};

TEST_F(StatCommandsTest, GetHasKeaShape) {
  auto a = run("statistic-get", R"({"name":"pkt4-received"})");
  json expected = {{"pkt4-received", json::array({json::array({12, formatKeaTimestamp(control_.now())})})}};
  EXPECT_EQ(a, makeAnswerNoText(0, expected));
  EXPECT_EQ(run("statistic-get", R"({"name":"nope"})"), makeAnswerNoText(0, json::object()));
  EXPECT_EQ(run("statistic-get", "{}"), makeAnswer(1, "Missing mandatory 'name' parameter."));
  EXPECT_EQ(run("statistic-get"), makeAnswer(1, "Missing mandatory 'name' parameter."));
  EXPECT_EQ(run("statistic-get", R"({"name":5})"), makeAnswer(1, "'name' parameter expected to be a string."));
}

TEST_F(StatCommandsTest, GetAll) {
  auto a = run("statistic-get-all");
  EXPECT_EQ(a["result"], 0);
  EXPECT_EQ(a["arguments"]["subnet[1].assigned-addresses"][0][0], 3);
  EXPECT_EQ(a["arguments"].size(), 2u);
}

TEST_F(StatCommandsTest, ResetAndRemove) {
  control_.clock.advance(std::chrono::seconds(10));
  EXPECT_EQ(run("statistic-reset", R"({"name":"pkt4-received"})"), makeAnswer(0, "Statistic 'pkt4-received' reset."));
  EXPECT_EQ(control_.statsRegistry.value("pkt4-received"), 0);
  EXPECT_EQ(run("statistic-reset", R"({"name":"nope"})"), makeAnswer(1, "No 'nope' statistic found"));
  control_.statsRegistry.set("pkt4-received", 4, control_.now());
  EXPECT_EQ(run("statistic-reset-all"), makeAnswer(0, "All statistics reset to neutral values."));
  EXPECT_EQ(control_.statsRegistry.value("pkt4-received"), 0);
  EXPECT_EQ(run("statistic-remove", R"({"name":"pkt4-received"})"), makeAnswer(0, "Statistic 'pkt4-received' removed."));
  EXPECT_EQ(run("statistic-remove", R"({"name":"pkt4-received"})"), makeAnswer(1, "No 'pkt4-received' statistic found"));
  EXPECT_EQ(run("statistic-remove-all"), makeAnswer(0, "All statistics removed."));
  EXPECT_TRUE(control_.statsRegistry.all().empty());
}

TEST(TimeText, KeaTimestampFormat) {
  auto t = fromEpochSeconds(1750000000) + std::chrono::microseconds(42);
  auto s = formatKeaTimestamp(t);
  ASSERT_EQ(s.size(), 26u);
  EXPECT_EQ(s.substr(19), ".000042");
  EXPECT_EQ(s[4], '-');
  EXPECT_EQ(s[10], ' ');
}

}  // namespace
}  // namespace tandem::api
