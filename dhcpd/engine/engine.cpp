#include "dhcpd/engine/engine.h"

#include <algorithm>
#include <array>
#include <bitset>
#include <cctype>
#include <charconv>
#include <span>
#include <unordered_map>

#include "dhcpd/common/epoch_time.h"
#include "dhcpd/config/lease_times.h"

#include "dhcpd/engine/client_identity.h"
#include "dhcpd/engine/client_name.h"
#include "dhcpd/engine/flex_option_applier.h"
#include "dhcpd/engine/hint_table.h"
#include "dhcpd/engine/offer_table.h"
#include "dhcpd/engine/option_assembly.h"
#include "dhcpd/engine/option_set_cache.h"
#include "dhcpd/engine/packet_classifier.h"
#include "dhcpd/engine/pool_cursor.h"
#include "dhcpd/engine/reservation_index.h"

namespace tandem::engine {

std::string_view toString(DropReason r) noexcept {
  switch (r) {
    case DropReason::None: return "none";
    case DropReason::NotForUs: return "not-for-us";
    case DropReason::NoSubnet: return "no-subnet";
    case DropReason::NoAddress: return "no-address";
    case DropReason::BadRequest: return "bad-request";
    case DropReason::ServiceDisabled: return "service-disabled";
    case DropReason::UnsupportedMessage: return "unsupported-message";
    case DropReason::DropClass: return "drop-class";
  }
  return "unknown";
}

namespace {
namespace opt = proto::opt;
using proto::MessageType;
using proto::Packet4;

constexpr std::uint8_t kVivsoOption = 125;  // RFC 3925 section 4 (V-I vendor-specific information)
constexpr std::size_t kHintCapacity = 65536;
constexpr std::uint8_t kSubnetSelection = 118;  // RFC 3011
constexpr std::uint8_t kRaiLinkSelection = 5;   // RFC 3527 sub-option of option 82

struct NetworkState;

struct SubnetState {
  const config::Subnet4* subnet = nullptr;
  // The shared network holding the subnet (nullptr: a plain subnet). Its members are tried in
  // Kea's order when this subnet is selected (see Engine::Impl::nextInNetwork).
  NetworkState* network = nullptr;
  // Kea's subnet selection uses the subnet's own relay addresses / interface, else the
  // shared network's.
  const std::vector<Ipv4>* relayAddresses = nullptr;
  const std::string* interface = nullptr;
  // When the allocator last took a candidate from this subnet (a sequence number standing
  // for Kea's last-allocated timestamp): a shared network starts new allocations in its most
  // recently used subnet (Kea's SharedNetwork4::getPreferredSubnet).
  std::uint64_t lastAllocated = 0;
  std::uint32_t id = 0;  // subnet->id, readable after a reconfiguration freed *subnet
  ReservationIndex reservations;
  std::vector<PoolCursor> pools;  // parallel to subnet->pools
  // The subnet's lease-time settings with unset values taken from the global scope (the
  // parser already does this; a config built in code may not have).
  config::Subnet4 times;
  std::optional<Ipv4> nextServer;
  std::string serverHostname, bootFileName;
  ClientNameRules names;  // the subnet's ddns-* / hostname-char-* rules (Kea's DdnsParams)
  // Configured options resolved per scope chain at (re)configuration time: subnet + global,
  // and per pool (parallel to subnet->pools) pool + subnet + global.
  OptionSet options;
  std::vector<OptionSet> poolOptions;
  // Who may use the subnet and each pool (parallel to subnet->pools), and the classes each
  // requires evaluated once an address is chosen (Kea's require-client-classes).
  ClassGate gate;
  std::vector<ClassGate> poolGates;
  std::vector<classify::ClassId> required;
  std::vector<std::vector<classify::ClassId>> poolRequired;
};

struct NetworkState {
  const config::SharedNetwork4* network = nullptr;
  std::vector<SubnetState*> members;        // ascending subnet id, as Kea iterates them
  ClassGate gate;                           // the network's client-class(es)
  std::vector<classify::ClassId> required;  // its require-client-classes
};

// Whether an address is usable by the client asking.
enum class Availability : std::uint8_t {
  Free,   // nobody holds it (no lease, or an expired/reclaimed/past-probation lease)
  Own,    // the client's own lease or offer
  Taken,  // leased, offered or reserved to someone else
};

bool reusable(const Lease& l, std::int64_t now) noexcept {
  return l.state == LeaseState::ExpiredReclaimed || l.expired(now);
}

std::optional<Ipv4> ipFromPayload(const std::vector<std::uint8_t>& d) {
  if (d.size() != 4) return std::nullopt;
  return Ipv4(d[0], d[1], d[2], d[3]);
}

// Copies text into a fixed BOOTP field (sname, file), NUL-terminated (RFC 2131 section 2).
template <std::size_t N>
void setField(std::array<std::uint8_t, N>& field, const std::string& text) {
  field.fill(0);
  std::copy_n(text.begin(), std::min(text.size(), N - 1), field.begin());
}

}  // namespace

struct Engine::Impl {
  // Everything known about one query while it is decided.
  struct Query {
    const Packet4& pkt;
    const RecvMeta& meta;
    TimePoint now;
    std::int64_t nowSec;
    MessageType type;
    ClientIdentity client{};
    std::string key{};
    // The subnet the query is being served from. Selection sets it; in a shared network it
    // moves to the member holding the client's lease, reservation or new address (Kea's
    // ctx.subnet_), so lease, options and lifetimes come from that subnet.
    SubnetState* subnet = nullptr;
    SubnetState* selected = nullptr;  // as selected, before any move within its network
    // The host reservation for the current subnet (Kea's currentHost()); follows subnet.
    const config::Reservation* reservation = nullptr;
    PacketClasses& classes;
    HostIds hostIds{};  // the client's identifiers, host-reservation-identifiers order
    // Hosts found for the client: per subnet of the selected subnet's network, and global.
    std::vector<std::pair<const SubnetState*, const config::Reservation*>> hosts{};
    const config::Reservation* globalHost = nullptr;
    Ipv4 serverId{};
    std::bitset<256> requested{};  // option 55
  };

  config::Dhcp4Config cfg;
  const LeaseStore& store;
  std::vector<SubnetState> subnets;  // ascending subnet id: Kea's selection order
  std::vector<NetworkState> networks;
  std::uint64_t allocSeq = 0;  // clock of SubnetState::lastAllocated
  ReservationIndex globalReservations;
  bool anyReservations = false;        // any host reservation at all (else skip identifiers)
  bool anyConfigReservations = false;  // in the configuration file
  struct DatabaseHost {
    std::uint32_t subnetId = 0;
    std::shared_ptr<const config::Reservation> host;
  };
  std::unordered_map<std::string, DatabaseHost> databaseHosts;  // by hostKeyOf
  OfferTable offers;
  HintTable hints{kHintCapacity};
  AllocFilter filter;
  SubnetGate gate;
  std::vector<std::string> gateClasses;  // reused: joining a class allocates nothing
  Ipv4 flushCursor;                      // where the sweep for reclaimed leases past hold-reclaimed-time resumes
  PacketClassifier classifier;
  FlexOptionApplier flex;          // the flex_option hook's rules, run on every answer
  PacketClasses classes;           // the current query's, reused so that classifying allocates nothing
  OptionSet packetOptions;         // a query's own option set (reservation or class options), reused
  OptionSetCache classOptionSets;  // the sets of class option chains, resolved once each

  Impl(const config::Dhcp4Config& c, const LeaseStore& s) : cfg(c), store(s) { rebuild({}); }

