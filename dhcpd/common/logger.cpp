#include "dhcpd/common/logger.h"

#include <pthread.h>
#include <syslog.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <map>

namespace tandem {

std::string_view toString(Severity s) noexcept {
  switch (s) {
    case Severity::Debug: return "DEBUG";
    case Severity::Info: return "INFO";
    case Severity::Warn: return "WARN";
    case Severity::Error: return "ERROR";
    case Severity::Fatal: return "FATAL";
    case Severity::None: return "NONE";
  }
  return "?";
}

bool parseSeverity(std::string_view text, Severity& out) noexcept {
  if (text == "DEBUG") out = Severity::Debug;
  else if (text == "INFO") out = Severity::Info;
  else if (text == "WARN") out = Severity::Warn;
  else if (text == "ERROR") out = Severity::Error;
  else if (text == "FATAL") out = Severity::Fatal;
  else if (text == "NONE") out = Severity::None;
  else return false;
  return true;
}

std::string_view loggerName(LogSource s) noexcept {
  switch (s) {
    case LogSource::Dhcp4: return "kea-dhcp4.dhcp4";
    case LogSource::Packets: return "kea-dhcp4.packets";
    case LogSource::Leases: return "kea-dhcp4.leases";
    case LogSource::Options: return "kea-dhcp4.options";
    case LogSource::BadPackets: return "kea-dhcp4.bad-packets";
    case LogSource::AllocEngine: return "kea-dhcp4.alloc-engine";
    case LogSource::Dhcpsrv: return "kea-dhcp4.dhcpsrv";
    case LogSource::HaHooks: return "kea-dhcp4.ha-hooks";
    case LogSource::Commands: return "kea-dhcp4.commands";
    case LogSource::Hosts: return "kea-dhcp4.hosts";
    case LogSource::RunScript: return "kea-dhcp4.run-script-hooks";
    case LogSource::LegalLog: return "kea-dhcp4.legal-log-hooks";
    case LogSource::Count: break;
  }
  return "kea-dhcp4";
}

struct Logger::Sink {
  enum class Kind { Stdout, Stderr, Syslog, File } kind = Kind::Stdout;
  LogOutputSpec spec;
  std::FILE* file = nullptr;
  std::string pattern;

  ~Sink() {
    if (kind == Kind::File && file) std::fclose(file);
  }
  std::FILE* stream() const { return kind == Kind::Stdout ? stdout : kind == Kind::Stderr ? stderr : file; }

