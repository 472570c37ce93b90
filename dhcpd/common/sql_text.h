#pragma once
// The text result formats of the two SQL backends, as one interface the generic row decoders
// are templated over (dhcpd/lease/sql_lease_decoder.h for lease4 rows, dhcpd/config/
// host_row_decoder.h for hosts rows): the column checks are written once, only how a binary
// column and a boolean read differ. Pure: the adapters (dhcpd/pgsql, dhcpd/mysql) hand over
// the result's cells as string views, nullopt for SQL NULL.
#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tandem::sql {

// A whole cell as a number of type T (no sign, space or trailing text accepted beyond what
// from_chars takes; out of T's range fails).
template <typename T>
bool parseNumber(std::string_view s, T& out) noexcept {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// libpq's text format: bytea in hex output ("\x0aff"; bytea_output = hex, the default since
// PostgreSQL 9.0), booleans "t" / "f".
struct PgsqlText {
  static constexpr const char* kProduct = "PostgreSQL";
  // The bytes of a "\x..." cell; nullopt if malformed or longer than max bytes.
  static std::optional<std::string> bytes(std::string_view text, std::size_t max);
  static std::optional<bool> flag(std::string_view text);
};

// MariaDB Connector/C's text protocol: binary columns as their raw bytes (with the row's
// lengths), BOOL is TINYINT(1) in decimal (any non-zero is true).
struct MysqlText {
  static constexpr const char* kProduct = "MySQL";
  static std::optional<std::string> bytes(std::string_view text, std::size_t max);
  static std::optional<bool> flag(std::string_view text);
};

// A MySQL hex literal X'0aff' (X'' for no bytes): binary-safe, independent of the
// connection's character set, nothing to escape.
std::string mysqlHexLiteral(std::string_view bytes);
// A PostgreSQL bytea parameter in hex input format ("\x0aff").
std::string pgsqlByteaHex(std::string_view bytes);

}  // namespace tandem::sql
