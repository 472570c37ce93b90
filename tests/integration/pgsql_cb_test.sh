#!/bin/bash
# Kea 2.2's configuration backend (config-control / config-databases, libdhcp_pgsql_cb.so's
# tables) against a private PostgreSQL (pgsql_lib.sh), with the real kea-dhcp4 2.2 on the
# same tables. The CB tables are filled with SQL the way Kea's backend writes them (an audit
# revision from createAuditRevisionDHCP4 in the same transaction, rows associated with
# servers in the *_server tables); the checks are cb_flow's (cb_lib.sh), the same as
# mysql_cb_test.sh's: kea-dhcp4 and tandemd give the same answer from the database's subnet,
# pool and options, both follow a change, another server's rows are not read, a bad row is
# left out while serving goes on, and the database stopped and started again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pgsql_lib.sh"
. "$(dirname "$0")/cb_lib.sh"
TIT_ID="h-pgcb-$$"
TIT_BUDGET=200
tit_init
tit_server_bin
cb_require libdhcp_pgsql_cb.so pg_lease_db_json
pg_init
cb_segment

# cb_sql <message> <statements>: one transaction with an audit revision first, as Kea's
# backend does (its triggers refuse changes without one).
cb_sql() {
  pg_sql "BEGIN;
    SELECT createAuditRevisionDHCP4(now(), 'all', '$1', false);
    $2
    COMMIT;" >/dev/null || fail "SQL: $1"
}
cb_query() { pg_sql "$1"; }
cb_db_stop() { pg_stop fast; }
cb_db_start() { pg_start; }
ALL="(SELECT id FROM dhcp4_server WHERE tag = 'all')"
OTHER="(SELECT id FROM dhcp4_server WHERE tag = 'other')"
CB_FIXTURE="
  INSERT INTO dhcp4_server (tag, description) VALUES ('td1', 'tandem test server'), ('other', 'another server');
  INSERT INTO dhcp4_global_parameter (name, value, parameter_type)
    VALUES ('valid-lifetime', '900', 0), ('valid-lifetime', '777', 0);
  INSERT INTO dhcp4_global_parameter_server (parameter_id, server_id)
    VALUES ((SELECT MIN(id) FROM dhcp4_global_parameter WHERE name = 'valid-lifetime'), $ALL),
           ((SELECT MAX(id) FROM dhcp4_global_parameter WHERE name = 'valid-lifetime'), $OTHER);
  INSERT INTO dhcp4_shared_network (name, relay, require_client_classes) VALUES ('lan', '[]', '[]');
  INSERT INTO dhcp4_shared_network_server (shared_network_id, server_id)
    VALUES ((SELECT id FROM dhcp4_shared_network WHERE name = 'lan'), $ALL);
  INSERT INTO dhcp4_subnet (subnet_id, subnet_prefix, shared_network_name, relay, require_client_classes,
                            renew_timer, rebind_timer)
    VALUES (5, '198.18.0.0/24', 'lan', '[]', '[]', 200, 400),
           (7, '198.18.7.0/24', NULL, '[]', '[]', NULL, NULL);
  INSERT INTO dhcp4_subnet_server (subnet_id, server_id) VALUES (5, $ALL),
    (7, $OTHER);
  INSERT INTO dhcp4_pool (start_address, end_address, subnet_id) VALUES ('198.18.0.100', '198.18.0.150', 5);
  INSERT INTO dhcp4_options (code, formatted_value, space, persistent, scope_id, dhcp4_subnet_id)
    VALUES (3, '198.18.0.1', 'dhcp4', false, 1, 5);
  INSERT INTO dhcp4_options (code, formatted_value, space, persistent, scope_id, shared_network_name)
    VALUES (15, 'cb.example', 'dhcp4', false, 4, 'lan');
  INSERT INTO dhcp4_options (code, formatted_value, space, persistent, scope_id) VALUES (6, '198.18.0.53', 'dhcp4', false, 0);
  INSERT INTO dhcp4_options_server (option_id, server_id)
    VALUES ((SELECT option_id FROM dhcp4_options WHERE code = 6 AND scope_id = 0), $ALL);"
CB_BAD_ROW="
  INSERT INTO dhcp4_subnet (subnet_id, subnet_prefix, relay, require_client_classes) VALUES (9, '198.18.9.0/24', '{oops', '[]');
  INSERT INTO dhcp4_subnet_server (subnet_id, server_id) VALUES (9, $ALL);"
CB_OTHER_CHANGE="UPDATE dhcp4_global_parameter SET value = '778', modification_ts = NOW() WHERE value = '777';"
CB_NET_OPTION='[15,"cb.example"]'
cb_flow
log "PASS"
