#pragma once
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

namespace tandem {

enum class Severity : std::uint8_t { Debug, Info, Warn, Error, Fatal, None };
std::string_view toString(Severity s) noexcept;
// Kea severities: "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "NONE"; false on others.
bool parseSeverity(std::string_view text, Severity& out) noexcept;

// Kea's loggers of kea-dhcp4 (each message goes to one, as in Kea's .mes files), so that a
// "loggers" entry named e.g. "kea-dhcp4.packets" selects the same messages it does in Kea.
enum class LogSource : std::uint8_t {
  Dhcp4,        // kea-dhcp4.dhcp4: start-up, shutdown, configuration
  Packets,      // kea-dhcp4.packets: packets received and sent
  Leases,       // kea-dhcp4.leases: lease allocation, release, decline
  Options,      // kea-dhcp4.options: packet (un)packing
  BadPackets,   // kea-dhcp4.bad-packets: packets dropped or refused (NAK)
  AllocEngine,  // kea-dhcp4.alloc-engine: allocation engine
  Dhcpsrv,      // kea-dhcp4.dhcpsrv: lease database (DHCPSRV_MEMFILE_*)
  HaHooks,      // kea-dhcp4.ha-hooks: high availability
  Commands,     // kea-dhcp4.commands: control channel
  Hosts,        // kea-dhcp4.hosts: host reservations
  RunScript,    // kea-dhcp4.run-script-hooks: the run_script hook
  LegalLog,     // kea-dhcp4.legal-log-hooks: the forensic logging hook
  Count
};
std::string_view loggerName(LogSource s) noexcept;  // "kea-dhcp4.packets"

// Kea's debug levels (src/lib/log/log_dbglevels.h) used by kea-dhcp4's messages.
inline constexpr int kDbgStartShut = 0;
inline constexpr int kDbgCommand = 10;
inline constexpr int kDbgTraceBasic = 40;       // DBG_DHCP4_BASIC
inline constexpr int kDbgTraceBasicData = 45;   // DBG_DHCP4_BASIC_DATA
inline constexpr int kDbgTraceDetail = 50;      // DBG_DHCP4_DETAIL
inline constexpr int kDbgTraceDetailData = 55;  // DBG_DHCP4_DETAIL_DATA

// One "loggers" entry, as the configuration gives it (names are Kea's).
struct LogOutputSpec {
  std::string output = "stdout";     // "stdout", "stderr", "syslog", "syslog:NAME" or a file path
  std::uint64_t maxsize = 10240000;  // a file is rotated past this size (0 = never)
  std::uint32_t maxver = 1;          // rotated files kept: FILE.1 ... FILE.maxver
  bool flush = true;
  std::string pattern;  // "" = Kea's default for the output
};
struct LoggerSpec {
  std::string name;  // "kea-dhcp4", "kea-dhcp4.packets", ...
  Severity severity = Severity::Info;
  int debugLevel = 0;
  std::vector<LogOutputSpec> outputs;
};

// Every message has a stable id (DHCP4_LEASE_ALLOC) so operators can grep for it, and is
// written as Kea writes it: by default "%D{%Y-%m-%d %H:%M:%S.%q} %-5p [%c/%i.%t] %m\n",
// e.g. "2026-12-04 13:34:09.634 INFO  [kea-dhcp4.leases/4242.1397...] DHCP4_LEASE_ALLOC ...".
// One Logger is built by the composition root and passed by reference; no global.
// enabled() is a table look-up, and nothing is formatted for a message that is off.
class Logger {
 public:
  Logger();
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  // Kea's rules: a message goes to the most specific configured logger of its name
  // ("kea-dhcp4.packets", else "kea-dhcp4"), with that logger's severity, debug level and
  // outputs; without any, INFO to stdout. Returns the outputs that could not be opened.
  std::vector<std::string> configure(const std::vector<LoggerSpec>& specs);
  // Shortcuts that change every logger: one output / one severity (tests, -d).
  bool setOutput(const std::string& output);
  void setSeverity(Severity s, int debugLevel = 99) noexcept;
  Severity severity() const noexcept { return routes_[0].min; }

