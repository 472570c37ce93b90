#include "dhcpd/api/stat_commands.h"

#include <string>

#include "dhcpd/api/time_text.h"

namespace tandem::api {
namespace {

// Kea's observation JSON: every sample kept, newest first, each [value, "timestamp"].
json samplesJson(const std::vector<StatsRegistry::Sample>& samples) {
  json out = json::array();
  for (const auto& s : samples) out.push_back(json::array({s.value, formatKeaTimestamp(s.when)}));
  return out;
}

// Kea's StatsMgr reads arguments with Element::get(), which throws on a non-map; the command
// layer turns that into this text (Kea adds the JSON position, which tandemd does not track).
constexpr const char* kNotAMap = "Error during command processing: get(string) called on a non-map Element";
constexpr const char* kNotAnInt = "Error during command processing: intValue() called on non-integer Element";

// Every single-statistic command takes a mandatory string "name" (StatsMgr::getStatName).
Result<std::string> statName(const json& args) {
  if (args.is_null()) return makeError("Missing mandatory 'name' parameter.");
  if (!args.is_object()) return makeError(kNotAMap);
  auto it = args.find("name");
  if (it == args.end()) return makeError("Missing mandatory 'name' parameter.");
  if (!it->is_string()) return makeError("'name' parameter expected to be a string.");
  return it->get<std::string>();
}

// StatsMgr::getStatMaxSamples: an integer, taken modulo 2^32 as Kea's uint32_t cast does.
Result<std::uint32_t> maxSamples(const json& args) {
  if (args.is_null()) return makeError("Missing mandatory 'max-samples' parameter.");
  if (!args.is_object()) return makeError(kNotAMap);
  auto it = args.find("max-samples");
  if (it == args.end()) return makeError("Missing mandatory 'max-samples' parameter.");
  if (!it->is_number_integer()) return makeError("'max-samples' parameter expected to be an integer.");
  return static_cast<std::uint32_t>(it->get<std::int64_t>());
}

// StatsMgr::getStatDuration: whole seconds. Kea 2.2 aborts on a negative duration (the
// process dies with "free(): invalid pointer"); tandemd refuses it instead.
Result<StatsRegistry::Duration> duration(const json& args) {
  if (args.is_null()) return makeError("Missing mandatory 'duration' parameter.");
  if (!args.is_object()) return makeError(kNotAMap);
  auto it = args.find("duration");
  if (it == args.end()) return makeError("Missing mandatory 'duration' parameter.");
  if (!it->is_number_integer()) return makeError(kNotAnInt);
  auto v = it->get<std::int64_t>();
  if (v < 0) return makeError("'duration' parameter must not be negative");
  return StatsRegistry::Duration(v);
}

json errorAnswer(const Error& e) { return makeAnswer(kResultError, e.message); }

}  // namespace

void registerStatCommands(CommandRegistry& registry, ServerControl& control) {
  registry.add("statistic-get", [&control](const json& args, const CommandContext&) {
    auto name = statName(args);
    if (!name) return errorAnswer(name.error());
    json out = json::object();
    // Kea answers an unknown name with success and an empty map.
    if (control.stats().exists(*name)) out[*name] = samplesJson(control.stats().samples(*name));
    return makeAnswerNoText(kResultSuccess, std::move(out));
  });
  registry.add("statistic-get-all", [&control](const json&, const CommandContext&) {
    json out = json::object();
    for (const auto& [name, samples] : control.stats().allSamples()) out[name] = samplesJson(samples);
    return makeAnswerNoText(kResultSuccess, std::move(out));
  });
  registry.add("statistic-reset", [&control](const json& args, const CommandContext&) {
    auto name = statName(args);
    if (!name) return errorAnswer(name.error());
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
    if (!name) return errorAnswer(name.error());
    if (!control.stats().remove(*name)) return makeAnswer(kResultError, "No '" + *name + "' statistic found");
    return makeAnswer(kResultSuccess, "Statistic '" + *name + "' removed.");
  });
  registry.add("statistic-remove-all", [&control](const json&, const CommandContext&) {
    control.stats().removeAll();
    // Kea 2.2's exact answer: the command is deprecated there but still works.
    return makeAnswer(kResultSuccess, "Warning: statistic-remove-all command is deprecated. All statistics removed.");
  });
  registry.add("statistic-sample-count-set", [&control](const json& args, const CommandContext&) {
    auto name = statName(args);
    if (!name) return errorAnswer(name.error());
    auto max = maxSamples(args);
    if (!max) return errorAnswer(max.error());
    if (!control.stats().setMaxSampleCount(*name, *max)) {
      return makeAnswer(kResultError, "No '" + *name + "' statistic found");
    }
    return makeAnswer(kResultSuccess, "Statistic '" + *name + "' count limit is set.");
  });
  registry.add("statistic-sample-age-set", [&control](const json& args, const CommandContext&) {
    auto name = statName(args);
    if (!name) return errorAnswer(name.error());
    auto age = duration(args);
    if (!age) return errorAnswer(age.error());
    if (!control.stats().setMaxSampleAge(*name, *age)) {
      return makeAnswer(kResultError, "No '" + *name + "' statistic found");
    }
    return makeAnswer(kResultSuccess, "Statistic '" + *name + "' duration limit is set.");
  });
  // The -all forms also change the default for statistics created later.
  registry.add("statistic-sample-count-set-all", [&control](const json& args, const CommandContext&) {
    auto max = maxSamples(args);
    if (!max) return errorAnswer(max.error());
    if (*max == 0) return makeAnswer(kResultError, "'max-samples' parameter must not be zero");
    control.stats().setMaxSampleCountDefault(*max);
    control.stats().setMaxSampleCountAll(*max);
    return makeAnswer(kResultSuccess, "All statistics count limit are set.");
  });
  registry.add("statistic-sample-age-set-all", [&control](const json& args, const CommandContext&) {
    auto age = duration(args);
    if (!age) return errorAnswer(age.error());
    control.stats().setMaxSampleCountDefault(0);
    control.stats().setMaxSampleAgeDefault(*age);
    control.stats().setMaxSampleAgeAll(*age);
    return makeAnswer(kResultSuccess, "All statistics duration limit are set.");
  });
}

}  // namespace tandem::api
