#include "dhcpd/config/host_row_decoder.h"

#include <fmt/format.h>

#include <limits>

#include "dhcpd/common/sql_text.h"

namespace tandem::config {
namespace {

// VARBINARY(128) / bytea identifiers; BLOB / bytea option payloads (an option holds at most
// 255 bytes, but the column is read whole and the parser judges it).
constexpr std::size_t kMaxIdentifier = 128;
constexpr std::size_t kMaxOptionValue = 65535;

// A number column: NULL is 0 (Kea: no address, no next server); anything else must be a
// non-negative integer in T's range (both schemas hold these as unsigned or bigint).
template <class T>
Result<T> number(std::optional<std::string_view> cell, const char* what) {
  if (!cell) return T{};
  long long v = 0;
  if (!sql::parseNumber(*cell, v)) return makeError(fmt::format("{}: '{}' is not a number", what, cell->substr(0, 64)));
  if (v < 0 || static_cast<unsigned long long>(v) > std::numeric_limits<T>::max()) {
    return makeError(fmt::format("{}: {} is out of range", what, v));
  }
  return static_cast<T>(v);
}

template <class Text>
Result<std::vector<std::uint8_t>> binary(std::optional<std::string_view> cell, std::size_t max, const char* what) {
  if (!cell) return std::vector<std::uint8_t>{};
  auto bytes = Text::bytes(*cell, max);
  if (!bytes) return makeError(fmt::format("{}: not a {} binary value of at most {} bytes", what, Text::kProduct, max));
  return std::vector<std::uint8_t>(bytes->begin(), bytes->end());
}

std::string text(std::optional<std::string_view> cell) { return cell ? std::string(*cell) : std::string(); }

}  // namespace

template <class Text>
Result<void> appendHostRow(const HostTextRow& row, std::vector<HostRow>& rows) {
  if (!row[kHostId]) return makeError("hosts: host_id is NULL");
  auto id = number<std::int64_t>(row[kHostId], "host_id");
  if (!id) return id.error();
  if (rows.empty() || rows.back().hostId != *id) {
    HostRow h;
    h.hostId = *id;
    auto ident = binary<Text>(row[kHostIdentifier], kMaxIdentifier, "dhcp_identifier");
    auto type = number<std::uint8_t>(row[kHostIdentifierType], "dhcp_identifier_type");
    auto subnet = number<std::uint32_t>(row[kHostSubnetId], "dhcp4_subnet_id");
    auto addr = number<std::uint32_t>(row[kHostIpv4Address], "ipv4_address");
    auto next = number<std::uint32_t>(row[kHostNextServer], "dhcp4_next_server");
    for (const Error* e :
         {ident ? nullptr : &ident.error(), type ? nullptr : &type.error(), subnet ? nullptr : &subnet.error(),
          addr ? nullptr : &addr.error(), next ? nullptr : &next.error()}) {
      if (e) return makeError(fmt::format("hosts host_id {}: {}", *id, e->message));
    }
    h.identifier = std::move(*ident);
    h.identifierType = *type;
    h.subnetId = *subnet;
    h.ipv4Address = *addr;
    h.hostname = text(row[kHostHostname]);
    h.clientClasses = text(row[kHostClientClasses]);
    h.nextServer = *next;
    h.serverHostname = text(row[kHostServerHostname]);
    h.bootFileName = text(row[kHostBootFileName]);
    h.userContext = text(row[kHostUserContext]);
    rows.push_back(std::move(h));
  }
  if (!row[kOptionId]) return {};  // a host without options
  HostOptionRow o;
  auto code = number<std::uint8_t>(row[kOptionCode], "dhcp4_options.code");
  auto value = binary<Text>(row[kOptionValue], kMaxOptionValue, "dhcp4_options.value");
  if (!code || !value) {
    return makeError(fmt::format("hosts host_id {}: {}", *id, (!code ? code.error() : value.error()).message));
  }
  o.code = *code;
  o.value = std::move(*value);
  o.formattedValue = text(row[kOptionFormattedValue]);
  o.space = text(row[kOptionSpace]);
  if (o.space.empty()) o.space = "dhcp4";  // NULL space: dhcp4, as Kea reads it
  if (row[kOptionPersistent]) {
    auto f = Text::flag(*row[kOptionPersistent]);
    if (!f) {
      return makeError(fmt::format("hosts host_id {}: dhcp4_options.persistent: '{}' is not a boolean", *id,
                                   row[kOptionPersistent]->substr(0, 64)));
    }
    o.persistent = *f;
  }
  o.userContext = text(row[kOptionUserContext]);
  rows.back().options.push_back(std::move(o));
  return {};
}

template <class Text>
Result<std::string> hostKeyOfCells(std::uint32_t subnetId, std::optional<std::string_view> identifier,
                                   std::optional<std::string_view> type) {
  auto ident = binary<Text>(identifier, kMaxIdentifier, "dhcp_identifier");
  auto t = number<std::uint8_t>(type, "dhcp_identifier_type");
  if (!ident) return ident.error();
  if (!t) return t.error();
  return hostKeyOf(subnetId, static_cast<HostIdType>(*t), *ident);
}

template Result<void> appendHostRow<sql::PgsqlText>(const HostTextRow&, std::vector<HostRow>&);
template Result<void> appendHostRow<sql::MysqlText>(const HostTextRow&, std::vector<HostRow>&);
template Result<std::string> hostKeyOfCells<sql::PgsqlText>(std::uint32_t, std::optional<std::string_view>,
                                                            std::optional<std::string_view>);
template Result<std::string> hostKeyOfCells<sql::MysqlText>(std::uint32_t, std::optional<std::string_view>,
                                                            std::optional<std::string_view>);

}  // namespace tandem::config