  // Rebuilds the indexes over cfg; cursors of pools that still exist keep their position so a
  // reload does not restart allocation from the pool start.
  void rebuild(const std::vector<SubnetState>& old) {
    std::unordered_map<std::uint64_t, std::uint32_t> oldNext;
    std::unordered_map<std::uint32_t, std::uint64_t> oldLast;
    for (const auto& s : old) {
      oldLast[s.id] = s.lastAllocated;
      for (const auto& p : s.pools) oldNext[(std::uint64_t(p.first.value) << 32) | p.last.value] = p.next;
    }
    subnets.clear();
    networks.clear();
    subnets.reserve(cfg.subnets.size());
    classifier = PacketClassifier(cfg);
    flex = FlexOptionApplier(cfg.flexOptions);
    classOptionSets.clear();  // its sets point into the previous configuration
    std::vector<const config::Subnet4*> byId;
    for (const auto& sn : cfg.subnets) byId.push_back(&sn);
    std::stable_sort(byId.begin(), byId.end(), [](auto* a, auto* b) { return a->id < b->id; });
    networks.reserve(cfg.sharedNetworks.size());
    for (const auto& n : cfg.sharedNetworks) {
      NetworkState ns{&n, {}, {}, {}};
      ns.gate = classifier.gate(n.clientClass, n.clientClasses);
      ns.required = classifier.ids(n.requireClientClasses);
      networks.push_back(std::move(ns));
    }
    for (const config::Subnet4* snp : byId) {
      const config::Subnet4& sn = *snp;
      SubnetState st;
      st.subnet = &sn;
      st.id = sn.id;
      if (!sn.sharedNetwork.empty()) {
        for (auto& n : networks) {
          if (n.network->name == sn.sharedNetwork) st.network = &n;
        }
      }
      const config::SharedNetwork4* net = st.network ? st.network->network : nullptr;
      st.relayAddresses = !sn.relayAddresses.empty() || !net ? &sn.relayAddresses : &net->relayAddresses;
      st.interface = !sn.interface.empty() || !net ? &sn.interface : &net->interface;
      const std::vector<config::OptionData>* netOptions = net ? &net->options : nullptr;
      st.reservations = ReservationIndex(sn.reservations);
      st.times.validLifetime = sn.validLifetime ? sn.validLifetime : cfg.validLifetime;
      st.times.renewTimer = sn.renewTimer ? sn.renewTimer : cfg.renewTimer;
      st.times.rebindTimer = sn.rebindTimer ? sn.rebindTimer : cfg.rebindTimer;
      st.times.minValidLifetime = sn.minValidLifetime ? sn.minValidLifetime : cfg.minValidLifetime;
      st.times.maxValidLifetime = sn.maxValidLifetime ? sn.maxValidLifetime : cfg.maxValidLifetime;
      st.times.calculateTeeTimes = sn.calculateTeeTimes;
      st.times.t1Percent = sn.t1Percent;
      st.times.t2Percent = sn.t2Percent;
      st.nextServer = sn.nextServer ? sn.nextServer : cfg.nextServer;
      st.serverHostname = sn.serverHostname.empty() ? cfg.serverHostname : sn.serverHostname;
      st.bootFileName = sn.bootFileName.empty() ? cfg.bootFileName : sn.bootFileName;
      st.names = ClientNameRules(sn.ddns, cfg.dhcpDdns.enableUpdates);
      st.options = OptionSet(OptionSources{nullptr, nullptr, &sn.options, netOptions, &cfg.options});
      st.poolOptions.reserve(sn.pools.size());
      st.gate = classifier.gate(sn.clientClass, sn.clientClasses);
      st.required = classifier.ids(sn.requireClientClasses);
      for (const auto& p : sn.pools) {
        st.poolGates.push_back(classifier.gate(p.clientClass, p.clientClasses));
        st.poolRequired.push_back(classifier.ids(p.requireClientClasses));
        st.poolOptions.emplace_back(OptionSources{nullptr, &p.options, &sn.options, netOptions, &cfg.options});
        PoolCursor c(p.first, p.last);
        if (auto it = oldNext.find((std::uint64_t(p.first.value) << 32) | p.last.value); it != oldNext.end()) {
          c.next = it->second;
        }
        st.pools.push_back(c);
      }
      if (auto it = oldLast.find(sn.id); it != oldLast.end()) st.lastAllocated = it->second;
      subnets.push_back(std::move(st));
    }
    for (auto& st : subnets) {
      if (st.network) st.network->members.push_back(&st);
    }
    globalReservations = ReservationIndex(cfg.reservations);
    anyConfigReservations = !cfg.reservations.empty() ||
                            std::any_of(cfg.subnets.begin(), cfg.subnets.end(),
                                        [](const config::Subnet4& s) { return !s.reservations.empty(); });
    for (const auto& [key, h] : databaseHosts) {
      if (ReservationIndex* idx = indexFor(h.subnetId)) idx->add(h.host.get());
    }
    anyReservations = anyConfigReservations || !databaseHosts.empty();
    classifier.finalize();
  }

  // ---- subnet selection (Kea 2.2 CfgSubnets4::selectSubnet) ------------------------------

  // Kea's Subnet4::clientSupported: a subnet with a client-class (or in a shared network with
  // one) serves only packets of that class. Subnets are selected with the classes of the
  // first classification pass, before host lookup.
  static bool subnetAllowed(const SubnetState& s, const PacketClasses& c) {
    if (s.network && !PacketClassifier::allows(s.network->gate, c)) return false;
    return PacketClassifier::allows(s.gate, c);
  }

  // The first subnet in id order (Kea's order) matching pred that the packet may use.
  template <class Pred>
  SubnetState* firstSubnet(const PacketClasses& c, Pred pred) {
    for (auto& s : subnets) {
      if (pred(s) && subnetAllowed(s, c)) return &s;
    }
    return nullptr;
  }

  SubnetState* subnetByAddress(Ipv4 a, const PacketClasses& c) {
    return firstSubnet(c, [&](const SubnetState& s) { return s.subnet->prefix.contains(a); });
  }

  // The address that chooses the subnet before anything else (Kea 2.2's selectSubnet4): the
  // link-selection sub-option (5) of the relay agent information when option 82 is present,
  // else the client's subnet selection option (118).
  static std::optional<Ipv4> selectionAddress(const Packet4& p) {
    if (const proto::Option* rai = p.find(opt::kRelayAgentInfo)) {
      const auto& d = rai->data;
      for (std::size_t i = 0; i + 1 < d.size();) {
        const std::size_t len = d[i + 1];
        if (i + 2 + len > d.size()) break;
        if (d[i] == kRaiLinkSelection && len == 4) return Ipv4(d[i + 2], d[i + 3], d[i + 4], d[i + 5]);
        i += 2 + len;
      }
      return std::nullopt;
    }
    if (const proto::Option* sel = p.find(kSubnetSelection); sel && sel->data.size() == 4) {
      return Ipv4(sel->data[0], sel->data[1], sel->data[2], sel->data[3]);
    }
    return std::nullopt;
  }

  // Kea 2.2 (CfgSubnets4::selectSubnet), after the selection address: relayed, a subnet's
  // relay addresses (its shared network's when it has none) match giaddr first, then the
  // subnet holding giaddr. Not relayed: a unicast packet by ciaddr, else by its source
  // address; a broadcast one by the receiving interface (the subnet's or its network's
  // "interface"), else by that interface's address, whatever ciaddr says (a REBINDING
  // client's ciaddr does not choose the subnet).
  SubnetState* selectSubnet(const Packet4& p, const RecvMeta& m, const PacketClasses& c) {
    if (auto sel = selectionAddress(p)) {
      // RFC 3527 / RFC 3011: the relay or the client names the link; only a subnet holding
      // that address will do.
      return subnetByAddress(*sel, c);
    }
    if (!p.giaddr.isZero()) {
      if (auto* s = firstSubnet(c, [&](const SubnetState& cand) {
            return std::find(cand.relayAddresses->begin(), cand.relayAddresses->end(), p.giaddr) !=
                   cand.relayAddresses->end();
          })) {
        return s;
      }
      return subnetByAddress(p.giaddr, c);
    }
    const bool broadcast = m.dstAddr == Ipv4::broadcast();
    if (!p.ciaddr.isZero() && !broadcast) return subnetByAddress(p.ciaddr, c);
    if (!m.srcAddr.isZero() && !broadcast) return subnetByAddress(m.srcAddr, c);
    if (!m.ifName.empty()) {
      if (auto* s = firstSubnet(c, [&](const SubnetState& cand) { return *cand.interface == m.ifName; })) return s;
    }
    if (!m.ifAddr.isZero()) return subnetByAddress(m.ifAddr, c);
    return nullptr;
  }

  SubnetState* subnetById(std::uint32_t id) {
    for (auto& s : subnets) {
      if (s.id == id) return &s;
    }
    return nullptr;
  }

  // ---- shared networks ---------------------------------------------------------------------

