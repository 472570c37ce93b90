#pragma once
// The lease both SQL row encoders' tests write and read back (pgsql_lease_row_test,
// mysql_lease_row_test, sql_lease4_columns_test): every lease4 column set, none at its default.
#include "dhcpd/lease/lease.h"

namespace tandem::testing {

inline Lease sqlSampleLease() {
  Lease l;
  l.address = Ipv4(198, 18, 0, 10);
  l.hwAddr = *HwAddr::parse("0a:00:27:00:00:01");
  l.clientId = {0x01, 0x0a, 0x00, 0x27, 0x00, 0x00, 0x01};
  l.validLifetime = 3600;
  l.cltt = 1700000000;
  l.subnetId = 7;
  l.fqdnFwd = true;
  l.fqdnRev = false;
  l.hostname = "host-a.example.org";
  l.state = LeaseState::Declined;
  l.userContext = R"({"ISC":{"client-classes":["a"]}})";
  return l;
}

}  // namespace tandem::testing
