#include "sync/sync_answer_reader.h"

#include <cstdint>
#include <limits>
#include <string>

#include <fmt/format.h>

#include "sync/json_text.h"

namespace tandem::sync {

namespace {

Error malformed(std::string text) { return makeError(std::move(text), kMalformedAnswer); }

// The members of an answer the sync readers look at, as views into the body (StringMember
// is json_text's).
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

bool readArguments(JsonCursor& c, SyncArguments& a) {
  a = SyncArguments{};
  std::string key;
  return readObject(c, key, [&](std::string_view k) {
    if (k == "session") return readStringMember(c, a.session);
    if (k == "leases") return readStringMember(c, a.leases);
    if (k == "changes") return readStringMember(c, a.changes);
    if (k == "deleted") return readStringMember(c, a.deleted);
    if (k == "last" || k == "delta") {
      BoolMember& m = k == "last" ? a.last : a.delta;
      m.present = true;
      return c.boolean(m.isBool, m.value);
    }
    if (k == "total") {
      a.total = UnsignedMember{true, false, 0};
      const char n = c.peek();
      return n == '-' || (n >= '0' && n <= '9') ? c.unsignedNumber(a.total.isUnsigned, a.total.value) : c.skipValue(3);
    }
    return c.skipValue(3);
  });
}

bool readAnswerMap(JsonCursor& c, RawAnswer& a) {
  std::string key;
  return readObject(c, key, [&](std::string_view k) {
    if (k == "result") {
      a.resultInteger = false;
      const char n = c.peek();
      return n == '-' || (n >= '0' && n <= '9') ? c.number(a.resultInteger, a.result) : c.skipValue(2);
    }
    if (k == "text") {
      a.text.clear();
      if (c.peek() != '"') return c.skipValue(2);
      std::string_view raw;
      if (!c.rawString(raw)) return false;
      unescapeJson(raw, a.text);
      return true;
    }
    if (k == "arguments") {
      a.hasArguments = true;
      a.argumentsMap = c.peek() == '{';
      return a.argumentsMap ? readArguments(c, a.args) : c.skipValue(2);
    }
    return c.skipValue(2);
  });
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

Result<void> rowsInto(const StringMember& m, const char* key, std::string& buffer, std::vector<Lease>& out,
                      ParallelCsvReader* parallel = nullptr) {
  if (!m.present || !m.isString) return malformed(fmt::format("'{}' must be a string", key));
  unescapeJson(m.raw, buffer);
  if (auto rows = parallel ? parallel->read(buffer, out) : leasesFromCsvInto(buffer, out); !rows) {
    return malformed(fmt::format("{}: {}", key, rows.error().message));
  }
  return {};
}

Result<void> changesInto(const SyncArguments& a, std::string& buffer, ChangeLog::Changes& c) {
  // parseSyncPageAnswer's order: both strings present before either is read.
  if (!a.changes.present || !a.changes.isString) return malformed("'changes' must be a string");
  if (!a.deleted.present || !a.deleted.isString) return malformed("'deleted' must be a string");
  if (auto up = rowsInto(a.changes, "changes", buffer, c.upserts); !up) return up.error();
  return rowsInto(a.deleted, "deleted", buffer, c.deletes);
}

Result<void> readPage(std::string_view body, SyncPage& p, std::string& buffer, ParallelCsvReader* parallel) {
  auto a = readAnswer(body);
  if (!a) return a.error();
  const SyncArguments& args = a->args;
  if (!args.session.present || !args.session.isString) return malformed("'session' must be a string");
  unescapeJson(args.session.raw, p.session);
  if (auto leases = rowsInto(args.leases, "leases", buffer, p.leases, parallel); !leases) return leases.error();
  if (!args.last.present || !args.last.isBool) return malformed("'last' must be a boolean");
  p.last = args.last.value;
  p.delta = false;
  if (args.delta.present) {
    if (!args.delta.isBool) return malformed("'delta' must be a boolean");
    p.delta = args.delta.value;
  }
  p.total = 0;
  if (args.total.present) {
    if (!args.total.isUnsigned) return malformed("'total' must be a non-negative integer");
    p.total = args.total.value;
  }
  return changesInto(args, buffer, p.changes);
}

}  // namespace

Result<SyncPage> readSyncPageAnswer(std::string_view body) {
  SyncPage p;
  std::string buffer;
  if (auto r = readSyncPageAnswer(body, p, buffer); !r) return r.error();
  return p;
}

Result<void> readSyncPageAnswer(std::string_view body, SyncPage& p, std::string& buffer) {
  return readPage(body, p, buffer, nullptr);
}

Result<void> readSyncPageAnswer(std::string_view body, SyncPage& p, std::string& buffer, ParallelCsvReader& rows) {
  return readPage(body, p, buffer, &rows);
}

Result<ChangeLog::Changes> readSyncDoneAnswer(std::string_view body) {
  auto a = readAnswer(body);
  if (!a) return a.error();
  std::string buffer;
  ChangeLog::Changes c;
  if (auto r = changesInto(a->args, buffer, c); !r) return r.error();
  return c;
}

}  // namespace tandem::sync
