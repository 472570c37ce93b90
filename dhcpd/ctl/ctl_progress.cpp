#include "dhcpd/ctl/ctl_progress.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "dhcpd/api/operation_progress.h"

namespace tandem::ctl {

using nlohmann::json;

Result<json> sendWithProgress(const Endpoint& endpoint, const json& request, const ProgressLine& lineOf, bool tty,
                              std::ostream& out) {
  // The command connection waits for the whole operation; the polls use short ones.
  std::mutex mu;
  std::condition_variable cv;
  std::optional<Result<json>> answer;
  std::thread worker([&] {
    auto a = sendCommand(endpoint, request);
    std::lock_guard lock(mu);
    answer.emplace(std::move(a));
    cv.notify_all();
  });
  Endpoint poll = endpoint;
  poll.timeout = std::chrono::seconds(5);
  auto lastPlain = std::chrono::steady_clock::now();
  std::string shown;
  for (;;) {
    {
      std::unique_lock lock(mu);
      if (cv.wait_for(lock, std::chrono::milliseconds(500), [&] { return answer.has_value(); })) break;
    }
    auto status = sendCommand(poll, json{{"command", "status-get"}});
    if (!status) continue;
    const std::string line = lineOf(status->value("arguments", json::object()), tty);
    if (line.empty()) continue;
    const auto now = std::chrono::steady_clock::now();
    if (tty) {
      // Redraw in place; pad so a shorter line clears the previous one.
      std::string padded = line;
      if (padded.size() < shown.size()) padded.append(shown.size() - padded.size(), ' ');
      out << '\r' << padded << std::flush;
      shown = line;
    } else if (now - lastPlain >= std::chrono::seconds(5) || shown.empty()) {
      out << line << '\n' << std::flush;
      shown = line;
      lastPlain = now;
    }
  }
  worker.join();
  if (tty && !shown.empty()) out << '\n' << std::flush;
  return std::move(*answer);
}

ProgressLine operationProgressLine(std::string command) {
  return [command = std::move(command)](const json& args, bool tty) -> std::string {
    const json ops = args.value("operations", json::array());
    if (!ops.is_array()) return {};
    for (const json& op : ops) {
      if (op.is_object() && op.value("command", std::string()) == command) return api::formatOperation(op, tty);
    }
    return {};
  };
}

}  // namespace tandem::ctl
