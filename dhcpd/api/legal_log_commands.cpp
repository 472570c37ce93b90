#include "dhcpd/api/legal_log_commands.h"

#include <cctype>
#include <limits>

#include "dhcpd/api/command_registry.h"
#include "dhcpd/common/hw_addr.h"
#include "dhcpd/engine/legal_log_entries.h"

namespace tandem::api {
namespace {

// Kea's getOptionalString / getOptionalInt: a value of another type counts as absent.
std::optional<std::string> stringArg(const json& args, const char* key) {
  auto it = args.find(key);
  if (it == args.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<std::int64_t> intArg(const json& args, const char* key) {
  auto it = args.find(key);
  if (it == args.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

// Kea prints the client-id's text too when every octet is printable (str::isPrintable); a
// text it cannot read as a client identifier (hex, 2 to 255 octets) gets no text.
std::string clientIdText(const std::string& given) {
  std::string s = ", client-id: " + given;
  auto bytes = parseHexBytes(given);
  if (!bytes || bytes->size() < 2 || bytes->size() > 255) return s;
  for (std::uint8_t c : *bytes) {
    if (!std::isprint(c)) return s;
  }
  s += " (";
  s.append(bytes->begin(), bytes->end());
  s += ')';
  return s;
}

std::string durationText(const json& args, std::int64_t now) {
  // Only when "valid-lft" is absent does "expire" count (an HA partner sends both).
  std::int64_t seconds = 0;
  if (auto v = intArg(args, "valid-lft")) {
    seconds = *v;
  } else if (auto e = intArg(args, "expire")) {
    seconds = *e - now;
  }
  if (seconds <= 0) return {};
  const auto clamped =
      static_cast<std::uint32_t>(std::min<std::int64_t>(seconds, std::numeric_limits<std::uint32_t>::max()));
  return " for " + engine::LegalLogEntries::duration(clamped);
}

std::string contextText(const json& args) {
  auto ctx = args.find("user-context");
  auto comment = args.find("comment");
  if (comment == args.end()) return ctx == args.end() ? std::string() : ", context: " + toKeaText(*ctx);
  json merged = ctx != args.end() && ctx->is_object() ? *ctx : json::object();
  merged["comment"] = *comment;
  return ", context: " + toKeaText(merged);
}

}  // namespace

std::optional<std::string> legalLogCommandEntry(std::string_view command, const json& args, const json& answer,
                                                std::int64_t now, const std::unordered_set<std::uint32_t>& silent) {
  if (command != "lease4-add" && command != "lease4-update" && command != "lease4-del") return std::nullopt;
  if (!answer.is_object() || !args.is_object()) return std::nullopt;
  // Kea logs only what succeeded: not a failed add, nor a delete that found nothing (3).
  auto result = answer.find("result");
  if (result == answer.end() || !result->is_number_integer() || result->get<int>() != kResultSuccess) {
    return std::nullopt;
  }
  if (auto id = intArg(args, "subnet-id"); id && *id > 0 && *id <= std::numeric_limits<std::uint32_t>::max() &&
                                           silent.count(static_cast<std::uint32_t>(*id))) {
    return std::nullopt;
  }
  std::string s = stringArg(args, "origin") == "ha-partner" ? "HA partner" : "Administrator";
  if (command == "lease4-del") {
    if (auto ip = stringArg(args, "ip-address")) return s + " deleted the lease for address: " + *ip;
    auto type = stringArg(args, "identifier-type");
    auto ident = stringArg(args, "identifier");
    if (!type || !ident) return std::nullopt;
    return s + " deleted a lease for a device identified by: " + *type + " of " + *ident;
  }
  auto ip = stringArg(args, "ip-address");
  auto hw = stringArg(args, "hw-address");
  // Kea's hook fails (LEGAL_LOG_COMMAND_WRITE_ERROR) and writes nothing without these.
  if (!ip || !hw) return std::nullopt;
  s += command == "lease4-add" ? " added a lease of address: " : " updated information on the lease of address: ";
  s += *ip + " to a device with hardware address: " + *hw;
  if (auto cid = stringArg(args, "client-id")) s += clientIdText(*cid);
  s += durationText(args, now);
  s += contextText(args);
  return s;
}

}  // namespace tandem::api