  // Calls fn(subnet) for first, then (when first is in a shared network) for the network's
  // other subnets the client's classes allow, in Kea's getNextSubnet order: ascending id from
  // first, wrapping around. Stops when fn returns true.
  template <class Fn>
  void forEachInNetwork(SubnetState* first, const PacketClasses& clientClasses, Fn&& fn) const {
    if (fn(first) || !first->network) return;
    const auto& m = first->network->members;
    const std::size_t start = std::size_t(std::find(m.begin(), m.end(), first) - m.begin());
    for (std::size_t n = 1; n < m.size(); ++n) {
      SubnetState* s = m[(start + n) % m.size()];
      if (subnetAllowed(*s, clientClasses) && fn(s)) return;
    }
  }

  static bool sameNetwork(const SubnetState* a, const SubnetState* b) {
    return a == b || (a && b && a->network && a->network == b->network);
  }

  // Kea's SharedNetwork4::getPreferredSubnet: among the subnets with the selected one's
  // client-class, the last (by id) that allocated more recently than the selected one.
  static SubnetState* preferredSubnet(SubnetState* selected) {
    SubnetState* preferred = selected;
    for (SubnetState* s : selected->network->members) {
      if (s == preferred || s->subnet->clientClass != preferred->subnet->clientClass) continue;
      if (s->lastAllocated > selected->lastAllocated) preferred = s;
    }
    return preferred;
  }

  // Moves the query to subnet s of its network; the current host follows (Kea's ctx.subnet_
  // and currentHost()).
  void setSubnet(Query& q, SubnetState* s) const {
    q.subnet = s;
    q.reservation = currentHost(q);
  }

  static bool classAllowed(const SubnetState& s, std::size_t pool, const PacketClasses& classes) {
    return PacketClassifier::allows(s.poolGates[pool], classes);
  }

  // ---- host reservations ---------------------------------------------------------------------

  // The client's identifiers in host-reservation-identifiers order (Kea's setHostIdentifiers).
  HostIds hostIdsOf(const Packet4& p, const ClientIdentity& c) const {
    HostIds ids;
    for (config::HostIdType t : cfg.hostReservationIdentifiers) {
      switch (t) {
        case config::HostIdType::HwAddress:
          if (!c.hwAddr.empty()) ids.push_back({t, {c.hwAddr.bytes.begin(), c.hwAddr.bytes.begin() + c.hwAddr.length}});
          break;
        case config::HostIdType::Duid:
          // RFC 4361 6.1: a client-id of type 255 holds an IAID (4 bytes) and a DUID.
          if (c.clientId.size() > 5 && c.clientId[0] == 255)
            ids.push_back({t, {c.clientId.begin() + 5, c.clientId.end()}});
          break;
        case config::HostIdType::CircuitId:
          if (auto id = circuitId(p); !id.empty()) ids.push_back({t, std::move(id)});
          break;
        case config::HostIdType::ClientId:
          if (!c.clientId.empty()) ids.push_back({t, c.clientId});
          break;
        case config::HostIdType::FlexId:
          // Only the flex_id hook computes this identifier; without it Kea adds none.
          break;
      }
    }
    return ids;
  }

  // Option 82 sub-option 1 (RFC 3046 2.0), empty when absent or malformed.
  static std::vector<std::uint8_t> circuitId(const Packet4& p) {
    const proto::Option* rai = p.find(opt::kRelayAgentInfo);
    if (!rai) return {};
    const auto& d = rai->data;
    for (std::size_t i = 0; i + 2 <= d.size();) {
      const std::size_t len = d[i + 1];
      if (i + 2 + len > d.size()) break;
      if (d[i] == 1) return {d.begin() + std::ptrdiff_t(i + 2), d.begin() + std::ptrdiff_t(i + 2 + len)};
      i += 2 + len;
    }
    return {};
  }

  // Kea's AllocEngine::findReservation: the global host (when the selected subnet uses
  // global reservations) and the host of each subnet of its shared network. Kea looks hosts
  // of a network up with one query per identifier when the network has more subnets than
  // the client has identifiers, and then the last identifier with a host wins.
  void findReservations(Query& q) const {
    q.hosts.clear();
    q.globalHost = nullptr;
    if (!q.subnet || !anyReservations) return;
    if (q.subnet->subnet->reservationsGlobal) q.globalHost = globalReservations.forClient(q.hostIds);
    const bool singleQuery = q.subnet->network && q.subnet->network->members.size() > q.hostIds.size();
    forEachInNetwork(q.subnet, q.classes, [&](SubnetState* s) {
      if (s->subnet->reservationsInSubnet) {
        if (const auto* r = s->reservations.forClient(q.hostIds, singleQuery)) q.hosts.emplace_back(s, r);
      }
      return false;
    });
  }

  static const config::Reservation* hostIn(const Query& q, const SubnetState* s) {
    for (const auto& [hs, r] : q.hosts) {
      if (hs == s) return r;
    }
    return nullptr;
  }

  // Kea's currentHost(): the current subnet's host, else the global one.
  const config::Reservation* currentHost(const Query& q) const {
    if (!q.subnet) return nullptr;
    if (q.subnet->subnet->reservationsInSubnet) {
      if (const auto* r = hostIn(q, q.subnet)) return r;
    }
    return q.subnet->subnet->reservationsGlobal ? q.globalHost : nullptr;
  }

  static bool inAnyPool(const config::Subnet4& s, Ipv4 a) {
    return std::any_of(s.pools.begin(), s.pools.end(),
                       [&](const config::Pool& p) { return a >= p.first && a <= p.last; });
  }

  // Kea's hasAddressReservation: the client's reserved address in the first subnet of the
  // network (from the current one) where it applies: a global reservation inside the subnet
  // (reservations-global), or the subnet's own (reservations-in-subnet; with
  // reservations-out-of-pool only one outside the pools). Moves the query to that subnet.
  std::optional<Ipv4> reservedAddress(Query& q) const {
    if (!q.subnet || (q.hosts.empty() && !q.globalHost)) return std::nullopt;
    const std::optional<Ipv4> global = q.globalHost ? q.globalHost->address : std::nullopt;
    std::optional<Ipv4> found;
    SubnetState* where = nullptr;
    forEachInNetwork(q.subnet, q.classes, [&](SubnetState* s) {
      const config::Subnet4& sn = *s->subnet;
      if (sn.reservationsGlobal && global && sn.prefix.contains(*global)) {
        found = global;
      } else if (const config::Reservation* r = sn.reservationsInSubnet ? hostIn(q, s) : nullptr;
                 r && r->address && (!sn.reservationsOutOfPool || !inAnyPool(sn, *r->address))) {
        found = r->address;
      }
      if (found) where = s;
      return found.has_value();
    });
    if (!where) return std::nullopt;
    setSubnet(q, where);
    // Kea then takes the current host's address: the subnet's own reservation when the
    // client has one there, even if a global one brought us here.
    if (q.reservation && q.reservation->address) return q.reservation->address;
    return found;
  }

  // Kea's addressReserved: a is reserved in subnet s for another client. Several hosts may
  // reserve one address (ip-reservations-unique false): it is ours when one of them is. Kea
  // 2.2 checks only the subnet's own reservations (global ones do not hold addresses back),
  // and with reservations-out-of-pool it assumes none lie inside the pools.
  bool reservedForOther(Ipv4 a, const Query& q, const SubnetState* s) const {
    if (!s || !s->subnet->reservationsInSubnet) return false;
    const auto* hosts = s->reservations.forAddress(a);
    if (!hosts) return false;
    if (s->subnet->reservationsOutOfPool && inAnyPool(*s->subnet, a)) return false;
    return std::none_of(hosts->begin(), hosts->end(),
                        [&](const config::Reservation* r) { return reservationMatches(*r, q.hostIds); });
  }

  // The pool of the current subnet (usable by the client's classes) holding a, or nullptr.
  const config::Pool* allowedPool(const Query& q, Ipv4 a) const {
    if (!q.subnet) return nullptr;
    const auto& pools = q.subnet->subnet->pools;
    for (std::size_t i = 0; i < pools.size(); ++i) {
      const auto& p = pools[i];
      if (a >= p.first && a <= p.last && classAllowed(*q.subnet, i, q.classes)) return &p;
    }
    return nullptr;
  }

