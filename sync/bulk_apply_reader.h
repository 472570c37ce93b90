#pragma once
// The partner's side of tandem-lease4-bulk-apply (sync/bulk_apply_json.h) read from the HTTP
// body text (issue 11, "a cheap partner": no JSON tree of the batch). The command registry's
// path builds an nlohmann tree of the whole request (the library's lexer over every byte of
// the lease rows, then copies of the strings into the tree, the parsed command and the
// arguments) before parseBulkApplyRequest reads the rows; here the body is read by
// sync/json_text.h, the reader the sync answers use too, and each row string is unescaped once
// into a buffer the row reader (leasesFromCsv) walks.
//
// Only the ordinary form is read: {"command": "tandem-lease4-bulk-apply", "arguments": {...},
// "service": ["dhcp4"] (optional), "remote-address": any (optional)}, with well-formed rows and
// each address once. Anything else (another command, other services, an unknown member, a
// malformed row, JSON nlohmann would refuse) is DECLINED: the caller then runs the body through
// the command registry, whose answers, error texts included, stay the reference. So this
// reader may decline more than it must, never accept what the tree path refuses or read a
// request differently (tests/sync/bulk_apply_reader_test.cpp compares both on odd and
// malformed input; the peer_messages fuzz target compares them on every input).
#include <optional>
#include <string>
#include <string_view>

#include "sync/bulk_apply_json.h"

namespace tandem::sync {

struct BulkApplyCommand {
  BulkApplyRequest request;
  // The request said "service": the answer goes back as a one-element list (the Control
  // Agent's framing, as CommandRegistry::processAsync answers it); else as a bare map.
  bool listAnswer = false;
  // The arguments as the tree path would hand them to a command observer (the forensic log):
  // "server-name" when given, "leases" and "deleted" (the unescaped row strings) when given.
  json observedArguments() const;
  std::optional<std::string> serverName, leases, deleted;
};

// nullopt: not read here (see above); the body takes the command registry's path.
[[nodiscard]] std::optional<BulkApplyCommand> readBulkApplyCommand(std::string_view body);

}  // namespace tandem::sync
