// The hosts SELECT's result rows read the same from PostgreSQL's and MySQL's text formats
// (config/host_row_decoder.h), and the statements the MySQL hosts backend writes
// (config/mysql_host_sql.h), without a database (tests/integration/sql_hosts.sh runs
// them against the real servers and kea-dhcp4).
#include "dhcpd/config/host_row_decoder.h"

#include <gtest/gtest.h>

#include "dhcpd/common/sql_text.h"
#include "dhcpd/config/host_row.h"
#include "dhcpd/config/mysql_host_sql.h"

namespace tandem::config {
namespace {

// A result row owning its cells.
struct Cells {
  std::array<std::optional<std::string>, kHostColumns> cells;
  HostTextRow view() const {
    HostTextRow r;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (cells[i]) r[i] = std::string_view(*cells[i]);
    }
    return r;
  }
};

// Host 42 (hw-address 02:00:c6:12:00:61, subnet 1, 198.18.0.50, "printer") with one option
// (domain-name-servers as a formatted value), as each server returns it: bytea in hex and
// booleans t/f from PostgreSQL; raw bytes and 0/1 from MySQL.
Cells hostCells(bool pgsql, std::optional<std::string> optionId = "7") {
  Cells c;
  c.cells[kHostId] = "42";
  c.cells[kHostIdentifier] = pgsql ? std::string("\\x0200c6120061") : std::string("\x02\x00\xc6\x12\x00\x61", 6);
  c.cells[kHostIdentifierType] = "0";
  c.cells[kHostSubnetId] = "1";
  c.cells[kHostIpv4Address] = std::to_string(Ipv4(198, 18, 0, 50).value);
  c.cells[kHostHostname] = "printer";
  c.cells[kHostClientClasses] = "lab,printers";
  c.cells[kHostNextServer] = pgsql ? std::optional<std::string>("0") : std::nullopt;  // Kea: 0 / NULL
  c.cells[kHostUserContext] = R"({"floor": 2})";
  if (optionId) {
    c.cells[kOptionId] = *optionId;
    c.cells[kOptionCode] = "6";
    c.cells[kOptionFormattedValue] = "198.18.0.53";
    c.cells[kOptionSpace] = "dhcp4";
    c.cells[kOptionPersistent] = pgsql ? "t" : "1";
  }
  return c;
}

template <class Text>
Result<std::vector<HostRow>> decode(const std::vector<Cells>& rows) {
  std::vector<HostRow> out;
  for (const auto& r : rows) {
    if (auto ok = appendHostRow<Text>(r.view(), out); !ok) return ok.error();
  }
  return out;
}

TEST(HostRowDecoder, BothDatabasesReadTheSameHost) {
  auto pg = decode<sql::PgsqlText>({hostCells(true)});
  auto my = decode<sql::MysqlText>({hostCells(false)});
  ASSERT_TRUE(pg.ok()) << pg.error().message;
  ASSERT_TRUE(my.ok()) << my.error().message;
  ASSERT_EQ(pg->size(), 1u);
  ASSERT_EQ(my->size(), 1u);
  const HostRow& h = my->front();
  EXPECT_EQ(h.hostId, 42);
  EXPECT_EQ(h.identifier, (std::vector<std::uint8_t>{0x02, 0x00, 0xc6, 0x12, 0x00, 0x61}));
  EXPECT_EQ(h.identifierType, 0);
  EXPECT_EQ(h.subnetId, 1u);
  EXPECT_EQ(h.ipv4Address, Ipv4(198, 18, 0, 50).value);
  EXPECT_EQ(h.hostname, "printer");
  EXPECT_EQ(h.nextServer, 0u);
  ASSERT_EQ(h.options.size(), 1u);
  EXPECT_EQ(h.options[0].code, 6);
  EXPECT_EQ(h.options[0].formattedValue, "198.18.0.53");
  EXPECT_TRUE(h.options[0].persistent);
  EXPECT_TRUE(pg->front().sameContent(h));
  EXPECT_EQ(pg->front().hostId, h.hostId);
}

TEST(HostRowDecoder, OptionsOfOneHostJoinItsRowAndHostsWithoutOptionsStandAlone) {
  Cells second = hostCells(false, "8");
  second.cells[kOptionCode] = "224";
  second.cells[kOptionFormattedValue].reset();
  second.cells[kOptionValue] = std::string("lab");
  second.cells[kOptionSpace].reset();  // NULL space: dhcp4, as Kea reads it
  second.cells[kOptionPersistent] = "0";
  Cells bare = hostCells(false, std::nullopt);
  bare.cells[kHostId] = "43";
  bare.cells[kHostIpv4Address].reset();  // MySQL: no address is NULL
  auto rows = decode<sql::MysqlText>({hostCells(false), second, bare});
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 2u);
  ASSERT_EQ((*rows)[0].options.size(), 2u);
  EXPECT_EQ((*rows)[0].options[1].value, (std::vector<std::uint8_t>{'l', 'a', 'b'}));
  EXPECT_EQ((*rows)[0].options[1].space, "dhcp4");
  EXPECT_FALSE((*rows)[0].options[1].persistent);
  EXPECT_EQ((*rows)[1].hostId, 43);
  EXPECT_EQ((*rows)[1].ipv4Address, 0u);
  EXPECT_TRUE((*rows)[1].options.empty());
}

