// tandem-leasetool: drives the memfile code from scripts (Kea interop test, load benchmark).
//   dump NAME                 print the leases tandem loads from NAME (.2, .1, NAME), one JSON a line
//   write NAME SPEC.json      write the leases of SPEC (Kea lease4-get-all shape) with the journal
//   compare NAME KEA.json     load NAME and check it equals Kea's lease4-get-all answer
//   generate NAME COUNT       write COUNT synthetic leases (benchmark input)
//   load NAME                 time loading NAME and report resident memory per lease
//   generate-range NAME FIRST COUNT SUBNET TAG [CLTT]
//                             write COUNT live leases FIRST, FIRST+1, ... of subnet SUBNET (HA sync
//                             tests): MAC 02:TAG:<n>, client-id 01+MAC, cltt CLTT (default now) minus
//                             up to 10 min, 10 days lifetime, a hostname on every third
//   same NAME1 NAME2          load both lease files (journal rules) and check they hold the same
//                             leases: address, MAC, client-id, lifetime, cltt, subnet, state,
//                             hostname and FQDN flags (not user-context)
#include <sys/resource.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "dhcpd/lease/lease_csv.h"
#include "dhcpd/lease/memfile_journal.h"
#include "dhcpd/lease/memfile_loader.h"
#include "dhcpd/lease/memory_lease_store.h"

using nlohmann::json;
using namespace tandem;

namespace {

json toJson(const Lease& l) {
  json j = {{"ip-address", l.address.toString()},
            {"hw-address", l.hwAddr.toString()},
            {"valid-lft", l.validLifetime},
            {"cltt", l.cltt},
            {"subnet-id", l.subnetId},
            {"fqdn-fwd", l.fqdnFwd},
            {"fqdn-rev", l.fqdnRev},
            {"hostname", l.hostname},
            {"state", static_cast<int>(l.state)}};
  if (!l.clientId.empty()) j["client-id"] = toHexColon(l.clientId);
  if (!l.userContext.empty()) j["user-context"] = json::parse(l.userContext);
  return j;
}

bool fromJson(const json& j, Lease& l) {
  auto addr = Ipv4::parse(j.at("ip-address").get<std::string>());
  auto hw = HwAddr::parse(j.value("hw-address", ""));
  if (!addr || !hw) return false;
  l.address = *addr;
  l.hwAddr = *hw;
  auto cid = parseHexBytes(j.value("client-id", ""));
  if (!cid) return false;
  l.clientId = *cid;
  l.validLifetime = j.at("valid-lft").get<std::uint32_t>();
  l.cltt = j.at("cltt").get<std::int64_t>();
  l.subnetId = j.at("subnet-id").get<std::uint32_t>();
  l.fqdnFwd = j.value("fqdn-fwd", false);
  l.fqdnRev = j.value("fqdn-rev", false);
  l.hostname = j.value("hostname", "");
  l.state = static_cast<LeaseState>(j.value("state", 0));
  l.userContext = j.contains("user-context") ? j["user-context"].dump() : "";
  return true;
}

json readJsonFile(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in);
}

long rssKiB() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

Result<LoadReport> loadInto(const std::string& name, MemoryLeaseStore& store) {
  auto r = MemfileLoader::load(MemfilePaths{name}, store);
  if (r) {
    for (const auto& p : r->problems) std::cerr << "corrupt: " << p << "\n";
  }
  return r;
}

int dump(const std::string& name) {
  MemoryLeaseStore store;
  auto r = loadInto(name, store);
  if (!r) {
    std::cerr << r.error().message << "\n";
    return 1;
  }
  for (const Lease& l : store.page(Ipv4(0), store.size())) std::cout << toJson(l).dump() << "\n";
  return r->corruptLines ? 2 : 0;
}

int write(const std::string& name, const std::string& spec) {
  auto journal = MemfileJournal::open({.path = name});
  if (!journal) {
    std::cerr << journal.error().message << "\n";
    return 1;
  }
  for (const json& j : readJsonFile(spec)) {
    Lease l;
    if (!fromJson(j, l)) {
      std::cerr << "bad lease in spec: " << j.dump() << "\n";
      return 1;
    }
    journal.value()->append(l);
  }
  auto f = journal.value()->flush();
  if (!f) std::cerr << f.error().message << "\n";
  return f ? 0 : 1;
}

