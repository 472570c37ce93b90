// The parameters of Kea's forensic logging hook library (libdhcp_legal_log.so), with its
// defaults, rules and messages (BackendStore::parseFile, RotatingFile, parseExtraParameters),
// so that a config written for kea-dhcp4 with the legal log loads unchanged.
#include <sys/stat.h>

#include <filesystem>
#include <set>
#include <limits>

#include <fmt/format.h>

#include "dhcpd/config/parser_parts.h"

namespace tandem::config {
namespace {

using nlohmann::json;

bool isLegalLog(const json& entry) {
  if (!entry.is_object() || !entry.contains("library") || !entry["library"].is_string()) return false;
  const std::string library = entry["library"].get<std::string>();
  const auto slash = library.find_last_of('/');
  return library.substr(slash == std::string::npos ? 0 : slash + 1) == "libdhcp_legal_log.so";
}

class LegalLogParser {
 public:
  LegalLogParser(const ParseContext& ctx, Diagnostics& diag) : ctx_(ctx), diag_(diag) {}

  std::optional<LegalLogConfig> parse(const json& params, const std::string& path) {
    LegalLogConfig c;
    // Kea's default directory is its state directory, where the lease file is by default too.
    c.path = std::filesystem::path(ctx_.defaultLeaseFile).parent_path().string();
    for (const auto& [key, value] : params.items()) {
      const std::string p = joinPath(path, key);
      if (key == "path") {
        if (auto s = str(value, p)) c.path = resolvePath(ctx_, *s);
      } else if (key == "base-name") {
        if (auto s = str(value, p)) c.baseName = *s;
      } else if (key == "time-unit") {
        auto s = str(value, p);
        if (!s) continue;
        if (*s == "second") c.timeUnit = LegalLogConfig::TimeUnit::Second;
        else if (*s == "day") c.timeUnit = LegalLogConfig::TimeUnit::Day;
        else if (*s == "month") c.timeUnit = LegalLogConfig::TimeUnit::Month;
        else if (*s == "year") c.timeUnit = LegalLogConfig::TimeUnit::Year;
        else fail(p, fmt::format("unknown time unit type: {}, expected one of: second, day, month, year", *s));
      } else if (key == "count") {
        if (!value.is_number_integer()) {
          fail(p, "must be an integer");
          continue;
        }
        const auto n = value.get<std::int64_t>();
        if (n < 0 || n > std::numeric_limits<std::uint32_t>::max()) {
          fail(p, fmt::format("count value: {} is out of range, expected value: 0..{}", n,
                              std::numeric_limits<std::uint32_t>::max()));
          continue;
        }
        c.count = static_cast<std::uint32_t>(n);
      } else if (key == "prerotate" || key == "postrotate") {
        auto s = str(value, p);
        if (!s || s->empty()) continue;
        const std::string resolved = resolvePath(ctx_, *s);
        if (auto problem = programProblem(resolved, *s); !problem.empty()) {
          fail(p, fmt::format("Invalid '{}' parameter: {}", key, problem));
          continue;
        }
        (key == "prerotate" ? c.prerotate : c.postrotate) = resolved;
      } else if (key == "timestamp-format") {
        if (auto s = str(value, p); s && !s->empty()) c.timestampFormat = *s;
      } else if (key == "request-parser-format" || key == "response-parser-format") {
        auto s = str(value, p);
        if (!s || s->empty()) continue;
        classify::CompileContext cc;
        cc.stringResult = true;
        auto e = classify::compileExpression(*s, cc);
        if (!e) {
          fail(p, fmt::format("can't parse {} expression [{}] error: {}", key, *s, e.error().message));
          continue;
        }
        (key == "request-parser-format" ? c.requestFormat : c.responseFormat) = std::move(e.value());
      } else if (key == "type") {
        // Kea selects its database backends by "type"; the text file is "logfile".
        if (auto s = str(value, p); s && *s != "logfile") {
          fail(p, fmt::format("forensic log database type '{}' is not supported (issue 13); the text files "
                              "(\"type\": \"logfile\" or no type) are",
                              *s));
        }
      } else if (key == "comment") {
      } else if (kDatabaseKeys.count(key)) {
        fail(p, "database parameters of the forensic log are not supported (issue 13)");
      } else {
        fail(p,
             "unknown parameter (the forensic log has path, base-name, time-unit, count, prerotate, postrotate, "
             "timestamp-format, request-parser-format, response-parser-format)");
      }
    }
    if (c.path.empty()) fail(joinPath(path, "path"), "path cannot be blank");
    if (c.baseName.empty()) fail(joinPath(path, "base-name"), "file name cannot be blank");
    struct stat st {};
    if (!c.path.empty() && (::stat(c.path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))) {
      // Kea opens the file when the library loads, so a missing directory stops it there.
      fail(joinPath(path, "path"), fmt::format("the directory {} does not exist", c.path));
    }
    if (failed_) return std::nullopt;
    return c;
  }

 private:
  static inline const std::set<std::string, std::less<>> kDatabaseKeys = {"name",
                                                                          "user",
                                                                          "password",
                                                                          "host",
                                                                          "port",
                                                                          "connect-timeout",
                                                                          "reconnect-wait-time",
                                                                          "max-reconnect-tries",
                                                                          "on-fail",
                                                                          "retry-on-startup",
                                                                          "trust-anchor",
                                                                          "cert-file",
                                                                          "key-file",
                                                                          "cipher-list",
                                                                          "tcp-nodelay",
                                                                          "readonly",
                                                                          "read-timeout",
                                                                          "write-timeout",
                                                                          "tcp-user-timeout",
                                                                          "lfc-interval",
                                                                          "persist"};

  std::optional<std::string> str(const json& v, const std::string& p) {
    if (!v.is_string()) {
      fail(p, "must be a string");
      return std::nullopt;
    }
    return v.get<std::string>();
  }
  void fail(const std::string& p, const std::string& message) {
    diag_.error(p, "loading Forensic Logging hooks library failed: " + message);
    failed_ = true;
  }

  const ParseContext& ctx_;
  Diagnostics& diag_;
  bool failed_ = false;
};

}  // namespace

void parseLegalLogHook(const json& hooks, const std::string& path, const ParseContext& ctx, Diagnostics& diag,
                       Dhcp4Config& cfg) {
  if (!hooks.is_array()) return;
  bool seen = false;
  for (std::size_t i = 0; i < hooks.size(); ++i) {
    if (!isLegalLog(hooks[i])) continue;
    const std::string entry = joinPath(path, std::to_string(i));
    if (seen) {
      diag.error(joinPath(entry, "library"), "the legal_log library is loaded once; this is a second entry");
      continue;
    }
    seen = true;
    static const json kEmpty = json::object();
    auto params = hooks[i].find("parameters");
    const json& p = params == hooks[i].end() ? kEmpty : *params;
    if (!p.is_object()) {
      diag.error(joinPath(entry, "parameters"), "loading Forensic Logging hooks library failed: must be a map");
      continue;
    }
    cfg.legalLog = LegalLogParser(ctx, diag).parse(p, joinPath(entry, "parameters"));
  }
}

}  // namespace tandem::config
