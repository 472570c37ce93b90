// Kea's configuration syntax is JSON plus comments (`//`, `/* */`, `#`), tolerated trailing
// commas (a warning) and `<?include "file"?>` directives. Comments are blanked in place so
// byte offsets, and therefore line:column in errors, stay those of the operator's file.
#include <fmt/format.h>

#include <set>
#include <string>
#include <vector>

#include "dhcpd/config/dhcp4_config.h"

namespace tandem::config {
namespace {

using nlohmann::json;

struct LineCol {
  std::size_t line = 1, column = 1;
};

LineCol lineColAt(std::string_view text, std::size_t offset) {
  LineCol lc;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++lc.line;
      lc.column = 1;
    } else {
      ++lc.column;
    }
  }
  return lc;
}

std::string where(std::string_view text, std::size_t offset) {
  auto lc = lineColAt(text, offset);
  return fmt::format("line {}, column {}", lc.line, lc.column);
}

void blank(std::string& s, std::size_t from, std::size_t to) {
  for (std::size_t i = from; i < to; ++i) {
    if (s[i] != '\n') s[i] = ' ';
  }
}

// Blanks comments outside strings; reports unterminated comments and include directives.
Result<std::string> stripComments(std::string_view text) {
  std::string out(text);
  std::size_t i = 0;
  const std::size_t n = out.size();
  while (i < n) {
    const char c = out[i];
    if (c == '"') {
      // Skip the string, honouring escapes, so "http://x" and "#1" stay intact.
      ++i;
      while (i < n && out[i] != '"') i += (out[i] == '\\') ? 2 : 1;
      ++i;
      continue;
    }
    if (c == '#' || (c == '/' && i + 1 < n && out[i + 1] == '/')) {
      std::size_t end = out.find('\n', i);
      if (end == std::string::npos) end = n;
      blank(out, i, end);
      i = end;
      continue;
    }
    if (c == '/' && i + 1 < n && out[i + 1] == '*') {
      std::size_t end = out.find("*/", i + 2);
      if (end == std::string::npos) {
        return makeError(fmt::format("{}: comment not closed", where(text, i)));
      }
      blank(out, i, end + 2);
      i = end + 2;
      continue;
    }
    if (c == '<' && i + 1 < n && out[i + 1] == '?') {
      return makeError(fmt::format(
          "{}: <?include ...?> directives are not supported yet; merge the included file into the configuration",
          where(text, i)));
    }
    ++i;
  }
  return out;
}

// Kea accepts a comma before } or ] with a syntax warning; JSON does not, so blank it.
void blankTrailingCommas(std::string& s, std::string_view original, std::vector<std::string>* warnings) {
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    if (s[i] == '"') {
      ++i;
      while (i < n && s[i] != '"') i += (s[i] == '\\') ? 2 : 1;
      ++i;
      continue;
    }
    if (s[i] == ',') {
      std::size_t j = s.find_first_not_of(" \t\r\n", i + 1);
      // Only a comma that follows a value: "{,}" and "[1,,]" stay syntax errors.
      std::size_t before = s.find_last_not_of(" \t\r\n", i == 0 ? 0 : i - 1);
      const bool afterValue = i > 0 && before != std::string::npos && s[before] != '{' && s[before] != '[' &&
                              s[before] != ',';
      if (afterValue && j != std::string::npos && (s[j] == '}' || s[j] == ']')) {
        if (warnings) {
          warnings->push_back(fmt::format("{}: extraneous comma; a piece of configuration may have been omitted",
                                          where(original, i)));
        }
        s[i] = ' ';
      }
    }
    ++i;
  }
}

// Builds the DOM like nlohmann's own SAX DOM parser, but rejects duplicate keys (Kea does;
// nlohmann would silently keep the last one) and names the offending path.
class StrictDomBuilder {
 public:
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  bool null() { return put(json(nullptr)); }
  bool boolean(bool v) { return put(json(v)); }
  bool number_integer(number_integer_t v) { return put(json(v)); }
  bool number_unsigned(number_unsigned_t v) { return put(json(v)); }
  bool number_float(number_float_t v, const string_t&) { return put(json(v)); }
  bool string(string_t& v) { return put(json(std::move(v))); }
  bool binary(binary_t& v) { return put(json::binary(std::move(v))); }

