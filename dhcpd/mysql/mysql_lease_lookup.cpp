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
    : SqlLeaseLookup(Policy{options.maxBatch, options.capacity, options.db.reconnectWaitTime}),
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
  // One SELECT: per lookup Kea's two conditions (lease4_by_hwaddr_subnet_id and
  // lease4_by_client_id_subnet_id serve them), OR-ed.
  std::string where;
  for (const ClientLeaseQuery* q : batch) {
    if (q->subnetIds.empty()) continue;
    std::string subnets;
    for (std::size_t i = 0; i < q->subnetIds.size(); ++i) {
      if (i) subnets += ',';
      subnets += std::to_string(q->subnetIds[i]);
    }
    if (!q->hwAddr.empty()) {
      where += fmt::format("{}(hwaddr = {} AND subnet_id IN ({}))", where.empty() ? "" : " OR ",
                           mysqlHexLiteral(bytesOf(q->hwAddr.view())), subnets);
    }
    if (!q->clientId.empty()) {
      where += fmt::format("{}(client_id = {} AND subnet_id IN ({}))", where.empty() ? "" : " OR ",
                           mysqlHexLiteral(bytesOf(q->clientId)), subnets);
    }
  }
  if (where.empty()) return {};
  auto r = conn_->query(fmt::format("SELECT {} FROM lease4 WHERE {}", kMysqlLease4Columns, where));
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
      if (matches(*batch[i], *lease)) rows[i].push_back(*lease);
    }
  }
  return {};
}

}  // namespace tandem::mysql
