// libFuzzer target: the memfile lease file reader (dhcpd/lease/lease_csv.h, memfile_loader.h)
// on a whole lease file as found on disk after a crash or written by another program: header
// in any column order, torn last line, escapes, deletion records, duplicates, into the real
// in-memory store. Every row that parses must be written back by formatLeaseCsvLine() and
// read again unchanged, and be found in the store by its address.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "dhcpd/lease/lease_csv.h"
#include "dhcpd/lease/memfile_loader.h"
#include "dhcpd/lease/memory_lease_store.h"

using namespace tandem;

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "lease_csv_fuzz: %s\n", what);
    std::abort();
  }
}

// The whole-file loader, reading from a memfd so runs touch no disk. Its 4 MiB read buffer
// costs a few milliseconds per run under ASan, so one input in 8 takes this path, chosen by
// the input's bytes so that a finding reproduces.
void loadWholeFile(const std::uint8_t* data, std::size_t size) {
  static const int fd = ::memfd_create("lease_csv_fuzz", MFD_CLOEXEC);
  static const std::string path = "/proc/self/fd/" + std::to_string(fd);
  if (fd < 0 || ::ftruncate(fd, 0) != 0 || ::pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) std::abort();
  MemoryLeaseStore store;
  LoadReport report;
  (void)MemfileLoader::loadFile(path, store, report, /*mustExist=*/true);
  check(report.corruptLines <= report.linesRead, "more corrupt lines than lines");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::uint32_t hash = 2166136261u;
  for (std::size_t i = 0; i < size; ++i) hash = (hash ^ data[i]) * 16777619u;
  if (hash % 8 == 0) loadWholeFile(data, size);

  // Row by row, as the loader reads them: the header, then each row into the store (kept
  // across runs so its slab pages are not re-allocated each time, and emptied after each).
  static MemoryLeaseStore store;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::size_t nl = text.find('\n');
  if (nl == std::string_view::npos) return 0;
  auto header = LeaseCsvHeader::parse(text.substr(0, nl));
  if (!header) return 0;
  const LeaseCsvHeader kea22 = LeaseCsvHeader::kea22();
  std::vector<Ipv4> stored;
  std::size_t start = nl + 1;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    Lease lease;
    if (parseLeaseCsvLine(text.substr(start, end - start), *header, lease)) {
      std::string row = formatLeaseCsvLine(lease);
      check(!row.empty() && row.back() == '\n', "a written row does not end its line");
      row.pop_back();
      check(row.find('\n') == std::string::npos, "a written row spans lines");
      Lease again;
      check(parseLeaseCsvLine(row, kea22, again).ok(), "a written row does not parse");
      Lease expected = lease;
      expected.poolId = 0;  // not a Kea 2.2 column
      check(again == expected, "a lease changed in its CSV round trip");
      if (lease.validLifetime == 0) {
        (void)store.erase(lease.address);  // Kea's deletion record
      } else if (store.put(lease)) {
        stored.push_back(lease.address);
        auto found = store.byAddress(lease.address);
        check(found && *found == lease, "the store does not give back the lease it took");
        (void)store.byHwAddr(lease.hwAddr, lease.subnetId);
        (void)store.byClientId(lease.clientId, lease.subnetId);
      }
    }
    start = end + 1;
  }
  for (Ipv4 a : stored) (void)store.erase(a);
  check(store.size() == 0, "the store kept a lease after all were erased");
  return 0;
}