  bool start_object(std::size_t) {
    if (!put(json::object())) return false;
    frames_.push_back(Frame{last_, {}, {}});
    return true;
  }
  bool key(string_t& k) {
    Frame& f = frames_.back();
    if (!f.keys.insert(k).second) {
      duplicate_ = fmt::format("{}: duplicate key \"{}\"", path(), k);
      return false;
    }
    f.pendingKey = std::move(k);
    return true;
  }
  bool end_object() {
    frames_.pop_back();
    return true;
  }
  bool start_array(std::size_t) {
    if (!put(json::array())) return false;
    frames_.push_back(Frame{last_, {}, {}});
    return true;
  }
  bool end_array() {
    frames_.pop_back();
    return true;
  }
  bool parse_error(std::size_t position, const std::string& lastToken, const nlohmann::detail::exception& ex) {
    // Point at the start of the offending token, as Kea's messages do; for an invalid
    // literal or a punctuation error nlohmann's token text runs back over earlier input, so
    // use where it stopped.
    const bool oneToken = !lastToken.empty() && lastToken.find_first_of(" \t\r\n{}[],:") == std::string::npos;
    if (oneToken && position >= lastToken.size()) syntaxPosition_ = position - lastToken.size();
    else syntaxPosition_ = position > 0 ? position - 1 : 0;
    syntaxMessage_ = ex.what();
    return false;
  }

  json& root() { return root_; }
  const std::string& duplicate() const { return duplicate_; }
  std::size_t syntaxPosition() const { return syntaxPosition_; }
  const std::string& syntaxMessage() const { return syntaxMessage_; }

 private:
  struct Frame {
    json* value;
    std::string pendingKey;
    std::set<std::string> keys;
  };

  bool put(json v) {
    if (frames_.empty()) {
      root_ = std::move(v);
      last_ = &root_;
      return true;
    }
    json* parent = frames_.back().value;
    if (parent->is_object()) {
      last_ = &((*parent)[frames_.back().pendingKey] = std::move(v));
    } else {
      parent->push_back(std::move(v));
      last_ = &parent->back();
    }
    return true;
  }

  // Path of the object currently being filled, in the config's "a/b/0" notation.
  std::string path() const {
    std::string p;
    for (std::size_t i = 0; i + 1 < frames_.size(); ++i) {
      const json* v = frames_[i].value;
      if (!p.empty()) p += '/';
      p += v->is_object() ? frames_[i].pendingKey : std::to_string(v->size() - 1);
    }
    return p.empty() ? std::string("(top level)") : p;
  }

  json root_;
  json* last_ = nullptr;
  std::vector<Frame> frames_;
  std::string duplicate_;
  std::size_t syntaxPosition_ = 0;
  std::string syntaxMessage_;
};

// nlohmann's messages start with "[json.exception.parse_error.101] parse error at line 3,
// column 5: "; keep only the explanation, the position is printed our way.
std::string explanation(const std::string& what) {
  auto pos = what.find("column ");
  if (pos != std::string::npos) {
    auto colon = what.find(": ", pos);
    if (colon != std::string::npos) return what.substr(colon + 2);
  }
  return what;
}

}  // namespace

Result<json> parseJsonWithComments(std::string_view text, std::vector<std::string>* warnings) {
  auto stripped = stripComments(text);
  if (!stripped) return stripped.error();
  std::string& s = stripped.value();
  blankTrailingCommas(s, text, warnings);

  StrictDomBuilder builder;
  const bool ok = json::sax_parse(s, &builder, json::input_format_t::json, /*strict=*/true);
  if (!ok) {
    if (!builder.duplicate().empty()) return makeError(builder.duplicate());
    return makeError(fmt::format("{}: {}", where(text, builder.syntaxPosition()), explanation(builder.syntaxMessage())));
  }
  return std::move(builder.root());
}

Result<json> parseJsonWithComments(std::string_view text) { return parseJsonWithComments(text, nullptr); }

}  // namespace tandem::config
