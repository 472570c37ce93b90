#pragma once
// The receiving side of tandem-lease4-bulk-apply (sync/bulk_apply_json.h): a tandemd
// partner's batch of lease updates and deletions, each applied as lease4-update (force-create)
// or lease4-del would apply it, answered with the count and the per-lease failures. Read from
// a JSON tree (the registry's command) or straight from the body text (the registry's text
// shortcut, sync/bulk_apply_reader.h: no JSON tree of a big batch).
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "dhcpd/api/command_registry.h"
#include "dhcpd/api/server_control.h"
#include "dhcpd/common/logger.h"
#include "ha/ha_config.h"
#include "sync/bulk_apply_json.h"

namespace tandem::daemon {

class HaBulkApplyServer {
 public:
  HaBulkApplyServer(const ha::HaConfig& cfg, api::ServerControl& control, Logger& log)
      : cfg_(cfg), control_(control), log_(log) {}

  // The command's handler (arguments as a JSON tree).
  api::json serve(const api::json& args);
  // The registry's text shortcut (CommandRegistry::setTextShortcut): a bulk-apply body read
  // without a JSON tree and answered through `done`; false (and `done` untouched) for any
  // other body, which then goes the registry's way.
  bool serveText(std::string_view body, const api::CommandRegistry& registry, std::function<void(std::string)>& done);
  // The request's changes applied as lease4-del / lease4-update would (both readers end here).
  // A change older than the lease held for its address is kept out (sync::partnerUpdateIsStale)
  // and counted here; the batch is still answered as applied.
  api::json apply(sync::BulkApplyRequest& req);
  std::uint64_t staleUpdates() const noexcept { return stale_; }

 private:
  const ha::HaConfig& cfg_;
  api::ServerControl& control_;
  Logger& log_;
  std::uint64_t stale_ = 0;
};

}  // namespace tandem::daemon
