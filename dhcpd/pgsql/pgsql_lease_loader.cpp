#include "dhcpd/pgsql/pgsql_lease_loader.h"

#include <fmt/format.h>

#include "dhcpd/lease/pgsql_lease_row.h"

namespace tandem::pgsql {
namespace {

constexpr std::size_t kMaxProblems = 100;

}  // namespace

PgsqlTextRow PgsqlLeaseLoader::rowAt(const PGresult* r, int i) {
  PgsqlTextRow row;
  for (std::size_t c = 0; c < PgsqlLeaseRow::kColumns; ++c) {
    const int col = static_cast<int>(c);
    if (PQgetisnull(r, i, col)) {
      row[c] = std::nullopt;
    } else {
      row[c] = std::string_view(PQgetvalue(r, i, col), static_cast<std::size_t>(PQgetlength(r, i, col)));
    }
  }
  return row;
}

Result<LoadReport> PgsqlLeaseLoader::load(PgConnection& conn, LeaseStore& store, std::size_t pageSize) {
  store.clear();
  LoadReport report;
  const std::string sql =
      fmt::format("SELECT {} FROM lease4 WHERE address > $1 ORDER BY address LIMIT {}", kPgsqlLease4Columns, pageSize);
  // address is a bigint holding an unsigned 32-bit value; -1 starts below 0.0.0.0.
  std::string after = "-1";
  while (true) {
    auto r = conn.execParams(sql, {after.c_str()});
    if (!r) return makeError("reading lease4: " + r.error().message);
    const int n = PQntuples(r->get());
    if (PQnfields(r->get()) != static_cast<int>(PgsqlLeaseRow::kColumns)) {
      return makeError("lease4: unexpected column count");
    }
    for (int i = 0; i < n; ++i) {
      ++report.linesRead;
      auto lease = parsePgsqlLease(rowAt(r->get(), i));
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
    if (n > 0) after = PQgetvalue(r->get(), n - 1, 0);
    if (static_cast<std::size_t>(n) < pageSize) break;
  }
  report.leasesLoaded = store.size();
  return report;
}

Result<std::optional<Lease>> PgsqlLeaseLoader::get(PgConnection& conn, Ipv4 address) {
  const std::string sql = fmt::format("SELECT {} FROM lease4 WHERE address = $1", kPgsqlLease4Columns);
  const std::string a = std::to_string(address.value);
  auto r = conn.execParams(sql, {a.c_str()});
  if (!r) return r.error();
  if (PQntuples(r->get()) == 0) return std::optional<Lease>();
  auto lease = parsePgsqlLease(rowAt(r->get(), 0));
  if (!lease) return lease.error();
  return std::optional<Lease>(std::move(*lease));
}

}  // namespace tandem::pgsql