  // Kea's inAllowedPool: a pool of any subnet of the network (from the current one) holds a;
  // moves the query to that subnet.
  const config::Pool* inAllowedPool(Query& q, Ipv4 a) const {
    if (!q.subnet) return nullptr;
    const config::Pool* pool = nullptr;
    SubnetState* where = nullptr;
    forEachInNetwork(q.subnet, q.classes, [&](SubnetState* s) {
      const auto& pools = s->subnet->pools;
      for (std::size_t i = 0; i < pools.size(); ++i) {
        const auto& p = pools[i];
        if (a >= p.first && a <= p.last && classAllowed(*s, i, q.classes)) {
          pool = &p;
          where = s;
          return true;
        }
      }
      return false;
    });
    if (where) setSubnet(q, where);
    return pool;
  }

  // The subnet of q's network (from the current one) whose prefix holds a.
  SubnetState* networkSubnetOf(const Query& q, Ipv4 a) const {
    SubnetState* where = nullptr;
    if (!q.subnet) return nullptr;
    forEachInNetwork(q.subnet, q.classes, [&](SubnetState* s) {
      if (s->subnet->prefix.contains(a)) where = s;
      return where != nullptr;
    });
    return where;
  }

  bool filterAllows(Ipv4 a) const { return !filter || filter(a); }

  // Kea's findClientLease: the client's lease in the current subnet or another subnet of its
  // network, by client-id first (subnets with match-client-id), then by hardware address,
  // when the ownership rules say it is theirs. Returns the lease and its subnet.
  std::pair<std::optional<Lease>, SubnetState*> findClientLease(const Query& q) const {
    std::pair<std::optional<Lease>, SubnetState*> out{std::nullopt, nullptr};
    if (!q.subnet) return out;
    if (q.client.usesClientId()) {
      forEachInNetwork(q.subnet, q.classes, [&](SubnetState* s) {
        if (!s->subnet->matchClientId) return false;
        if (auto l = store.byClientId(q.client.clientId, s->id); l && q.client.owns(*l)) out = {std::move(l), s};
        return out.second != nullptr;
      });
      if (out.second) return out;
    }
    if (!q.client.hwAddr.empty()) {
      forEachInNetwork(q.subnet, q.classes, [&](SubnetState* s) {
        if (auto l = store.byHwAddr(q.client.hwAddr, s->id); l && q.client.owns(*l)) out = {std::move(l), s};
        return out.second != nullptr;
      });
    }
    return out;
  }

  // The client's lease (see findClientLease), moving the query to its subnet.
  std::optional<Lease> clientLease(Query& q) const {
    auto [lease, where] = findClientLease(q);
    if (where) setSubnet(q, where);
    return lease;
  }

  // earliestFree, when given, is lowered to the time a Taken address may become free.
  Availability availability(Ipv4 a, const Query& q, TimePoint* earliestFree = nullptr) const {
    if (reservedForOther(a, q, q.subnet)) return Availability::Taken;
    const Offer* offer = offers.byAddress(a, q.now);
    if (offer && !q.client.owns(offer->hwAddr, offer->clientId)) {
      if (earliestFree) *earliestFree = std::min(*earliestFree, offer->expires);
      return Availability::Taken;
    }
    auto lease = store.byAddress(a);
    if (!lease) return offer ? Availability::Own : Availability::Free;
    if (lease->state != LeaseState::Declined && q.client.owns(*lease)) return Availability::Own;
    if (reusable(*lease, q.nowSec)) return offer ? Availability::Own : Availability::Free;
    if (earliestFree) *earliestFree = std::min(*earliestFree, saturatingFromEpochSeconds(lease->expire()));
    return Availability::Taken;
  }

  static bool isNetworkOrBroadcast(const config::Subnet4& s, Ipv4 a) noexcept {
    if (s.prefix.length >= 31) return false;
    std::uint32_t net = s.prefix.network.value & s.prefix.mask();
    return a.value == net || a.value == (net | ~s.prefix.mask());
  }

  // A new address from the current subnet's pools (Kea's iterative allocator).
  std::optional<Ipv4> allocateInSubnet(Query& q) {
    const config::Subnet4& sn = *q.subnet->subnet;
    for (std::size_t i = 0; i < sn.pools.size(); ++i) {
      PoolCursor& c = q.subnet->pools[i];
      if (c.last < c.first || !classAllowed(*q.subnet, i, q.classes)) continue;
      if (c.exhausted) {
        if (q.now < c.retryAt && store.countInRange(c.first, c.last) == c.leaseCount) continue;
        c.exhausted = false;
      }
      q.subnet->lastAllocated = ++allocSeq;
      TimePoint earliest = TimePoint::max();
      for (std::uint64_t n = c.size(); n > 0; --n) {
        Ipv4 a = c.take();
        // Deliberately unlike Kea 2.2, which hands out every address of a pool: a subnet's
        // own network and broadcast addresses are no host addresses (RFC 1122 3.2.1.3), so a
        // pool written as the whole prefix ("10.0.0.0/24") never gives them.
        if (isNetworkOrBroadcast(sn, a) || !filterAllows(a)) continue;
        if (availability(a, q, &earliest) != Availability::Taken) return a;
      }
      c.exhausted = true;
      c.retryAt = earliest;
      c.leaseCount = store.countInRange(c.first, c.last);
    }
    return std::nullopt;
  }

  // Kea's allocateUnreservedLease4: in a shared network, start in the preferred subnet and
  // move on to the network's other subnets (those the client's classes allow) when its
  // pools are full; the query ends in the subnet that allocated.
  std::optional<Ipv4> allocate(Query& q) {
    SubnetState* start = q.subnet->network ? preferredSubnet(q.subnet) : q.subnet;
    std::optional<Ipv4> found;
    forEachInNetwork(start, q.classes, [&](SubnetState* s) {
      setSubnet(q, s);
      found = allocateInSubnet(q);
      return found.has_value();
    });
    return found;
  }

  // The engine freed a; an exhausted pool holding it must be scanned again.
  void freed(Ipv4 a) {
    for (auto& s : subnets) {
      for (auto& c : s.pools) {
        if (c.contains(a)) c.exhausted = false;
      }
    }
  }

  void dropOffer(const Query& q) {
    if (auto a = offers.removeClient(q.client)) freed(*a);
  }

  // ---- reply assembly -------------------------------------------------------------------

  Ipv4 serverIdFor(const SubnetState* s, const RecvMeta& m) const {
    // A configured dhcp-server-identifier (option 54) wins, as in Kea.
    if (s) {
      for (const auto* list : {&s->subnet->options, s->network ? &s->network->network->options : nullptr}) {
        if (!list) continue;
        for (const auto& o : *list) {
          if (o.code == opt::kServerId) {
            if (auto a = ipFromPayload(o.payload)) return *a;
          }
        }
      }
    }
    for (const auto& o : cfg.options) {
      if (o.code == opt::kServerId) {
        if (auto a = ipFromPayload(o.payload)) return *a;
      }
    }
    return m.ifAddr;
  }

  bool isOurServerId(Ipv4 id, const Query& q) const { return id == q.serverId || id == q.meta.ifAddr; }

  // Lease time and T1/T2 (RFC 2131 4.4.5), with the client's wish (option 51) honoured within
  // min/max-valid-lifetime as in Kea.
  config::LeaseTimes leaseTimes(const Query& q) const {
    std::optional<std::uint32_t> wish;
    if (const proto::Option* o = q.pkt.find(opt::kLeaseTime); o && o->data.size() == 4) {
      wish = std::uint32_t(o->data[0]) << 24 | std::uint32_t(o->data[1]) << 16 | std::uint32_t(o->data[2]) << 8 |
             o->data[3];
    }
    // Kea's AllocEngine::getValidLft: the lifetime of the first class of the client that
    // defines one, else the subnet's.
    for (classify::ClassId id : q.classes.order) {
      const config::ClientClassDef* d = classifier.def(id);
      if (!d || !d->validLifetime) continue;
      config::Subnet4 times = q.subnet->times;
      times.validLifetime = d->validLifetime->value;
      times.minValidLifetime = d->validLifetime->min;
      times.maxValidLifetime = d->validLifetime->max;
      return config::leaseTimes(times, wish);
    }
    return config::leaseTimes(q.subnet->times, wish);
  }

  PacketClassifier::Input classifierInput(const Query& q) const {
    return PacketClassifier::Input{&q.pkt, q.meta.ifName, q.meta.srcAddr, q.meta.dstAddr};
  }

