#include "dhcpd/mysql/mysql_lease_loader.h"

#include <fmt/format.h>

#include "dhcpd/lease/mysql_lease_row.h"

namespace tandem::mysql {
namespace {

constexpr std::size_t kMaxProblems = 100;

MysqlTextRow rowOf(MYSQL_ROW row, const unsigned long* lengths) {
  MysqlTextRow out;
  for (std::size_t c = 0; c < MysqlLeaseRow::kColumns; ++c) {
    if (row[c]) out[c] = std::string_view(row[c], lengths[c]);
  }
  return out;
}

}  // namespace

Result<LoadReport> MysqlLeaseLoader::load(MyConnection& conn, LeaseStore& store, std::size_t pageSize) {
  store.clear();
  LoadReport report;
  // Keyset paging on the primary key (address INT UNSIGNED); the first page has no lower bound.
  std::int64_t after = -1;
  while (true) {
    const std::string from = after < 0 ? std::string() : fmt::format("WHERE address > {} ", after);
    auto r = conn.query(
        fmt::format("SELECT {} FROM lease4 {}ORDER BY address LIMIT {}", kMysqlLease4Columns, from, pageSize));
    if (!r) return makeError("reading lease4: " + r.error().message);
    if (mysql_num_fields(r->get()) != MysqlLeaseRow::kColumns) return makeError("lease4: unexpected column count");
    std::size_t n = 0;
    while (MYSQL_ROW row = mysql_fetch_row(r->get())) {
      ++n;
      ++report.linesRead;
      const unsigned long* lengths = mysql_fetch_lengths(r->get());
      if (row[0]) after = std::strtoll(row[0], nullptr, 10);
      auto lease = parseMysqlLease(rowOf(row, lengths));
      if (!lease) {
        ++report.corruptLines;
        if (report.problems.size() < kMaxProblems) report.problems.push_back("lease4: " + lease.error().message);
        continue;
      }
      if (auto put = store.put(*lease); !put) {
        ++report.corruptLines;
        if (report.problems.size() < kMaxProblems) report.problems.push_back("lease4: " + put.error().message);
      }
    }
    if (n < pageSize) break;
  }
  report.leasesLoaded = store.size();
  return report;
}

Result<std::optional<Lease>> MysqlLeaseLoader::get(MyConnection& conn, Ipv4 address) {
  auto r = conn.query(fmt::format("SELECT {} FROM lease4 WHERE address = {}", kMysqlLease4Columns, address.value));
  if (!r) return r.error();
  MYSQL_ROW row = mysql_fetch_row(r->get());
  if (!row) return std::optional<Lease>();
  auto lease = parseMysqlLease(rowOf(row, mysql_fetch_lengths(r->get())));
  if (!lease) return lease.error();
  return std::optional<Lease>(std::move(*lease));
}

}  // namespace tandem::mysql
