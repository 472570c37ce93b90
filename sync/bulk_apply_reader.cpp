#include "sync/bulk_apply_reader.h"

#include "sync/json_text.h"
#include "sync/tandem_sync_json.h"

namespace tandem::sync {

namespace {

struct RawArguments {
  StringMember serverName, leases, deleted;
};

bool readArguments(JsonCursor& c, RawArguments& a) {
  std::string key;
  return readObject(c, key, [&](std::string_view k) {
    if (k == "server-name") return readStringMember(c, a.serverName);
    if (k == "leases") return readStringMember(c, a.leases);
    if (k == "deleted") return readStringMember(c, a.deleted);
    return c.skipValue(3);  // parseBulkApplyRequest ignores other members
  });
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
  if (c.peek() != '{') return std::nullopt;
  bool isBulk = false, hasArguments = false, hasService = false, serviceOk = false, members = false;
  RawArguments args;
  std::string key, name;
  const bool read = readObject(c, key, [&](std::string_view k) {
    members = true;
    if (k == "command") {
      std::string_view raw;
      if (c.peek() != '"' || !c.rawString(raw)) return false;
      unescapeJson(raw, name);
      // Any other command goes the ordinary way at once (most bodies stop here, after a few
      // bytes); a later repeated "command" would win in the tree, which the registry handles.
      if (name != kBulkApplyCommand) return false;
      isBulk = true;
      return true;
    }
    if (k == "arguments") {
      // Not a map (null included): the tree path's error answer.
      if (c.peek() != '{') return false;
      args = RawArguments{};
      hasArguments = true;
      return readArguments(c, args);
    }
    if (k == "service") {
      hasService = true;
      return c.peek() == '[' && readService(c, serviceOk);
    }
    if (k == "remote-address") return c.skipValue(2);
    return false;  // the registry refuses unknown members
  });
  if (!read || !members || !c.atEnd()) return std::nullopt;
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
