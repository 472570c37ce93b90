#pragma once
// The DHCPv4 decision engine (RFC 2131 section 4.3): a packet in, a Decision out.
// Pure: no sockets, no clock reads (now is passed in), no logging (the shell logs).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dhcpd/common/clock.h"
#include "dhcpd/common/ipv4.h"
#include "dhcpd/config/dhcp4_config.h"
#include "dhcpd/lease/client_lease_lookup.h"
#include "dhcpd/lease/lease.h"
#include "dhcpd/lease/lease_store.h"
#include "dhcpd/proto/packet4.h"

namespace tandem::engine {

// Where and how a packet arrived.
struct RecvMeta {
  Ipv4 srcAddr;  // IP source of the datagram
  std::uint16_t srcPort = 68;
  Ipv4 dstAddr;        // IP destination (255.255.255.255 for broadcasts)
  std::string ifName;  // receiving interface
  int ifIndex = 0;
  Ipv4 ifAddr;   // the interface's address used as our server identifier
  HwAddr ifMac;  // the interface's hardware address (run_script's QUERY4_LOCAL_HWADDR)
  // Client classes the packet was tagged with (e.g. "HA_server1" by the HA scope filter).
  // A pool with a client-class is used only for packets carrying that class.
  std::vector<std::string> classes;
};

// Why a packet produced no reply; counted by the shell as pkt4-receive-drop etc.
enum class DropReason : std::uint8_t {
  None,
  NotForUs,            // REQUEST with someone else's server id (option 54), or wrong ciaddr
  NoSubnet,            // no subnet for giaddr / interface / ciaddr
  NoAddress,           // pool exhausted (v4-allocation-fail)
  BadRequest,          // missing fields required by RFC 2131 (e.g. DECLINE without option 50)
  ServiceDisabled,     // dhcp-disable / HA scope says not ours (decided by the caller)
  UnsupportedMessage,  // OFFER/ACK/NAK sent to a server, BOOTREPLY, BOOTP without 53
  DropClass,           // the query is in the client class DROP (Kea)
};
std::string_view toString(DropReason r) noexcept;

// What the engine decided to do with the lease database. Applied by the shell, which
// persists Upsert/Delete before the reply leaves.
struct LeaseChange {
  enum class Kind : std::uint8_t { Upsert, Delete } kind = Kind::Upsert;
  Lease lease;
  std::optional<Lease> previous;  // the lease this replaces, if any (stats, HA, forensics)
};

struct Decision {
  std::optional<proto::Packet4> reply;  // OFFER, ACK or NAK; destination chosen by net/reply_route
  std::vector<LeaseChange> changes;
  DropReason drop = DropReason::None;
  std::string note;  // why a query was dropped or NAKed, for the log ("pool 1 exhausted", ...)
  // For an OFFER or ACK: how its address was chosen ("requested address", "own lease"...),
  // static text, so that answering formats no string.
  std::string_view how;
  std::uint32_t subnetId = 0;  // subnet selected, 0 when none
};

class Engine {
 public:
  // The store is read during decisions; changes are returned, not applied, except that
  // the engine keeps its own table of tentative offers (RFC 2131 4.3.1: an offered address
  // is held briefly so the same client gets it back and nobody else does).
  Engine(const config::Dhcp4Config& cfg, const LeaseStore& store);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  Decision handle(const proto::Packet4& query, const RecvMeta& meta, TimePoint now);

  // Several servers on one SQL database (dhcpd/lease/client_lease_lookup.h): what to read
  // from the database before handle() decides on a DISCOVER or REQUEST from a client this
  // server holds neither a lease nor an offer for in the subnets it would be served from
  // (Kea's findClientLease reads them at every allocation). nullopt: nothing to read (the
  // store knows the client, its DISCOVER just looked, or handle() would not allocate).
  std::optional<ClientLeaseQuery> leaseLookup(const proto::Packet4& query, const RecvMeta& meta, TimePoint now);

  // Expired lease reclamation: returns changes that mark up to `limit` expired leases
  // ExpiredReclaimed (or delete them), as Kea's reclamation does.
  std::vector<LeaseChange> reclaimExpired(TimePoint now, std::size_t limit);

  // Replace the configuration (config-reload) keeping offers whose subnet still exists.
  void reconfigure(const config::Dhcp4Config& cfg);

  // Host reservations of a hosts database (Kea's alternate sources), by hostKeyOf (subnet,
  // identifier type, identifier; subnet 0 = global). They survive reconfigure(); one whose
  // subnet is not configured stays unused until it is. Kea 2.2's HostMgr asks the
  // configuration first, so a config-file host with the same identifier in the same subnet
  // wins. Cheap (no rebuild): the hosts refresh applies its differences with these.
  void putDatabaseHost(const std::string& key, std::uint32_t subnetId, std::shared_ptr<const config::Reservation> host);
  void removeDatabaseHost(const std::string& key);
  void clearDatabaseHosts();
  std::size_t databaseHostCount() const noexcept;

  // Drops offers older than offer-lifetime; cheap, call from a timer.
  void expireOffers(TimePoint now);

  // Optional allocation filter (HA pool split): an address may be newly allocated only when
  // the predicate says so. Renewals of a client's own lease are never filtered.
  using AllocFilter = std::function<bool(Ipv4)>;
  void setAllocFilter(AllocFilter f);

  // Optional gate at subnet selection (Kea's subnet4_select hook point), for the HA hub: with
  // several relationships the selected subnet says which one's scope filter decides. Called
  // once a query's subnet is selected (0 = none); false drops the query as not this server's
  // (DropReason::ServiceDisabled). Names pushed onto `join` (HA_<scope>; the vector is the
  // engine's, cleared before each call) are classes the query joins, so pools guarded by them
  // are usable.
  using SubnetGate = std::function<bool(const proto::Packet4&, std::uint32_t subnetId, std::vector<std::string>& join)>;
  void setSubnetGate(SubnetGate g);

  // Number of tentative offers held (statistics, tests).
  std::size_t offerCount() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tandem::engine
