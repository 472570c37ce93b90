// Kea's JSON dialect: comments of three kinds, tolerated trailing commas, no duplicate keys.
#include <gtest/gtest.h>

#include <map>

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

TEST(JsonComments, IncludeWithoutAReaderNamesTheFile) {
  EXPECT_EQ(parseErr("{\n\"Dhcp4\": <?include \"/etc/kea/subnets.json\"?>\n}"),
            "line 2, column 10: Can't open include file /etc/kea/subnets.json (includes are read only from files)");
}

// <?include "path"?> as Kea's lexer handles it: the file's text replaces the directive,
// includes nest, comments and directives inside strings or comments are left alone.
class IncludeTest : public ::testing::Test {
 protected:
  std::map<std::string, std::string> files;
  std::vector<std::string> opened;
  IncludeReader reader = [this](const std::string& path) -> Result<std::string> {
    opened.push_back(path);
    auto it = files.find(path);
    if (it == files.end()) return makeError("No such file or directory");
    return it->second;
  };
  Result<nlohmann::json> parse(std::string_view text, std::vector<std::string>* warnings = nullptr) {
    return parseJsonWithComments(text, warnings, &reader);
  }
};

TEST_F(IncludeTest, NestedIncludesAreSplicedInPlace) {
  files["subnets.json"] = "\"subnet4\": [ <?include \"inc/subnet1.json\"?> ], // comment\n\"valid-lifetime\": 600";
  files["inc/subnet1.json"] = "# one subnet\n{\"id\": 1, \"subnet\": \"198.18.0.0/24\"}";
  auto r = parse("{\"Dhcp4\": {<?include \"subnets.json\"?>, \"renew-timer\": 100}}");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value(), nlohmann::json::parse(R"({"Dhcp4": {"subnet4": [{"id": 1, "subnet": "198.18.0.0/24"}],
                                                 "valid-lifetime": 600, "renew-timer": 100}})"));
  // Paths go to the reader as written: Kea 2.2 opens them relative to its working directory,
  // not to the including file.
  EXPECT_EQ(opened, (std::vector<std::string>{"subnets.json", "inc/subnet1.json"}));
}

TEST_F(IncludeTest, BlanksAroundTheDirectiveAreAllowed) {
  files["x.json"] = "1";
  auto r = parse("{\"a\": <?  include   \"x.json\"  ?>}");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value()["a"], 1);
}

TEST_F(IncludeTest, DirectivesInStringsAndCommentsAreText) {
  auto r = parse("{\"a\": \"<?include \\\"x\\\"?>\" // <?include \"y\"?>\n}");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value()["a"], "<?include \"x\"?>");
  EXPECT_TRUE(opened.empty());
}

TEST_F(IncludeTest, MissingFileIsAnErrorNamingIt) {
  auto r = parse("{\n  \"Dhcp4\": <?include \"nope.json\"?>\n}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "line 2, column 12: Can't open include file nope.json: No such file or directory");
  files["a.json"] = "{\n<?include \"b.json\"?>}";
  auto nested = parse("<?include \"a.json\"?>");
  ASSERT_FALSE(nested.ok());
  EXPECT_EQ(nested.error().message,
            "a.json line 2, column 1: Can't open include file b.json: No such file or directory");
}

TEST_F(IncludeTest, PositionsInsideAnIncludedFileNameIt) {
  files["part.json"] = "\"a\": 1,\n\"b\": 2,\n";
  std::vector<std::string> warnings;
  auto r = parse("{\n<?include \"part.json\"?>\n}", &warnings);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "part.json line 2, column 7: extraneous comma; a piece of configuration may have been omitted");
  // Positions after the directive are the main file's again.
  files["ok.json"] = "\"a\": 1";
  warnings.clear();
  auto after = parse("{\n<?include \"ok.json\"?>,\n\"b\": 2,\n}", &warnings);
  ASSERT_TRUE(after.ok()) << after.error().message;
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0], "line 3, column 7: extraneous comma; a piece of configuration may have been omitted");
  // A syntax error in an included file fails the parse.
  files["bad.json"] = "\"a\": tru";
  EXPECT_FALSE(parse("{<?include \"bad.json\"?>}").ok());
}

TEST_F(IncludeTest, MalformedDirectives) {
  EXPECT_EQ(parse("{\"a\": <?include \"x.json\" }").error().message, "line 1, column 7: Directive not closed.");
  EXPECT_EQ(parse("{\"a\": <?import \"x.json\"?>}").error().message, "line 1, column 7: unknown directive");
  EXPECT_EQ(parse("{\"a\": <?include x.json?>}").error().message,
            "line 1, column 7: include directive without a quoted file name");
}

TEST_F(IncludeTest, IncludeLoopsStopAtKeasNestingLimit) {
  files["self.json"] = "<?include \"self.json\"?>";
  auto r = parse("<?include \"self.json\"?>");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("Too many nested include."), std::string::npos) << r.error().message;
  EXPECT_EQ(opened.size(), 9u);
}

TEST_F(IncludeTest, WholeConfigThroughParseDhcp4Config) {
  files["/etc/kea/subnets.json"] =
      R"([{"id": 3, "subnet": "198.18.3.0/24", "pools": [{"pool": "198.18.3.10-198.18.3.20"}]}])";
  ParseContext ctx;
  ctx.readInclude = reader;
  auto cfg = parseDhcp4Config(std::string("{\"Dhcp4\": {\"subnet4\": <?include \"/etc/kea/subnets.json\"?>}}"), ctx);
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  ASSERT_EQ(cfg->subnets.size(), 1u);
  EXPECT_EQ(cfg->subnets[0].id, 3u);
  // config-get shows the expanded configuration, as Kea's does.
  EXPECT_EQ(cfg->source["Dhcp4"]["subnet4"][0]["subnet"], "198.18.3.0/24");
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
  EXPECT_EQ(parseErr("{,}"),
            "line 1, column 2: syntax error while parsing object key - unexpected ','; expected string literal");
  EXPECT_FALSE(parseJsonWithComments("[1,,]").ok());
  EXPECT_FALSE(parseJsonWithComments("[,]").ok());
}

}  // namespace
}  // namespace tandem::config
