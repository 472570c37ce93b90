#include "dhcpd/common/sql_text.h"

namespace tandem::sql {
namespace {

constexpr char kHex[] = "0123456789abcdef";

int hexValue(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void appendHex(std::string& out, std::string_view bytes) {
  for (char ch : bytes) {
    const auto b = static_cast<unsigned char>(ch);
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  }
}

}  // namespace

std::optional<std::string> PgsqlText::bytes(std::string_view text, std::size_t max) {
  if (text.size() < 2 || text[0] != '\\' || text[1] != 'x' || text.size() % 2 != 0) return std::nullopt;
  const std::size_t n = (text.size() - 2) / 2;
  if (n > max) return std::nullopt;
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    const int hi = hexValue(text[2 + 2 * i]);
    const int lo = hexValue(text[3 + 2 * i]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>(hi << 4 | lo);
  }
  return out;
}

std::optional<bool> PgsqlText::flag(std::string_view text) {
  if (text == "t") return true;
  if (text == "f") return false;
  return std::nullopt;
}

std::optional<std::string> MysqlText::bytes(std::string_view text, std::size_t max) {
  if (text.size() > max) return std::nullopt;
  return std::string(text);
}

std::optional<bool> MysqlText::flag(std::string_view text) {
  unsigned n = 0;
  if (!parseNumber(text, n)) return std::nullopt;
  return n != 0;
}

std::string mysqlHexLiteral(std::string_view bytes) {
  std::string out;
  out.reserve(3 + 2 * bytes.size());
  out += "X'";
  appendHex(out, bytes);
  out += '\'';
  return out;
}

std::string pgsqlByteaHex(std::string_view bytes) {
  std::string out;
  out.reserve(2 + 2 * bytes.size());
  out += "\\x";
  appendHex(out, bytes);
  return out;
}

}  // namespace tandem::sql
