#include "sync/bulk_apply_reader.h"

#include "sync/json_text.h"
#include "sync/tandem_sync_json.h"

namespace tandem::sync {

namespace {

// A member of the arguments map: its last copy (nlohmann keeps the last of repeated keys).
struct StringMember {
  bool present = false;
  bool isString = false;
  std::string_view raw;
};

bool readMember(JsonCursor& c, StringMember& m) {
  m = StringMember{true, false, {}};
  if (c.peek() != '"') return c.skipValue(3);
  m.isString = true;
  return c.rawString(m.raw);
}

struct RawArguments {
  StringMember serverName, leases, deleted;
};

bool readArguments(JsonCursor& c, RawArguments& a) {
  if (!c.eat('{')) return false;
  if (c.eat('}')) return true;
  std::string key;
  do {
    std::string_view rawKey;
    if (!c.rawString(rawKey) || !c.eat(':')) return false;
    unescapeJson(rawKey, key);
    bool ok = true;
    if (key == "server-name") {
      ok = readMember(c, a.serverName);
    } else if (key == "leases") {
      ok = readMember(c, a.leases);
    } else if (key == "deleted") {
      ok = readMember(c, a.deleted);
    } else {
      ok = c.skipValue(3);  // parseBulkApplyRequest ignores other members
    }
    if (!ok) return false;
  } while (c.eat(','));
  return c.eat('}');
}

// "service": a list of strings; `dhcp4Only` when it is exactly ["dhcp4"], the one list this
// reader answers like the registry (any other list is declined).
bool readService(JsonCursor& c, bool& dhcp4Only) {
  dhcp4Only = false;
  if (!c.eat('[')) return false;
  if (c.eat(']')) return true;
  std::size_t n = 0;
  bool allDhcp4 = true;
  std::string name;
  do {
    std::string_view raw;
    if (c.peek() != '"') return false;  // not a string: the registry refuses it, we decline
    if (!c.rawString(raw)) return false;
    unescapeJson(raw, name);
    allDhcp4 = allDhcp4 && name == "dhcp4";
    ++n;
  } while (c.eat(','));
  if (!c.eat(']')) return false;
  dhcp4Only = n == 1 && allDhcp4;
  return true;
}

std::optional<std::string> unescaped(const StringMember& m) {
  if (!m.present) return std::nullopt;
  std::string out;
  unescapeJson(m.raw, out);
  return out;
}

}  // namespace

json BulkApplyCommand::observedArguments() const {
  json args = json::object();
  if (serverName) args["server-name"] = *serverName;
  if (leases) args["leases"] = *leases;
  if (deleted) args["deleted"] = *deleted;
  return args;
}

std::optional<BulkApplyCommand> readBulkApplyCommand(std::string_view body) {
  // Every command body reaching the registry passes here: one search sends the others (a
  // config-set's megabytes, a heartbeat) their way without reading them as JSON. A name
  // written with escapes is missed and goes the tree's way, which reads it right.
  if (body.find(kBulkApplyCommand) == std::string_view::npos) return std::nullopt;
  JsonCursor c(body);
  if (!c.eat('{')) return std::nullopt;
  if (c.eat('}')) return std::nullopt;
  bool isBulk = false, hasArguments = false, hasService = false, serviceOk = false;
  RawArguments args;
  std::string key, name;
  do {
    std::string_view rawKey;
    if (!c.rawString(rawKey) || !c.eat(':')) return std::nullopt;
    unescapeJson(rawKey, key);
    if (key == "command") {
      std::string_view raw;
      if (c.peek() != '"' || !c.rawString(raw)) return std::nullopt;
      unescapeJson(raw, name);
      // Any other command goes the ordinary way at once (most bodies stop here, after a few
      // bytes); a later repeated "command" would win in the tree, which the registry handles.
      if (name != kBulkApplyCommand) return std::nullopt;
      isBulk = true;
    } else if (key == "arguments") {
      // Not a map (null included): the tree path's error answer.
      if (c.peek() != '{') return std::nullopt;
      args = RawArguments{};
      if (!readArguments(c, args)) return std::nullopt;
      hasArguments = true;
    } else if (key == "service") {
      hasService = true;
      if (c.peek() != '[' || !readService(c, serviceOk)) return std::nullopt;
    } else if (key == "remote-address") {
      if (!c.skipValue(2)) return std::nullopt;
    } else {
      return std::nullopt;  // the registry refuses unknown members
    }
  } while (c.eat(','));
  if (!c.eat('}') || !c.atEnd()) return std::nullopt;
  if (!isBulk || !hasArguments || (hasService && !serviceOk)) return std::nullopt;
  const bool stringsOnly = (!args.serverName.present || args.serverName.isString) &&
                           (!args.leases.present || args.leases.isString) &&
                           (!args.deleted.present || args.deleted.isString);
  if (!stringsOnly) return std::nullopt;

  BulkApplyCommand cmd;
  cmd.listAnswer = hasService;
  cmd.serverName = unescaped(args.serverName);
  cmd.leases = unescaped(args.leases);
  cmd.deleted = unescaped(args.deleted);
  // The rows and the duplicate rule exactly as parseBulkApplyRequest applies them.
  auto req = bulkApplyRequestOf(cmd.serverName, cmd.leases, cmd.deleted);
  if (!req) return std::nullopt;
  cmd.request = std::move(*req);
  return cmd;
}

}  // namespace tandem::sync
