#include "dhcpd/api/lease_json.h"

#include <limits>
#include <string>

#include "dhcpd/api/command_args.h"

namespace tandem::api {

using nlohmann::json;

json leaseToJson(const Lease& lease) {
  json j = json::object();
  if (!lease.clientId.empty()) j["client-id"] = toHexColon(lease.clientId);
  j["cltt"] = lease.cltt;
  j["fqdn-fwd"] = lease.fqdnFwd;
  j["fqdn-rev"] = lease.fqdnRev;
  j["hostname"] = lease.hostname;
  j["hw-address"] = lease.hwAddr.toString();
  j["ip-address"] = lease.address.toString();
  j["state"] = static_cast<int>(lease.state);
  j["subnet-id"] = lease.subnetId;
  j["valid-lft"] = lease.validLifetime;
  if (!lease.userContext.empty()) {
    json ctx = json::parse(lease.userContext, nullptr, false);
    if (!ctx.is_discarded()) j["user-context"] = std::move(ctx);
  }
  if (lease.poolId != 0) j["pool-id"] = lease.poolId;
  return j;
}

const config::Subnet4* findSubnet(const config::Dhcp4Config& cfg, std::uint32_t id) {
  for (const auto& s : cfg.subnets) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

const config::Subnet4* subnetForAddress(const config::Dhcp4Config& cfg, Ipv4 address) {
  for (const auto& s : cfg.subnets) {
    if (s.prefix.contains(address)) return &s;
  }
  return nullptr;
}

Result<const config::Subnet4*> subnetOfLease(const config::Dhcp4Config& cfg, Ipv4 address, std::uint32_t subnetId) {
  if (subnetId != 0) {
    const config::Subnet4* subnet = findSubnet(cfg, subnetId);
    if (!subnet) {
      return makeError("Invalid subnet-id: No IPv4 subnet with subnet-id=" + std::to_string(subnetId) +
                           " currently configured.",
                       kLeaseConfigConflict);
    }
    if (!subnet->prefix.contains(address)) {
      return makeError("The address " + address.toString() + " does not belong to subnet " + subnet->prefix.toString() +
                           ", subnet-id=" + std::to_string(subnet->id),
                       kLeaseConfigConflict);
    }
    return subnet;
  }
  const config::Subnet4* subnet = subnetForAddress(cfg, address);
  if (!subnet) {
    return makeError("subnet-id not specified and failed to find a subnet for address " + address.toString(),
                     kLeaseConfigConflict);
  }
  return subnet;
}

Result<Lease> leaseFromJson(const json& args, const config::Dhcp4Config& cfg, std::int64_t now) {
  return leaseFromJson(args, LeaseJsonForm{&cfg, false}, now);
}

Result<Lease> leaseFromJson(const json& args, const LeaseJsonForm& form, std::int64_t now) {
  if (!args.is_object()) return makeError("no parameters specified for the command");
  const bool peer = form.subnets == nullptr;
  Lease lease;

  auto ip = optString(args, "ip-address");
  if (!ip) return ip.error();
  if (!*ip) return makeError(missingParameter("ip-address"));
  auto address = Ipv4::parse(**ip);
  if (!address) return makeError("Failed to convert '" + **ip + "' to address");
  lease.address = *address;

  auto hw = optString(args, "hw-address");
  if (!hw) return hw.error();
  if (!*hw) return makeError(missingParameter("hw-address"));
  auto hwAddr = HwAddr::parse(**hw);
  if (!hwAddr || (hwAddr->empty() && !peer)) return makeError("'" + **hw + "' is not a valid hw-address");
  lease.hwAddr = *hwAddr;

  auto subnetId = optInt(args, "subnet-id", 0, std::numeric_limits<std::uint32_t>::max());
  if (!subnetId) return subnetId.error();
  const config::Subnet4* subnet = nullptr;
  if (peer) {
    lease.subnetId = static_cast<std::uint32_t>(subnetId->value_or(0));
  } else {
    auto placed = subnetOfLease(*form.subnets, lease.address, static_cast<std::uint32_t>(subnetId->value_or(0)));
    if (!placed) return placed.error();
    subnet = *placed;
    lease.subnetId = subnet->id;
  }

  auto clientId = optString(args, "client-id");
  if (!clientId) return clientId.error();
  if (*clientId && !(*clientId)->empty()) {
    auto bytes = parseHexBytes(**clientId);
    if (!bytes) return makeError("'" + **clientId + "' is not a valid string of hexadecimal digits");
    lease.clientId = std::move(*bytes);
  }

  auto validLft = optInt(args, "valid-lft", 0, std::numeric_limits<std::uint32_t>::max());
  if (!validLft) return validLft.error();
  if (*validLft) {
    lease.validLifetime = static_cast<std::uint32_t>(**validLft);
  } else if (subnet) {
    lease.validLifetime = subnet->validLifetime.value_or(form.subnets->validLifetime);
  } else {
    return makeError(missingParameter("valid-lft"));
  }

  if (form.cltt) {
    auto cltt = optInt(args, "cltt", 1, std::numeric_limits<std::int64_t>::max());
    if (!cltt) return cltt.error();
    if (!*cltt) return makeError(missingParameter("cltt"));
    if (**cltt > std::numeric_limits<std::int64_t>::max() - static_cast<std::int64_t>(lease.validLifetime)) {
      return makeError("'cltt' plus 'valid-lft' is beyond the largest time for address " + lease.address.toString());
    }
    lease.cltt = **cltt;
  } else {
    auto expire =
        optInt(args, "expire", std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max());
    if (!expire) return expire.error();
    if (*expire) {
      if (**expire <= 0) return makeError("expiration time must be positive for address " + lease.address.toString());
      if (**expire < static_cast<std::int64_t>(lease.validLifetime)) {
        return makeError("expiration time must be greater than valid lifetime for address " + lease.address.toString());
      }
      lease.cltt = **expire - lease.validLifetime;
    } else {
      lease.cltt = now;
    }
  }

  auto fwd = optBool(args, "fqdn-fwd");
  if (!fwd) return fwd.error();
  auto rev = optBool(args, "fqdn-rev");
  if (!rev) return rev.error();
  auto hostname = optString(args, "hostname");
  if (!hostname) return hostname.error();
  lease.fqdnFwd = fwd->value_or(false);
  lease.fqdnRev = rev->value_or(false);
  lease.hostname = hostname->value_or("");
  if ((lease.fqdnFwd || lease.fqdnRev) && lease.hostname.empty()) {
    return makeError("No hostname specified and either forward or reverse fqdn was set to true.");
  }

  auto state =
      optInt(args, "state", std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max());
  if (!state) return state.error();
  if (*state) {
    if (peer && **state == 3) {
      lease.state = LeaseState::ExpiredReclaimed;  // Kea >= 2.7's "released" (LeaseJsonForm)
    } else if (**state < 0 || **state > 2) {
      return makeError("Invalid state value: " + std::to_string(**state) +
                       (peer ? ", supported values are: 0 (default), 1 (declined), 2 (expired-reclaimed) and 3 "
                               "(released)"
                             : ", supported values are: 0 (default), 1 (declined) and 2 (expired-reclaimed)"));
    } else {
      lease.state = static_cast<LeaseState>(**state);
    }
  }

  if (auto ctx = args.find("user-context"); ctx != args.end()) {
    if (!ctx->is_object()) return makeError("Invalid user context '" + ctx->dump() + "' is not a JSON map.");
    lease.userContext = ctx->dump();
  }

  auto poolId = optInt(args, "pool-id", 0, std::numeric_limits<std::uint32_t>::max());
  if (!poolId) return poolId.error();
  if (*poolId) lease.poolId = static_cast<std::uint32_t>(**poolId);
  return lease;
}

}  // namespace tandem::api
