#pragma once
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

namespace tandem {

enum class Severity : std::uint8_t { Debug, Info, Warn, Error, Fatal };
std::string_view toString(Severity s) noexcept;
// Kea severities: "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "NONE"; nullopt-equivalent false on others.
bool parseSeverity(std::string_view text, Severity& out) noexcept;

// Every message has a stable id (DHCP4_LEASE_ALLOC) so operators can grep for it.
// One Logger is built by the composition root and passed by reference; no global.
class Logger {
 public:
  Logger() = default;
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  // output: "stdout", "stderr", "syslog" (treated as stderr) or a file path (appended).
  bool setOutput(const std::string& output);
  void setSeverity(Severity s) noexcept { min_ = s; }
  Severity severity() const noexcept { return min_; }
  bool enabled(Severity s) const noexcept { return s >= min_; }

  void write(Severity s, std::string_view id, std::string_view text);

  template <class... Args>
  void log(Severity s, std::string_view id, fmt::format_string<Args...> f, Args&&... args) {
    if (!enabled(s)) return;
    write(s, id, fmt::format(f, std::forward<Args>(args)...));
  }
  template <class... Args>
  void info(std::string_view id, fmt::format_string<Args...> f, Args&&... args) {
    log(Severity::Info, id, f, std::forward<Args>(args)...);
  }
  template <class... Args>
  void warn(std::string_view id, fmt::format_string<Args...> f, Args&&... args) {
    log(Severity::Warn, id, f, std::forward<Args>(args)...);
  }
  template <class... Args>
  void error(std::string_view id, fmt::format_string<Args...> f, Args&&... args) {
    log(Severity::Error, id, f, std::forward<Args>(args)...);
  }
  template <class... Args>
  void debug(std::string_view id, fmt::format_string<Args...> f, Args&&... args) {
    log(Severity::Debug, id, f, std::forward<Args>(args)...);
  }

  // Rate-limited logging for floods of bad input: at most `perInterval` lines per id every
  // `interval`; the next line after a quiet period reports how many were suppressed.
  template <class... Args>
  void limited(Severity s, std::string_view id, fmt::format_string<Args...> f, Args&&... args) {
    if (!enabled(s)) return;
    std::uint64_t suppressed = 0;
    if (!admit(id, suppressed)) return;
    std::string text = fmt::format(f, std::forward<Args>(args)...);
    if (suppressed) text += fmt::format(" ({} similar messages suppressed)", suppressed);
    write(s, id, text);
  }

 private:
  bool admit(std::string_view id, std::uint64_t& suppressed);

  struct Bucket {
    std::chrono::steady_clock::time_point windowStart{};
    std::uint32_t count = 0;
    std::uint64_t suppressed = 0;
  };
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::FILE* out_ = stderr;
  bool ownsFile_ = false;
  Severity min_ = Severity::Info;
};

}  // namespace tandem
