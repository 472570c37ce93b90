#pragma once
// Several servers on one SQL database (Kea's shared-database model, issue 13): the lease of a
// client this server knows nothing about, read from the database before the engine decides.
//
// Kea's allocation engine reads the client's lease from the database at every allocation
// (AllocEngine::findClientLease: lease4 by client_id and subnet_id, then by hwaddr and
// subnet_id, over the subnets of the shared network), so a client whose lease another server
// made gets that lease back from any server. tandemd decides from memory; this is the read it
// does instead, only for a DISCOVER or REQUEST from a client it holds neither a lease nor an
// offer for, and never synchronously: the query is parked (net/dhcp_pipeline.h) until the
// answer comes back on the lookup's own thread, the rows found go into the store, and the
// engine decides then. A memfile server has no lookup at all.
#include <cstdint>
#include <functional>
#include <vector>

#include "dhcpd/common/hw_addr.h"
#include "dhcpd/lease/lease.h"

namespace tandem {

// What to look for: the client's rows by hardware address and by client-id (an empty one is
// not searched) in any of the subnets (the selected subnet and the other members of its shared
// network the client may use).
struct ClientLeaseQuery {
  HwAddr hwAddr;
  std::vector<std::uint8_t> clientId;
  std::vector<std::uint32_t> subnetIds;
};

struct ClientLeaseAnswer {
  bool ok = false;            // false: the database could not answer (the query is dropped, as Kea's)
  std::vector<Lease> leases;  // the rows found (by either identifier), each once
};

class ClientLeaseLookup {
 public:
  using Done = std::function<void(ClientLeaseAnswer)>;
  virtual ~ClientLeaseLookup() = default;
  // Never blocks. Queues the lookup; `done` runs later on the lookup's thread, exactly once
  // (never inside submit()). False: too many lookups wait or the database is unreachable
  // (back-pressure: the caller drops the query and counts it); `done` is then never called.
  virtual bool submit(ClientLeaseQuery query, Done done) = 0;
};

}  // namespace tandem
