#include "dhcpd/pgsql/pgsql_host_backend.h"

#include "dhcpd/common/sql_text.h"
#include "dhcpd/config/host_row_decoder.h"
#include "dhcpd/lease/pgsql_lease_row.h"

namespace tandem::pgsql {
namespace {

std::optional<std::string_view> cell(const PGresult* r, int row, int col) {
  if (PQgetisnull(r, row, col)) return std::nullopt;
  return std::string_view(PQgetvalue(r, row, col), static_cast<std::size_t>(PQgetlength(r, row, col)));
}

std::string byteaParam(const std::vector<std::uint8_t>& b) {
  return sql::pgsqlByteaHex(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
}

}  // namespace

Result<std::unique_ptr<config::HostDatabaseBackend>> PgsqlHostBackend::open(const config::LeaseDatabase& db) {
  auto conn = PgConnection::open(db);
  if (!conn) return makeError("Unable to open database: " + conn.error().message);
  if (auto r = (*conn)->checkSchemaVersion(kPgsqlSchemaMajor, kPgsqlSchemaMinor); !r) {
    return makeError("Unable to open database: " + r.error().message);
  }
  return std::unique_ptr<config::HostDatabaseBackend>(new PgsqlHostBackend(std::move(*conn)));
}

bool PgsqlHostBackend::ensureConnected() {
  if (conn_->ok()) return true;
  PQreset(conn_->raw());
  return conn_->ok();
}

Result<std::vector<config::HostRow>> PgsqlHostBackend::readHosts() {
  auto res = conn_->exec(config::kSelectHostsSql);
  if (!res) return makeError("reading hosts: " + res.error().message);
  const PGresult* r = res->get();
  if (PQnfields(r) != static_cast<int>(config::kHostColumns)) return makeError("hosts: unexpected column count");
  std::vector<config::HostRow> rows;
  const int n = PQntuples(r);
  config::HostTextRow row;
  for (int i = 0; i < n; ++i) {
    for (std::size_t c = 0; c < config::kHostColumns; ++c) row[c] = cell(r, i, static_cast<int>(c));
    if (auto ok = config::appendHostRow<sql::PgsqlText>(row, rows); !ok) return ok.error();
  }
  return rows;
}

Result<std::int64_t> PgsqlHostBackend::insertHost(const config::HostRow& row) {
  auto fail = [&](const Error& e) -> Result<std::int64_t> {
    (void)conn_->exec("ROLLBACK");
    return makeError(e.message);
  };
  if (auto r = conn_->exec("BEGIN"); !r) return r.error();
  const std::string ident = byteaParam(row.identifier), type = std::to_string(row.identifierType),
                    subnet = std::to_string(row.subnetId), addr = std::to_string(row.ipv4Address),
                    next = std::to_string(row.nextServer);
  // As Kea's PgSqlHostDataSource::add: 0 for no address / next server, NULL user context.
  auto ins = conn_->execParams(
      "INSERT INTO hosts (dhcp_identifier, dhcp_identifier_type, dhcp4_subnet_id, ipv4_address, hostname, "
      "dhcp4_client_classes, dhcp4_next_server, dhcp4_server_hostname, dhcp4_boot_file_name, user_context) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING host_id",
      {ident.c_str(), type.c_str(), subnet.c_str(), addr.c_str(), row.hostname.c_str(), row.clientClasses.c_str(),
       next.c_str(), row.serverHostname.c_str(), row.bootFileName.c_str(),
       row.userContext.empty() ? nullptr : row.userContext.c_str()});
  if (!ins) return fail(ins.error());
  std::int64_t hostId = 0;
  if (!sql::parseNumber(std::string_view(PQgetvalue(ins->get(), 0, 0)), hostId)) {
    return fail(makeError("INSERT INTO hosts returned no host_id"));
  }
  const std::string hostIdText = std::to_string(hostId);
  for (const auto& o : row.options) {
    const std::string code = std::to_string(o.code), value = byteaParam(o.value);
    auto r = conn_->execParams(
        "INSERT INTO dhcp4_options (code, value, formatted_value, space, persistent, user_context, host_id, "
        "scope_id) VALUES ($1, $2, $3, $4, $5, $6, $7, 3)",
        {code.c_str(), o.formattedValue.empty() ? value.c_str() : nullptr,
         o.formattedValue.empty() ? nullptr : o.formattedValue.c_str(), o.space.c_str(), o.persistent ? "t" : "f",
         o.userContext.empty() ? nullptr : o.userContext.c_str(), hostIdText.c_str()});
    if (!r) return fail(r.error());
  }
  if (auto r = conn_->exec("COMMIT"); !r) return r.error();
  return hostId;
}

Result<std::vector<std::string>> PgsqlHostBackend::deleteHosts(const config::HostRowSelector& sel) {
  const std::string subnet = std::to_string(sel.subnetId);
  Result<PgResult> r = makeError("no selector");
  // Kea 2.2's DEL_HOST_ADDR4 / DEL_HOST_SUBID4_ID; the host's options go with it (ON DELETE CASCADE).
  if (sel.address) {
    const std::string addr = std::to_string(*sel.address);
    r = conn_->execParams(
        "DELETE FROM hosts WHERE dhcp4_subnet_id = $1 AND ipv4_address = $2 "
        "RETURNING dhcp_identifier, dhcp_identifier_type",
        {subnet.c_str(), addr.c_str()});
  } else {
    const std::string type = std::to_string(sel.identifierType), ident = byteaParam(sel.identifier);
    r = conn_->execParams(
        "DELETE FROM hosts WHERE dhcp4_subnet_id = $1 AND dhcp_identifier_type = $2 AND dhcp_identifier = $3 "
        "RETURNING dhcp_identifier, dhcp_identifier_type",
        {subnet.c_str(), type.c_str(), ident.c_str()});
  }
  if (!r) return r.error();
  std::vector<std::string> keys;
  for (int i = 0; i < PQntuples(r->get()); ++i) {
    auto key = config::hostKeyOfCells<sql::PgsqlText>(sel.subnetId, cell(r->get(), i, 0), cell(r->get(), i, 1));
    if (key) keys.push_back(std::move(*key));
  }
  return keys;
}

}  // namespace tandem::pgsql
