#include "dhcpd/common/logger.h"

#include <ctime>

namespace tandem {

std::string_view toString(Severity s) noexcept {
  switch (s) {
    case Severity::Debug: return "DEBUG";
    case Severity::Info: return "INFO";
    case Severity::Warn: return "WARN";
    case Severity::Error: return "ERROR";
    case Severity::Fatal: return "FATAL";
  }
  return "?";
}

bool parseSeverity(std::string_view text, Severity& out) noexcept {
  if (text == "DEBUG") out = Severity::Debug;
  else if (text == "INFO") out = Severity::Info;
  else if (text == "WARN") out = Severity::Warn;
  else if (text == "ERROR") out = Severity::Error;
  else if (text == "FATAL" || text == "NONE") out = Severity::Fatal;
  else return false;
  return true;
}

Logger::~Logger() {
  if (ownsFile_ && out_) std::fclose(out_);
}

bool Logger::setOutput(const std::string& output) {
  std::FILE* f = nullptr;
  bool owns = false;
  if (output == "stdout") f = stdout;
  else if (output == "stderr" || output == "syslog" || output.rfind("syslog:", 0) == 0) f = stderr;
  else {
    f = std::fopen(output.c_str(), "a");
    if (!f) return false;
    owns = true;
  }
  std::lock_guard lock(mutex_);
  if (ownsFile_ && out_) std::fclose(out_);
  out_ = f;
  ownsFile_ = owns;
  return true;
}

void Logger::write(Severity s, std::string_view id, std::string_view text) {
  auto now = std::chrono::system_clock::now();
  auto t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  localtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
  std::lock_guard lock(mutex_);
  fmt::print(out_, "{}.{:03d} {:<5} [tandemd] {} {}\n", stamp, ms, toString(s), id, text);
  std::fflush(out_);
}

bool Logger::admit(std::string_view id, std::uint64_t& suppressed) {
  constexpr std::uint32_t kPerInterval = 10;
  constexpr auto kInterval = std::chrono::seconds(10);
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  auto& b = buckets_[std::string(id)];
  if (now - b.windowStart >= kInterval) {
    b.windowStart = now;
    b.count = 0;
  }
  if (b.count >= kPerInterval) {
    ++b.suppressed;
    return false;
  }
  ++b.count;
  suppressed = b.suppressed;
  b.suppressed = 0;
  return true;
}

}  // namespace tandem
