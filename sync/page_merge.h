#pragma once
// The merge rules of sync/lease_merge.h and sync/pull_session.h applied to a whole page of
// received leases against the store, in place: what stays in the vector is what the puller
// writes, in the order received (moved, never copied). Each decision reads only the stored
// lease's cltt (LeaseStore::clttAt) or compares it in place (LeaseStore::holds): copying every
// stored lease out to look at one field was the puller's main cost per lease when both peers
// already held the same leases.
#include <cstddef>
#include <vector>

#include "dhcpd/lease/lease.h"
#include "dhcpd/lease/lease_store.h"

namespace tandem::sync {

// What a whole pull's pages said about the leases this server held when it began: if the
// partner sent every one of them (its page had the address) and none of ours was newer than,
// or different from, its copy, the partner holds all our leases as of the pull's start, and a
// later resync of the partner from us may be a delta from that point (HaService::completeRun,
// sync/delivery_tracker.h). Otherwise it needs a full pull from us once.
struct PullCoverage {
  std::size_t seenHere = 0;  // page leases whose address this store held
  bool oursDiffer = false;   // one of ours was newer than, or differed from, the partner's copy
};

// Bulk-sync pages (mergeForSync): a lease is written when absent here or newer by cltt.
// `coverage` (optional) is added to for the page.
void keepSyncWinners(const LeaseStore& store, std::vector<Lease>& page, PullCoverage* coverage = nullptr);

// Change logs after a page (mergeChange): a change is written unless our copy is newer by
// cltt, or already the very same lease (a tie goes to the change, but rewriting an identical
// lease would only grow the lease file and the partner's journal traffic).
void keepChangeWinners(const LeaseStore& store, std::vector<Lease>& upserts);

}  // namespace tandem::sync
