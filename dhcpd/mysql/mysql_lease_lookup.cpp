#include "dhcpd/mysql/mysql_lease_lookup.h"

#include <algorithm>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "dhcpd/lease/mysql_lease_row.h"

namespace tandem::mysql {
namespace {

std::string_view bytesOf(std::span<const std::uint8_t> b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}

// Whether `l` is one of the rows `q` asks for (the WHERE clause below, for one lookup).
bool matches(const ClientLeaseQuery& q, const Lease& l) {
  if (std::find(q.subnetIds.begin(), q.subnetIds.end(), l.subnetId) == q.subnetIds.end()) return false;
  if (!q.hwAddr.empty() && std::ranges::equal(q.hwAddr.view(), l.hwAddr.view())) return true;
  return !q.clientId.empty() && q.clientId == l.clientId;
}

}  // namespace

MysqlLeaseLookup::MysqlLeaseLookup(Options options)
    : SqlLeaseLookup(Policy{options.maxBatch, options.capacity, options.db.reconnectWaitTime, options.gather}),
      options_(std::move(options)) {}

std::unique_ptr<MysqlLeaseLookup> MysqlLeaseLookup::open(Options options, std::unique_ptr<MyConnection> conn) {
  std::unique_ptr<MysqlLeaseLookup> l(new MysqlLeaseLookup(std::move(options)));
  l->conn_ = std::move(conn);
  l->startThread();
  return l;
}

MysqlLeaseLookup::~MysqlLeaseLookup() { stopThread(); }

Result<void> MysqlLeaseLookup::reconnect() {
  auto conn = MyConnection::open(options_.db);
  if (!conn) return conn.error();
  conn_ = std::move(*conn);
  return {};
}

Result<void> MysqlLeaseLookup::lookupBatch(const std::vector<const ClientLeaseQuery*>& batch,
                                           std::vector<std::vector<Lease>>& rows) {
  // One statement: the batch's hardware addresses through lease4_by_hwaddr_subnet_id, then
  // its client-ids through lease4_by_client_id_subnet_id, each an IN list on the index's first
  // column (a range scan); matches() keeps each lookup's own subnets. Not one OR of Kea's two
  // conditions per lookup: MariaDB 10.11 reads that as a full scan of lease4 (EXPLAIN: type
  // ALL, even after ANALYZE TABLE at 10,000 rows), which cost MariaDB 590-800 us of CPU per
  // DORA in scripts/bench-mysql.sh.
  std::string hws, cids;
  for (const ClientLeaseQuery* q : batch) {
    if (q->subnetIds.empty()) continue;
    if (!q->hwAddr.empty()) {
      if (!hws.empty()) hws += ',';
      hws += mysqlHexLiteral(bytesOf(q->hwAddr.view()));
    }
    if (!q->clientId.empty()) {
      if (!cids.empty()) cids += ',';
      cids += mysqlHexLiteral(bytesOf(q->clientId));
    }
  }
  if (hws.empty() && cids.empty()) return {};
  std::string sql;
  if (!hws.empty()) sql = fmt::format("SELECT {} FROM lease4 WHERE hwaddr IN ({})", kMysqlLease4Columns, hws);
  if (!cids.empty()) {
    sql += fmt::format("{}SELECT {} FROM lease4 WHERE client_id IN ({})", sql.empty() ? "" : " UNION ALL ",
                       kMysqlLease4Columns, cids);
  }
  auto r = conn_->query(sql);
  if (!r) return r.error();
  if (mysql_num_fields(r->get()) != MysqlLeaseRow::kColumns) return makeError("lease4: unexpected column count");
  while (MYSQL_ROW row = mysql_fetch_row(r->get())) {
    const unsigned long* lengths = mysql_fetch_lengths(r->get());
    MysqlTextRow text;
    for (std::size_t c = 0; c < MysqlLeaseRow::kColumns; ++c) {
      if (row[c]) text[c] = std::string_view(row[c], lengths[c]);
    }
    auto lease = parseMysqlLease(text);
    if (!lease) continue;  // a row Kea could not read either (the start-up load skips it too)
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (!matches(*batch[i], *lease)) continue;
      // A row found by both identifiers comes twice.
      auto& out = rows[i];
      const bool seen =
          std::any_of(out.begin(), out.end(), [&](const Lease& l) { return l.address == lease->address; });
      if (!seen) out.push_back(*lease);
    }
  }
  return {};
}

}  // namespace tandem::mysql
