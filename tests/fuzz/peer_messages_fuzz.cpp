// libFuzzer target: what an HA partner sends us (sync/ha_json.h, sync/tandem_sync_json.h):
// answers to our commands (ha-heartbeat, lease4-update/-del, lease4-get-page, the tandem
// bulk sync pages, ha-maintenance-notify) and the peer commands we serve (lease updates and
// deletes, page requests, origins, maintenance notifications, scopes, sync sessions). The
// input is one JSON document; every parser sees it, both as a whole answer and as a
// command's "arguments". Leases that parse must survive their own wire form unchanged. The
// direct readers (sync answers; the partner's tandem-lease4-bulk-apply request) must agree
// with the tree path on every input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "dhcpd/api/command_registry.h"
#include "dhcpd/common/clock.h"
#include "sync/bulk_apply_reader.h"
#include "sync/ha_json.h"
#include "sync/sync_answer_reader.h"
#include "sync/tandem_sync_json.h"

using namespace tandem;
using namespace tandem::sync;

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "peer_messages_fuzz: %s\n", what);
    std::abort();
  }
}

// A lease read from a peer, written back in the same form and read again, is the same lease.
void pageEntryRoundTrip(const Lease& lease) {
  auto again = leaseFromPageEntry(leaseToPageEntry(lease));
  check(again.ok() && *again == lease, "a lease4-get-page entry does not survive its round trip");
}

void csvRoundTrip(const std::vector<Lease>& leases) {
  auto again = leasesFromCsv(leasesToCsv(leases));
  check(again.ok() && again->size() == leases.size(), "sync CSV rows do not survive their round trip");
  for (std::size_t i = 0; i < leases.size(); ++i) {
    Lease expected = leases[i];
    expected.poolId = 0;  // not a Kea 2.2 column: not written
    check((*again)[i] == expected, "a sync CSV lease changed in its round trip");
  }
}

void asArguments(const json& args, TimePoint now) {
  if (auto l = leaseFromUpdateArgs(args, now)) {
    (void)leaseUpdateArgs(*l);
  }
  if (auto l = leaseFromPageEntry(args)) pageEntryRoundTrip(*l);
  (void)addressFromDelArgs(args);
  (void)parsePageRequest(args);
  (void)parseOrigin(args, 0);
  (void)parseMaintenanceNotify(args);
  (void)parseScopesArgs(args);
  (void)parseSyncPageRequest(args);
  (void)parseSyncDoneRequest(args);
  (void)tandemSyncVersion(args);
}

// The puller reads sync answers from the body text (sync/sync_answer_reader.h), not from a
// tree: it must accept exactly what the tree path accepts (PeerClient's interpretAnswer: a
// list's first map or a bare map; parsePeerAnswer; parseSyncPageAnswer / parseSyncDoneAnswer)
// and read the same leases. Nesting deeper than the reader's limit is its documented refusal.
void directReaderAgrees(std::string_view text, const json& doc) {
  auto page = readSyncPageAnswer(text);
  auto done = readSyncDoneAnswer(text);
  if (std::count(text.begin(), text.end(), '[') + std::count(text.begin(), text.end(), '{') > kMaxAnswerDepth) return;
  const json* map = nullptr;
  if (!doc.is_discarded()) {
    if (doc.is_object()) map = &doc;
    if (doc.is_array() && !doc.empty() && doc.front().is_object()) map = &doc.front();
  }
  Result<PeerAnswer> answer = map ? parsePeerAnswer(json::array({*map})) : Result<PeerAnswer>(makeError("no map"));
  auto treePage = answer ? parseSyncPageAnswer(*answer) : Result<SyncPage>(answer.error());
  auto treeDone = answer ? parseSyncDoneAnswer(*answer) : Result<ChangeLog::Changes>(answer.error());
  check(page.ok() == treePage.ok(), "the sync page reader and the tree path disagree");
  check(done.ok() == treeDone.ok(), "the sync done reader and the tree path disagree");
  if (page) {
    check(page->session == treePage->session && page->leases == treePage->leases && page->last == treePage->last &&
              page->delta == treePage->delta && page->changes.upserts == treePage->changes.upserts &&
              page->changes.deletes == treePage->changes.deletes,
          "the sync page reader read another page than the tree path");
  }
  if (done) {
    check(done->upserts == treeDone->upserts && done->deletes == treeDone->deletes,
          "the sync done reader read other changes than the tree path");
  }
}

// The partner reads tandem-lease4-bulk-apply requests from the body text (sync/
// bulk_apply_reader.h): what it reads, the registry's path (parseCommand, then
// parseBulkApplyRequest of the arguments) must read too, the same request; it may decline
// what the tree path takes (that body then goes the tree path), never the reverse.
void bulkApplyReaderAgrees(std::string_view text, const json& doc) {
  auto direct = readBulkApplyCommand(text);
  if (!direct) return;
  check(!doc.is_discarded(), "the bulk-apply reader took what is not JSON");
  auto cmd = api::parseCommand(doc);
  check(cmd.ok() && cmd->name == kBulkApplyCommand, "the bulk-apply reader took another command");
  check(direct->listAnswer == cmd->services.has_value(), "the bulk-apply reader framed the answer otherwise");
  auto tree = parseBulkApplyRequest(cmd->arguments);
  check(tree.ok(), "the bulk-apply reader took a request the tree path refuses");
  check(direct->request.serverName == tree->serverName && direct->request.leases == tree->leases &&
            direct->request.deleted == tree->deleted,
        "the bulk-apply reader read another request than the tree path");
  check(parseBulkApplyRequest(direct->observedArguments()).ok(), "the observer's arguments do not read back");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  directReaderAgrees(text, doc);
  bulkApplyReaderAgrees(text, doc);
  if (doc.is_discarded()) return 0;
  const TimePoint now = fromEpochSeconds(1'750'000'000);

  // As the answer to one of our commands.
  auto answer = parsePeerAnswer(doc);
  (void)classifyLeaseUpdateAnswer(answer);
  (void)maintenanceNotifyFinished(answer);
  if (answer) {
    (void)parseHeartbeatAnswer(*answer);
    for (std::uint32_t limit : {1u, 100u}) {
      if (auto page = parsePageAnswer(*answer, limit)) {
        for (const Lease& l : page->leases) pageEntryRoundTrip(l);
      }
    }
    if (auto page = parseSyncPageAnswer(*answer)) {
      csvRoundTrip(page->leases);
      csvRoundTrip(page->changes.upserts);
      csvRoundTrip(page->changes.deletes);
    }
    if (auto done = parseSyncDoneAnswer(*answer)) csvRoundTrip(done->upserts);
    asArguments(answer->arguments, now);
  }
  // As a peer command's arguments (the document itself, or its "arguments" member).
  asArguments(doc, now);
  if (doc.is_object()) {
    if (auto it = doc.find("arguments"); it != doc.end()) asArguments(*it, now);
  }
  // A string is a tandem sync page's CSV rows.
  if (doc.is_string()) {
    if (auto rows = leasesFromCsv(doc.get_ref<const std::string&>())) csvRoundTrip(*rows);
  }
  return 0;
}
