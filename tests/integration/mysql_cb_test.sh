#!/bin/bash
# Kea 2.2's MySQL configuration backend (config-control / config-databases type mysql,
# libdhcp_mysql_cb.so's tables) against a private MariaDB (mysql_lib.sh), with the real
# kea-dhcp4 2.2 on the same tables; the MySQL twin of pgsql_cb_test.sh. The CB tables are
# filled with SQL the way Kea's MySQL backend writes them (CALL createAuditRevisionDHCP4 first
# in the same transaction, modification_ts given, rows associated with servers in the
# *_server tables, addresses as INET_ATON, lan's option 15 as a binary value); the checks are
# cb_flow's (cb_lib.sh): kea-dhcp4 and tandemd give the same answer from the database's
# subnet, pool and options, both follow a change, another server's rows are not read, a bad
# row is left out while serving goes on, and MariaDB stopped and started again (the poller
# opens a new session).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mysql_lib.sh"
. "$(dirname "$0")/cb_lib.sh"
TIT_ID="h-mycb-$$"
TIT_BUDGET=200
tit_init
tit_server_bin
cb_require libdhcp_mysql_cb.so my_lease_db_json
my_init
cb_segment

# cb_sql <message> <statements>: one transaction with an audit revision first, as Kea's MySQL
# backend does (its triggers write dhcp4_audit entries under @audit_revision_id).
cb_sql() {
  my_sql "START TRANSACTION;
    CALL createAuditRevisionDHCP4(NOW(), 'all', '$1', 0);
    $2
    COMMIT;" >/dev/null || fail "SQL: $1"
}
cb_query() { my_sql "$1"; }
cb_db_stop() { my_kill TERM; }
cb_db_start() { my_start; }
ALL="(SELECT id FROM dhcp4_server WHERE tag = 'all')"
OTHER="(SELECT id FROM dhcp4_server WHERE tag = 'other')"
CB_FIXTURE="
  INSERT INTO dhcp4_server (tag, description, modification_ts)
    VALUES ('td1', 'tandem test server', NOW()), ('other', 'another server', NOW());
  INSERT INTO dhcp4_global_parameter (name, value, parameter_type, modification_ts)
    VALUES ('valid-lifetime', '900', 0, NOW()), ('valid-lifetime', '777', 0, NOW());
  INSERT INTO dhcp4_global_parameter_server (parameter_id, server_id, modification_ts)
    VALUES ((SELECT MIN(id) FROM dhcp4_global_parameter WHERE name = 'valid-lifetime'), $ALL, NOW()),
           ((SELECT MAX(id) FROM dhcp4_global_parameter WHERE name = 'valid-lifetime'), $OTHER, NOW());
  INSERT INTO dhcp4_shared_network (name, relay, require_client_classes, modification_ts)
    VALUES ('lan', '[]', '[]', NOW());
  INSERT INTO dhcp4_shared_network_server (shared_network_id, server_id, modification_ts)
    VALUES ((SELECT id FROM dhcp4_shared_network WHERE name = 'lan'), $ALL, NOW());
  INSERT INTO dhcp4_subnet (subnet_id, subnet_prefix, shared_network_name, relay, require_client_classes,
                            renew_timer, rebind_timer, modification_ts)
    VALUES (5, '198.18.0.0/24', 'lan', '[]', '[]', 200, 400, NOW()),
           (7, '198.18.7.0/24', NULL, '[]', '[]', NULL, NULL, NOW());
  INSERT INTO dhcp4_subnet_server (subnet_id, server_id, modification_ts) VALUES (5, $ALL, NOW()), (7, $OTHER, NOW());
  INSERT INTO dhcp4_pool (start_address, end_address, subnet_id, modification_ts)
    VALUES (INET_ATON('198.18.0.100'), INET_ATON('198.18.0.150'), 5, NOW());
  INSERT INTO dhcp4_options (code, formatted_value, space, persistent, scope_id, dhcp4_subnet_id, modification_ts)
    VALUES (3, '198.18.0.1', 'dhcp4', 0, 1, 5, NOW());
  INSERT INTO dhcp4_options (code, value, space, persistent, scope_id, shared_network_name, modification_ts)
    VALUES (15, 'cb.example', 'dhcp4', 0, 4, 'lan', NOW());
  INSERT INTO dhcp4_options (code, formatted_value, space, persistent, scope_id, modification_ts)
    VALUES (6, '198.18.0.53', 'dhcp4', 0, 0, NOW());
  INSERT INTO dhcp4_options_server (option_id, server_id, modification_ts)
    VALUES ((SELECT option_id FROM dhcp4_options WHERE code = 6 AND scope_id = 0), $ALL, NOW());"
CB_BAD_ROW="
  INSERT INTO dhcp4_subnet (subnet_id, subnet_prefix, relay, require_client_classes, modification_ts)
    VALUES (9, '198.18.9.0/24', '{oops', '[]', NOW());
  INSERT INTO dhcp4_subnet_server (subnet_id, server_id, modification_ts) VALUES (9, $ALL, NOW());"
CB_OTHER_CHANGE="UPDATE dhcp4_global_parameter SET value = '778', modification_ts = NOW() WHERE value = '777';"
# Kea's MySQL backend reads a NULL formatted_value's BLOB as the option's binary data.
CB_NET_OPTION='[15,"63622e6578616d706c65"]'
cb_flow
log "PASS"