  Packet4 replyHeader(const Query& q, MessageType t) const {
    Packet4 r;
    r.op = Packet4::kBootReply;
    r.htype = q.pkt.htype;
    r.hlen = q.pkt.hlen;
    r.xid = q.pkt.xid;
    r.hops = q.pkt.hops;  // Kea copies hops into every reply
    r.flags = q.pkt.flags;
    r.giaddr = q.pkt.giaddr;
    r.chaddr = q.pkt.chaddr;
    r.options.reserve(16);
    r.options.push_back(proto::Option{opt::kMessageType, {std::uint8_t(t)}});
    r.options.push_back(proto::Option{opt::kServerId, proto::ipBytes(q.serverId)});
    return r;
  }

  // Appends the options of an OFFER/ACK (withLease) or an INFORM ACK, then the relay agent
  // information last, as the relay appended it (RFC 3046 2.2: echoed verbatim).
  void appendReplyOptions(const Query& q, Packet4& r, Ipv4 address, bool withLease, const ClientName* name) {
    const config::Subnet4& sn = *q.subnet->subnet;
    if (withLease) {
      config::LeaseTimes t = leaseTimes(q);
      r.options.push_back(proto::Option{opt::kLeaseTime, proto::u32Bytes(t.valid)});
      if (t.t1) r.options.push_back(proto::Option{opt::kRenewalTime, proto::u32Bytes(*t.t1)});
      if (t.t2) r.options.push_back(proto::Option{opt::kRebindingTime, proto::u32Bytes(*t.t2)});
    }
    const config::Pool* pool = address.isZero() ? nullptr : allowedPool(q, address);
    // Kea's requiredClassify, after the lease (and so its lifetime) is decided and before
    // the options are: the shared network's, the subnet's, then the pool's
    // require-client-classes.
    const std::size_t poolIndex = pool ? std::size_t(pool - sn.pools.data()) : 0;
    const std::vector<classify::ClassId>* required[] = {q.subnet->network ? &q.subnet->network->required : nullptr,
                                                        &q.subnet->required,
                                                        pool ? &q.subnet->poolRequired[poolIndex] : nullptr};
    classifier.required(q.classes, classifierInput(q), required);
    // The classes' option-data, in the order the client joined them.
    std::array<const std::vector<config::OptionData>*, 32> classOptions{};
    std::size_t nClassOptions = 0;
    if (classifier.anyClassOptions()) {
      for (classify::ClassId id : q.classes.order) {
        const config::ClientClassDef* d = classifier.def(id);
        if (d && !d->options.empty() && nClassOptions < classOptions.size())
          classOptions[nClassOptions++] = &d->options;
      }
    }
    // The subnet's and pools' option sets are resolved at configuration time; only a
    // reservation or classes with options of their own are resolved here.
    const OptionSet* configured = nullptr;
    if ((q.reservation && !q.reservation->options.empty()) || nClassOptions > 0) {
      OptionSources src{q.reservation ? &q.reservation->options : nullptr, pool ? &pool->options : nullptr, &sn.options,
                        q.subnet->network ? &q.subnet->network->network->options : nullptr, &cfg.options};
      src.classes = std::span<const std::vector<config::OptionData>* const>(classOptions.data(), nClassOptions);
      configured = classOptionSets.find(src);
      if (!configured) {
        packetOptions.assign(src);
        configured = &packetOptions;
      }
    } else {
      configured = pool ? &q.subnet->poolOptions[std::size_t(pool - sn.pools.data())] : &q.subnet->options;
    }
    // Kea 2.2 adds the subnet's own mask with the lease (OFFER/ACK), before and over any
    // configured subnet-mask option-data; an INFORM's ACK carries option 1 only as configured
    // option-data, like any other option (both checked against kea-dhcp4 by difftest).
    if (withLease) r.options.push_back(proto::Option{opt::kSubnetMask, proto::ipBytes(Ipv4(sn.prefix.mask()))});
    std::array<proto::Option, 2> computed;
    std::size_t n = 0;
    // The client's name (option 12 or 81, see client_name.h), with a lease only: Kea's
    // INFORM answer carries neither.
    if (name && name->option) computed[n++] = *name->option;
    if (const proto::Option* id = clientIdEcho(q)) computed[n++] = *id;
    appendOptions(*configured, q.requested, q.pkt.find(kVivsoOption), std::span<proto::Option>(computed.data(), n),
                  r.options);
    appendRelayEcho(q, r);
    // Kea's wire order: 53 first, then by code, 82 last (LibDHCP::packOptions4).
    sortReplyOptions(r.options);
    // Boot fields (RFC 2131 section 2), Kea's setFixedFields: the subnet's, overridden by
    // the first of the client's classes setting each, overridden by the reservation's.
    std::optional<Ipv4> next = q.subnet->nextServer;
    const std::string* sname = &q.subnet->serverHostname;
    const std::string* file = &q.subnet->bootFileName;
    bool classNext = false, classSname = false, classFile = false;
    for (classify::ClassId id : q.classes.order) {
      const config::ClientClassDef* d = classifier.def(id);
      if (!d) continue;
      if (!classNext && d->nextServer && !d->nextServer->isZero()) {
        next = d->nextServer;
        classNext = true;
      }
      if (!classSname && !d->serverHostname.empty()) {
        sname = &d->serverHostname;
        classSname = true;
      }
      if (!classFile && !d->bootFileName.empty()) {
        file = &d->bootFileName;
        classFile = true;
      }
    }
    const config::Reservation* h = q.reservation;
    if (h && h->nextServer) next = h->nextServer;
    if (h && !h->serverHostname.empty()) sname = &h->serverHostname;
    if (h && !h->bootFileName.empty()) file = &h->bootFileName;
    r.siaddr = next.value_or(Ipv4());
    if (!sname->empty()) setField(r.sname, *sname);
    if (!file->empty()) setField(r.file, *file);
  }

  // RFC 6842: a server MUST echo the client identifier it received (Kea echo-client-id).
  const proto::Option* clientIdEcho(const Query& q) const {
    return cfg.echoClientId ? q.pkt.find(opt::kClientId) : nullptr;
  }

  static void appendRelayEcho(const Query& q, Packet4& r) {
    // RFC 3011 3: the subnet selection option is returned as sent (Kea: in every reply).
    if (const proto::Option* o = q.pkt.find(kSubnetSelection)) r.options.push_back(*o);
    // Kea echoes option 82 only when it holds sub-options.
    if (const proto::Option* o = q.pkt.find(opt::kRelayAgentInfo); o && !o->data.empty()) r.options.push_back(*o);
  }

  // ---- decisions ------------------------------------------------------------------------

  static Decision drop(DropReason why, std::string note, const Query* q = nullptr) {
    Decision d;
    d.drop = why;
    d.note = std::move(note);
    if (q && q->subnet) d.subnetId = q->subnet->subnet->id;
    return d;
  }

  Decision nak(Query& q, std::string why) {
    dropOffer(q);
    // Kea 2.2 sends no message (option 56) with a NAK; the reason goes to the log only.
    Packet4 r = replyHeader(q, MessageType::Nak);
    if (const proto::Option* id = clientIdEcho(q)) r.options.push_back(*id);
    appendRelayEcho(q, r);
    Decision d;
    d.reply = std::move(r);
    d.note = std::move(why);
    d.subnetId = q.subnet ? q.subnet->subnet->id : 0;
    return d;
  }

