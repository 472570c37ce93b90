#include "dhcpd/api/stat_commands.h"

#include <string>

#include "dhcpd/api/time_text.h"

namespace tandem::api {
namespace {

json sampleJson(const StatsRegistry::Sample& s) {
  return json::array({json::array({s.value, formatKeaTimestamp(s.when)})});
}

// Every single-statistic command takes a mandatory string "name".
Result<std::string> statName(const json& args) {
  if (!args.is_object()) return makeError("Missing mandatory 'name' parameter.");
  auto it = args.find("name");
  if (it == args.end()) return makeError("Missing mandatory 'name' parameter.");
  if (!it->is_string()) return makeError("'name' parameter expected to be a string.");
  return it->get<std::string>();
}

}  // namespace

void registerStatCommands(CommandRegistry& registry, ServerControl& control) {
  registry.add("statistic-get", [&control](const json& args, const CommandContext&) {
    auto name = statName(args);
    if (!name) return makeAnswer(kResultError, name.error().message);
    json out = json::object();
    StatsRegistry::Sample s;
    if (control.stats().get(*name, s)) out[*name] = sampleJson(s);
    // Kea answers an unknown name with success and an empty map.
    return makeAnswerNoText(kResultSuccess, std::move(out));
  });
  registry.add("statistic-get-all", [&control](const json&, const CommandContext&) {
    json out = json::object();
    for (const auto& [name, sample] : control.stats().all()) out[name] = sampleJson(sample);
    return makeAnswerNoText(kResultSuccess, std::move(out));
  });
  registry.add("statistic-reset", [&control](const json& args, const CommandContext&) {
    auto name = statName(args);
    if (!name) return makeAnswer(kResultError, name.error().message);
    if (!control.stats().reset(*name, control.now())) {
      return makeAnswer(kResultError, "No '" + *name + "' statistic found");
    }
    return makeAnswer(kResultSuccess, "Statistic '" + *name + "' reset.");
  });
  registry.add("statistic-reset-all", [&control](const json&, const CommandContext&) {
    control.stats().resetAll(control.now());
    return makeAnswer(kResultSuccess, "All statistics reset to neutral values.");
  });
  registry.add("statistic-remove", [&control](const json& args, const CommandContext&) {
    auto name = statName(args);
    if (!name) return makeAnswer(kResultError, name.error().message);
    if (!control.stats().remove(*name)) return makeAnswer(kResultError, "No '" + *name + "' statistic found");
    return makeAnswer(kResultSuccess, "Statistic '" + *name + "' removed.");
  });
  registry.add("statistic-remove-all", [&control](const json&, const CommandContext&) {
    for (const auto& [name, sample] : control.stats().all()) control.stats().remove(name);
    return makeAnswer(kResultSuccess, "All statistics removed.");
  });
}

}  // namespace tandem::api
