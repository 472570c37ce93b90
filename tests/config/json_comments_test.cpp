// Kea's JSON dialect: comments of three kinds, tolerated trailing commas, no duplicate keys.
#include <gtest/gtest.h>

#include "dhcpd/config/dhcp4_config.h"

namespace tandem::config {
namespace {

nlohmann::json parseOk(std::string_view text, std::vector<std::string>* warnings = nullptr) {
  auto r = parseJsonWithComments(text, warnings);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? r.value() : nlohmann::json();
}

std::string parseErr(std::string_view text) {
  auto r = parseJsonWithComments(text);
  EXPECT_FALSE(r.ok());
  return r.ok() ? std::string() : r.error().message;
}

TEST(JsonComments, AllThreeCommentKinds) {
  auto j = parseOk(R"(// leading line comment
{
  # hash comment
  "a": 1, /* block
  comment spanning lines */ "b": [2, 3] // trailing
  /**/
})");
  EXPECT_EQ(j["a"], 1);
  EXPECT_EQ(j["b"], nlohmann::json::array({2, 3}));
}

TEST(JsonComments, CommentMarkersInsideStringsAreData) {
  auto j = parseOk(R"({"url": "http://198.18.0.1:8000/", "h": "#not-a-comment", "s": "/* kept */", "q": "a\"//b"})");
  EXPECT_EQ(j["url"], "http://198.18.0.1:8000/");
  EXPECT_EQ(j["h"], "#not-a-comment");
  EXPECT_EQ(j["s"], "/* kept */");
  EXPECT_EQ(j["q"], "a\"//b");
}

TEST(JsonComments, CommentAtEndOfFileWithoutNewline) {
  auto j = parseOk("{\"a\": true} # end");
  EXPECT_EQ(j["a"], true);
  j = parseOk("{\"a\": true} // end");
  EXPECT_EQ(j["a"], true);
}

TEST(JsonComments, TrailingCommaIsAWarningLikeKea) {
  std::vector<std::string> warnings;
  auto j = parseOk("{\"a\": [1, 2,],\n \"b\": {\"c\": 1, /* x */ },\n}", &warnings);
  EXPECT_EQ(j["a"].size(), 2u);
  ASSERT_EQ(warnings.size(), 3u);
  EXPECT_EQ(warnings[0], "line 1, column 12: extraneous comma; a piece of configuration may have been omitted");
  EXPECT_EQ(warnings[1], "line 2, column 14: extraneous comma; a piece of configuration may have been omitted");
  EXPECT_EQ(warnings[2], "line 2, column 25: extraneous comma; a piece of configuration may have been omitted");
}

TEST(JsonComments, CommaInsideStringBeforeBraceIsNotTrailing) {
  std::vector<std::string> warnings;
  auto j = parseOk(R"({"a": ",}"})", &warnings);
  EXPECT_EQ(j["a"], ",}");
  EXPECT_TRUE(warnings.empty());
}

TEST(JsonComments, SyntaxErrorNamesLineAndColumnOfTheOriginalText) {
  const std::string msg = parseErr("{\n  // comment\n  \"a\": 1\n  \"b\": 2\n}");
  EXPECT_EQ(msg.rfind("line 4, column 3: ", 0), 0u) << msg;
}

TEST(JsonComments, UnclosedBlockComment) {
  EXPECT_EQ(parseErr("{\"a\": 1 /* never closed\n}"), "line 1, column 9: comment not closed");
}

TEST(JsonComments, IncludeDirectiveIsReportedAsUnsupported) {
  EXPECT_EQ(parseErr("{\n\"Dhcp4\": <?include \"/etc/kea/subnets.json\"?>\n}"),
            "line 2, column 10: <?include ...?> directives are not supported yet; merge the included file into the "
            "configuration");
}

TEST(JsonComments, DuplicateKeysAreRejectedWithTheirPath) {
  EXPECT_EQ(parseErr(R"({"Dhcp4": {"valid-lifetime": 1, "valid-lifetime": 2}})"),
            "Dhcp4: duplicate key \"valid-lifetime\"");
  EXPECT_EQ(parseErr(R"({"Dhcp4": {"subnet4": [{"id": 1}, {"id": 2, "id": 3}]}})"),
            "Dhcp4/subnet4/1: duplicate key \"id\"");
  EXPECT_EQ(parseErr(R"({"a": 1, "a": 2})"), "(top level): duplicate key \"a\"");
}

TEST(JsonComments, SameKeyInSiblingObjectsIsFine) {
  auto j = parseOk(R"({"l": [{"id": 1}, {"id": 2}], "m": {"id": 3}})");
  EXPECT_EQ(j["l"][1]["id"], 2);
  EXPECT_EQ(j["m"]["id"], 3);
}

TEST(JsonComments, NumbersKeepTheirKind) {
  auto j = parseOk(R"({"u": 4294967295, "n": -1, "f": 0.5, "big": 18446744073709551615})");
  EXPECT_TRUE(j["u"].is_number_unsigned());
  EXPECT_TRUE(j["n"].is_number_integer());
  EXPECT_FALSE(j["n"].is_number_unsigned());
  EXPECT_TRUE(j["f"].is_number_float());
  EXPECT_EQ(j["big"].get<std::uint64_t>(), 18446744073709551615ull);
}

TEST(JsonComments, EmptyAndGarbageInputAreErrors) {
  EXPECT_FALSE(parseJsonWithComments("").ok());
  EXPECT_FALSE(parseJsonWithComments("// only a comment").ok());
  EXPECT_FALSE(parseJsonWithComments("{\"a\": 1} trailing").ok());
  EXPECT_FALSE(parseJsonWithComments("{\"a\": \"unterminated}").ok());
  // A comma is tolerated only after a value.
  EXPECT_EQ(parseErr("{,}"), "line 1, column 2: syntax error while parsing object key - unexpected ','; expected string literal");
  EXPECT_FALSE(parseJsonWithComments("[1,,]").ok());
  EXPECT_FALSE(parseJsonWithComments("[,]").ok());
}

}  // namespace
}  // namespace tandem::config