  Decision handleDiscover(Query& q) {
    std::optional<Ipv4> chosen;
    std::string_view how;
    // Whether a is usable: in an allowed pool of the network (the query moves to its subnet)
    // and free for this client; the query stays where it was when not.
    auto usable = [&](Ipv4 a, bool filtered) {
      SubnetState* before = q.subnet;
      bool ok = inAllowedPool(q, a) &&
                (!filtered || (filterAllows(a) && !isNetworkOrBroadcast(*q.subnet->subnet, a))) &&
                availability(a, q) != Availability::Taken;
      if (!ok) setSubnet(q, before);
      return ok;
    };
    // RFC 2131 4.3.1 order: reservation (Kea), current binding, previous binding, requested
    // address, new address.
    {
      SubnetState* before = q.subnet;
      if (auto r = reservedAddress(q); r && availability(*r, q) != Availability::Taken) {
        chosen = r;
        how = "reserved";
      } else {
        setSubnet(q, before);
      }
    }
    if (!chosen) {
      if (auto [l, where] = findClientLease(q); l && l->state != LeaseState::Declined) {
        bool current = l->state == LeaseState::Default && !l->expired(q.nowSec);
        // The client's own unexpired lease is never filtered; an expired one is a new allocation.
        if (usable(l->address, !current)) {
          chosen = l->address;
          how = current ? "current lease" : "previous lease";
        }
      }
    }
    if (!chosen) {
      if (const Offer* o = offers.byClient(q.client, q.now);
          o && sameNetwork(subnetById(o->subnetId), q.subnet) && usable(o->address, true)) {
        chosen = o->address;
        how = "previous offer";
      }
    }
    if (!chosen) {
      forEachInNetwork(q.subnet, q.classes, [&](SubnetState* s) {
        if (auto h = hints.lookup(q.key, s->id); h && usable(*h, true)) {
          chosen = h;
          how = "previous address";
        }
        return chosen.has_value();
      });
    }
    if (!chosen) {
      if (auto req = q.pkt.requestedAddress(); req && usable(*req, true)) {
        chosen = req;
        how = "requested address";
      }
    }
    if (!chosen) {
      chosen = allocate(q);
      how = "new address";
    }
    if (!chosen) {
      setSubnet(q, q.selected);
      const SubnetState& s = *q.selected;
      return drop(DropReason::NoAddress,
                  s.network ? "no free address in the pools of shared network " + s.network->network->name
                            : "no free address in the pools of subnet " + std::to_string(s.id),
                  &q);
    }
    offers.add(q.client, *chosen, q.subnet->id, q.now + std::chrono::seconds(cfg.offerLifetime));
    Packet4 r = replyHeader(q, MessageType::Offer);
    r.yiaddr = *chosen;
    const ClientName name = q.subnet->names.resolve(q.pkt, q.reservation, *chosen);
    appendReplyOptions(q, r, *chosen, true, &name);
    Decision d;
    d.reply = std::move(r);
    d.subnetId = q.subnet->id;
    d.how = how;
    return d;
  }

  Decision ack(Query& q, Ipv4 a, std::string_view how) {
    const std::uint32_t sid = q.subnet->id;
    Decision d;
    d.subnetId = sid;
    // One lease per client per subnet, or shared network (Kea): a client moving to another
    // address loses the old one.
    if (auto [old, where] = findClientLease(q); old && old->address != a) {
      d.changes.push_back(LeaseChange{LeaseChange::Kind::Delete, *old, *old});
      freed(old->address);
    }
    Lease l;
    l.address = a;
    l.hwAddr = q.client.hwAddr;
    l.clientId = q.client.clientId;
    l.validLifetime = leaseTimes(q).valid;
    l.cltt = q.nowSec;
    l.subnetId = sid;
    const ClientName name = q.subnet->names.resolve(q.pkt, q.reservation, a);
    l.hostname = name.hostname;
    l.fqdnFwd = name.fqdnFwd;
    l.fqdnRev = name.fqdnRev;
    l.state = LeaseState::Default;
    Packet4 r = replyHeader(q, MessageType::Ack);
    r.ciaddr = q.pkt.ciaddr;
    r.yiaddr = a;
    appendReplyOptions(q, r, a, true, &name);
    d.changes.push_back(LeaseChange{LeaseChange::Kind::Upsert, std::move(l), store.byAddress(a)});
    offers.removeClient(q.client);
    offers.removeAddress(a);
    hints.remember(q.key, a, sid);
    d.reply = std::move(r);
    d.how = how;
    return d;
  }

  // DHCPREQUEST in every client state, as Kea 2.2 decides it (Dhcpv4Srv::assignLease and
  // AllocEngine::requestLease4). The address asked for ("hint") is option 50, else ciaddr. In
  // a shared network the hint, the client's lease and its reservation may each lie in any
  // subnet of the network; the query moves to the subnet that answers.
  Decision handleRequest(Query& q) {
    const Packet4& p = q.pkt;
    const auto requested = p.requestedAddress();
    // RFC 2131 4.3.2; Kea 2.2 takes any REQUEST with option 50 and no option 54 as INIT-REBOOT,
    // whatever ciaddr says.
    const bool initReboot = !p.serverId() && requested;
    std::optional<Ipv4> hint = requested;
    if (!hint && !p.ciaddr.isZero()) hint = p.ciaddr;
    if (!q.subnet) {
      // Only a unicast or relayed REQUEST gets here (a broadcast one without a subnet is
      // dropped earlier). Kea NAKs it, except an INIT-REBOOT one when not authoritative.
      if (initReboot && !cfg.authoritative) return drop(DropReason::NoSubnet, "INIT-REBOOT on no known network");
      return nak(q, "no subnet for the client");
    }
    const bool authoritative = q.selected->subnet->authoritative;
    auto [own, ownWhere] = findClientLease(q);
    if (initReboot) {
      // RFC 2131 4.3.2: the server checks the client's notion of its address only when it
      // knows the client (has its lease in the subnet or its shared network; a reservation
      // alone does not count); otherwise it stays silent, unless authoritative, when it NAKs.
      if (!own) {
        if (!authoritative) return drop(DropReason::NotForUs, "INIT-REBOOT from a client without a lease here", &q);
        return nak(q, "no record of this client");
      }
      if (own->address != *hint)
        return nak(q, "client's lease is " + own->address.toString() + ", not " + hint->toString());
    }
    auto reserved = reservedAddress(q);
    SubnetState* home = hint ? networkSubnetOf(q, *hint) : nullptr;
    if (hint && reservedForOther(*hint, q, home)) {
      return nak(q, "address " + hint->toString() + " is reserved for another client");
    }
    if (!hint && reserved) {
      hint = reserved;
      home = q.subnet;
    }
    const bool hintReserved = hint && reserved && *reserved == *hint;
    if (hint) {
      if (home) setSubnet(q, home);
      if (availability(*hint, q) == Availability::Taken) return nak(q, "address " + hint->toString() + " is in use");
      if (reserved && !hintReserved) {
        // Kea: a client whose reserved address is free must go back to DISCOVER to get it.
        auto r = store.byAddress(*reserved);
        if (!r || reusable(*r, q.nowSec)) return nak(q, "client has reserved address " + reserved->toString());
      }
      if (!hintReserved && (!home || !inAnyPool(*home->subnet, *hint))) {
        // Kea stays silent about an address in none of the network's pools (another server's).
        return drop(DropReason::NotForUs,
                    "address " + hint->toString() + " is in no pool of subnet " + std::to_string(q.subnet->id), &q);
      }
    }
    if (own && (!hint || own->address == *hint)) {
      setSubnet(q, ownWhere);
      return ack(q, own->address, "own lease");
    }
    if (hint) {
      if (!hintReserved && !inAllowedPool(q, *hint)) {
        return nak(q, "address " + hint->toString() + " is in a pool of another client class");
      }
      // Deliberately unlike Kea 2.2: a subnet's network and broadcast addresses are never
      // given, even when a pool spans them (RFC 1122 3.2.1.3); see the README.
      if (isNetworkOrBroadcast(*q.subnet->subnet, *hint)) {
        return nak(q, "address " + hint->toString() + " is not a host address");
      }
      if (!filterAllows(*hint))
        return drop(DropReason::NotForUs, "address " + hint->toString() + " is not ours to allocate", &q);
      return ack(q, *hint, hintReserved ? "reserved" : "requested address");
    }
    // Neither option 50 nor ciaddr: Kea picks an address as for a DISCOVER.
    if (auto a = allocate(q)) return ack(q, *a, "new address");
    return nak(q, "no free address in the pools of subnet " + std::to_string(q.subnet->subnet->id));
  }

  Decision handleDecline(Query& q) {
    auto a = q.pkt.requestedAddress();
    if (!a) return drop(DropReason::BadRequest, "DECLINE without requested address (option 50)", &q);
    auto lease = store.byAddress(*a);
    if (!lease || lease->state == LeaseState::Declined || !q.client.owns(*lease)) {
      return drop(DropReason::NotForUs, "DECLINE of " + a->toString() + " not leased to this client", &q);
    }
    // RFC 2131 4.3.3: the address is marked unusable; Kea keeps it for decline-probation-period
    // with the client's identity removed.
    Lease l = *lease;
    l.hwAddr = HwAddr{};
    l.clientId.clear();
    l.hostname.clear();
    l.fqdnFwd = l.fqdnRev = false;
    l.state = LeaseState::Declined;
    l.validLifetime = cfg.declineProbationPeriod;
    l.cltt = q.nowSec;
    Decision d;
    d.subnetId = lease->subnetId;
    d.changes.push_back(LeaseChange{LeaseChange::Kind::Upsert, l, lease});
    d.note = "declined " + a->toString();
    offers.removeClient(q.client);
    hints.forget(q.key);
    return d;
  }

