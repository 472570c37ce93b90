#include "sync/sync_answer_reader.h"

#include <charconv>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

#include <fmt/format.h>

namespace tandem::sync {

namespace {

Error malformed(std::string text) { return makeError(std::move(text), kMalformedAnswer); }

int hexDigit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 8259 JSON text, checked as nlohmann's parser checks it (strings: no raw control
// characters, valid escapes and surrogate pairs, well-formed UTF-8 per RFC 3629).
class JsonCursor {
 public:
  explicit JsonCursor(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {
    // nlohmann skips a UTF-8 byte order mark before the value.
    if (text.size() >= 3 && std::memcmp(p_, "\xEF\xBB\xBF", 3) == 0) p_ += 3;
  }

  void ws() noexcept {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }
  // The next significant character (0 at the end).
  char peek() noexcept {
    ws();
    return p_ < end_ ? *p_ : '\0';
  }
  bool eat(char c) noexcept {
    if (peek() != c) return false;
    ++p_;
    return true;
  }
  bool atEnd() noexcept {
    ws();
    return p_ == end_;
  }

  // At '"': the string's text between the quotes, still escaped.
  bool rawString(std::string_view& raw) noexcept {
    if (peek() != '"') return false;
    const char* start = ++p_;
    while (p_ < end_) {
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        raw = std::string_view(start, static_cast<std::size_t>(p_ - start));
        ++p_;
        return true;
      }
      if (c == '\\') {
        if (!escape()) return false;
      } else if (c < 0x20) {
        return false;
      } else if (c < 0x80) {
        ++p_;
      } else if (!utf8()) {
        return false;
      }
    }
    return false;
  }

  // true / false; anything else leaves isBool false (and must still be a value).
  bool boolean(bool& isBool, bool& value) noexcept {
    isBool = false;
    const char c = peek();
    if (c == 't' || c == 'f') {
      if (!word(c == 't' ? "true" : "false")) return false;
      isBool = true;
      value = c == 't';
      return true;
    }
    return skipValue(3);
  }

  // A number; `integer` when it has neither fraction nor exponent and fits 64 bits (nlohmann
  // keeps larger ones as float).
  bool number(bool& integer, std::int64_t& value) noexcept {
    ws();
    const char* start = p_;
    if (p_ < end_ && *p_ == '-') ++p_;
    if (p_ == end_) return false;
    if (*p_ == '0') {
      ++p_;
    } else if (*p_ >= '1' && *p_ <= '9') {
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    } else {
      return false;
    }
    integer = true;
    if (p_ < end_ && *p_ == '.') {
      integer = false;
      ++p_;
      if (!digits()) return false;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      integer = false;
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!digits()) return false;
    }
    if (integer) {
      auto [q, ec] = std::from_chars(start, p_, value);
      if (ec != std::errc() || q != p_) {
        // Beyond int64: nlohmann reads it as unsigned (an integer, whose int conversion is
        // meaningless for a result code) or float; neither is a usable result.
        integer = false;
      }
    }
    return true;
  }

  // A number that nlohmann reads as unsigned (no sign, fraction or exponent, fits 64 bits);
  // any other number leaves isUnsigned false.
  bool unsignedNumber(bool& isUnsigned, std::uint64_t& value) noexcept {
    const char c = peek();
    const char* start = p_;
    bool integer = false;
    std::int64_t ignored = 0;
    if (!number(integer, ignored)) return false;
    isUnsigned = false;
    if (c == '-' || !integer) return true;
    auto [q, ec] = std::from_chars(start, p_, value);
    isUnsigned = ec == std::errc() && q == p_;
    return true;
  }

  bool skipValue(int depth) noexcept {
    if (depth > kMaxAnswerDepth) return false;
    switch (peek()) {
      case '"': {
        std::string_view ignored;
        return rawString(ignored);
      }
      case '{':
        ++p_;
        if (eat('}')) return true;
        do {
          std::string_view key;
          if (!rawString(key) || !eat(':') || !skipValue(depth + 1)) return false;
        } while (eat(','));
        return eat('}');
      case '[':
        ++p_;
        if (eat(']')) return true;
        do {
          if (!skipValue(depth + 1)) return false;
        } while (eat(','));
        return eat(']');
      case 't': return word("true");
      case 'f': return word("false");
      case 'n': return word("null");
      default: {
        bool integer = false;
        std::int64_t v = 0;
        return number(integer, v);
      }
    }
  }