  bool enabled(LogSource src, Severity s, int debugLevel = 0) const noexcept {
    const Route& r = routes_[static_cast<std::size_t>(src)];
    if (s == Severity::Debug) return r.min == Severity::Debug && debugLevel <= r.debugLevel;
    return s >= r.min && s != Severity::None;
  }
  bool enabled(Severity s) const noexcept { return enabled(LogSource::Dhcp4, s, 0); }

  void write(LogSource src, Severity s, std::string_view id, std::string_view text);
  void write(Severity s, std::string_view id, std::string_view text) { write(LogSource::Dhcp4, s, id, text); }

  template <class... Args>
  void log(LogSource src, Severity s, int debugLevel, std::string_view id, fmt::format_string<Args...> f,
           Args&&... args) {
    if (!enabled(src, s, debugLevel)) return;
    write(src, s, id, fmt::format(f, std::forward<Args>(args)...));
  }
  template <class... Args>
  void debug(LogSource src, int debugLevel, std::string_view id, fmt::format_string<Args...> f, Args&&... args) {
    log(src, Severity::Debug, debugLevel, id, f, std::forward<Args>(args)...);
  }
  template <class... Args>
  void info(LogSource src, std::string_view id, fmt::format_string<Args...> f, Args&&... args) {
    log(src, Severity::Info, 0, id, f, std::forward<Args>(args)...);
  }
  template <class... Args>
  void warn(LogSource src, std::string_view id, fmt::format_string<Args...> f, Args&&... args) {
    log(src, Severity::Warn, 0, id, f, std::forward<Args>(args)...);
  }
  template <class... Args>
  void error(LogSource src, std::string_view id, fmt::format_string<Args...> f, Args&&... args) {
    log(src, Severity::Error, 0, id, f, std::forward<Args>(args)...);
  }

  // Messages of the daemon itself (kea-dhcp4.dhcp4); debug ones at Kea's basic trace level.
  template <class... Args>
  void log(Severity s, std::string_view id, fmt::format_string<Args...> f, Args&&... args) {
    log(LogSource::Dhcp4, s, kDbgTraceBasic, id, f, std::forward<Args>(args)...);
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
  void limited(LogSource src, Severity s, std::string_view id, fmt::format_string<Args...> f, Args&&... args) {
    if (!enabled(src, s, kDbgTraceBasic)) return;
    std::uint64_t suppressed = 0;
    if (!admit(id, suppressed)) return;
    std::string text = fmt::format(f, std::forward<Args>(args)...);
    if (suppressed) text += fmt::format(" ({} similar messages suppressed)", suppressed);
    write(src, s, id, text);
  }
  template <class... Args>
  void limited(Severity s, std::string_view id, fmt::format_string<Args...> f, Args&&... args) {
    limited(LogSource::Dhcp4, s, id, f, std::forward<Args>(args)...);
  }

  // Formats one line with a Kea pattern (%D{...} local time with %q milliseconds and %Q
  // microseconds, %d{...} UTC, %p severity, %c logger name, %i process id, %t thread id,
  // %m id and text, %n newline, %% percent; %-5p style widths). Public for tests.
  static std::string formatLine(std::string_view pattern, std::chrono::system_clock::time_point when, Severity s,
                                std::string_view loggerName, std::string_view id, std::string_view text);
  static constexpr std::string_view kDefaultPattern = "%D{%Y-%m-%d %H:%M:%S.%q} %-5p [%c/%i.%t] %m\n";
  static constexpr std::string_view kSyslogPattern = "%-5p [%c.%t] %m\n";

 private:
  struct Sink;
  struct Route {
    Severity min = Severity::Info;
    int debugLevel = 0;
    std::vector<Sink*> sinks;
  };
  struct Bucket {
    std::chrono::steady_clock::time_point windowStart{};
    std::uint32_t count = 0;
    std::uint64_t suppressed = 0;
  };
  bool admit(std::string_view id, std::uint64_t& suppressed);

  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::vector<std::unique_ptr<Sink>> sinks_;
  std::array<Route, static_cast<std::size_t>(LogSource::Count)> routes_;
};

}  // namespace tandem