  Decision handleRelease(Query& q) {
    Ipv4 a = q.pkt.ciaddr;
    if (a.isZero()) return drop(DropReason::BadRequest, "RELEASE without ciaddr", &q);
    auto lease = store.byAddress(a);
    if (!lease || lease->state != LeaseState::Default || !q.client.owns(*lease)) {
      return drop(DropReason::NotForUs, "RELEASE of " + a.toString() + " not leased to this client", &q);
    }
    // RFC 2131 4.3.4; Kea 2.2 memfile deletes the released lease. The address is kept as
    // this client's hint so a returning client gets it back.
    Decision d;
    d.subnetId = lease->subnetId;
    d.changes.push_back(LeaseChange{LeaseChange::Kind::Delete, *lease, lease});
    d.note = "released " + a.toString();
    hints.remember(q.key, a, lease->subnetId);
    freed(a);
    return d;
  }

  Decision handleInform(Query& q) {
    // RFC 2131 4.3.5: configuration only, no lease time, yiaddr 0, ciaddr as sent. As Kea 2.2:
    // no host name and no computed subnet mask, and a unicast INFORM from a network we do not
    // serve still gets its server identifier.
    Packet4 r = replyHeader(q, MessageType::Ack);
    r.ciaddr = q.pkt.ciaddr;
    if (q.subnet) {
      appendReplyOptions(q, r, q.pkt.ciaddr, false, nullptr);
    } else {
      if (const proto::Option* id = clientIdEcho(q)) r.options.push_back(*id);
      appendRelayEcho(q, r);
    }
    if (!q.pkt.ciaddr.isZero()) {
      // The answer goes straight to ciaddr (net/reply_route), not through the relay: Kea
      // clears giaddr and hops and drops the relay agent information.
      r.giaddr = Ipv4();
      r.hops = 0;
      r.remove(opt::kRelayAgentInfo);
    } else if (!q.pkt.giaddr.isZero()) {
      // Through the relay to a client whose address nobody knows: the relay must broadcast.
      r.flags |= Packet4::kBroadcastFlag;
    }
    Decision d;
    d.reply = std::move(r);
    d.subnetId = q.subnet ? q.subnet->id : 0;
    d.note = "inform";
    return d;
  }

  Decision handle(const Packet4& p, const RecvMeta& m, TimePoint now) {
    // Kea 2.2 goes by the message type alone: the op field is not checked.
    auto type = p.messageType();
    if (!type) return drop(DropReason::UnsupportedMessage, "BOOTP (no message type) not supported");
    switch (*type) {
      case MessageType::Offer:
      case MessageType::Ack:
      case MessageType::Nak:
        return drop(DropReason::UnsupportedMessage,
                    std::string("server message ") + std::string(proto::toString(*type)));
      case MessageType::Discover:
      case MessageType::Request:
      case MessageType::Decline:
      case MessageType::Release:
      case MessageType::Inform: break;
    }
    Query q{p, m, now, toEpochSeconds(now), *type, {}, {}, nullptr, nullptr, nullptr, classes};
    q.client.hwAddr = p.hwAddr();
    if (auto id = p.clientId()) q.client.clientId = std::move(*id);
    if (q.client.hwAddr.empty() && q.client.clientId.empty()) {
      // Kea's sanityCheck: nothing identifies the client.
      return drop(DropReason::BadRequest, "neither hardware address nor client identifier");
    }
    const PacketClassifier::Input in = classifierInput(q);
    if (!classifier.early(q.classes, in, m.classes)) return drop(DropReason::DropClass, "client class DROP");
    q.subnet = q.selected = selectSubnet(p, m, q.classes);
    if (gate) {
      gateClasses.clear();
      if (!gate(p, q.subnet ? q.subnet->id : 0, gateClasses)) {
        return drop(DropReason::ServiceDisabled, "HA: the subnet's relationship does not serve this client here", &q);
      }
      for (const auto& name : gateClasses) classifier.join(q.classes, name);
    }
    // Kea 2.2 builds a ClientId (at least 2 octets, RFC 2132 9.14) from option 61 for a
    // RELEASE or DECLINE and, once a subnet is selected, for the other queries; a shorter one
    // throws and the query is dropped (DHCP4_PACKET_DROP_0007).
    if (const proto::Option* cid = p.find(opt::kClientId);
        cid && cid->data.size() < 2 && (q.subnet || *type == MessageType::Release || *type == MessageType::Decline)) {
      return drop(DropReason::BadRequest, "client identifier shorter than 2 octets");
    }
    q.client.matchClientId = q.subnet ? q.subnet->subnet->matchClientId : cfg.matchClientId;
    q.key = q.client.key();
    if (anyReservations && q.subnet) {
      q.hostIds = hostIdsOf(p, q.client);
      findReservations(q);
      q.reservation = currentHost(q);
    }
    // Kea adds the reserved classes here for a global host, or a subnet's when the subnet
    // cannot change (no shared network); then KNOWN/UNKNOWN and the tests depending on them.
    const config::Reservation* early = q.globalHost ? q.globalHost
                                                    : (q.subnet && q.subnet->network ? nullptr : q.reservation);
    if (!classifier.afterHostLookup(q.classes, in, q.reservation != nullptr || q.globalHost != nullptr,
                                    early ? std::span<const std::string>(early->clientClasses)
                                          : std::span<const std::string>())) {
      return drop(DropReason::DropClass, "client class DROP", &q);
    }
    q.serverId = serverIdFor(q.subnet, m);
    if (const proto::Option* prl = p.find(opt::kParameterRequestList)) {
      for (std::uint8_t code : prl->data) q.requested.set(code);
    }

    // Kea's accept(): a packet from a directly connected client that was broadcast is served
    // only on a network we have a subnet for; a unicast one always gets an answer. An INFORM
    // that gives no address to answer to (ciaddr and source both 0) is dropped.
    const bool relayed = !p.giaddr.isZero();
    if (!relayed && !q.subnet && m.dstAddr == Ipv4::broadcast())
      return drop(DropReason::NoSubnet, "no subnet for the client");
    if (!relayed && *type == MessageType::Inform && p.ciaddr.isZero() && m.srcAddr.isZero()) {
      return drop(DropReason::BadRequest, "INFORM from 0.0.0.0 without ciaddr: nowhere to answer");
    }
    // RFC 2131 4.3.2-4.3.4: option 54 names the server a message is for; another server's
    // is ignored (Kea: in every message type), unless ignore-dhcp-server-identifier is set.
    if (auto sid = p.serverId(); sid && !cfg.ignoreServerId && !isOurServerId(*sid, q)) {
      if (*type == MessageType::Request) dropOffer(q);
      return drop(DropReason::NotForUs, "for server " + sid->toString(), &q);
    }
    // RFC 2131 table 5: a DISCOVER carries no server identifier; Kea 2.2's sanityCheck drops
    // one that does, even naming this server.
    if (*type == MessageType::Discover && p.find(opt::kServerId)) {
      return drop(DropReason::BadRequest, "DISCOVER with a server identifier", &q);
    }
    if (*type == MessageType::Decline || *type == MessageType::Release) {
      return *type == MessageType::Decline ? handleDecline(q) : handleRelease(q);
    }
    if (*type == MessageType::Request) return handleRequest(q);
    if (*type == MessageType::Inform) return handleInform(q);
    if (!q.subnet) return drop(DropReason::NoSubnet, "no subnet for the client");
    switch (*type) {
      case MessageType::Discover: return handleDiscover(q);
      case MessageType::Request: return handleRequest(q);
      case MessageType::Inform: return handleInform(q);
      default: break;
    }
    return drop(DropReason::UnsupportedMessage, "unexpected message type", &q);
  }

