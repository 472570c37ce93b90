#include "dhcpd/api/kea_metrics.h"

#include <array>
#include <charconv>

namespace tandem::api {

namespace {

// kea-exporter's label sets (the label names its Gauge objects are declared with).
enum class LabelSet { Operation, SubnetPool, SubnetContext, Subnet };

struct FamilyDef {
  std::string_view name;
  std::string_view help;
  LabelSet labels;
};

// kea_exporter/exporter.py setup_dhcp4_metrics(): names, HELP texts and label names.
constexpr FamilyDef kPacketsSent{"kea_dhcp4_packets_sent_total", "Packets sent", LabelSet::Operation};
constexpr FamilyDef kPacketsReceived{"kea_dhcp4_packets_received_total", "Packets received", LabelSet::Operation};
constexpr FamilyDef kAllocationsFailed{"kea_dhcp4_allocations_failed_total", "Allocation fail count",
                                       LabelSet::SubnetContext};
constexpr FamilyDef kAssigned{"kea_dhcp4_addresses_assigned_total", "Assigned addresses", LabelSet::SubnetPool};
constexpr FamilyDef kDeclined{"kea_dhcp4_addresses_declined_total", "Declined counts", LabelSet::SubnetPool};
constexpr FamilyDef kDeclinedReclaimed{"kea_dhcp4_addresses_declined_reclaimed_total",
                                       "Declined addresses that were reclaimed", LabelSet::SubnetPool};
constexpr FamilyDef kReclaimed{"kea_dhcp4_addresses_reclaimed_total", "Expired addresses that were reclaimed",
                               LabelSet::SubnetPool};
constexpr FamilyDef kTotal{"kea_dhcp4_addresses_total", "Size of subnet address pool", LabelSet::SubnetPool};
constexpr FamilyDef kConflicts{"kea_dhcp4_reservation_conflicts_total", "Reservation conflict count", LabelSet::Subnet};
constexpr FamilyDef kReused{"kea_dhcp4_leases_reused_total", "Number of times an IPv4 lease has been renewed in memory",
                            LabelSet::Subnet};

struct MapEntry {
  std::string_view statistic;
  const FamilyDef* family;
  std::string_view label;  // the "operation" or "context" value, if the family has one
};

// kea-exporter's metrics_dhcp4_map.
constexpr std::array kMap{
    MapEntry{"pkt4-ack-sent", &kPacketsSent, "ack"},
    MapEntry{"pkt4-nak-sent", &kPacketsSent, "nak"},
    MapEntry{"pkt4-offer-sent", &kPacketsSent, "offer"},
    MapEntry{"pkt4-discover-received", &kPacketsReceived, "discover"},
    MapEntry{"pkt4-offer-received", &kPacketsReceived, "offer"},
    MapEntry{"pkt4-request-received", &kPacketsReceived, "request"},
    MapEntry{"pkt4-ack-received", &kPacketsReceived, "ack"},
    MapEntry{"pkt4-nak-received", &kPacketsReceived, "nak"},
    MapEntry{"pkt4-release-received", &kPacketsReceived, "release"},
    MapEntry{"pkt4-decline-received", &kPacketsReceived, "decline"},
    MapEntry{"pkt4-inform-received", &kPacketsReceived, "inform"},
    MapEntry{"pkt4-unknown-received", &kPacketsReceived, "unknown"},
    MapEntry{"pkt4-parse-failed", &kPacketsReceived, "parse-failed"},
    MapEntry{"pkt4-receive-drop", &kPacketsReceived, "drop"},
    MapEntry{"v4-allocation-fail-subnet", &kAllocationsFailed, "subnet"},
    MapEntry{"v4-allocation-fail-shared-network", &kAllocationsFailed, "shared-network"},
    MapEntry{"v4-allocation-fail-no-pools", &kAllocationsFailed, "no-pools"},
    MapEntry{"v4-allocation-fail-classes", &kAllocationsFailed, "classes"},
    MapEntry{"v4-lease-reuses", &kReused, ""},
    MapEntry{"assigned-addresses", &kAssigned, ""},
    MapEntry{"declined-addresses", &kDeclined, ""},
    MapEntry{"reclaimed-declined-addresses", &kDeclinedReclaimed, ""},
    MapEntry{"reclaimed-leases", &kReclaimed, ""},
    MapEntry{"total-addresses", &kTotal, ""},
    MapEntry{"v4-reservation-conflicts", &kConflicts, ""},
};

// kea-exporter's metrics_dhcp4_global_ignore: global sums of series exported per subnet or
// per packet type.
constexpr std::array<std::string_view, 13> kGlobalIgnore{"cumulative-assigned-addresses",
                                                         "declined-addresses",
                                                         "reclaimed-declined-addresses",
                                                         "reclaimed-leases",
                                                         "v4-reservation-conflicts",
                                                         "v4-allocation-fail",
                                                         "v4-allocation-fail-subnet",
                                                         "v4-allocation-fail-shared-network",
                                                         "v4-allocation-fail-no-pools",
                                                         "v4-allocation-fail-classes",
                                                         "pkt4-sent",
                                                         "pkt4-received",
                                                         "v4-lease-reuses"};
// metric_dhcp4_subnet_ignore.
constexpr std::array<std::string_view, 2> kSubnetIgnore{"cumulative-assigned-addresses", "v4-allocation-fail"};

// tandemd's own drop counters (dhcpd/net/dhcp_pipeline.h), not Kea's: one counter by reason.
struct DropEntry {
  std::string_view statistic;
  std::string_view reason;
};
constexpr std::array kDrops{
    DropEntry{"pkt4-ack-not-durable-drop", "ack-not-durable"},
    DropEntry{"pkt4-not-for-us", "not-for-us"},
    DropEntry{"pkt4-ha-update-failed-drop", "ha-update-failed"},
    DropEntry{"pkt4-lease-file-fail-drop", "lease-file-fail"},
    DropEntry{"pkt4-ha-backpressure-drop", "ha-backpressure"},
    DropEntry{"pkt4-lease-db-conflict-drop", "lease-db-conflict"},
    DropEntry{"pkt4-lease-backpressure-drop", "lease-backpressure"},
};

template <std::size_t N>
bool listed(const std::array<std::string_view, N>& list, std::string_view s) noexcept {
  for (auto x : list) {
    if (x == s) return true;
  }
  return false;
}

const MapEntry* lookup(std::string_view statistic) noexcept {
  for (const auto& e : kMap) {
    if (e.statistic == statistic) return &e;
  }
  return nullptr;
}

// kea-exporter's [\w-]+ (ASCII word characters and '-').
bool keaMetricWord(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Reads "<prefix>[<digits>]" at the front of s; advances s past it.
bool readIndexed(std::string_view& s, std::string_view prefix, std::uint64_t& index) noexcept {
  if (!s.starts_with(prefix) || s.size() <= prefix.size() || s[prefix.size()] != '[') return false;
  const char* b = s.data() + prefix.size() + 1;
  const char* e = s.data() + s.size();
  auto [p, ec] = std::from_chars(b, e, index);
  if (ec != std::errc() || p == b || p == e || *p != ']') return false;
  s.remove_prefix(std::size_t(p + 1 - s.data()));
  return true;
}

// kea-exporter's subnet_pattern: ^subnet\[(\d+)\]\.(pool\[(\d+)\]\.([\w-]+)|([\w-]+))$
struct SubnetKey {
  std::uint64_t subnetId = 0;
  bool pool = false;
  std::uint64_t poolIndex = 0;
  std::string_view metric;
};
bool parseSubnetKey(std::string_view name, SubnetKey& k) noexcept {
  if (!readIndexed(name, "subnet", k.subnetId) || !name.starts_with('.')) return false;
  name.remove_prefix(1);
  std::string_view rest = name;
  if (readIndexed(rest, "pool", k.poolIndex) && rest.starts_with('.') && keaMetricWord(rest.substr(1))) {
    k.pool = true;
    k.metric = rest.substr(1);
    return true;
  }
  if (!keaMetricWord(name)) return false;
  k.metric = name;
  return true;
}

bool withinUint32(std::uint64_t v) noexcept { return v <= 0xffffffffu; }

}  // namespace

std::string keaPoolText(Ipv4 first, Ipv4 last) {
  // isc::dhcp::prefixLengthFromRange: the range is one CIDR block when last - first + 1 is a
  // power of two and first is aligned to it.
  const std::uint64_t size = std::uint64_t(last.value) - first.value + 1;
  if (last.value >= first.value && (size & (size - 1)) == 0 && (first.value & (size - 1)) == 0) {
    int len = 32;
    for (std::uint64_t s = size; s > 1; s >>= 1) --len;
    return first.toString() + "/" + std::to_string(len);
  }
  return first.toString() + "-" + last.toString();
}

SubnetLabelMap subnetMetricLabels(const config::Dhcp4Config& cfg) {
  SubnetLabelMap out;
  out.reserve(cfg.subnets.size());
  for (const auto& s : cfg.subnets) {
    SubnetMetricLabels l;
    l.subnet = s.prefix.toString();
    l.subnetId = std::to_string(s.id);
    l.pools.reserve(s.pools.size());
    for (const auto& p : s.pools) l.pools.push_back(keaPoolText(p.first, p.last));
    out.emplace(s.id, std::move(l));
  }
  return out;
}

namespace {

// kea-exporter's families in its order; KeaMetricsWriter::families_ is indexed alike.
constexpr std::array<const FamilyDef*, 10> kDefs{&kPacketsSent, &kPacketsReceived, &kAllocationsFailed,
                                                 &kAssigned,    &kDeclined,        &kDeclinedReclaimed,
                                                 &kReclaimed,   &kTotal,           &kConflicts,
                                                 &kReused};

std::size_t indexOf(const FamilyDef* d) noexcept {
  for (std::size_t i = 0; i < kDefs.size(); ++i) {
    if (kDefs[i] == d) return i;
  }
  return 0;  // every kMap entry names one of kDefs
}

}  // namespace

KeaMetricsWriter::KeaMetricsWriter(PrometheusText& out, const SubnetLabelMap& subnets) : out_(out), subnets_(subnets) {
  for (std::size_t i = 0; i < kDefs.size(); ++i) {
    families_[i] = &out.family(kDefs[i]->name, kDefs[i]->help, MetricType::Gauge);
  }
  drops_ = &out.family("tandem_dhcp4_packets_dropped_total",
                       "Packets dropped for tandemd's own reasons (also counted in "
                       "kea_dhcp4_packets_received_total{operation=\"drop\"})",
                       MetricType::Counter);
  other_ = &out.family("tandem_kea_statistic",
                       "Statistics of statistic-get-all that kea-exporter does not export (global sums, "
                       "cumulative-assigned-addresses, v4-allocation-fail), by name",
                       MetricType::Gauge);
}

void KeaMetricsWriter::fallback(std::string_view statistic, std::int64_t value) {
  out_.sample(*other_, {{"statistic", statistic}}, value);
}

void KeaMetricsWriter::add(std::string_view name, std::int64_t v) {
  SubnetKey k;
  if (parseSubnetKey(name, k)) {
    const MapEntry* e = listed(kSubnetIgnore, k.metric) ? nullptr : lookup(k.metric);
    auto sit = withinUint32(k.subnetId) ? subnets_.find(std::uint32_t(k.subnetId)) : subnets_.end();
    if (!e || sit == subnets_.end() || e->family->labels == LabelSet::Operation ||
        (k.pool && (k.poolIndex >= sit->second.pools.size() || e->family->labels != LabelSet::SubnetPool))) {
      fallback(name, v);
      return;
    }
    const SubnetMetricLabels& sl = sit->second;
    auto& f = *families_[indexOf(e->family)];
    switch (e->family->labels) {
      case LabelSet::SubnetPool: {
        const std::string_view pool = k.pool ? std::string_view(sl.pools[k.poolIndex]) : std::string_view();
        out_.sample(f, {{"subnet", sl.subnet}, {"subnet_id", sl.subnetId}, {"pool", pool}}, v);
        break;
      }
      case LabelSet::SubnetContext:
        out_.sample(f, {{"subnet", sl.subnet}, {"subnet_id", sl.subnetId}, {"context", e->label}}, v);
        break;
      case LabelSet::Subnet: out_.sample(f, {{"subnet", sl.subnet}, {"subnet_id", sl.subnetId}}, v); break;
      case LabelSet::Operation: break;
    }
    return;
  }
  for (const auto& d : kDrops) {
    if (d.statistic == name) {
      out_.sample(*drops_, {{"reason", d.reason}}, v);
      return;
    }
  }
  const MapEntry* e = listed(kGlobalIgnore, name) ? nullptr : lookup(name);
  if (!e || e->family->labels != LabelSet::Operation) {
    fallback(name, v);
    return;
  }
  out_.sample(*families_[indexOf(e->family)], {{"operation", e->label}}, v);
}

void writeKeaMetrics(PrometheusText& out, std::span<const std::pair<std::string, StatsRegistry::Sample>> stats,
                     const SubnetLabelMap& subnets) {
  KeaMetricsWriter w(out, subnets);
  for (const auto& [name, sample] : stats) w.add(name, sample.value);
}

}  // namespace tandem::api
