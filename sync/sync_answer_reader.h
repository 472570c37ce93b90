#pragma once
// Direct readers of the tandem bulk sync's answers (sync/tandem_sync_json.h) from the HTTP
// body text, for the puller (issue 11: 2 M leases in under 3 s). A page answer is a few small
// members and three JSON strings holding ~100 bytes of lease CSV per lease (5 MB for a page of
// 50,000); building an nlohmann tree from it ran the library's lexer over every byte, then
// copied each string twice more (the answer map, the arguments, the string) before the CSV
// reader saw it. Here the body is read by sync/json_text.h (one checking pass, members kept as
// views, each CSV string unescaped once into a buffer the row reader walks).
//
// Same answers and errors as the tree path (PeerClient's interpretAnswer, parsePeerAnswer and
// parseSyncPageAnswer / parseSyncDoneAnswer): a list whose first element is the answer map, or
// a bare map; an integer "result" (0 required); a map of "arguments" with the members those
// parsers require. Unknown members are skipped; a repeated member counts with its last copy,
// as in nlohmann's tree. Malformed input is an error value, never an exception; nesting deeper
// than kMaxAnswerDepth is refused (nlohmann has no limit; no sync answer nests beyond 3).
#include <string>
#include <string_view>

#include "dhcpd/common/result.h"
#include "sync/json_text.h"
#include "sync/parallel_csv_reader.h"
#include "sync/pull_session.h"
#include "sync/tandem_sync_json.h"

namespace tandem::sync {

// Error::code of a reader error when the answer itself was well-formed but its "result" was
// not 0: that result (e.g. kResultUnsupported from a peer without the command). Any other
// problem has kMalformedAnswer.
inline constexpr int kMalformedAnswer = -1;
inline constexpr int kMaxAnswerDepth = kMaxJsonDepth;

[[nodiscard]] Result<SyncPage> readSyncPageAnswer(std::string_view body);
// The same into `page`, replaced, reusing its lease vectors and their leases, and `scratch`
// for the unescaped CSV text: a puller that reads every page into one SyncPage allocates
// nothing per lease after the first page (the 5 MB of text and 50,000 leases a page were
// fresh memory each time: allocation, page faults, destruction). On an error `page` holds
// part of the answer.
[[nodiscard]] Result<void> readSyncPageAnswer(std::string_view body, SyncPage& page, std::string& scratch);
// The same, the page's lease rows read on two threads (sync/parallel_csv_reader.h): the same
// page, the same errors.
[[nodiscard]] Result<void> readSyncPageAnswer(std::string_view body, SyncPage& page, std::string& scratch,
                                              ParallelCsvReader& rows);
[[nodiscard]] Result<ChangeLog::Changes> readSyncDoneAnswer(std::string_view body);

}  // namespace tandem::sync
