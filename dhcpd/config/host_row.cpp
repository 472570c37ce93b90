#include "dhcpd/config/host_row.h"

#include <fmt/format.h>

#include <algorithm>

#include "dhcpd/config/parser_parts.h"

namespace tandem::config {
namespace {

using nlohmann::json;

// Kea's identifier names in dhcp_identifier_type order (host_identifier_type table).
constexpr std::string_view kIdentifierNames[] = {"hw-address", "duid", "circuit-id", "client-id", "flex-id"};

std::string joinErrors(const Diagnostics& diag) {
  std::string out;
  for (const auto& e : diag.errors()) {
    if (!out.empty()) out += "; ";
    out += e;
  }
  return out;
}

// Kea's ClientClasses(const std::string&): comma separated, each name trimmed, empty ones skipped.
std::vector<std::string> splitClasses(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string name = text.substr(start, comma - start);
    const auto first = name.find_first_not_of(" \t");
    const auto last = name.find_last_not_of(" \t");
    if (first != std::string::npos) out.push_back(name.substr(first, last - first + 1));
    start = comma + 1;
  }
  return out;
}

const Subnet4* subnetById(const Dhcp4Config& cfg, std::uint32_t id) {
  for (const auto& s : cfg.subnets) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

// One reservation in Kea's syntax read with the parser's rules (path names it in errors).
Result<Reservation> parseOne(const json& host, const std::string& path, std::uint32_t subnetId,
                             const Dhcp4Config& cfg) {
  const Subnet4* subnet = nullptr;
  if (subnetId != 0) {
    subnet = subnetById(cfg, subnetId);
    if (!subnet) return makeError(fmt::format("{}: IPv4 subnet with id {} does not exist", path, subnetId));
  }
  Diagnostics diag;
  std::vector<Reservation> out;
  parseReservations(json::array({host}), path, subnet, cfg.ipReservationsUnique, cfg.optionDefs, diag, out);
  if (diag.failed() || out.size() != 1) {
    std::string text = joinErrors(diag);
    // parseReservations names the list element ("<path>/0"); the host is the path itself.
    for (std::size_t at; (at = text.find(path + "/0")) != std::string::npos;) text.replace(at, path.size() + 2, path);
    return makeError(text.empty() ? path + ": not a valid reservation" : text);
  }
  return std::move(out.front());
}

}  // namespace

bool HostRow::sameContent(const HostRow& o) const {
  return identifier == o.identifier && identifierType == o.identifierType && subnetId == o.subnetId &&
         ipv4Address == o.ipv4Address && hostname == o.hostname && clientClasses == o.clientClasses &&
         nextServer == o.nextServer && serverHostname == o.serverHostname && bootFileName == o.bootFileName &&
         userContext == o.userContext && options == o.options;
}

std::string hostKeyOf(std::uint32_t subnetId, HostIdType type, const std::vector<std::uint8_t>& identifier) {
  std::string k;
  k.reserve(5 + identifier.size());
  for (int shift = 24; shift >= 0; shift -= 8) k.push_back(char((subnetId >> shift) & 0xff));
  k.push_back(char(type));
  k.append(identifier.begin(), identifier.end());
  return k;
}

std::string hostKeyOf(const HostRow& row) {
  return hostKeyOf(row.subnetId, static_cast<HostIdType>(row.identifierType), row.identifier);
}

json reservationJsonOf(const HostRow& row) {
  json h = json::object();
  const std::string idName =
      row.identifierType < std::size(kIdentifierNames) ? std::string(kIdentifierNames[row.identifierType]) : "";
  // An unknown type stays without identifier: the parser then refuses the host.
  if (!idName.empty()) h[idName] = toHexColon(row.identifier);
  if (row.ipv4Address != 0) h["ip-address"] = Ipv4(row.ipv4Address).toString();
  if (!row.hostname.empty()) h["hostname"] = row.hostname;
  if (auto classes = splitClasses(row.clientClasses); !classes.empty()) h["client-classes"] = classes;
  if (row.nextServer != 0) h["next-server"] = Ipv4(row.nextServer).toString();
  if (!row.serverHostname.empty()) h["server-hostname"] = row.serverHostname;
  if (!row.bootFileName.empty()) h["boot-file-name"] = row.bootFileName;
  if (!row.userContext.empty()) {
    json uc = json::parse(row.userContext, nullptr, /*allow_exceptions=*/false);
    if (uc.is_object()) h["user-context"] = std::move(uc);
  }
  if (!row.options.empty()) {
    json list = json::array();
    for (const auto& o : row.options) {
      // Kea's PgSqlHostDataSource: the formatted value when there is one (parsed with the
      // option's definition, as a config's csv data), otherwise the binary value.
      json e = {{"code", o.code}, {"space", o.space.empty() ? std::string("dhcp4") : o.space}};
      if (!o.formattedValue.empty()) {
        e["csv-format"] = true;
        e["data"] = o.formattedValue;
      } else {
        e["csv-format"] = false;
        e["data"] = toHexColon(o.value);
      }
      if (o.persistent) e["always-send"] = true;
      if (!o.userContext.empty()) {
        json uc = json::parse(o.userContext, nullptr, false);
        if (uc.is_object()) e["user-context"] = std::move(uc);
      }
      list.push_back(std::move(e));
    }
    h["option-data"] = std::move(list);
  }
  return h;
}

Result<Reservation> reservationOf(const HostRow& row, const Dhcp4Config& cfg) {
  if (row.identifierType >= std::size(kIdentifierNames)) {
    return makeError(
        fmt::format("hosts database host_id {}: unknown dhcp_identifier_type {}", row.hostId, int(row.identifierType)));
  }
  if (row.identifier.empty())
    return makeError(fmt::format("hosts database host_id {}: empty dhcp_identifier", row.hostId));
  auto r = parseOne(reservationJsonOf(row), fmt::format("hosts database host_id {}", row.hostId), row.subnetId, cfg);
  // The row itself is what reservation-get answers from; a copy of its JSON per host would
  // only cost memory (100,000 hosts and more).
  if (r) r->source = nullptr;
  return r;
}

Result<HostRow> hostRowOf(const json& reservation, std::uint32_t subnetId, const Dhcp4Config& cfg) {
  auto r = parseOne(reservation, "reservation", subnetId, cfg);
  if (!r) return r.error();
  HostRow row;
  row.subnetId = subnetId;
  row.identifierType = static_cast<std::uint8_t>(r->identifierType());
  row.identifier = r->identifier();
  row.ipv4Address = r->address ? r->address->value : 0;
  row.hostname = r->hostname;
  for (const auto& c : r->clientClasses) {
    if (!row.clientClasses.empty()) row.clientClasses += ',';
    row.clientClasses += c;
  }
  row.nextServer = r->nextServer ? r->nextServer->value : 0;
  row.serverHostname = r->serverHostname;
  row.bootFileName = r->bootFileName;
  if (auto uc = reservation.find("user-context"); uc != reservation.end() && uc->is_object())
    row.userContext = uc->dump();
  if (auto list = reservation.find("option-data"); list != reservation.end() && list->is_array()) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      const json& e = (*list)[i];
      Diagnostics diag;
      auto parsed = parseOptionDataList(json::array({e}), "reservation/option-data", cfg.optionDefs, diag);
      if (diag.failed() || parsed.empty()) return makeError(joinErrors(diag));
      HostOptionRow o;
      o.code = parsed.front().code;
      o.space = parsed.front().space;
      o.persistent = parsed.front().alwaysSend;
      const bool csv = !e.contains("csv-format") || (e["csv-format"].is_boolean() && e["csv-format"].get<bool>());
      const std::string data = e.contains("data") && e["data"].is_string() ? e["data"].get<std::string>() : "";
      // Kea's PgSqlOptionExchange: a formatted value goes alone (value NULL); otherwise the payload.
      if (csv && !data.empty()) o.formattedValue = data;
      else o.value = parsed.front().payload;
      if (auto uc = e.find("user-context"); uc != e.end() && uc->is_object()) o.userContext = uc->dump();
      row.options.push_back(std::move(o));
    }
  }
  return row;
}

}  // namespace tandem::config
