#include "dhcpd/api/command_registry.h"

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

namespace tandem::api {
namespace {

CommandRegistry echoRegistry() {
  CommandRegistry r;
  r.add("echo",
        [](const json& args, const CommandContext& ctx) { return makeAnswer(kResultSuccess, ctx.transport, args); });
  r.add("boom", [](const json&, const CommandContext&) -> json { throw std::runtime_error("kaput"); });
  return r;
}

TEST(CommandRegistry, AnswerShapes) {
  EXPECT_EQ(makeAnswer(0, "ok"), json::parse(R"({"result":0,"text":"ok"})"));
  EXPECT_EQ(makeAnswer(3, "none", json{{"a", 1}}), json::parse(R"({"result":3,"text":"none","arguments":{"a":1}})"));
  EXPECT_EQ(makeAnswerNoText(0, json::array()), json::parse(R"({"result":0,"arguments":[]})"));
}

TEST(CommandRegistry, DispatchesWithArgumentsAndContext) {
  auto r = echoRegistry();
  auto a = r.process(json::parse(R"({"command":"echo","arguments":{"x":1}})"), CommandContext{"unix", "", "", {}});
  EXPECT_EQ(a, json::parse(R"({"result":0,"text":"unix","arguments":{"x":1}})"));
}

TEST(CommandRegistry, MissingArgumentsArriveAsNull) {
  CommandRegistry r;
  bool sawNull = false;
  r.add("x", [&](const json& args, const CommandContext&) {
    sawNull = args.is_null();
    return makeAnswer(0, "");
  });
  (void)r.process(json::parse(R"({"command":"x"})"), {});
  EXPECT_TRUE(sawNull);
}

TEST(CommandRegistry, UnknownCommandIsUnsupported) {
  auto r = echoRegistry();
  auto a = r.process(json::parse(R"({"command":"foo-bar"})"), {});
  EXPECT_EQ(a, json::parse(R"({"result":2,"text":"'foo-bar' command not supported."})"));
}

TEST(CommandRegistry, ServiceRequestIsAnsweredWithAList) {
  auto r = echoRegistry();
  auto a = r.process(json::parse(R"({"command":"echo","service":["dhcp4"]})"), {});
  ASSERT_TRUE(a.is_array());
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0]["result"], 0);
  auto empty = r.process(json::parse(R"({"command":"echo","service":[]})"), {});
  ASSERT_TRUE(empty.is_array());
  EXPECT_EQ(empty.size(), 1u);
}

TEST(CommandRegistry, OtherServiceGetsForwardingError) {
  auto r = echoRegistry();
  auto a = r.process(json::parse(R"({"command":"echo","service":["dhcp4","dhcp6"]})"), {});
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0]["result"], 0);
  EXPECT_EQ(a[1], makeAnswer(1, "forwarding socket is not configured for the server type dhcp6"));
}

TEST(CommandRegistry, FramingErrors) {
  auto r = echoRegistry();
  auto text = [&](const char* req) { return r.process(json::parse(req), {})["text"].get<std::string>(); };
  EXPECT_EQ(text("[1]"), "Error during command processing: Invalid command Element specified, expected map");
  EXPECT_EQ(text(R"({"arguments":{}})"),
            "Error during command processing: Invalid answer specified, does not contain mandatory 'command'");
  EXPECT_EQ(text(R"({"command":5})"),
            "Error during command processing: 'command' element in command message is not a string");
  EXPECT_EQ(text(R"({"command":"echo","arguments":[1]})"),
            "Error during command processing: 'arguments' must be a map");
  EXPECT_EQ(text(R"({"command":"echo","extra":1})"),
            "Error during command processing: Received command contains unsupported parameter 'extra'");
  EXPECT_EQ(r.process(json::parse(R"({"command":"echo","service":"dhcp4"})"), {})["result"], 1);
  EXPECT_EQ(r.process(json::parse(R"({"command":"echo","service":[5]})"), {})[0]["result"], 1);
}

TEST(CommandRegistry, MalformedJsonText) {
  auto r = echoRegistry();
  auto a = json::parse(r.processText("{\"command\": ", {}));
  EXPECT_EQ(a["result"], 1);
  EXPECT_NE(a["text"].get<std::string>().find("parse error"), std::string::npos);
  auto ok = json::parse(r.processText(R"({"command":"echo"})", {"http", "", "", {}}));
  EXPECT_EQ(ok["text"], "http");
}

TEST(CommandRegistry, HandlerExceptionBecomesError) {
  auto r = echoRegistry();
  auto a = r.process(json::parse(R"({"command":"boom"})"), {});
  EXPECT_EQ(a["result"], 1);
  EXPECT_NE(a["text"].get<std::string>().find("kaput"), std::string::npos);
}

