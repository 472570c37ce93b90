#pragma once
// Kea 2.2's configuration backend (CB) tables merged with the configuration file: pure code
// from the rows a backend read (dhcpd/pgsql/pgsql_config_backend.h) to the Dhcp4Config the
// JSON parser produces, so everything downstream is unchanged.
//
// The rows become Kea JSON (each table's columns are keys of Kea's grammar: the schema was
// made from it), merged into the file's document as Kea's CBControlDHCPv4 +
// SrvConfig::merge4 merge them, and the whole is read by parseDhcp4Config:
// - server tags: a row is for this server when it is associated with the file's
//   "server-tag" or with "all"; without a server-tag only "all" rows are (Kea's
//   ServerSelector::ALL). For global parameters, option definitions and global options the
//   row of this server's tag wins over the "all" row of the same name / code and space.
// - globals: each replaces the file's key of the same name;
// - option-def, global option-data: a DB item replaces the file's with the same code and
//   space, the others are added;
// - client-classes: when the DB holds any, they replace the file's whole list (Kea: classes
//   are ordered and depend on each other), in dhcp4_client_class_order's order;
// - shared-networks: a DB network replaces the file's of the same name; the file network's
//   subnets move into it;
// - subnet4: a DB subnet replaces the file's with the same id, in its shared network
//   (shared_network_name) or at the top level.
// Options of subnets (scope 1), shared networks (4), pools (5) and classes (2) come with
// their owner; formatted_value is the "data" (csv-format true), otherwise the binary value is
// given as hex.
//
// Bad rows never take the server down: a row that cannot be turned into JSON, or whose item
// the parser refuses (the error's JSON path names the DB item), is left out, and its message
// is returned in badRows for the caller to log and count; the rest is served. Kea 2.2 instead
// refuses the whole fetch (and fails its start-up) on such a row.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dhcpd/common/result.h"
#include "dhcpd/config/dhcp4_config.h"

namespace tandem::config {

// One result row in libpq's text format: column name -> value (nullopt = SQL NULL). bytea is
// PostgreSQL's hex output ("\x0a0b"), booleans "t"/"f", inet "198.18.0.1" (or with "/32").
using CbRow = std::map<std::string, std::optional<std::string>, std::less<>>;

// What one fetch read. Rows of objects associated with servers repeat once per server tag
// (column "server_tag"); the selection by tag is done here.
struct CbSnapshot {
  std::vector<CbRow> globals;         // dhcp4_global_parameter: id, name, value, parameter_type, server_tag
  std::vector<CbRow> optionDefs;      // dhcp4_option_def: id, code, name, space, type, is_array, encapsulate,
                                      //   record_types, class_id, server_tag
  std::vector<CbRow> options;         // dhcp4_options (scopes 0, 1, 2, 4, 5): option_id, code, value,
                                      //   formatted_value, space, persistent, scope_id, dhcp4_subnet_id,
                                      //   shared_network_name, pool_id, dhcp_client_class, server_tag
  std::vector<CbRow> sharedNetworks;  // dhcp4_shared_network: its columns + server_tag
  std::vector<CbRow> subnets;         // dhcp4_subnet: its columns + server_tag
  std::vector<CbRow> pools;           // dhcp4_pool: id, start_address, end_address, subnet_id, client_class,
                                      //   require_client_classes, user_context
  std::vector<CbRow> clientClasses;   // dhcp4_client_class: its columns + order_index + server_tag
};

struct CbMergeResult {
  Dhcp4Config config;                // parsed from `document`
  nlohmann::json document;           // the merged {"Dhcp4": ...}
  std::vector<std::string> badRows;  // "dhcp4_subnet 7: ..." for each row left out
  // Items of the DB in force (after the server-tag selection, bad rows left out).
  std::size_t globals = 0, optionDefs = 0, options = 0, sharedNetworks = 0, subnets = 0, clientClasses = 0;
};

// fileDoc: the configuration file's document ({"Dhcp4": ...}, includes expanded), which must
// parse on its own. An error only when the merged configuration cannot be made valid by
// leaving DB items out (the caller keeps the configuration it has).
[[nodiscard]] Result<CbMergeResult> mergeConfigBackend(const nlohmann::json& fileDoc, const CbSnapshot& rows,
                                                       const ParseContext& ctx);

}  // namespace tandem::config
