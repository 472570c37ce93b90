#!/bin/bash
# tandemd vs kea-dhcp4 2.2 on the same PostgreSQL database, one server at a time and two
# servers sharing it: scripts/bench-sql.sh with the database chosen (its header has the
# details and the environment variables).
exec "$(dirname "$0")/bench-sql.sh" pgsql "$@"
