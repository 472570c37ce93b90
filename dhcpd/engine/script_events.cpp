#include "dhcpd/engine/script_events.h"

#include <fmt/format.h>

namespace tandem::engine {
namespace {

using proto::MessageType;

void put(std::vector<std::string>& env, const std::string& name, std::string_view value) {
  std::string s;
  s.reserve(name.size() + 1 + value.size());
  s += name;
  s += '=';
  s += value;
  env.push_back(std::move(s));
}

void putInt(std::vector<std::string>& env, const std::string& name, std::uint64_t value) {
  put(env, name, fmt::format("{}", value));
}

// RunScriptImpl::extractHWAddr: the address and its type, both empty when there is none.
void putHw(std::vector<std::string>& env, const std::string& name, const HwAddr* hw) {
  if (hw) {
    put(env, name, hw->toString());
    putInt(env, name + "_TYPE", hw->htype);
  } else {
    put(env, name, "");
    put(env, name + "_TYPE", "");
  }
}

void putLease(std::vector<std::string>& env, const std::string& prefix, const Lease& l) {
  put(env, prefix + "_ADDRESS", l.address.toString());
  putInt(env, prefix + "_CLTT", static_cast<std::uint64_t>(l.cltt));
  put(env, prefix + "_HOSTNAME", l.hostname);
  putHw(env, prefix + "_HWADDR", &l.hwAddr);
  put(env, prefix + "_STATE", keaLeaseState(l.state));
  putInt(env, prefix + "_SUBNET_ID", l.subnetId);
  putInt(env, prefix + "_VALID_LIFETIME", l.validLifetime);
  put(env, prefix + "_CLIENT_ID", toHexColon(l.clientId));
}

void putLeases(std::vector<std::string>& env, const std::string& prefix, const std::vector<const Lease*>& leases) {
  putInt(env, prefix + "_SIZE", leases.size());
  for (std::size_t i = 0; i < leases.size(); ++i) putLease(env, fmt::format("{}_AT{}", prefix, i), *leases[i]);
}

// The first sub-option `code` of option 82's data (RFC 3046 2.0: code, length, value).
const std::uint8_t* subOption(const std::vector<std::uint8_t>& data, std::uint8_t code, std::size_t& len) {
  for (std::size_t i = 0; i + 2 <= data.size();) {
    const std::size_t n = data[i + 1];
    if (i + 2 + n > data.size()) break;
    if (data[i] == code) {
      len = n;
      return data.data() + i + 2;
    }
    i += 2 + n;
  }
  return nullptr;
}

bool sameClient(const Lease& a, const Lease& b) {
  if (!a.clientId.empty() && a.clientId == b.clientId) return true;
  return !a.hwAddr.empty() && a.hwAddr == b.hwAddr;
}

}  // namespace

std::string_view keaMessageName(const proto::Packet4& q) {
  auto t = q.messageType();
  if (!t) return "BOOTP";
  // Pkt4::getName: the DHCP names proto already has; "UNKNOWN" for a type outside RFC 2132.
  const std::string_view name = proto::toString(*t);
  return name == "DHCP-UNKNOWN" ? std::string_view("UNKNOWN") : name;
}

std::string_view keaLeaseState(LeaseState s) {
  switch (s) {
    case LeaseState::Default: return "default";
    case LeaseState::Declined: return "declined";
    case LeaseState::ExpiredReclaimed: return "expired-reclaimed";
  }
  return "unknown";
}

std::string keaHexString(std::span<const std::uint8_t> b) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string s = "0x";
  s.reserve(2 + b.size() * 2);
  for (std::uint8_t c : b) {
    s += kHex[c >> 4];
    s += kHex[c & 0xf];
  }
  return s;
}

ScriptEvents::ScriptEvents(const config::Dhcp4Config& cfg) {
  for (const auto& s : cfg.subnets) {
    subnets_[s.id] = SubnetText{s.prefix.toString(), s.prefix.network.toString(), s.prefix.length};
  }
}

void ScriptEvents::query4(const proto::Packet4& q, const RecvMeta& meta, std::uint16_t localPort,
                          std::vector<std::string>& env) const {
  const std::string p = "QUERY4";
  put(env, p + "_TYPE", keaMessageName(q));
  putInt(env, p + "_TXID", q.xid);
  put(env, p + "_LOCAL_ADDR", meta.dstAddr.toString());
  putInt(env, p + "_LOCAL_PORT", localPort);
  put(env, p + "_REMOTE_ADDR", meta.srcAddr.toString());
  putInt(env, p + "_REMOTE_PORT", meta.srcPort);
  putInt(env, p + "_IFACE_INDEX", static_cast<std::uint64_t>(meta.ifIndex));
  put(env, p + "_IFACE_NAME", meta.ifName);
  putInt(env, p + "_HOPS", q.hops);
  putInt(env, p + "_SECS", q.secs);
  putInt(env, p + "_FLAGS", q.flags);
  put(env, p + "_CIADDR", q.ciaddr.toString());
  put(env, p + "_SIADDR", q.siaddr.toString());
  put(env, p + "_YIADDR", q.yiaddr.toString());
  put(env, p + "_GIADDR", q.giaddr.toString());
  // Pkt4::isRelayed: a giaddr that is neither 0.0.0.0 nor 255.255.255.255.
  const bool relayed = !q.giaddr.isZero() && q.giaddr.value != 0xffffffffu;
  put(env, p + "_RELAYED", relayed ? "true" : "false");
  const HwAddr chaddr = q.hwAddr();
  putHw(env, p + "_HWADDR", &chaddr);
  // Kea reads the frame's link-layer addresses from its raw socket; tandemd receives through a
  // UDP socket and derives them: the destination is the broadcast address or this interface's,
  // the source a client's own chaddr (it sends its frames itself). A relay's MAC is not known:
  // empty, as Kea gives it when it has none (README, "Differences from Kea 2.2").
  static const HwAddr kBroadcast = *HwAddr::parse("ff:ff:ff:ff:ff:ff");
  const HwAddr* local = meta.dstAddr.value == 0xffffffffu ? &kBroadcast : (meta.ifMac.empty() ? nullptr : &meta.ifMac);
  putHw(env, p + "_LOCAL_HWADDR", local);
  putHw(env, p + "_REMOTE_HWADDR", relayed ? nullptr : &chaddr);
  if (const proto::Option* o82 = q.find(proto::opt::kRelayAgentInfo)) {
    put(env, p + "_OPTION_82", keaHexString(o82->data));
    for (std::uint8_t code : {std::uint8_t{1}, std::uint8_t{2}}) {  // circuit-id, remote-id
      std::size_t len = 0;
      if (const std::uint8_t* v = subOption(o82->data, code, len)) {
        put(env, fmt::format("{}_OPTION_82_SUB_OPTION_{}", p, code), keaHexString({v, len}));
      }
    }
  }
}