 private:
  bool word(std::string_view w) noexcept {
    if (static_cast<std::size_t>(end_ - p_) < w.size() || std::memcmp(p_, w.data(), w.size()) != 0) return false;
    p_ += w.size();
    return true;
  }

  bool digits() noexcept {
    const char* start = p_;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    return p_ != start;
  }

  // At '\\'.
  bool escape() noexcept {
    if (end_ - p_ < 2) return false;
    switch (p_[1]) {
      case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
        p_ += 2;
        return true;
      case 'u': {
        unsigned cp = 0;
        if (!hex4(p_ + 2, cp)) return false;
        p_ += 6;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a low surrogate alone
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          unsigned low = 0;
          if (end_ - p_ < 6 || p_[0] != '\\' || p_[1] != 'u' || !hex4(p_ + 2, low) || low < 0xDC00 || low > 0xDFFF) {
            return false;
          }
          p_ += 6;
        }
        return true;
      }
      default: return false;
    }
  }

  bool hex4(const char* at, unsigned& cp) const noexcept {
    if (end_ - at < 4) return false;
    cp = 0;
    for (int i = 0; i < 4; ++i) {
      const int h = hexDigit(at[i]);
      if (h < 0) return false;
      cp = cp << 4 | static_cast<unsigned>(h);
    }
    return true;
  }

  // At a byte >= 0x80: one well-formed UTF-8 sequence (RFC 3629 table).
  bool utf8() noexcept {
    const auto b = [this](std::ptrdiff_t i) { return static_cast<unsigned char>(p_[i]); };
    const auto c0 = b(0);
    std::ptrdiff_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // bounds of the second byte
    if (c0 >= 0xC2 && c0 <= 0xDF) {
      n = 2;
    } else if (c0 == 0xE0) {
      n = 3;
      lo = 0xA0;
    } else if ((c0 >= 0xE1 && c0 <= 0xEC) || c0 == 0xEE || c0 == 0xEF) {
      n = 3;
    } else if (c0 == 0xED) {
      n = 3;
      hi = 0x9F;
    } else if (c0 == 0xF0) {
      n = 4;
      lo = 0x90;
    } else if (c0 >= 0xF1 && c0 <= 0xF3) {
      n = 4;
    } else if (c0 == 0xF4) {
      n = 4;
      hi = 0x8F;
    } else {
      return false;
    }
    if (end_ - p_ < n) return false;
    if (b(1) < lo || b(1) > hi) return false;
    for (std::ptrdiff_t i = 2; i < n; ++i) {
      if (b(i) < 0x80 || b(i) > 0xBF) return false;
    }
    p_ += n;
    return true;
  }

  const char* p_;
  const char* end_;
};

void appendUtf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | cp >> 6);
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | cp >> 12);
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | cp >> 18);
    out += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

unsigned hex4(const char* p) {
  unsigned cp = 0;
  for (int i = 0; i < 4; ++i) cp = cp << 4 | static_cast<unsigned>(hexDigit(p[i]));
  return cp;
}

// A string's text as JsonCursor::rawString checked it, unescaped into `out`.
void unescape(std::string_view raw, std::string& out) {
  out.clear();
  out.reserve(raw.size());
  const char* p = raw.data();
  const char* end = p + raw.size();
  while (p < end) {
    const void* hit = std::memchr(p, '\\', static_cast<std::size_t>(end - p));
    const char* bs = hit ? static_cast<const char*>(hit) : end;
    out.append(p, bs);
    if (bs == end) break;
    switch (bs[1]) {
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        unsigned cp = hex4(bs + 2);
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (hex4(bs + 8) - 0xDC00);
          p = bs + 12;
        } else {
          p = bs + 6;
        }
        appendUtf8(out, cp);
        continue;
      }
      default: out += bs[1]; break;  // '"', '\\', '/'
    }
    p = bs + 2;
  }
}

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
    unescape(rawKey, key);
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
    unescape(rawKey, key);
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
        if (ok) unescape(raw, a.text);
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
  unescape(m.raw, buffer);
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
  unescape(args.session.raw, p.session);
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