// Kea's lease4-get-all answer: {"arguments": {"leases": [...]}, "result": 0, ...}.
int compare(const std::string& name, const std::string& keaAnswer) {
  MemoryLeaseStore store;
  auto r = loadInto(name, store);
  if (!r) {
    std::cerr << r.error().message << "\n";
    return 1;
  }
  json answer = readJsonFile(keaAnswer);
  const json& keaLeases = answer.at("arguments").at("leases");
  int bad = 0;
  if (keaLeases.size() != store.size()) {
    std::cerr << "count differs: kea " << keaLeases.size() << ", tandem " << store.size() << "\n";
    ++bad;
  }
  for (const json& k : keaLeases) {
    auto addr = Ipv4::parse(k.at("ip-address").get<std::string>());
    auto ours = addr ? store.byAddress(*addr) : std::nullopt;
    if (!ours) {
      std::cerr << "missing in tandem: " << k.dump() << "\n";
      ++bad;
      continue;
    }
    json mine = toJson(*ours);
    if (mine != k) {
      std::cerr << "differs:\n  kea    " << k.dump() << "\n  tandem " << mine.dump() << "\n";
      ++bad;
    }
  }
  if (bad == 0) std::cout << "identical: " << store.size() << " leases\n";
  return bad ? 1 : 0;
}

int generate(const std::string& name, std::size_t count) {
  std::FILE* f = std::fopen(name.c_str(), "w");
  if (!f) return 1;
  std::string buf(kKea22Lease4Header);
  buf += '\n';
  Lease l;
  l.validLifetime = 3600;
  l.cltt = 1'750'000'000;
  l.subnetId = 1;
  for (std::size_t i = 0; i < count; ++i) {
    auto n = static_cast<std::uint32_t>(i);
    l.address = Ipv4(0x0a000000u + n);  // 10.0.0.0/8 holds 16M addresses
    std::uint8_t mac[6] = {0x02,
                           0x42,
                           static_cast<std::uint8_t>(n >> 24),
                           static_cast<std::uint8_t>(n >> 16),
                           static_cast<std::uint8_t>(n >> 8),
                           static_cast<std::uint8_t>(n)};
    l.hwAddr = HwAddr::fromBytes(mac);
    l.clientId.assign({0x01, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]});
    l.hostname = "host-" + std::to_string(n) + ".example.org";
    l.subnetId = 1 + n / 65536;
    appendLeaseCsvLine(buf, l);
    if (buf.size() > (1 << 20)) {
      std::fwrite(buf.data(), 1, buf.size(), f);
      buf.clear();
    }
  }
  std::fwrite(buf.data(), 1, buf.size(), f);
  return std::fclose(f) == 0 ? 0 : 1;
}

int generateRange(const std::string& name, const std::string& first, std::size_t count, std::uint32_t subnetId,
                  unsigned tag, std::optional<std::int64_t> cltt) {
  auto start = Ipv4::parse(first);
  if (!start || tag > 0xff || static_cast<std::uint64_t>(start->value) + count > 0xffffffffull) {
    std::cerr << "bad first address, count or tag\n";
    return 64;
  }
  const std::int64_t base = cltt.value_or(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  std::FILE* f = std::fopen(name.c_str(), "w");
  if (!f) return 1;
  std::string buf(kKea22Lease4Header);
  buf += '\n';
  Lease l;
  l.subnetId = subnetId;
  for (std::size_t i = 0; i < count; ++i) {
    auto n = static_cast<std::uint32_t>(i);
    l.address = Ipv4(start->value + n);
    std::uint8_t mac[6] = {0x02,
                           static_cast<std::uint8_t>(tag),
                           static_cast<std::uint8_t>(n >> 24),
                           static_cast<std::uint8_t>(n >> 16),
                           static_cast<std::uint8_t>(n >> 8),
                           static_cast<std::uint8_t>(n)};
    l.hwAddr = HwAddr::fromBytes(mac);
    l.clientId.assign({0x01, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]});
    // Spread cltt and lifetimes so a merge that compares the wrong field shows up as a difference.
    l.cltt = base - static_cast<std::int64_t>(n % 600);
    l.validLifetime = 864000 + (n % 7) * 60;
    l.hostname = n % 3 == 0 ? "h" + std::to_string(n) + ".sync.test" : "";
    l.fqdnFwd = l.fqdnRev = n % 3 == 0;
    appendLeaseCsvLine(buf, l);
    if (buf.size() > (1 << 20)) {
      std::fwrite(buf.data(), 1, buf.size(), f);
      buf.clear();
    }
  }
  std::fwrite(buf.data(), 1, buf.size(), f);
  return std::fclose(f) == 0 ? 0 : 1;
}

