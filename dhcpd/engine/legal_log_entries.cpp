#include "dhcpd/engine/legal_log_entries.h"

#include <cctype>

#include <fmt/format.h>

namespace tandem::engine {
namespace {

using proto::MessageType;

// Kea's str::isPrintable: every octet a printable character.
bool printable(std::span<const std::uint8_t> b) {
  for (std::uint8_t c : b) {
    if (!std::isprint(c)) return false;
  }
  return true;
}

// An identifier as Kea shows it: hex with colons, then its text in parentheses when printable.
void appendId(std::string& s, std::span<const std::uint8_t> id) {
  s += toHexColon(id);
  if (printable(id)) {
    s += " (";
    s.append(id.begin(), id.end());
    s += ')';
  }
}

// The first sub-option `code` of option 82 (RFC 3046 2.0).
std::span<const std::uint8_t> subOption(const std::vector<std::uint8_t>& data, std::uint8_t code) {
  for (std::size_t i = 0; i + 2 <= data.size();) {
    const std::size_t n = data[i + 1];
    if (i + 2 + n > data.size()) break;
    if (data[i] == code) return {data.data() + i + 2, n};
    i += 2 + n;
  }
  return {};
}

}  // namespace

LegalLogEntries::LegalLogEntries(config::LegalLogConfig cfg, std::unordered_set<std::uint32_t> silentSubnets)
    : cfg_(std::move(cfg)), silent_(std::move(silentSubnets)) {}

std::unordered_set<std::uint32_t> LegalLogEntries::silentSubnets(const config::Dhcp4Config& cfg) {
  std::unordered_set<std::uint32_t> out;
  for (const auto& s : cfg.subnets) {
    if (s.sourcePointer.empty()) continue;
    const nlohmann::json::json_pointer ptr(s.sourcePointer + "/user-context/legal-logging");
    if (!cfg.source.contains(ptr)) continue;
    const auto& v = cfg.source.at(ptr);
    if (v.is_boolean() && !v.get<bool>()) out.insert(s.id);
  }
  return out;
}

std::string LegalLogEntries::duration(std::uint32_t secs) {
  if (secs == 0xffffffffu) return "infinite duration";
  const std::uint32_t seconds = secs % 60, minutes = secs / 60 % 60, hours = secs / 3600 % 24, days = secs / 86400;
  std::string s = days ? fmt::format("{} days ", days) : std::string();
  return s + fmt::format("{} hrs {} mins {} secs", hours, minutes, seconds);
}

std::string LegalLogEntries::defaultEntry(const proto::Packet4& query, const Lease& lease, Action action) {
  std::string s = "Address: " + lease.address.toString() + " has been ";
  if (action == Action::Assign) {
    s += "assigned for " + duration(lease.validLifetime) + " to";
  } else {
    s += "released from";
  }
  // HWAddr::toText(true): the type, a space, the octets (none for a declined lease's).
  s += fmt::format(" a device with hardware address: hwtype={} {}", lease.hwAddr.htype, lease.hwAddr.toString());
  if (!lease.clientId.empty()) {
    s += ", client-id: ";
    appendId(s, lease.clientId);
  }
  if (!query.giaddr.isZero()) {
    s += " connected via relay at address: " + query.giaddr.toString();
    if (const proto::Option* rai = query.find(proto::opt::kRelayAgentInfo)) {
      std::string ids;
      // circuit-id, remote-id, subscriber-id (RFC 3046, RFC 3993), each only when not empty.
      for (auto [code, name] :
           {std::pair<std::uint8_t, const char*>{1, "circuit-id"}, {2, "remote-id"}, {6, "subscriber-id"}}) {
        auto id = subOption(rai->data, code);
        if (id.empty()) continue;
        if (!ids.empty()) ids += " and ";
        ids += name;
        ids += ": ";
        appendId(ids, id);
      }
      if (!ids.empty()) s += ", identified by " + ids;
    }
  }
  if (!lease.userContext.empty()) s += ", context: " + lease.userContext;
  return s;
}

void LegalLogEntries::entry(const proto::Packet4& query, const proto::Packet4* response, const RecvMeta& meta,
                            const Lease& lease, Action action, std::vector<std::string>& out) {
  if (silent_.count(lease.subnetId)) return;
  if (!cfg_.requestFormat && !cfg_.responseFormat) {
    out.push_back(defaultEntry(query, lease, action));
    return;
  }
  // Kea's getCustomEntry: the request expression on the query, then the response expression
  // on the reply (none for a RELEASE or DECLINE); an empty result writes nothing.
  std::string value;
  classify::PacketInput in;
  in.iface = meta.ifName;
  in.src = meta.srcAddr;
  in.dst = meta.dstAddr;
  // A string expression: its value is wanted, not its truth (an evaluation error leaves none).
  if (cfg_.requestFormat) {
    in.pkt = &query;
    eval_.evaluate(*cfg_.requestFormat, in);
    value += eval_.lastValue();
  }
  if (cfg_.responseFormat && response) {
    in.pkt = response;
    eval_.evaluate(*cfg_.responseFormat, in);
    value += eval_.lastValue();
  }
  if (!value.empty()) out.push_back(std::move(value));
}

void LegalLogEntries::forQuery(const proto::Packet4& query, const RecvMeta& meta, const Decision& d,
                               std::vector<std::string>& out) {
  auto type = query.messageType();
  if (!type) return;
  switch (*type) {
    case MessageType::Request: {
      if (!d.reply || d.reply->messageType() != MessageType::Ack) return;
      for (const auto& c : d.changes) {
        if (c.kind == LeaseChange::Kind::Upsert) entry(query, &*d.reply, meta, c.lease, Action::Assign, out);
      }
      for (const auto& c : d.changes) {
        if (c.kind == LeaseChange::Kind::Delete) {
          entry(query, &*d.reply, meta, c.previous ? *c.previous : c.lease, Action::Release, out);
        }
      }
      return;
    }
    case MessageType::Release:
    case MessageType::Decline:
      for (const auto& c : d.changes) {
        if (c.previous) entry(query, nullptr, meta, *c.previous, Action::Release, out);
      }
      return;
    default: return;
  }
}

}  // namespace tandem::engine