TEST(CommandRegistry, NamesSortedAndRemovable) {
  auto r = echoRegistry();
  EXPECT_EQ(r.names(), (std::vector<std::string>{"boom", "echo"}));
  EXPECT_TRUE(r.remove("boom"));
  EXPECT_FALSE(r.remove("boom"));
  EXPECT_FALSE(r.has("boom"));
  EXPECT_TRUE(r.has("echo"));
}

}  // namespace
}  // namespace tandem::api

namespace tandem::api {
namespace {

// Layout copied from kea-dhcp4 2.2's socket answers.
// Asynchronous commands (ha-sync, maintenance) answer after their handler returned.
TEST(CommandRegistry, AsyncHandlerAnswersLaterThroughEveryEntryPoint) {
  CommandRegistry r;
  std::vector<CommandReply> waiting;
  r.addAsync("later", [&waiting](const json&, const CommandContext&, CommandReply reply) {
    waiting.push_back(std::move(reply));
  });
  r.addAsync("now", [](const json& args, const CommandContext&, CommandReply reply) {
    reply(makeAnswer(kResultSuccess, "now", args));
  });
  std::vector<std::string> texts;
  r.processTextAsync(R"({"command":"later","service":["dhcp4","dhcp6"]})", {},
                     [&](std::string t) { texts.push_back(t); });
  EXPECT_TRUE(texts.empty());
  ASSERT_EQ(waiting.size(), 1u);
  // Meanwhile other commands are answered at once.
  r.processTextAsync(R"({"command":"now"})", {}, [&](std::string t) { texts.push_back(t); });
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_EQ(json::parse(texts[0]), json::parse(R"({"result":0,"text":"now"})"));
  waiting[0](makeAnswer(kResultSuccess, "done"));
  ASSERT_EQ(texts.size(), 2u);
  EXPECT_EQ(json::parse(texts[1]), json::parse(R"([{"result":0,"text":"done"},
                            {"result":1,"text":"forwarding socket is not configured for the server type dhcp6"}])"));
  // The synchronous entry point cannot wait: a clear error, not a hang.
  auto a = r.execute("later", nullptr, {});
  EXPECT_EQ(a["result"], kResultError);
  EXPECT_NE(a["text"].get<std::string>().find("asynchronously"), std::string::npos);
  EXPECT_EQ(r.execute("now", json{{"x", 1}}, {}), json::parse(R"({"result":0,"text":"now","arguments":{"x":1}})"));
}

TEST(CommandRegistry, AsyncHandlerThatThrowsAfterReplyingAnswersOnce) {
  CommandRegistry r;
  r.addAsync("twice", [](const json&, const CommandContext&, CommandReply reply) {
    reply(makeAnswer(kResultSuccess, "first"));
    reply(makeAnswer(kResultSuccess, "second"));
    throw std::runtime_error("late failure");
  });
  int answers = 0;
  json last;
  r.executeAsync("twice", nullptr, {}, [&](json a) {
    ++answers;
    last = a;
  });
  EXPECT_EQ(answers, 1);
  EXPECT_EQ(last["text"], "first");
  r.addAsync("throws", [](const json&, const CommandContext&, CommandReply) { throw std::runtime_error("kaput"); });
  EXPECT_EQ(r.execute("throws", nullptr, {})["result"], kResultError);
}

TEST(KeaText, MatchesKeaLayout) {
  EXPECT_EQ(toKeaText(json::parse(R"({"arguments":{"leases":[]},"result":3,"text":"0 IPv4 lease(s) found."})")),
            R"({ "arguments": { "leases": [  ] }, "result": 3, "text": "0 IPv4 lease(s) found." })");
  EXPECT_EQ(toKeaText(json::parse(R"({"arguments":{},"result":0})")), R"({ "arguments": {  }, "result": 0 })");
  EXPECT_EQ(toKeaText(json::parse(R"([{"result":0,"text":"a\"b\n"}])")), R"([ { "result": 0, "text": "a\"b\n" } ])");
  EXPECT_EQ(toKeaText(json::parse(R"({"x":[1,2.5,true,null]})")), R"({ "x": [ 1, 2.5, true, null ] })");
}

// Strings (values and keys) are written without nlohmann's serializer when ASCII: byte for
// byte what its dump writes, for every byte value, and for UTF-8 valid or not.
TEST(KeaText, StringsAreWrittenAsNlohmannDumpsThem) {
  auto dumped = [](const std::string& s) { return json(s).dump(-1, ' ', false, json::error_handler_t::replace); };
  std::string all;
  for (int c = 0; c < 0x80; ++c) {
    const std::string one(1, static_cast<char>(c));
    all += one;
    EXPECT_EQ(toKeaText(json(one)), dumped(one)) << c;
    EXPECT_EQ(toKeaText(json{{one, 1}}), "{ " + dumped(one) + ": 1 }") << c;
  }
  EXPECT_EQ(toKeaText(json(all + all)), dumped(all + all));
  for (const std::string& s : {std::string(""), std::string("caf\xC3\xA9 \"q\"\n"), std::string("bad \xC3 utf-8\x01"),
                               std::string("rows,1\n2,&#x2c\n") + std::string(100000, 'x')}) {
    EXPECT_EQ(toKeaText(json(s)), dumped(s));
    EXPECT_EQ(toKeaText(json::array({json{{"k", s}}})), "[ { \"k\": " + dumped(s) + " } ]");
  }
}

// Kea's command_processed hook point: the observer sees the arguments and the answer, before
// the reply goes out, for the commands it observes only, synchronous or answering later.
TEST(CommandRegistry, ObserverSeesArgumentsAndAnswer) {
  CommandRegistry r;
  std::vector<CommandReply> waiting;
  r.add("sync", [](const json& args, const CommandContext&) { return makeAnswer(kResultSuccess, "s", args); });
  r.add("other", [](const json&, const CommandContext&) { return makeAnswer(kResultSuccess, "o"); });
  r.addAsync("later", [&waiting](const json&, const CommandContext&, CommandReply reply) {
    waiting.push_back(std::move(reply));
  });
  std::vector<std::string> seen;
  auto observer = [&seen](const std::string& name, const json& args, const json& answer) {
    seen.push_back(name + " " + args.dump() + " " + answer["text"].get<std::string>());
  };
  r.observe("sync", observer);
  r.observe("later", observer);
  r.observe("unknown", observer);
  std::vector<std::string> order;
  r.executeAsync("sync", json{{"a", 1}}, {},
                 [&](json) { order.push_back("reply after " + std::to_string(seen.size())); });
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], R"(sync {"a":1} s)");
  EXPECT_EQ(order, std::vector<std::string>{"reply after 1"});
  (void)r.execute("other", json{{"b", 2}}, {});
  (void)r.execute("unknown", nullptr, {});  // not registered: "not supported", no observer call
  EXPECT_EQ(seen.size(), 1u);
  {
    json args{{"kept", "yes"}};
    r.executeAsync("later", args, {}, [](json) {});
    args["kept"] = "changed";  // the caller's arguments may be gone when the answer comes
  }
  EXPECT_EQ(seen.size(), 1u);
  ASSERT_EQ(waiting.size(), 1u);
  waiting[0](makeAnswer(kResultEmpty, "done"));
  waiting[0](makeAnswer(kResultEmpty, "again"));  // replies once, observed once
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1], R"(later {"kept":"yes"} done)");
}

