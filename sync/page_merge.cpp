#include "sync/page_merge.h"

#include <algorithm>

namespace tandem::sync {

void keepSyncWinners(const LeaseStore& store, std::vector<Lease>& page, PullCoverage* coverage) {
  // mergeForSync: Insert when absent, Overwrite when ours is older, else KeepLocal.
  auto kept = [&store, coverage](const Lease& l) {
    const auto mine = store.clttAt(l.address);
    if (mine && coverage) {
      ++coverage->seenHere;
      // The full comparison only for a tie, and only until one difference is found.
      if (!coverage->oursDiffer && (*mine > l.cltt || (*mine == l.cltt && !store.holds(l))))
        coverage->oursDiffer = true;
    }
    return mine && *mine >= l.cltt;
  };
  page.erase(std::remove_if(page.begin(), page.end(), kept), page.end());
}

void keepChangeWinners(const LeaseStore& store, std::vector<Lease>& upserts) {
  // mergeChange: KeepLocal only when ours is strictly newer; and nothing to do when identical.
  auto kept = [&store](const Lease& l) {
    const auto mine = store.clttAt(l.address);
    return mine && (*mine > l.cltt || (*mine == l.cltt && store.holds(l)));
  };
  upserts.erase(std::remove_if(upserts.begin(), upserts.end(), kept), upserts.end());
}

}  // namespace tandem::sync
