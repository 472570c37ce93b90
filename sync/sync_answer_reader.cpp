#include "sync/sync_answer_reader.h"

#include <cstdint>
#include <limits>
#include <string>

#include <fmt/format.h>

#include "sync/json_text.h"

namespace tandem::sync {

namespace {

Error malformed(std::string text) { return makeError(std::move(text), kMalformedAnswer); }

// The members of an answer the sync readers look at, as views into the body.
struct StringMember {
  bool present = false;
  bool isString = false;
  std::string_view raw;
};
struct BoolMember {
  bool present = false;
  bool isBool = false;
  bool value = false;
};
struct UnsignedMember {
  bool present = false;
  bool isUnsigned = false;
  std::uint64_t value = 0;
};
struct SyncArguments {
  StringMember session, leases, changes, deleted;
  BoolMember last, delta;
  UnsignedMember total;
};
struct RawAnswer {
  bool resultInteger = false;
  std::int64_t result = 0;
  std::string text;
  bool hasArguments = false;
  bool argumentsMap = false;
  SyncArguments args;
};

bool readString(JsonCursor& c, StringMember& m) {
  m = StringMember{true, false, {}};
  if (c.peek() != '"') return c.skipValue(3);
  m.isString = true;
  return c.rawString(m.raw);
}

bool readArguments(JsonCursor& c, SyncArguments& a) {
  a = SyncArguments{};
  if (!c.eat('{')) return false;
  if (c.eat('}')) return true;
  std::string key;
  do {
    std::string_view rawKey;
    if (!c.rawString(rawKey) || !c.eat(':')) return false;
    unescapeJson(rawKey, key);
    bool ok = true;
    if (key == "session") {
      ok = readString(c, a.session);
    } else if (key == "leases") {
      ok = readString(c, a.leases);
    } else if (key == "changes") {
      ok = readString(c, a.changes);
    } else if (key == "deleted") {
      ok = readString(c, a.deleted);
    } else if (key == "last" || key == "delta") {
      BoolMember& m = key == "last" ? a.last : a.delta;
      m.present = true;
      ok = c.boolean(m.isBool, m.value);
    } else if (key == "total") {
      a.total = UnsignedMember{true, false, 0};
      const char n = c.peek();
      ok = n == '-' || (n >= '0' && n <= '9') ? c.unsignedNumber(a.total.isUnsigned, a.total.value) : c.skipValue(3);
    } else {
      ok = c.skipValue(3);
    }
    if (!ok) return false;
  } while (c.eat(','));
  return c.eat('}');
}

bool readAnswerMap(JsonCursor& c, RawAnswer& a) {
  if (!c.eat('{')) return false;
  if (c.eat('}')) return true;
  std::string key;
  do {
    std::string_view rawKey;
    if (!c.rawString(rawKey) || !c.eat(':')) return false;
    unescapeJson(rawKey, key);
    bool ok = true;
    if (key == "result") {
      a.resultInteger = false;
      const char n = c.peek();
      if (n == '-' || (n >= '0' && n <= '9')) {
        ok = c.number(a.resultInteger, a.result);
      } else {
        ok = c.skipValue(2);
      }
    } else if (key == "text") {
      a.text.clear();
      if (c.peek() == '"') {
        std::string_view raw;
        ok = c.rawString(raw);
        if (ok) unescapeJson(raw, a.text);
      } else {
        ok = c.skipValue(2);
      }
    } else if (key == "arguments") {
      a.hasArguments = true;
      a.argumentsMap = c.peek() == '{';
      ok = a.argumentsMap ? readArguments(c, a.args) : c.skipValue(2);
    } else {
      ok = c.skipValue(2);
    }
    if (!ok) return false;
  } while (c.eat(','));
  return c.eat('}');
}

// The body as PeerClient's interpretAnswer and parsePeerAnswer take it.
Result<RawAnswer> readAnswer(std::string_view body) {
  JsonCursor c(body);
  RawAnswer a;
  if (c.peek() == '[') {
    (void)c.eat('[');
    if (c.peek() != '{') return malformed("peer answer must be a list holding one map");
    if (!readAnswerMap(c, a)) return malformed("peer answered with invalid JSON");
    while (c.eat(',')) {
      if (!c.skipValue(1)) return malformed("peer answered with invalid JSON");
    }
    if (!c.eat(']')) return malformed("peer answered with invalid JSON");
  } else if (c.peek() == '{') {
    if (!readAnswerMap(c, a)) return malformed("peer answered with invalid JSON");
  } else {
    return malformed("peer answer must be a list holding one map");
  }
  if (!c.atEnd()) return malformed("peer answered with invalid JSON");
  if (!a.resultInteger || a.result < std::numeric_limits<int>::min() || a.result > std::numeric_limits<int>::max()) {
    return malformed("peer answer has no integer 'result'");
  }
  if (a.result != kResultSuccess) {
    return makeError(fmt::format("result {}: {}", a.result, a.text), static_cast<int>(a.result));
  }
  if (!a.hasArguments || !a.argumentsMap) return malformed("answer has no arguments");
  return a;
}

Result<std::vector<Lease>> rowsOf(const StringMember& m, const char* key, std::string& buffer) {
  if (!m.present || !m.isString) return malformed(fmt::format("'{}' must be a string", key));
  unescapeJson(m.raw, buffer);
  auto rows = leasesFromCsv(buffer);
  if (!rows) return malformed(fmt::format("{}: {}", key, rows.error().message));
  return rows;
}

Result<ChangeLog::Changes> changesOf(const SyncArguments& a, std::string& buffer) {
  // parseSyncPageAnswer's order: both strings present before either is read.
  if (!a.changes.present || !a.changes.isString) return malformed("'changes' must be a string");
  if (!a.deleted.present || !a.deleted.isString) return malformed("'deleted' must be a string");
  ChangeLog::Changes c;
  auto up = rowsOf(a.changes, "changes", buffer);
  if (!up) return up.error();
  auto del = rowsOf(a.deleted, "deleted", buffer);
  if (!del) return del.error();
  c.upserts = std::move(*up);
  c.deletes = std::move(*del);
  return c;
}

}  // namespace

Result<SyncPage> readSyncPageAnswer(std::string_view body) {
  auto a = readAnswer(body);
  if (!a) return a.error();
  const SyncArguments& args = a->args;
  SyncPage p;
  if (!args.session.present || !args.session.isString) return malformed("'session' must be a string");
  unescapeJson(args.session.raw, p.session);
  std::string buffer;
  auto leases = rowsOf(args.leases, "leases", buffer);
  if (!leases) return leases.error();
  p.leases = std::move(*leases);
  if (!args.last.present || !args.last.isBool) return malformed("'last' must be a boolean");
  p.last = args.last.value;
  if (args.delta.present) {
    if (!args.delta.isBool) return malformed("'delta' must be a boolean");
    p.delta = args.delta.value;
  }
  if (args.total.present) {
    if (!args.total.isUnsigned) return malformed("'total' must be a non-negative integer");
    p.total = args.total.value;
  }
  auto c = changesOf(args, buffer);
  if (!c) return c.error();
  p.changes = std::move(*c);
  return p;
}

Result<ChangeLog::Changes> readSyncDoneAnswer(std::string_view body) {
  auto a = readAnswer(body);
  if (!a) return a.error();
  std::string buffer;
  return changesOf(a->args, buffer);
}

}  // namespace tandem::sync
