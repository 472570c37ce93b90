#include "sync/bulk_apply_json.h"

#include <algorithm>
#include <optional>
#include <unordered_map>

#include <fmt/format.h>

#include "dhcpd/api/json_string.h"
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

std::string bulkApplyBody(std::string_view serverName, const std::vector<UpdateBatcher::Item>& items) {
  // The rows are written once into a scratch string per list, then escaped run by run into
  // the body (a row's only escapes are its closing newline and what a hostname may hold).
  std::string upserts, deletes;
  upserts.reserve(items.size() * 96);
  for (const auto& i : items) appendLeaseCsvLine(i.upsert ? upserts : deletes, i.lease);
  std::string body;
  body.reserve(upserts.size() + deletes.size() + items.size() * 2 + 160);
  body += R"({"command":")";
  body += kBulkApplyCommand;
  body += R"(","service":["dhcp4"],"arguments":{"server-name":)";
  api::appendJsonString(serverName, body);
  body += R"(,"leases":)";
  api::appendJsonString(upserts, body);
  body += R"(,"deleted":)";
  api::appendJsonString(deletes, body);
  body += "}}";
  return body;
}

namespace {

Result<std::vector<Lease>> rowsIn(std::optional<std::string_view> text, const char* key) {
  if (!text) return std::vector<Lease>{};
  auto rows = leasesFromCsv(*text);
  if (!rows) return makeError(fmt::format("'{}': {}", key, rows.error().message));
  return rows;
}

// A member that must be a string when present.
Result<std::optional<std::string_view>> optionalString(const json& args, const char* key, const char* what) {
  auto it = args.find(key);
  if (it == args.end()) return std::optional<std::string_view>{};
  if (!it->is_string()) return makeError(fmt::format("'{}' must be {}", key, what));
  return std::optional<std::string_view>(it->get_ref<const std::string&>());
}

}  // namespace

Result<BulkApplyRequest> parseBulkApplyRequest(const json& args) {
  if (!args.is_object()) return makeError("arguments missing or not a map");
  auto name = optionalString(args, "server-name", "a string");
  if (!name) return name.error();
  auto leases = optionalString(args, "leases", "a string of lease rows");
  if (!leases) return leases.error();
  auto deleted = optionalString(args, "deleted", "a string of lease rows");
  if (!deleted) return deleted.error();
  return bulkApplyRequestOf(*name, *leases, *deleted);
}

Result<BulkApplyRequest> bulkApplyRequestOf(std::optional<std::string_view> serverName,
                                            std::optional<std::string_view> leases,
                                            std::optional<std::string_view> deleted) {
  BulkApplyRequest req;
  if (serverName) req.serverName = *serverName;
  auto up = rowsIn(leases, "leases");
  if (!up) return up.error();
  auto del = rowsIn(deleted, "deleted");
  if (!del) return del.error();
  req.leases = std::move(*up);
  req.deleted = std::move(*del);
  // One address once: the sender never batches two changes of one address (their order
  // would be lost), so a duplicate means a broken or hostile sender.
  // Sorted copies of the addresses (one allocation, where a hash set made one per lease).
  std::vector<std::uint32_t> seen;
  seen.reserve(req.leases.size() + req.deleted.size());
  for (const auto* list : {&req.leases, &req.deleted}) {
    for (const Lease& l : *list) seen.push_back(l.address.value);
  }
  std::sort(seen.begin(), seen.end());
  if (auto twice = std::adjacent_find(seen.begin(), seen.end()); twice != seen.end()) {
    return makeError("address " + Ipv4(*twice).toString() + " appears more than once");
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
      // No text: nothing logs an acknowledged update, and a copy of the answer's text per
      // lease was an allocation per lease on the sender's path.
      out[i] = BulkOutcome{O::Ok, {}};
      continue;
    }
    PeerAnswer one{it->second.first, it->second.second, nullptr};
    out[i] = BulkOutcome{classifyLeaseUpdateAnswer(one), it->second.second};
  }
  return out;
}

}  // namespace tandem::sync
