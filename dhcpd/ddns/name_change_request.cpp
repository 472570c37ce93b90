#include "dhcpd/ddns/name_change_request.h"

#include <fmt/format.h>

#include <chrono>

#include "dhcpd/common/sha256.h"
#include "dhcpd/proto/client_fqdn.h"

namespace tandem::ddns {

namespace {

constexpr std::uint16_t kIdHwAddr = 0x0000, kIdClientId = 0x0001;  // RFC 4701 3.3
constexpr std::uint8_t kDigestSha256 = 1;

std::string hexUpper(const std::vector<std::uint8_t>& b) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string s;
  s.reserve(b.size() * 2);
  for (std::uint8_t c : b) {
    s.push_back(kDigits[c >> 4]);
    s.push_back(kDigits[c & 0xf]);
  }
  return s;
}

}  // namespace

std::string ncrTimeText(std::int64_t epochSeconds) {
  using namespace std::chrono;
  const sys_seconds t{seconds{epochSeconds}};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  return fmt::format("{:04}{:02}{:02}{:02}{:02}{:02}", int(ymd.year()), unsigned(ymd.month()), unsigned(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

std::string NameChangeRequest::toJson() const {
  return fmt::format(
      "{{\"change-type\":{},\"forward-change\":{},\"reverse-change\":{},\"fqdn\":\"{}\",\"ip-address\":\"{}\","
      "\"dhcid\":\"{}\",\"lease-expires-on\":\"{}\",\"lease-length\":{},\"use-conflict-resolution\":{}}}",
      int(type), forward, reverse, fqdn, address.toString(), hexUpper(dhcid), ncrTimeText(leaseExpiresOn), leaseLength,
      useConflictResolution);
}

std::vector<std::uint8_t> NameChangeRequest::toWire() const {
  const std::string json = toJson();
  std::vector<std::uint8_t> out;
  out.reserve(json.size() + 2);
  out.push_back(std::uint8_t(json.size() >> 8));
  out.push_back(std::uint8_t(json.size()));
  out.insert(out.end(), json.begin(), json.end());
  return out;
}

std::optional<std::vector<std::uint8_t>> dhcidFor(const Lease& lease, const std::string& fqdn) {
  auto name = proto::DnsName::fromText(fqdn, true);
  if (!name) return std::nullopt;
  const std::vector<std::uint8_t> wire = name->toWire();
  std::vector<std::uint8_t> id;
  std::uint16_t type = kIdHwAddr;
  if (!lease.clientId.empty()) {
    type = kIdClientId;
    id = lease.clientId;
  } else {
    id.push_back(lease.hwAddr.htype);
    id.insert(id.end(), lease.hwAddr.bytes.begin(), lease.hwAddr.bytes.begin() + lease.hwAddr.length);
  }
  Sha256 h;
  h.update(id);
  h.update(wire);
  const auto digest = h.finish();
  std::vector<std::uint8_t> out{std::uint8_t(type >> 8), std::uint8_t(type), kDigestSha256};
  out.insert(out.end(), digest.begin(), digest.end());
  return out;
}

std::uint32_t ddnsTtl(std::uint32_t validLifetime) noexcept { return validLifetime < 1800 ? 600 : validLifetime / 3; }

std::optional<NameChangeRequest> requestFor(ChangeType type, const Lease& lease, bool useConflictResolution) {
  if (lease.hostname.empty() || (!lease.fqdnFwd && !lease.fqdnRev)) return std::nullopt;
  auto name = proto::DnsName::fromText(lease.hostname, false);
  auto dhcid = dhcidFor(lease, lease.hostname);
  if (!name || !dhcid) return std::nullopt;
  NameChangeRequest r;
  r.type = type;
  r.forward = lease.fqdnFwd;
  r.reverse = lease.fqdnRev;
  r.fqdn = name->toText(false);
  r.address = lease.address;
  r.dhcid = std::move(*dhcid);
  r.leaseLength = ddnsTtl(lease.validLifetime);
  r.leaseExpiresOn = lease.cltt + r.leaseLength;
  r.useConflictResolution = useConflictResolution;
  return r;
}

}  // namespace tandem::ddns
