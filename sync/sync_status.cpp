#include "sync/sync_status.h"

#include <fmt/format.h>

#include "heartbeat/http_date.h"

namespace tandem::sync {

namespace {

using nlohmann::json;

std::int64_t ms(SteadyClock::duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

std::string seconds(std::int64_t millis) { return fmt::format("{:.1f} s", static_cast<double>(millis) / 1000.0); }

}  // namespace

json syncStatusJson(const std::optional<SyncProgress>& running, const std::optional<SyncOutcome>& last,
                    std::uint32_t consecutiveFailures, std::optional<SteadyTime> retryAt, SteadyTime now) {
  json j = {{"in-progress", nullptr},
            {"last", nullptr},
            {"consecutive-failures", consecutiveFailures},
            {"retry-in-ms", nullptr}};
  if (running) {
    j["in-progress"] = {{"peer", running->peer},
                        {"mode", toString(running->mode)},
                        {"why", running->why},
                        {"pages", running->pages},
                        {"leases-received", running->received},
                        {"leases-written", running->written},
                        {"changes-applied", running->changes},
                        {"elapsed-ms", std::max<std::int64_t>(0, ms(now - running->startedAt))}};
  }
  if (last) {
    j["last"] = {{"result", last->ok ? "success" : "failed"},
                 {"peer", last->run.peer},
                 {"mode", toString(last->run.mode)},
                 {"leases", last->run.received},
                 {"leases-written", last->run.written},
                 {"changes-applied", last->run.changes},
                 {"pages", last->run.pages},
                 {"duration-ms", std::max<std::int64_t>(0, last->duration.count())},
                 {"finished-at", heartbeat::formatRfc1123(last->finishedAt)},
                 {"error", last->error}};
  }
  if (retryAt) j["retry-in-ms"] = std::max<std::int64_t>(0, ms(*retryAt - now));
  return j;
}

std::string formatSyncLine(const json& sync) {
  if (!sync.is_object()) return {};
  auto num = [](const json& o, const char* k) -> std::int64_t {
    auto it = o.find(k);
    return it != o.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
  };
  auto str = [](const json& o, const char* k) -> std::string {
    auto it = o.find(k);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  const json running = sync.value("in-progress", json(nullptr));
  const json last = sync.value("last", json(nullptr));
  std::string line;
  if (running.is_object()) {
    line = fmt::format("sync: in progress from {} ({}), {} page(s), {} lease(s) received, {} written, {}",
                       str(running, "peer"), str(running, "mode"), num(running, "pages"),
                       num(running, "leases-received"), num(running, "leases-written"),
                       seconds(num(running, "elapsed-ms")));
  } else if (last.is_object()) {
    const bool ok = str(last, "result") == "success";
    line = ok ? fmt::format("sync: last from {} ({}) succeeded, {} lease(s), {} written, took {}, at {}",
                            str(last, "peer"), str(last, "mode"), num(last, "leases"), num(last, "leases-written"),
                            seconds(num(last, "duration-ms")), str(last, "finished-at"))
              : fmt::format("sync: last from {} ({}) FAILED after {}: {}", str(last, "peer"), str(last, "mode"),
                            seconds(num(last, "duration-ms")), str(last, "error"));
  } else {
    return {};
  }
  const json retry = sync.value("retry-in-ms", json(nullptr));
  if (retry.is_number_integer()) {
    line += fmt::format("; retry {} in {}", num(sync, "consecutive-failures") + 1, seconds(retry.get<std::int64_t>()));
  }
  return line;
}

}  // namespace tandem::sync