TEST(HostRowDecoder, BadCellsNameTheHostAndColumnInBothFormats) {
  auto error = [](bool pgsql, HostColumn col, std::optional<std::string> value) {
    Cells c = hostCells(pgsql);
    c.cells[col] = std::move(value);
    auto r = pgsql ? decode<sql::PgsqlText>({c}) : decode<sql::MysqlText>({c});
    return r.ok() ? std::string("ok") : r.error().message;
  };
  for (bool pgsql : {true, false}) {
    SCOPED_TRACE(pgsql ? "PostgreSQL" : "MySQL");
    EXPECT_EQ(error(pgsql, kHostSubnetId, "-1"), "hosts host_id 42: dhcp4_subnet_id: -1 is out of range");
    EXPECT_EQ(error(pgsql, kHostIpv4Address, "4294967296"),
              "hosts host_id 42: ipv4_address: 4294967296 is out of range");
    EXPECT_EQ(error(pgsql, kHostIdentifierType, "x"), "hosts host_id 42: dhcp_identifier_type: 'x' is not a number");
    EXPECT_EQ(error(pgsql, kOptionCode, "256"), "hosts host_id 42: dhcp4_options.code: 256 is out of range");
    EXPECT_EQ(error(pgsql, kHostId, std::nullopt), "hosts: host_id is NULL");
    EXPECT_EQ(error(pgsql, kOptionPersistent, "maybe"),
              "hosts host_id 42: dhcp4_options.persistent: 'maybe' is not a boolean");
  }
  EXPECT_EQ(error(true, kHostIdentifier, "0200"),
            "hosts host_id 42: dhcp_identifier: not a PostgreSQL binary value of at most 128 bytes");
  EXPECT_EQ(error(false, kHostIdentifier, std::string(129, 'a')),
            "hosts host_id 42: dhcp_identifier: not a MySQL binary value of at most 128 bytes");
}

TEST(HostRowDecoder, DeletedHostKeys) {
  auto my = hostKeyOfCells<sql::MysqlText>(1, std::string_view("\x02\x00\xc6\x12\x00\x61", 6), "0");
  auto pg = hostKeyOfCells<sql::PgsqlText>(1, "\\x0200c6120061", "0");
  ASSERT_TRUE(my.ok());
  ASSERT_TRUE(pg.ok());
  EXPECT_EQ(*my, *pg);
  EXPECT_EQ(*my, hostKeyOf(1, HostIdType::HwAddress, {0x02, 0x00, 0xc6, 0x12, 0x00, 0x61}));
  EXPECT_FALSE((hostKeyOfCells<sql::PgsqlText>(1, "zz", "0")).ok());
}

TEST(MysqlHostSql, InsertWritesWhatKeaWrites) {
  HostRow h;
  h.identifier = {0x02, 0x00, 0xc6, 0x12, 0x00, 0x63};
  h.subnetId = 1;
  h.ipv4Address = Ipv4(198, 18, 0, 55).value;
  h.hostname = "api-three";
  EXPECT_EQ(mysqlInsertHostSql(h),
            "INSERT INTO hosts (dhcp_identifier, dhcp_identifier_type, dhcp4_subnet_id, dhcp6_subnet_id, "
            "ipv4_address, hostname, dhcp4_client_classes, dhcp4_next_server, dhcp4_server_hostname, "
            "dhcp4_boot_file_name, user_context) VALUES (X'0200c6120063', 0, 1, NULL, 3323068471, "
            "X'6170692d7468726565', NULL, NULL, NULL, NULL, NULL)");
  // No address: NULL, not 0 (the schema indexes (ipv4_address, dhcp4_subnet_id)).
  h.ipv4Address = 0;
  h.userContext = R"({"a":1})";
  EXPECT_NE(mysqlInsertHostSql(h).find("1, NULL, NULL, X'6170692d7468726565'"), std::string::npos);
  EXPECT_NE(mysqlInsertHostSql(h).find("X'7b2261223a317d')"), std::string::npos);

  HostOptionRow csv;
  csv.code = 6;
  csv.formattedValue = "198.18.0.54";
  EXPECT_EQ(mysqlInsertHostOptionSql(csv, 9),
            "INSERT INTO dhcp4_options (code, value, formatted_value, space, persistent, user_context, host_id, "
            "scope_id) VALUES (6, NULL, X'3139382e31382e302e3534', X'6468637034', 0, NULL, 9, 3)");
  HostOptionRow bin;
  bin.code = 224;
  bin.value = {'l', 'a', 'b'};
  bin.persistent = true;
  EXPECT_EQ(mysqlInsertHostOptionSql(bin, 9),
            "INSERT INTO dhcp4_options (code, value, formatted_value, space, persistent, user_context, host_id, "
            "scope_id) VALUES (224, X'6c6162', NULL, X'6468637034', 1, NULL, 9, 3)");
}

TEST(MysqlHostSql, DeleteSelectsByKeasSelectors) {
  HostRowSelector byAddress{1, Ipv4(198, 18, 0, 56).value, 0, {}};
  EXPECT_EQ(mysqlSelectHostsToDeleteSql(byAddress),
            "SELECT host_id, dhcp_identifier, dhcp_identifier_type FROM hosts "
            "WHERE dhcp4_subnet_id = 1 AND ipv4_address = 3323068472 FOR UPDATE");
  HostRowSelector byId{7, std::nullopt, 0, {0x02, 0xff}};
  EXPECT_EQ(mysqlSelectHostsToDeleteSql(byId),
            "SELECT host_id, dhcp_identifier, dhcp_identifier_type FROM hosts "
            "WHERE dhcp4_subnet_id = 7 AND dhcp_identifier_type = 0 AND dhcp_identifier = X'02ff' FOR UPDATE");
  EXPECT_EQ(mysqlDeleteHostsSql({3, 5}), "DELETE FROM hosts WHERE host_id IN (3, 5)");
  EXPECT_EQ(mysqlDeleteHostsSql({}), "DELETE FROM hosts WHERE host_id IN (NULL)");
}

}  // namespace
}  // namespace tandem::config
