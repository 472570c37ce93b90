#include "sync/bulk_apply_json.h"

#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "dhcpd/lease/lease_csv.h"
#include "sync/tandem_sync_json.h"

namespace tandem::sync {

int bulkApplyVersion(const json& args) noexcept { return announcedVersion(args, kBulkApplyKey); }

json bulkApplyArgs(std::string_view serverName, const std::vector<UpdateBatcher::Item>& items) {
  std::string upserts, deletes;
  for (const auto& i : items) {
    std::string& out = i.upsert ? upserts : deletes;
    appendLeaseCsvLine(out, i.lease);
  }
  return {{"server-name", serverName}, {"leases", std::move(upserts)}, {"deleted", std::move(deletes)}};
}

namespace {

Result<std::vector<Lease>> rowsOf(const json& args, const char* key) {
  auto it = args.find(key);
  if (it == args.end()) return std::vector<Lease>{};
  if (!it->is_string()) return makeError(fmt::format("'{}' must be a string of lease rows", key));
  auto rows = leasesFromCsv(it->get_ref<const std::string&>());
  if (!rows) return makeError(fmt::format("'{}': {}", key, rows.error().message));
  return rows;
}

}  // namespace

Result<BulkApplyRequest> parseBulkApplyRequest(const json& args) {
  if (!args.is_object()) return makeError("arguments missing or not a map");
  BulkApplyRequest req;
  if (auto n = args.find("server-name"); n != args.end()) {
    if (!n->is_string()) return makeError("'server-name' must be a string");
    req.serverName = n->get<std::string>();
  }
  auto leases = rowsOf(args, "leases");
  if (!leases) return leases.error();
  auto deleted = rowsOf(args, "deleted");
  if (!deleted) return deleted.error();
  req.leases = std::move(*leases);
  req.deleted = std::move(*deleted);
  // One address once: the sender never batches two changes of one address (their order
  // would be lost), so a duplicate means a broken or hostile sender.
  std::unordered_set<std::uint32_t> seen;
  for (const auto* list : {&req.leases, &req.deleted}) {
    for (const Lease& l : *list) {
      if (!seen.insert(l.address.value).second) {
        return makeError("address " + l.address.toString() + " appears more than once");
      }
    }
  }
  return req;
}

json bulkApplyAnswerArgs(const std::vector<BulkFailure>& failed) {
  json list = json::array();
  for (const auto& f : failed) {
    list.push_back({{"ip-address", f.address.toString()}, {"result", f.result}, {"error-message", f.text}});
  }
  return {{"failed", std::move(list)}};
}

std::string bulkApplyText(std::size_t applied) {
  return fmt::format("Bulk apply of {} IPv4 lease(s) completed.", applied);
}

std::vector<BulkOutcome> bulkApplyOutcomes(const Result<PeerAnswer>& answer,
                                           const std::vector<UpdateBatcher::Item>& items) {
  using O = UpdateBatcher::Outcome;
  std::vector<BulkOutcome> out(items.size());
  auto all = [&](O o, const std::string& text) {
    for (auto& r : out) r = BulkOutcome{o, text};
    return out;
  };
  if (!answer) return all(O::Failed, answer.error().message);
  if (answer->result != kResultSuccess) {
    return all(O::Failed, fmt::format("{} failed with result {}: {}", kBulkApplyCommand, answer->result, answer->text));
  }
  std::unordered_map<std::uint32_t, std::pair<int, std::string>> failed;
  if (answer->arguments.is_object()) {
    auto it = answer->arguments.find("failed");
    if (it != answer->arguments.end() && it->is_array()) {
      for (const auto& f : *it) {
        if (!f.is_object()) continue;
        auto ip = f.find("ip-address");
        auto res = f.find("result");
        if (ip == f.end() || !ip->is_string() || res == f.end() || !res->is_number_integer()) continue;
        auto a = Ipv4::parse(ip->get<std::string>());
        if (!a) continue;
        std::string text;
        if (auto m = f.find("error-message"); m != f.end() && m->is_string()) text = m->get<std::string>();
        failed[a->value] = {res->get<int>(), std::move(text)};
      }
    }
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto it = failed.find(items[i].lease.address.value);
    if (it == failed.end()) {
      out[i] = BulkOutcome{O::Ok, answer->text};
      continue;
    }
    PeerAnswer one{it->second.first, it->second.second, nullptr};
    out[i] = BulkOutcome{classifyLeaseUpdateAnswer(one), it->second.second};
  }
  return out;
}

}  // namespace tandem::sync