  // The start of handle() up to the client's lease: identity, early classes, subnet selection
  // (the HA gate and host reservations are not needed to know whom to look for).
  std::optional<ClientLeaseQuery> leaseLookup(const Packet4& p, const RecvMeta& m, TimePoint now) {
    const auto type = p.messageType();
    if (!type || (*type != MessageType::Discover && *type != MessageType::Request)) return std::nullopt;
    Query q{p, m, now, toEpochSeconds(now), *type, {}, {}, nullptr, nullptr, nullptr, classes};
    q.client.hwAddr = p.hwAddr();
    if (auto id = p.clientId()) q.client.clientId = std::move(*id);
    if (q.client.hwAddr.empty() && q.client.clientId.empty()) return std::nullopt;
    if (!classifier.early(q.classes, classifierInput(q), m.classes)) return std::nullopt;
    q.subnet = q.selected = selectSubnet(p, m, q.classes);
    if (!q.subnet) return std::nullopt;
    q.client.matchClientId = q.subnet->subnet->matchClientId;
    q.serverId = serverIdFor(q.subnet, m);
    // Another server's REQUEST is dropped by handle() whatever the database says.
    if (auto sid = p.serverId(); sid && !cfg.ignoreServerId && !isOurServerId(*sid, q)) return std::nullopt;
    // A current lease in memory is the client's (renewals never wait on the database); an
    // expired one may have been replaced by another server's since, as Kea would read.
    if (auto [l, where] = findClientLease(q); where && l->state == LeaseState::Default && !l->expired(q.nowSec)) {
      return std::nullopt;
    }
    // The client's DISCOVER was offered here: it looked then (the REQUEST's write is guarded).
    if (offers.byClient(q.client, q.now)) return std::nullopt;
    ClientLeaseQuery out;
    out.hwAddr = q.client.hwAddr;
    // As findClientLease: the client-id counts only where match-client-id is on.
    if (q.client.usesClientId()) out.clientId = q.client.clientId;
    forEachInNetwork(q.subnet, q.classes, [&](SubnetState* s) {
      out.subnetIds.push_back(s->id);
      return false;
    });
    return out;
  }

  // ---- housekeeping -----------------------------------------------------------------------

  std::string keyOf(const Lease& l) {
    ClientIdentity c;
    c.hwAddr = l.hwAddr;
    c.clientId = l.clientId;
    const SubnetState* s = subnetById(l.subnetId);
    c.matchClientId = s ? s->subnet->matchClientId : cfg.matchClientId;
    return c.key();
  }

  std::vector<LeaseChange> reclaimExpired(TimePoint now, std::size_t limit) {
    std::vector<LeaseChange> out;
    const std::int64_t nowSec = toEpochSeconds(now);
    const std::int64_t hold = cfg.expiredLeases.holdReclaimedTime;
    // Compared as expire <= now - hold: a lease file may hold an expire time near the 64-bit
    // limit (Kea keeps time_t), where expire + hold would overflow.
    const bool flush = cfg.expiredLeases.flushReclaimedTimerWaitTime != 0;
    for (const Lease& l : store.expired(nowSec, limit)) {
      if (l.state == LeaseState::Declined || (flush && l.expire() <= nowSec - hold)) {
        // Probation over (RFC 2131 4.3.3), or expired so long ago that the reclaimed record
        // would already have been flushed.
        out.push_back(LeaseChange{LeaseChange::Kind::Delete, l, l});
        freed(l.address);
      } else {
        Lease r = l;
        r.state = LeaseState::ExpiredReclaimed;
        r.hostname.clear();
        r.fqdnFwd = r.fqdnRev = false;
        out.push_back(LeaseChange{LeaseChange::Kind::Upsert, r, l});
      }
      if (!l.hwAddr.empty() || !l.clientId.empty()) hints.remember(keyOf(l), l.address, l.subnetId);
    }
    if (!flush || out.size() >= limit) return out;
    // Kea's flush of reclaimed leases past hold-reclaimed-time: a resumable sweep over the
    // store in address order, a bounded window per call.
    const std::size_t window = std::max<std::size_t>(1024, limit * 8);
    auto page = store.page(flushCursor, window);
    for (const Lease& l : page) {
      flushCursor = l.address;
      if (l.state == LeaseState::ExpiredReclaimed && l.expire() <= nowSec - hold) {
        out.push_back(LeaseChange{LeaseChange::Kind::Delete, l, l});
        if (out.size() >= limit) return out;
      }
    }
    if (page.size() < window) flushCursor = Ipv4();
    return out;
  }

  // The index a database host of subnetId goes into (nullptr: no such subnet configured).
  ReservationIndex* indexFor(std::uint32_t subnetId) {
    if (subnetId == 0) return &globalReservations;
    SubnetState* st = subnetById(subnetId);
    return st ? &st->reservations : nullptr;
  }

  void putDatabaseHost(const std::string& key, std::uint32_t subnetId, std::shared_ptr<const config::Reservation> h) {
    removeDatabaseHost(key);
    if (ReservationIndex* idx = indexFor(subnetId)) idx->add(h.get());
    databaseHosts[key] = DatabaseHost{subnetId, std::move(h)};
    anyReservations = true;
  }

  void removeDatabaseHost(const std::string& key) {
    auto it = databaseHosts.find(key);
    if (it == databaseHosts.end()) return;
    if (ReservationIndex* idx = indexFor(it->second.subnetId)) idx->remove(it->second.host.get());
    databaseHosts.erase(it);
    anyReservations = anyConfigReservations || !databaseHosts.empty();
  }

  void clearDatabaseHosts() {
    for (const auto& [key, h] : databaseHosts) {
      if (ReservationIndex* idx = indexFor(h.subnetId)) idx->remove(h.host.get());
    }
    databaseHosts.clear();
    anyReservations = anyConfigReservations;
  }

  void reconfigure(const config::Dhcp4Config& c) {
    std::vector<SubnetState> old = std::move(subnets);
    cfg = c;
    rebuild(old);
    offers.retain([this](const Offer& o) {
      SubnetState* s = subnetById(o.subnetId);
      return s && s->subnet->prefix.contains(o.address);
    });
  }

  void expireOffers(TimePoint now) {
    for (Ipv4 a : offers.expire(now)) freed(a);
  }

  void setAllocFilter(AllocFilter f) {
    filter = std::move(f);
    for (auto& s : subnets) {
      for (auto& c : s.pools) c.exhausted = false;
    }
  }
};

Engine::Engine(const config::Dhcp4Config& cfg, const LeaseStore& store) : impl_(std::make_unique<Impl>(cfg, store)) {}
Engine::~Engine() = default;

Decision Engine::handle(const proto::Packet4& query, const RecvMeta& meta, TimePoint now) {
  Decision d = impl_->handle(query, meta, now);
  if (d.reply && !impl_->flex.empty()) {
    // Kea runs the flex_option hook at pkt4_send, on the finished answer, with the query's
    // classes (those of the query the engine just classified).
    const classify::PacketInput in{&query, meta.ifName, meta.srcAddr, meta.dstAddr, &impl_->classes.set};
    impl_->flex.apply(in, *d.reply);
  }
  return d;
}

std::optional<ClientLeaseQuery> Engine::leaseLookup(const proto::Packet4& query, const RecvMeta& meta, TimePoint now) {
  return impl_->leaseLookup(query, meta, now);
}

std::vector<LeaseChange> Engine::reclaimExpired(TimePoint now, std::size_t limit) {
  return impl_->reclaimExpired(now, limit);
}

void Engine::reconfigure(const config::Dhcp4Config& cfg) { impl_->reconfigure(cfg); }

void Engine::putDatabaseHost(const std::string& key, std::uint32_t subnetId,
                             std::shared_ptr<const config::Reservation> host) {
  impl_->putDatabaseHost(key, subnetId, std::move(host));
}

void Engine::removeDatabaseHost(const std::string& key) { impl_->removeDatabaseHost(key); }

void Engine::clearDatabaseHosts() { impl_->clearDatabaseHosts(); }

std::size_t Engine::databaseHostCount() const noexcept { return impl_->databaseHosts.size(); }

void Engine::expireOffers(TimePoint now) { impl_->expireOffers(now); }

void Engine::setAllocFilter(AllocFilter f) { impl_->setAllocFilter(std::move(f)); }
void Engine::setSubnetGate(SubnetGate g) { impl_->gate = std::move(g); }

std::size_t Engine::offerCount() const noexcept { return impl_->offers.size(); }

}  // namespace tandem::engine
