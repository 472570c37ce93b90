// Kea's configuration syntax is JSON plus comments (`//`, `/* */`, `#`), tolerated trailing
// commas (a warning) and `<?include "file"?>` directives (the file's text replaces the
// directive, as Kea's lexer does). Comments are blanked so line:column in errors stay those of
// the operator's file; positions inside an included file are reported with its name.
#include <fmt/format.h>

#include <memory>
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

// The expanded text is made of pieces of the main file and of included files; positions in
// it map back to the file they came from, so errors name the operator's file and line.
class SourceMap {
 public:
  struct Piece {
    std::size_t outStart;     // where the piece starts in the expanded text
    const std::string* text;  // the file's original text
    std::string file;         // "" for the main document
    std::size_t srcStart;     // where the piece starts in that text
  };

  const std::string* keep(std::string text) {
    texts_.push_back(std::make_unique<std::string>(std::move(text)));
    return texts_.back().get();
  }
  void begin(std::size_t outStart, const std::string* text, std::string file, std::size_t srcStart) {
    pieces_.push_back(Piece{outStart, text, std::move(file), srcStart});
  }
  // "line L, column C" in the main document, "FILE line L, column C" in an included one.
  std::string where(std::size_t outPos) const {
    const Piece* p = nullptr;
    for (const auto& q : pieces_) {
      if (q.outStart <= outPos) p = &q;
    }
    if (!p) return tandem::config::where("", 0);
    const std::string at = tandem::config::where(*p->text, p->srcStart + (outPos - p->outStart));
    return p->file.empty() ? at : p->file + " " + at;
  }

 private:
  std::vector<std::unique_ptr<std::string>> texts_;
  std::vector<Piece> pieces_;
};

void blank(std::string& s, std::size_t from, std::size_t to) {
  for (std::size_t i = from; i < to; ++i) {
    if (s[i] != '\n') s[i] = ' ';
  }
}

// Kea's lexer allows at most this many files open at once (the main one included).
constexpr int kMaxIncludeDepth = 10;

struct Expander {
  const IncludeReader* reader;
  SourceMap& map;
  std::string out;

  // Appends text (the file `file`, "" for the main document) to out with its comments
  // blanked, splicing in <?include "path"?> directives found outside strings and comments.
  Result<void> expand(const std::string* text, const std::string& file, int depth) {
    const std::string& t = *text;
    const std::size_t n = t.size();
    std::size_t i = 0;
    map.begin(out.size(), text, file, 0);
    auto at = [&](std::size_t pos) {
      const std::string w = where(t, pos);
      return file.empty() ? w : file + " " + w;
    };
    while (i < n) {
      const char c = t[i];
      if (c == '"') {
        // Copy the string, honouring escapes, so "http://x" and "#1" stay intact.
        std::size_t j = i + 1;
        while (j < n && t[j] != '"') j += (t[j] == '\\') ? 2 : 1;
        j = std::min(j + 1, n);
        out.append(t, i, j - i);
        i = j;
        continue;
      }
      if (c == '#' || (c == '/' && i + 1 < n && t[i + 1] == '/')) {
        std::size_t end = t.find('\n', i);
        if (end == std::string::npos) end = n;
        out.append(end - i, ' ');
        i = end;
        continue;
      }
      if (c == '/' && i + 1 < n && t[i + 1] == '*') {
        std::size_t end = t.find("*/", i + 2);
        if (end == std::string::npos) return makeError(fmt::format("{}: comment not closed", at(i)));
        const std::size_t from = out.size();
        out.append(t, i, end + 2 - i);
        blank(out, from, out.size());
        i = end + 2;
        continue;
      }
      if (c == '<' && i + 1 < n && t[i + 1] == '?') {
        // Kea's lexer: "<?", blanks, "include", blanks, a quoted file name, blanks, "?>".
        auto skipBlanks = [&](std::size_t k) {
          while (k < n && (t[k] == ' ' || t[k] == '\t' || t[k] == '\r' || t[k] == '\n')) ++k;
          return k;
        };
        std::size_t k = skipBlanks(i + 2);
        if (t.compare(k, 7, "include") != 0) return makeError(fmt::format("{}: unknown directive", at(i)));
        k = skipBlanks(k + 7);
        if (k >= n || t[k] != '"')
          return makeError(fmt::format("{}: include directive without a quoted file name", at(i)));
        const std::size_t close = t.find_first_of("\"\n", k + 1);
        if (close == std::string::npos || t[close] != '"' || close == k + 1) {
          return makeError(fmt::format("{}: include directive without a quoted file name", at(i)));
        }
        const std::string path = t.substr(k + 1, close - k - 1);
        k = skipBlanks(close + 1);
        if (t.compare(k, 2, "?>") != 0) return makeError(fmt::format("{}: Directive not closed.", at(i)));
        const std::size_t after = k + 2;
        if (depth + 1 >= kMaxIncludeDepth) return makeError(fmt::format("{}: Too many nested include.", at(i)));
        if (!reader || !*reader) {
          return makeError(
              fmt::format("{}: Can't open include file {} (includes are read only from files)", at(i), path));
        }
        auto included = (*reader)(path);
        if (!included) {
          return makeError(fmt::format("{}: Can't open include file {}: {}", at(i), path, included.error().message));
        }
        const std::string* kept = map.keep(std::move(included.value()));
        if (auto r = expand(kept, path, depth + 1); !r) return r;
        map.begin(out.size(), text, file, after);
        i = after;
        continue;
      }
      out.push_back(c);
      ++i;
    }
    return {};
  }
};

// Kea accepts a comma before } or ] with a syntax warning; JSON does not, so blank it.
void blankTrailingCommas(std::string& s, const SourceMap& map, std::vector<std::string>* warnings) {
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
          warnings->push_back(
              fmt::format("{}: extraneous comma; a piece of configuration may have been omitted", map.where(i)));
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

Result<json> parseJsonWithComments(std::string_view text, std::vector<std::string>* warnings,
                                   const IncludeReader* includes) {
  SourceMap map;
  Expander expander{includes, map, {}};
  expander.out.reserve(text.size());
  if (auto r = expander.expand(map.keep(std::string(text)), "", 0); !r) return r.error();
  std::string& s = expander.out;
  blankTrailingCommas(s, map, warnings);

  StrictDomBuilder builder;
  const bool ok = json::sax_parse(s, &builder, json::input_format_t::json, /*strict=*/true);
  if (!ok) {
    if (!builder.duplicate().empty()) return makeError(builder.duplicate());
    return makeError(fmt::format("{}: {}", map.where(builder.syntaxPosition()), explanation(builder.syntaxMessage())));
  }
  return std::move(builder.root());
}

Result<json> parseJsonWithComments(std::string_view text, std::vector<std::string>* warnings) {
  return parseJsonWithComments(text, warnings, nullptr);
}

Result<json> parseJsonWithComments(std::string_view text) { return parseJsonWithComments(text, nullptr, nullptr); }

}  // namespace tandem::config
