#pragma once
// Kea's forensic logging hook library (libdhcp_legal_log.so, "legal log"), built in: one line
// per assigned, renewed, released or declined lease, in Kea's format, to files rotated by
// time (dhcpd/engine/legal_log_entries.h builds the lines, dhcpd/net/legal_log_writer.h
// writes them off the packet path).
#include <cstdint>
#include <optional>
#include <string>

#include "dhcpd/classify/expression.h"

namespace tandem::config {

struct LegalLogConfig {
  enum class TimeUnit : std::uint8_t { Second, Day, Month, Year };
  std::string path;  // directory (must exist); Kea's default <localstatedir>/lib/kea
  std::string baseName = "kea-legal";
  TimeUnit timeUnit = TimeUnit::Day;
  std::uint32_t count = 1;                               // units per file; 0 = never rotate
  std::string prerotate, postrotate;                     // programs started with the file name (not waited for)
  std::string timestampFormat = "%Y-%m-%d %H:%M:%S %Z";  // strftime, plus %Q (milliseconds.microseconds)
  // Custom line: the request expression's value on the query followed by the response
  // expression's on the reply (Kea's request-/response-parser-format); replaces the default.
  std::optional<classify::Expression> requestFormat, responseFormat;
};

}  // namespace tandem::config
