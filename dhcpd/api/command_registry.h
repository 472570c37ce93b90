#pragma once
// Kea-style command channel core: a name -> handler table plus the request/answer framing
// shared by every transport (UNIX socket, HTTP, HTTPS).
//
// Wiring in the composition root (dhcpd/main.cpp), all on the daemon's io_context thread:
//
//   api::CommandRegistry registry;
//   api::registerDaemonCommands(registry, control);       // daemon_commands.h
//   api::registerLeaseCommands(registry, control);        // lease_commands.h
//   api::registerReservationCommands(registry, control);  // reservation_commands.h
//   api::registerStatCommands(registry, control);         // stat_commands.h
//   net::ControlServer server(ioContext, registry, logger);  // dhcpd/net/control_server.h
//   server.listen(cfg.controlSockets);                    // throws on bind/TLS errors
//
// Handlers are not thread-safe: they must all run on one thread (or one strand).
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "dhcpd/common/control_result.h"
#include "dhcpd/common/result.h"

namespace tandem::api {

using json = nlohmann::json;

using enum ::tandem::ControlResult;

// Who is asking, for logging and for handlers that behave differently by transport
// (e.g. peer HA commands arriving over HTTP).
struct CommandContext {
  std::string transport;              // "unix", "http", "https", "test"
  std::string remote;                 // peer address or socket path
  std::string user;                   // basic-auth user, "" when none
  std::vector<std::string> services;  // the request's "service" list, empty when absent
};

// `args` is null when the request had no "arguments" (Kea distinguishes "missing" from "{}").
using CommandHandler = std::function<json(const json& args, const CommandContext& ctx)>;

// A command that answers later (after a partner's answer, a sync run): it calls `reply`
// exactly once, on the command thread, possibly before returning. The daemon keeps serving
// DHCP and other commands meanwhile: nothing waits for the network inside a handler.
using CommandReply = std::function<void(json answer)>;
using AsyncCommandHandler = std::function<void(const json& args, const CommandContext& ctx, CommandReply reply)>;

// Sees a command's arguments and answer once it answered (Kea's command_processed hook point,
// where the forensic log hook writes its lease command lines).
using CommandObserver = std::function<void(const std::string& name, const json& args, const json& answer)>;

// Adapts a handler that needs only the object it acts on (e.g. the ServerControl) and the
// arguments, so command groups register plain functions.
template <class Target>
CommandHandler bindTarget(Target& target, json (*fn)(Target&, const json&)) {
  return [&target, fn](const json& args, const CommandContext&) { return fn(target, args); };
}

// {"result": code, "text": text} and, when args is not null, "arguments": args.
json makeAnswer(int code, std::string_view text, json args = nullptr);
// Kea answers some commands without a text ({"arguments": ..., "result": 0}).
json makeAnswerNoText(int code, json args);

// JSON text in Kea's layout ({ "key": value, ... }, [ 1, 2 ], empty map "{  }"), so scripts
// that grep Kea's socket output ('"result": 0') work unchanged against tandemd.
std::string toKeaText(const json& value);

struct ParsedCommand {
  std::string name;
  json arguments;                                    // null when absent
  std::optional<std::vector<std::string>> services;  // present only when "service" was given
};

// Validates a request document: a map with a string "command", optional map "arguments",
// optional list-of-strings "service", nothing else. Errors carry the text for a result-1 answer.
[[nodiscard]] Result<ParsedCommand> parseCommand(const json& request);

class CommandRegistry {
 public:
  // Replaces an existing handler of the same name (HA re-registers on reconfiguration).
  void add(std::string name, CommandHandler handler);
  void addAsync(std::string name, AsyncCommandHandler handler);
  bool remove(std::string_view name);
  // Calls `observer` after each execution of command `name` (another observer of that name
  // replaces it), on the command thread, before the reply goes out. Observing costs nothing
  // for other commands, and a copy of the arguments only when the command answers later.
  void observe(std::string name, CommandObserver observer);
  bool has(std::string_view name) const;
  // A shortcut past the JSON tree for request texts that have a direct reader (the partner's
  // tandem-lease4-bulk-apply: sync/bulk_apply_reader.h, issue 11): processTextAsync offers it
  // every body first. It either answers the body itself (moves `done` out, calls it with the
  // answer text, possibly later, and returns true) or declines (returns false, `done`
  // untouched): the body then takes the ordinary path, whose answers stay the reference. It
  // runs with the guard held, like a handler, and must call the command's observer itself
  // (observerOf). One shortcut per registry; an empty function removes it.
  using TextShortcut =
      std::function<bool(std::string_view body, const CommandContext& ctx, std::function<void(std::string)>& done)>;
  void setTextShortcut(TextShortcut shortcut) { shortcut_ = std::move(shortcut); }
  bool hasTextShortcut() const noexcept { return static_cast<bool>(shortcut_); }
  // Offers `body` to the shortcut (guard held): true when it answered.
  bool tryTextShortcut(std::string_view body, const CommandContext& ctx, std::function<void(std::string)>& done) const;
  // The observer of command `name`, nullptr when none.
  const CommandObserver* observerOf(std::string_view name) const;
  // Every handler runs with `lock` held (the daemon's shared-state lock while several packet
  // workers run, daemon/packet_worker.h); null: none. A later answer (an asynchronous
  // handler's) is given without it.
  void setGuard(std::mutex* lock) noexcept { guard_ = lock; }
  // Sorted, like Kea's list-commands.
  std::vector<std::string> names() const;

  // Runs one command; unknown names answer result 2 as Kea does. A handler that throws
  // (a bug, or nlohmann type errors on odd input) yields result 1, never a dead connection.
  // An asynchronous command that has not answered when its handler returns yields a
  // result-1 answer here: transports use executeAsync / processTextAsync.
  json execute(const std::string& name, const json& args, const CommandContext& ctx) const;
  void executeAsync(const std::string& name, const json& args, const CommandContext& ctx, CommandReply reply) const;

  // Full request processing on a document: validation, dispatch, and the Control Agent
  // framing (a request carrying "service" is answered with a one-element list).
  json process(const json& request, CommandContext ctx) const;
  // Same from raw bytes; malformed JSON answers result 1 with the parser's message.
  std::string processText(std::string_view body, CommandContext ctx) const;
  // The same for every transport: `done` gets the answer text once every command answered.
  void processAsync(const json& request, CommandContext ctx, CommandReply done) const;
  void processTextAsync(std::string_view body, CommandContext ctx, std::function<void(std::string)> done) const;

 private:
  std::map<std::string, AsyncCommandHandler, std::less<>> handlers_;
  std::map<std::string, CommandObserver, std::less<>> observers_;
  TextShortcut shortcut_;
  std::mutex* guard_ = nullptr;
};

}  // namespace tandem::api
