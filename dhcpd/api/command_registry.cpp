#include "dhcpd/api/command_registry.h"

#include "dhcpd/api/json_string.h"

#include <exception>
#include <memory>
#include <optional>
#include <utility>

namespace tandem::api {
namespace {

// Kea prefixes framing errors this way (command_interpreter.cc, BaseCommandMgr).
constexpr std::string_view kFramingPrefix = "Error during command processing: ";
// The only server type a tandemd serves; Control Agent requests name it in "service".
constexpr std::string_view kOwnService = "dhcp4";

Error framingError(std::string_view what) { return makeError(std::string(kFramingPrefix) + std::string(what)); }

// Collects the parser's message (with byte position) without throwing: untrusted input
// errors are values here, and the SAX interface hands the error over as an object.
class ErrorOnlySax : public nlohmann::json_sax<json> {
 public:
  std::string message = "invalid JSON";
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) override {
    message = ex.what();
    return false;
  }
};

std::string describeJsonError(std::string_view body) {
  ErrorOnlySax sax;
  json::sax_parse(body.begin(), body.end(), &sax, nlohmann::detail::input_format_t::json, true);
  return sax.message;
}

}  // namespace

// A JSON string as nlohmann's dump writes it (ensure_ascii off: '"', '\\', \b \f \n \r \t,
// other control characters as \u00xx), run by run instead of byte by byte through its
// serializer: a sync page's 5 MB of lease rows is one string (issue 11). Text with bytes
// >= 0x80 goes to dump, which checks the UTF-8 and replaces what is invalid.
void appendJsonString(std::string_view text, std::string& out) {
  for (unsigned char c : text) {
    if (c >= 0x80) {
      out += json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::replace);
      return;
    }
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + text.size() + 2);
  out += '"';
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    const char* run = p;
    while (p < end && static_cast<unsigned char>(*p) >= 0x20 && *p != '"' && *p != '\\') ++p;
    out.append(run, p);
    if (p == end) break;
    const auto c = static_cast<unsigned char>(*p++);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
    }
  }
  out += '"';
}

namespace {

void appendKeaText(const json& v, std::string& out) {
  switch (v.type()) {
    case json::value_t::object: {
      out += "{ ";
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) out += ", ";
        first = false;
        appendJsonString(it.key(), out);
        out += ": ";
        appendKeaText(it.value(), out);
      }
      out += " }";
      return;
    }
    case json::value_t::array: {
      out += "[ ";
      bool first = true;
      for (const auto& e : v) {
        if (!first) out += ", ";
        first = false;
        appendKeaText(e, out);
      }
      out += " ]";
      return;
    }
    case json::value_t::string: appendJsonString(v.get_ref<const std::string&>(), out); return;
    default: out += v.dump(-1, ' ', false, json::error_handler_t::replace);
  }
}

}  // namespace

std::string toKeaText(const json& value) {
  std::string out;
  appendKeaText(value, out);
  return out;
}

json makeAnswer(int code, std::string_view text, json args) {
  json a = json::object();
  a["result"] = code;
  a["text"] = std::string(text);
  if (!args.is_null()) a["arguments"] = std::move(args);
  return a;
}

json makeAnswerNoText(int code, json args) {
  json a = json::object();
  a["result"] = code;
  if (!args.is_null()) a["arguments"] = std::move(args);
  return a;
}

Result<ParsedCommand> parseCommand(const json& request) {
  if (!request.is_object()) return framingError("Invalid command Element specified, expected map");
  auto cmd = request.find("command");
  if (cmd == request.end()) {
    // Kea's own wording, kept so scripts matching on it keep working.
    return framingError("Invalid answer specified, does not contain mandatory 'command'");
  }
  if (!cmd->is_string()) return framingError("'command' element in command message is not a string");
  ParsedCommand out;
  out.name = cmd->get<std::string>();
  if (out.name.empty()) return framingError("'command' element in command message is empty");
  for (auto it = request.begin(); it != request.end(); ++it) {
    const std::string& key = it.key();
    if (key == "command") continue;
    if (key == "arguments") {
      if (!it->is_object() && !it->is_null()) {
        return framingError("'arguments' must be a map");
      }
      out.arguments = *it;
    } else if (key == "service") {
      if (!it->is_array()) return framingError("'service' must be a list");
      std::vector<std::string> services;
      for (const auto& s : *it) {
        if (!s.is_string()) return framingError("'service' list must contain strings");
        services.push_back(s.get<std::string>());
      }
      out.services = std::move(services);
    } else if (key == "remote-address") {
      // Added by Kea's Control Agent when it forwards a request; informational only.
    } else {
      return framingError("Received command contains unsupported parameter '" + key + "'");
    }
  }
  return out;
}

void CommandRegistry::add(std::string name, CommandHandler handler) {
  handlers_[std::move(name)] = [handler = std::move(handler)](const json& args, const CommandContext& ctx,
                                                              CommandReply reply) { reply(handler(args, ctx)); };
}

void CommandRegistry::addAsync(std::string name, AsyncCommandHandler handler) {
  handlers_[std::move(name)] = std::move(handler);
}

void CommandRegistry::observe(std::string name, CommandObserver observer) {
  observers_[std::move(name)] = std::move(observer);
}

bool CommandRegistry::remove(std::string_view name) {
  auto it = handlers_.find(name);
  if (it == handlers_.end()) return false;
  handlers_.erase(it);
  return true;
}