void ScriptEvents::subnet4(std::uint32_t id, std::vector<std::string>& env) const {
  auto it = subnets_.find(id);
  if (it == subnets_.end()) {
    for (const char* k : {"SUBNET4_ID", "SUBNET4_NAME", "SUBNET4_PREFIX", "SUBNET4_PREFIX_LEN"}) put(env, k, "");
    return;
  }
  putInt(env, "SUBNET4_ID", id);
  put(env, "SUBNET4_NAME", it->second.name);
  put(env, "SUBNET4_PREFIX", it->second.prefix);
  putInt(env, "SUBNET4_PREFIX_LEN", it->second.length);
}

void ScriptEvents::forQuery(const proto::Packet4& q, const RecvMeta& meta, std::uint16_t localPort, const Decision& d,
                            std::vector<ScriptCall>& out) const {
  auto type = q.messageType();
  if (!type) return;
  const Lease* upserted = nullptr;
  const LeaseChange* upsert = nullptr;
  std::vector<const Lease*> deleted;
  for (const auto& c : d.changes) {
    if (c.kind == LeaseChange::Kind::Upsert) {
      upsert = &c;
      upserted = &c.lease;
    } else {
      deleted.push_back(c.previous ? &*c.previous : &c.lease);
    }
  }
  auto committed = [&](std::vector<const Lease*> leases, std::vector<const Lease*> gone) {
    ScriptCall call{"leases4_committed", {}, {}};
    call.env.reserve(64);
    query4(q, meta, localPort, call.env);
    putLeases(call.env, "LEASES4", leases);
    putLeases(call.env, "DELETED_LEASES4", gone);
    out.push_back(std::move(call));
  };
  switch (*type) {
    case MessageType::Request: {
      if (!d.reply) return;
      const auto replyType = d.reply->messageType();
      if (replyType == MessageType::Nak) return committed({}, {});
      if (replyType != MessageType::Ack || !upserted) return;
      // Kea's AllocEngine::renewLease4: the client's own lease on the address it is given.
      const auto& prev = upsert->previous;
      if (prev && prev->address == upserted->address && prev->state != LeaseState::Declined &&
          sameClient(*prev, *upserted)) {
        ScriptCall call{"lease4_renew", {}, {}};
        call.env.reserve(64);
        query4(q, meta, localPort, call.env);
        subnet4(upserted->subnetId, call.env);
        const auto cid = q.clientId();
        put(call.env, "PKT4_CLIENT_ID", cid ? toHexColon(*cid) : std::string());
        const HwAddr chaddr = q.hwAddr();
        putHw(call.env, "PKT4_HWADDR", &chaddr);
        putLease(call.env, "LEASE4", *upserted);
        out.push_back(std::move(call));
      }
      return committed({upserted}, deleted);
    }
    case MessageType::Release: {
      if (deleted.empty()) return;
      ScriptCall call{"lease4_release", {}, {}};
      query4(q, meta, localPort, call.env);
      putLease(call.env, "LEASE4", *deleted.front());
      out.push_back(std::move(call));
      return committed({}, deleted);
    }
    case MessageType::Decline: {
      if (!upsert || !upsert->previous) return;
      ScriptCall call{"lease4_decline", {}, {}};
      query4(q, meta, localPort, call.env);
      putLease(call.env, "LEASE4", *upsert->previous);
      out.push_back(std::move(call));
      return committed({upserted}, {});
    }
    default: return;
  }
}

void ScriptEvents::forReclaim(const LeaseChange& c, bool removeMode, std::vector<ScriptCall>& out) const {
  const Lease& before = c.previous ? *c.previous : c.lease;
  if (before.state == LeaseState::ExpiredReclaimed) return;  // flush of an already reclaimed lease
  ScriptCall expire{"lease4_expire", {}, {}};
  putLease(expire.env, "LEASE4", before);
  put(expire.env, "REMOVE_LEASE", removeMode ? "true" : "false");
  out.push_back(std::move(expire));
  if (before.state == LeaseState::Declined) {
    ScriptCall recover{"lease4_recover", {}, {}};
    putLease(recover.env, "LEASE4", before);
    out.push_back(std::move(recover));
  }
}

}  // namespace tandem::engine
