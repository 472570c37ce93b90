#include "dhcpd/api/operation_progress.h"

#include <algorithm>

#include <fmt/format.h>

namespace tandem::api {
namespace {

std::int64_t msBetween(TimePoint from, TimePoint to) {
  return std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count());
}

std::string secondsText(std::int64_t ms) { return fmt::format("{}.{} s", ms / 1000, ms % 1000 / 100); }

std::size_t percent(std::size_t done, std::size_t total) {
  if (total == 0) return 100;
  return std::min<std::size_t>(100, done * 100 / total);
}

}  // namespace

OperationProgress::OperationProgress(std::string command, std::string unit, std::size_t total, TimePoint started,
                                     std::chrono::milliseconds logEvery)
    : command_(std::move(command)),
      unit_(std::move(unit)),
      total_(total),
      started_(started),
      lastLine_(started),
      logEvery_(logEvery) {}

std::optional<std::string> OperationProgress::lineDue(TimePoint now) {
  if (now - lastLine_ < logEvery_) return std::nullopt;
  lastLine_ = now;
  return line(now);
}

std::string OperationProgress::line(TimePoint now) const {
  return fmt::format("{}: {} of {} {} ({}%), {}", command_, done_, total_, unit_, percent(done_, total_),
                     secondsText(msBetween(started_, now)));
}

std::string OperationProgress::finishLine(TimePoint now) const {
  return fmt::format("{}: {} {} in {} ms", command_, done_, unit_, msBetween(started_, now));
}

nlohmann::json OperationProgress::toJson(TimePoint now) const {
  return {{"command", command_},
          {"done", done_},
          {"total", total_},
          {"unit", unit_},
          {"elapsed-ms", msBetween(started_, now)}};
}

std::string formatOperation(const nlohmann::json& op, bool bar, std::size_t width) {
  if (!op.is_object()) return {};
  auto num = [&](const char* k) -> std::size_t {
    auto it = op.find(k);
    if (it == op.end() || !it->is_number_integer() || it->get<std::int64_t>() < 0) return std::size_t{0};
    return it->get<std::size_t>();
  };
  auto str = [&](const char* k) -> std::string {
    auto it = op.find(k);
    return it != op.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  const std::string command = str("command");
  if (command.empty()) return {};
  const std::size_t done = num("done"), total = num("total");
  const std::size_t pct = percent(done, total);
  const std::string elapsed = secondsText(static_cast<std::int64_t>(num("elapsed-ms")));
  if (!bar) return fmt::format("{}: {} of {} {} ({}%), {}", command, done, total, str("unit"), pct, elapsed);
  const std::size_t filled = total ? std::min(width, done * width / total) : width;
  return fmt::format("[{}{}] {:>3}% {}/{} {}, {}", std::string(filled, '#'), std::string(width - filled, '.'), pct,
                     done, total, str("unit"), elapsed);
}

}  // namespace tandem::api