TEST(CommandRegistry, TextShortcutAnswersWhatItReadsAndDeclinesTheRest) {
  auto r = echoRegistry();
  std::mutex lock;
  r.setGuard(&lock);
  std::vector<std::string> offered;
  bool lockedInside = false;
  r.setTextShortcut([&](std::string_view body, const CommandContext& ctx, std::function<void(std::string)>& done) {
    offered.emplace_back(body);
    lockedInside = !lock.try_lock();
    if (!lockedInside) lock.unlock();
    if (body != "fast") return false;
    auto reply = std::move(done);
    reply("fast answer over " + ctx.transport);
    return true;
  });
  ASSERT_TRUE(r.hasTextShortcut());
  std::vector<std::string> answers;
  auto collect = [&answers](std::string a) { answers.push_back(std::move(a)); };
  r.processTextAsync("fast", CommandContext{"https", "", "", {}}, collect);
  // Declined: the ordinary path (parse, dispatch) answers, malformed text included.
  r.processTextAsync(R"({"command":"echo","arguments":{"x":1}})", CommandContext{"https", "", "", {}}, collect);
  r.processTextAsync("{", CommandContext{"https", "", "", {}}, collect);
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(answers[0], "fast answer over https");
  EXPECT_EQ(json::parse(answers[1])["arguments"]["x"], 1);
  EXPECT_EQ(json::parse(answers[2])["result"], 1);
  EXPECT_EQ(offered.size(), 3u);
  EXPECT_TRUE(lockedInside);  // it runs with the guard held, as handlers do
  // Observers are found for the shortcut to call; removing the shortcut restores the tree path.
  EXPECT_EQ(r.observerOf("echo"), nullptr);
  r.observe("echo", [](const std::string&, const json&, const json&) {});
  EXPECT_NE(r.observerOf("echo"), nullptr);
  r.setTextShortcut({});
  EXPECT_FALSE(r.hasTextShortcut());
  r.processTextAsync("fast", CommandContext{"https", "", "", {}}, collect);
  EXPECT_EQ(json::parse(answers.back())["result"], 1);
  EXPECT_EQ(offered.size(), 3u);
}

}  // namespace
}  // namespace tandem::api