bool CommandRegistry::has(std::string_view name) const { return handlers_.find(name) != handlers_.end(); }

bool CommandRegistry::tryTextShortcut(std::string_view body, const CommandContext& ctx,
                                      std::function<void(std::string)>& done) const {
  if (!shortcut_) return false;
  std::unique_lock<std::mutex> held;
  if (guard_) held = std::unique_lock<std::mutex>(*guard_);
  return shortcut_(body, ctx, done);
}

const CommandObserver* CommandRegistry::observerOf(std::string_view name) const {
  auto it = observers_.find(name);
  return it == observers_.end() || !it->second ? nullptr : &it->second;
}

std::vector<std::string> CommandRegistry::names() const {
  std::vector<std::string> out;
  out.reserve(handlers_.size());
  for (const auto& [name, handler] : handlers_) out.push_back(name);
  return out;
}

void CommandRegistry::executeAsync(const std::string& name, const json& args, const CommandContext& ctx,
                                   CommandReply reply) const {
  auto it = handlers_.find(name);
  if (it == handlers_.end()) return reply(makeAnswer(kResultUnsupported, "'" + name + "' command not supported."));
  // A handler that throws after replying must not reply twice.
  struct Call {
    bool replied = false;
    const json* args = nullptr;  // the caller's while the handler runs, else `kept`
    json kept;
  };
  auto call = std::make_shared<Call>();
  call->args = &args;
  auto seen = observers_.find(name);
  const CommandObserver* observer = seen == observers_.end() ? nullptr : &seen->second;
  auto once = [call, reply, observer, name](json answer) {
    if (call->replied) return;
    call->replied = true;
    if (observer && *observer) (*observer)(name, *call->args, answer);
    reply(std::move(answer));
  };
  std::unique_lock<std::mutex> held;
  if (guard_) held = std::unique_lock<std::mutex>(*guard_);
  try {
    it->second(args, ctx, once);
  } catch (const std::exception& e) {
    once(makeAnswer(kResultError, std::string(kFramingPrefix) + e.what()));
  }
  // Answering later: the caller's arguments are gone by then, so the observer gets a copy.
  if (observer && !call->replied) {
    call->kept = args;
    call->args = &call->kept;
  }
}

json CommandRegistry::execute(const std::string& name, const json& args, const CommandContext& ctx) const {
  std::optional<json> answer;
  executeAsync(name, args, ctx, [&answer](json a) { answer = std::move(a); });
  if (!answer) return makeAnswer(kResultError, "'" + name + "' answers asynchronously; not available here");
  return std::move(*answer);
}

void CommandRegistry::processAsync(const json& request, CommandContext ctx, CommandReply done) const {
  auto parsed = parseCommand(request);
  if (!parsed) {
    json answer = makeAnswer(kResultError, parsed.error().message);
    // A malformed request that still said "service" came from a CA-style client that
    // expects a list; anything else gets the bare map, as Kea's daemons answer.
    bool listStyle = request.is_object() && request.contains("service") && request["service"].is_array();
    return done(listStyle ? json::array({std::move(answer)}) : answer);
  }
  if (!parsed->services) return executeAsync(parsed->name, parsed->arguments, ctx, std::move(done));

  ctx.services = *parsed->services;
  // One answer per named service, in order, as the Control Agent does; tandemd is only
  // ever the dhcp4 server, so other server types get the CA's "not configured" error.
  std::vector<std::string> services = *parsed->services;
  if (services.empty()) services.push_back(std::string(kOwnService));
  struct Pending {
    json list;
    std::size_t missing;
    CommandReply done;
  };
  auto pending = std::make_shared<Pending>(Pending{json::array(), services.size(), std::move(done)});
  for (std::size_t i = 0; i < services.size(); ++i) pending->list.push_back(nullptr);
  auto settle = [pending](std::size_t i, json answer) {
    pending->list[i] = std::move(answer);
    if (--pending->missing == 0) pending->done(std::move(pending->list));
  };
  for (std::size_t i = 0; i < services.size(); ++i) {
    if (services[i] == kOwnService) {
      executeAsync(parsed->name, parsed->arguments, ctx, [settle, i](json a) { settle(i, std::move(a)); });
    } else {
      settle(i, makeAnswer(kResultError, "forwarding socket is not configured for the server type " + services[i]));
    }
  }
}

json CommandRegistry::process(const json& request, CommandContext ctx) const {
  std::optional<json> answer;
  processAsync(request, std::move(ctx), [&answer](json a) { answer = std::move(a); });
  if (!answer) return makeAnswer(kResultError, "the command answers asynchronously; not available here");
  return std::move(*answer);
}

void CommandRegistry::processTextAsync(std::string_view body, CommandContext ctx,
                                       std::function<void(std::string)> done) const {
  if (tryTextShortcut(body, ctx, done)) return;
  json request = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded()) return done(toKeaText(makeAnswer(kResultError, describeJsonError(body))));
  // Invalid UTF-8 in strings is replaced rather than making the dump throw.
  processAsync(request, std::move(ctx), [done = std::move(done)](json answer) { done(toKeaText(answer)); });
}

std::string CommandRegistry::processText(std::string_view body, CommandContext ctx) const {
  json request = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded()) {
    return toKeaText(makeAnswer(kResultError, describeJsonError(body)));
  }
  // Invalid UTF-8 in strings is replaced rather than making the dump throw.
  return toKeaText(process(request, std::move(ctx)));
}

}  // namespace tandem::api