  // log4cplus' RollingFileAppender, which Kea uses: past maxsize the file becomes FILE.1,
  // FILE.1 becomes FILE.2 ... up to FILE.maxver, and a new FILE is started.
  void rotateIfFull() {
    if (kind != Kind::File || !file || spec.maxsize == 0) return;
    const long size = std::ftell(file);
    if (size < 0 || static_cast<std::uint64_t>(size) < spec.maxsize) return;
    std::fclose(file);
    const std::string& p = spec.output;
    if (spec.maxver > 0) {
      std::remove((p + "." + std::to_string(spec.maxver)).c_str());
      for (std::uint32_t i = spec.maxver; i > 1; --i) {
        std::rename((p + "." + std::to_string(i - 1)).c_str(), (p + "." + std::to_string(i)).c_str());
      }
      std::rename(p.c_str(), (p + ".1").c_str());
    }
    file = std::fopen(p.c_str(), spec.maxver > 0 ? "a" : "w");
  }
};

Logger::Logger() { configure({}); }

Logger::~Logger() = default;

namespace {

// Kea's logger hierarchy: "kea-dhcp4.packets" inherits from "kea-dhcp4".
const LoggerSpec* findSpec(const std::vector<LoggerSpec>& specs, std::string_view name) {
  for (const auto& s : specs) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

}  // namespace

std::vector<std::string> Logger::configure(const std::vector<LoggerSpec>& specs) {
  std::vector<std::string> failed;
  std::vector<std::unique_ptr<Sink>> sinks;
  std::map<std::string, Sink*> byOutput;
  auto sinkFor = [&](const LogOutputSpec& o) -> Sink* {
    if (auto it = byOutput.find(o.output); it != byOutput.end()) return it->second;
    auto s = std::make_unique<Sink>();
    s->spec = o;
    if (o.output == "stdout") {
      s->kind = Sink::Kind::Stdout;
    } else if (o.output == "stderr") {
      s->kind = Sink::Kind::Stderr;
    } else if (o.output == "syslog" || o.output.rfind("syslog:", 0) == 0) {
      s->kind = Sink::Kind::Syslog;
      // "syslog:NAME" logs under that name (Kea's syslog ident), else the program's.
      static std::string ident;
      ident = o.output.size() > 7 ? o.output.substr(7) : "kea-dhcp4";
      ::openlog(ident.c_str(), 0, LOG_USER);
    } else {
      s->kind = Sink::Kind::File;
      s->file = std::fopen(o.output.c_str(), "a");
      if (!s->file) {
        failed.push_back(o.output);
        return nullptr;
      }
    }
    s->pattern = !o.pattern.empty()              ? o.pattern
                 : s->kind == Sink::Kind::Syslog ? std::string(kSyslogPattern)
                                                 : std::string(kDefaultPattern);
    Sink* raw = s.get();
    byOutput.emplace(o.output, raw);
    sinks.push_back(std::move(s));
    return raw;
  };

  std::array<Route, static_cast<std::size_t>(LogSource::Count)> routes;
  const LoggerSpec* root = findSpec(specs, "kea-dhcp4");
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const LoggerSpec* own = findSpec(specs, loggerName(static_cast<LogSource>(i)));
    const LoggerSpec* spec = own ? own : root;
    Route r;
    if (spec) {
      r.min = spec->severity;
      r.debugLevel = spec->debugLevel;
    }
    // A child without outputs of its own writes where its parent does (Kea's default: stdout).
    const std::vector<LogOutputSpec>* outs = nullptr;
    if (own && !own->outputs.empty()) outs = &own->outputs;
    else if (root && !root->outputs.empty()) outs = &root->outputs;
    if (outs) {
      for (const auto& o : *outs) {
        if (Sink* s = sinkFor(o)) r.sinks.push_back(s);
      }
    } else {
      r.sinks.push_back(sinkFor(LogOutputSpec{}));
    }
    routes[i] = std::move(r);
  }
  std::lock_guard lock(mutex_);
  routes_ = std::move(routes);
  sinks_ = std::move(sinks);
  return failed;
}

bool Logger::setOutput(const std::string& output) {
  std::vector<LoggerSpec> specs(1);
  specs[0].name = "kea-dhcp4";
  specs[0].severity = routes_[0].min;
  specs[0].debugLevel = routes_[0].debugLevel;
  LogOutputSpec o;
  o.output = output;
  specs[0].outputs.push_back(std::move(o));
  return configure(specs).empty();
}

void Logger::setSeverity(Severity s, int debugLevel) noexcept {
  std::lock_guard lock(mutex_);
  for (auto& r : routes_) {
    r.min = s;
    r.debugLevel = debugLevel;
  }
}

std::string Logger::formatLine(std::string_view pattern, std::chrono::system_clock::time_point when, Severity s,
                               std::string_view name, std::string_view id, std::string_view text) {
  using namespace std::chrono;
  std::string out;
  out.reserve(pattern.size() + id.size() + text.size() + 64);
  const auto t = system_clock::to_time_t(when);
  const auto us = duration_cast<microseconds>(when.time_since_epoch()).count() % 1000000;
  auto dateTime = [&](std::string_view fmtSpec, bool utc) {
    std::tm tm{};
    if (utc) gmtime_r(&t, &tm);
    else localtime_r(&t, &tm);
    // %q and %Q (log4cplus): milliseconds and microseconds, expanded before strftime.
    std::string f;
    for (std::size_t i = 0; i < fmtSpec.size(); ++i) {
      if (fmtSpec[i] == '%' && i + 1 < fmtSpec.size() && (fmtSpec[i + 1] == 'q' || fmtSpec[i + 1] == 'Q')) {
        f += fmtSpec[i + 1] == 'q' ? fmt::format("{:03d}", us / 1000) : fmt::format("{:06d}", us);
        ++i;
      } else {
        f += fmtSpec[i];
      }
    }
    char buf[256];
    const std::size_t n = std::strftime(buf, sizeof buf, f.c_str(), &tm);
    out.append(buf, n);
  };
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c != '%' || i + 1 >= pattern.size()) {
      out += c;
      continue;
    }
    // Optional width: %-5p, %10c.
    std::size_t j = i + 1;
    bool left = false;
    if (pattern[j] == '-') {
      left = true;
      ++j;
    }
    std::size_t width = 0;
    while (j < pattern.size() && pattern[j] >= '0' && pattern[j] <= '9')
      width = width * 10 + std::size_t(pattern[j++] - '0');
    if (j >= pattern.size()) break;
    std::string field;
    const char conv = pattern[j];
    switch (conv) {
      case 'D':
      case 'd': {
        std::string_view spec = "%Y-%m-%d %H:%M:%S";
        if (j + 1 < pattern.size() && pattern[j + 1] == '{') {
          auto close = pattern.find('}', j + 2);
          if (close != std::string_view::npos) {
            spec = pattern.substr(j + 2, close - j - 2);
            j = close;
          }
        }
        const std::size_t before = out.size();
        dateTime(spec, conv == 'd');
        field = out.substr(before);
        out.resize(before);
        break;
      }
      case 'p': field = toString(s); break;
      case 'c': field = name; break;
      case 'i': field = std::to_string(::getpid()); break;
      case 't': field = std::to_string(static_cast<unsigned long>(::pthread_self())); break;
      case 'm':
        field = id;
        field += ' ';
        field += text;
        break;
      case 'n': field = "\n"; break;
      case '%': field = "%"; break;
      default: field = std::string("%") + conv; break;
    }
    if (field.size() < width) {
      if (left) field.append(width - field.size(), ' ');
      else field.insert(0, width - field.size(), ' ');
    }
    out += field;
    i = j;
  }
  return out;
}

void Logger::write(LogSource src, Severity s, std::string_view id, std::string_view text) {
  const auto now = std::chrono::system_clock::now();
  const std::string_view name = loggerName(src);
  std::lock_guard lock(mutex_);
  for (Sink* sink : routes_[static_cast<std::size_t>(src)].sinks) {
    const std::string line = formatLine(sink->pattern, now, s, name, id, text);
    if (sink->kind == Sink::Kind::Syslog) {
      const int prio = s == Severity::Debug   ? LOG_DEBUG
                       : s == Severity::Info  ? LOG_INFO
                       : s == Severity::Warn  ? LOG_WARNING
                       : s == Severity::Error ? LOG_ERR
                                              : LOG_CRIT;
      ::syslog(prio, "%s", line.c_str());
      continue;
    }
    std::FILE* f = sink->stream();
    if (!f) continue;
    std::fwrite(line.data(), 1, line.size(), f);
    if (sink->spec.flush) std::fflush(f);
    sink->rotateIfFull();
  }
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
