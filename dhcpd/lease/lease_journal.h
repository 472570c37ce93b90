#pragma once
// Append-only lease file in Kea's lease4 CSV format, written by a background thread with
// group commit: many appended leases share one write()+fdatasync(). A reply whose lease
// has sequence number S may leave only when durableSeq() >= S ("on disk before the ACK").
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dhcpd/common/result.h"
#include "dhcpd/lease/lease.h"
#include "dhcpd/lease/lease_store.h"

namespace tandem {

struct LoadReport {
  std::size_t linesRead = 0;
  std::size_t leasesLoaded = 0;  // distinct addresses in the store afterwards
  std::size_t corruptLines = 0;
  std::vector<std::string> problems;  // "leases4.csv:17: bad address 'x'", first 100 kept
};

// What a shared database checks before it takes a write (several servers on one database,
// Kea's shared-database model): the database's answer decides, not this server's memory.
// A single-writer journal (memfile) has nothing to check and ignores it.
enum class WriteGuard : std::uint8_t {
  None,              // operator commands, HA updates: written as given
  SameClientOrFree,  // a client's lease: only over a free, expired or reclaimed row, or the same client's
  StillExpired,      // reclamation: only while the row is still expired (nobody renewed it meanwhile)
};

// A guarded write the database refused: another server holds the address. The reply that
// waited for `seq` must not leave (the client retries), and `current` (the database's row,
// nullopt = none) replaces what this server believed about `address`.
struct LostWrite {
  std::uint64_t seq = 0;
  Ipv4 address;
  std::optional<Lease> current;
};

class LeaseJournal {
 public:
  virtual ~LeaseJournal() = default;
  // Queue a lease write (or a deletion: Kea writes the lease with valid_lifetime 0). Returns
  // the sequence number that becomes durable once written and synced.
  virtual std::uint64_t append(const Lease& lease) = 0;
  virtual std::uint64_t appendDelete(const Lease& lease) = 0;
  // The same with a guard (see WriteGuard); journals without a shared database ignore it.
  virtual std::uint64_t appendGuarded(const Lease& lease, bool remove, WriteGuard guard) {
    (void)guard;
    return remove ? appendDelete(lease) : append(lease);
  }
  // Queues several lease writes at once (a lease synchronisation's page): the same rows and
  // sequence numbers as append() of each in turn; returns the last one (0 when empty). A
  // journal may take them in one step (memfile: one lock and one wake-up for the page).
  virtual std::uint64_t appendAll(std::span<const Lease> leases) {
    std::uint64_t last = 0;
    for (const Lease& l : leases) last = append(l);
    return last;
  }
  // Writes refused since the last call. Published before durableSeq passes their seq, so a
  // caller that reads durableSeq FIRST and takes them after knows every refused write at or
  // below what it read: taken the other way round, a write refused in between would be
  // released (LeaseWriter::takeRefused does it in the right order for the packet path).
  virtual std::vector<LostWrite> takeLost() { return {}; }
  // Whether this journal can refuse a write at all (a shared database); a single-writer
  // journal cannot, and the packet path may then let a reply out as soon as it is durable.
  virtual bool mayRefuse() const noexcept { return false; }
  virtual std::uint64_t durableSeq() const noexcept = 0;
  virtual std::uint64_t lastSeq() const noexcept = 0;
  // Blocks until everything appended so far is durable (shutdown, tests).
  virtual Result<void> flush() = 0;
  // Called on the journal thread each time durableSeq advances (the daemon posts to its
  // io_context from here). Set before the first append.
  virtual void setOnDurable(std::function<void(std::uint64_t)> cb) = 0;
  // Last write error (full disk...). While failing, durableSeq does not advance.
  virtual std::optional<Error> lastError() const = 0;
  // Cheap per-packet check: writes are failing right now (lastError() is set).
  virtual bool failing() const noexcept { return lastError().has_value(); }
  // Cheap per-packet check: writes wait longer than a client would (a database slower than
  // the offered load). The packet path then sheds new exchanges (DISCOVERs) so that those
  // already started still finish in time: goodput stays at what the journal can commit
  // instead of every reply coming too late.
  virtual bool behind() const noexcept { return false; }
};

}  // namespace tandem
