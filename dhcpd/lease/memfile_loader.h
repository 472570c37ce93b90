#pragma once
// Start-up loading of a memfile lease database, with Kea's crash-recovery rules for an
// interrupted compaction (see memfile_paths.h for the file names and their order).
#include <cstdint>
#include <functional>
#include <string>

#include "dhcpd/common/result.h"
#include "dhcpd/lease/lease_journal.h"
#include "dhcpd/lease/lease_store.h"
#include "dhcpd/lease/memfile_paths.h"

namespace tandem {

// Where a load stands, for a progress line on big files (2 M leases take seconds).
struct LoadProgress {
  std::string file;
  std::uint64_t bytesDone = 0;
  std::uint64_t bytesTotal = 0;  // the file's size when it was opened
  std::size_t rows = 0;          // rows read so far, all files
};
using LoadProgressFn = std::function<void(const LoadProgress&)>;

class MemfileLoader {
 public:
  // Finishes or discards an interrupted compaction so the files are in a steady state:
  // name.completed present -> name.2 and name.1 are removed and it becomes name.2 (it holds
  // everything they held); name.output present -> removed (it was never finished, its
  // inputs are intact). Every step is a rename or unlink, so a crash here is recovered by
  // running it again.
  static Result<void> recover(const MemfilePaths& paths);

  // recover(), then loads name.2, name.1, name (those that exist) into `store`, which is
  // cleared first. A corrupt row is reported ("leases4.csv:17: bad address 'x'") and
  // skipped; an unreadable file or header is an error.
  // `progress`, when set, is called after every chunk read (about every megabyte).
  static Result<LoadReport> load(const MemfilePaths& paths, LeaseStore& store, const LoadProgressFn& progress = {});

  // Applies one file's rows to `store` (valid_lifetime 0 deletes the address). A missing
  // file is not an error when `mustExist` is false.
  static Result<void> loadFile(const std::string& path, LeaseStore& store, LoadReport& report, bool mustExist = false,
                               const LoadProgressFn& progress = {});

  // Calls fn for every well-formed row in file order (deletion records included); corrupt
  // rows go to `report`. The header decides the column order.
  static Result<void> readRows(const std::string& path, LoadReport& report, const std::function<void(const Lease&)>& fn,
                               bool mustExist = false, const LoadProgressFn& progress = {});
};

// Small file helpers shared by the journal and the compactor.
bool fileExists(const std::string& path) noexcept;
Result<void> syncDirectoryOf(const std::string& path);

}  // namespace tandem