std::string canonical(const Lease& l) {
  return fmt::format("{} {} {} {} {} {} {} {} {} {}", l.address.toString(), l.hwAddr.toString(),
                     l.clientId.empty() ? "-" : toHexColon(l.clientId), l.validLifetime, l.cltt, l.subnetId,
                     static_cast<int>(l.state), l.hostname.empty() ? "-" : l.hostname, l.fqdnFwd, l.fqdnRev);
}

int same(const std::string& a, const std::string& b) {
  MemoryLeaseStore sa, sb;
  auto ra = loadInto(a, sa);
  auto rb = loadInto(b, sb);
  if (!ra || !rb) {
    std::cerr << (ra ? rb.error().message : ra.error().message) << "\n";
    return 2;
  }
  // Both pages are in address order: one merge walk finds every difference.
  const auto la = sa.page(Ipv4(0), sa.size());
  const auto lb = sb.page(Ipv4(0), sb.size());
  std::size_t i = 0, j = 0, onlyA = 0, onlyB = 0, differ = 0, shown = 0;
  auto show = [&](const std::string& what) {
    if (shown++ < 10) std::cerr << what << "\n";
  };
  while (i < la.size() || j < lb.size()) {
    if (j == lb.size() || (i < la.size() && la[i].address < lb[j].address)) {
      ++onlyA;
      show("only in " + a + ": " + canonical(la[i++]));
    } else if (i == la.size() || lb[j].address < la[i].address) {
      ++onlyB;
      show("only in " + b + ": " + canonical(lb[j++]));
    } else {
      const std::string ca = canonical(la[i++]), cb = canonical(lb[j++]);
      if (ca != cb) {
        ++differ;
        show("differs:\n  " + ca + "\n  " + cb);
      }
    }
  }
  if (onlyA + onlyB + differ == 0) {
    std::cout << "identical: " << la.size() << " leases\n";
    return 0;
  }
  std::cout << "different: " << la.size() << " vs " << lb.size() << " leases, " << onlyA << " only in the first, "
            << onlyB << " only in the second, " << differ << " differ\n";
  return 1;
}

int load(const std::string& name) {
  long before = rssKiB();
  auto t0 = std::chrono::steady_clock::now();
  MemoryLeaseStore store;
  auto r = loadInto(name, store);
  auto t1 = std::chrono::steady_clock::now();
  if (!r) {
    std::cerr << r.error().message << "\n";
    return 1;
  }
  long after = rssKiB();
  double secs = std::chrono::duration<double>(t1 - t0).count();
  double perLease = store.size() ? (after - before) * 1024.0 / static_cast<double>(store.size()) : 0;
  std::printf("leases=%zu load_seconds=%.3f rss_delta_mib=%.1f bytes_per_lease=%.1f corrupt=%zu\n", store.size(), secs,
              (after - before) / 1024.0, perLease, r->corruptLines);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string cmd = argc > 1 ? argv[1] : "";
  try {
    if (cmd == "dump" && argc == 3) return dump(argv[2]);
    if (cmd == "write" && argc == 4) return write(argv[2], argv[3]);
    if (cmd == "compare" && argc == 4) return compare(argv[2], argv[3]);
    if (cmd == "generate" && argc == 4) return generate(argv[2], std::stoul(argv[3]));
    if (cmd == "load" && argc == 3) return load(argv[2]);
    if (cmd == "generate-range" && (argc == 7 || argc == 8)) {
      return generateRange(argv[2], argv[3], std::stoul(argv[4]), static_cast<std::uint32_t>(std::stoul(argv[5])),
                           static_cast<unsigned>(std::stoul(argv[6])),
                           argc == 8 ? std::optional<std::int64_t>(std::stoll(argv[7])) : std::nullopt);
    }
    if (cmd == "same" && argc == 4) return same(argv[2], argv[3]);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  std::cerr
      << "usage: tandem-leasetool dump NAME | write NAME SPEC.json | compare NAME KEA.json | "
         "generate NAME COUNT | load NAME | generate-range NAME FIRST COUNT SUBNET TAG [CLTT] | same NAME1 NAME2\n";
  return 64;
}
