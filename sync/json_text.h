#pragma once
// JSON text read without an nlohmann tree, for the big peer messages whose payload is lease
// rows in JSON strings (issue 11): the sync answers (sync/sync_answer_reader.h) and the
// partner's tandem-lease4-bulk-apply request (sync/bulk_apply_reader.h) share this one reader.
// A tree ran the library's lexer over every byte, then copied each string again before the
// CSV reader saw it; here the text is checked in one pass (grammar, escapes, UTF-8, as strictly
// as nlohmann's parser), members are kept as views into the text, and a string is unescaped
// once into a buffer. Nesting deeper than kMaxJsonDepth is refused (nlohmann has no limit; no
// peer message nests beyond 3).
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace tandem::sync {

inline constexpr int kMaxJsonDepth = 256;

inline int jsonHexDigit(char c) noexcept {
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
  // nlohmann's lexer takes a NUL byte for the end of input (it parses C strings that way), so
  // a value followed by a NUL and anything after it is a whole document there: here too, or
  // the direct readers and the tree path would disagree on the same body.
  bool atEnd() noexcept {
    ws();
    return p_ == end_ || *p_ == '\0';
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
    if (c == '-') return true;
    // number() calls a value beyond int64 "not integer" too: only a fraction or an exponent
    // makes it a float for nlohmann (which keeps up to 2^64 - 1 as unsigned).
    for (const char* q = start; q < p_; ++q) {
      if (*q == '.' || *q == 'e' || *q == 'E') return true;
    }
    auto [q, ec] = std::from_chars(start, p_, value);
    isUnsigned = ec == std::errc() && q == p_;
    return true;
  }

  bool skipValue(int depth) noexcept {
    if (depth > kMaxJsonDepth) return false;
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
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't': p_ += 2; return true;
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
      const int h = jsonHexDigit(at[i]);
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

// A string's text as JsonCursor::rawString checked it (between the quotes, still escaped),
// unescaped into `out` (its buffer reused).
void unescapeJson(std::string_view raw, std::string& out);

// Reads the object at the cursor, calling onMember(key) with the cursor at each member's
// value, which onMember must consume; false from onMember ends the read with false. `key` is
// the caller's buffer, reused. A repeated key is simply read again, so its last copy wins,
// as in nlohmann's tree.
template <class OnMember>
bool readObject(JsonCursor& c, std::string& key, OnMember&& onMember) {
  if (!c.eat('{')) return false;
  if (c.eat('}')) return true;
  do {
    std::string_view rawKey;
    if (!c.rawString(rawKey) || !c.eat(':')) return false;
    unescapeJson(rawKey, key);
    if (!onMember(std::string_view(key))) return false;
  } while (c.eat(','));
  return c.eat('}');
}

// A member the readers take only when it is a string: whether it was there, whether it was a
// string, and its text still escaped (a view into the body).
struct StringMember {
  bool present = false;
  bool isString = false;
  std::string_view raw;
};

// Reads the value at the cursor into `m`; a value of another type is skipped (isString false).
inline bool readStringMember(JsonCursor& c, StringMember& m) noexcept {
  m = StringMember{true, false, {}};
  if (c.peek() != '"') return c.skipValue(3);
  m.isString = true;
  return c.rawString(m.raw);
}

}  // namespace tandem::sync
