// The parameters of Kea 2.2's flex_option hook library (FlexOptionImpl::configure), checked
// with its rules and messages, so that a config written for kea-dhcp4 with
// libdhcp_flex_option.so loads unchanged and gives the same answers.
#include <algorithm>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "dhcpd/config/parser_parts.h"

namespace tandem::config {
namespace {

using nlohmann::json;
using Action = FlexOptionRule::Action;

enum class Kind { Integer, String, Boolean, List };

const char* kindName(Kind k) {
  switch (k) {
    case Kind::Integer: return "an integer";
    case Kind::String: return "a string";
    case Kind::Boolean: return "a boolean";
    case Kind::List: return "a list";
  }
  return "";
}

bool isKind(const json& v, Kind k) {
  switch (k) {
    case Kind::Integer: return v.is_number_integer();
    case Kind::String: return v.is_string();
    case Kind::Boolean: return v.is_boolean();
    case Kind::List: return v.is_array();
  }
  return false;
}

// Kea's OPTION_PARAMETERS / SUB_OPTION_PARAMETERS of 2.2 (no "source"/"destination" yet).
const std::vector<std::pair<std::string_view, Kind>> kOptionKeys = {
    {"code", Kind::Integer},       {"name", Kind::String},      {"space", Kind::String},
    {"csv-format", Kind::Boolean}, {"add", Kind::String},       {"supersede", Kind::String},
    {"remove", Kind::String},      {"sub-options", Kind::List}, {"client-class", Kind::String},
    {"comment", Kind::String}};
const std::vector<std::pair<std::string_view, Kind>> kSubOptionKeys = {{"code", Kind::Integer},
                                                                       {"name", Kind::String},
                                                                       {"space", Kind::String},
                                                                       {"csv-format", Kind::Boolean},
                                                                       {"add", Kind::String},
                                                                       {"supersede", Kind::String},
                                                                       {"remove", Kind::String},
                                                                       {"container-add", Kind::Boolean},
                                                                       {"container-remove", Kind::Boolean},
                                                                       {"client-class", Kind::String},
                                                                       {"comment", Kind::String}};

class FlexParser {
 public:
  FlexParser(Diagnostics& diag, Dhcp4Config& cfg) : diag_(diag), cfg_(cfg) {}

  void parse(const json& params, const std::string& path) {
    auto it = params.find("options");
    if (it == params.end()) return fail(path, "'options' parameter is mandatory");
    if (!it->is_array()) return fail(joinPath(path, "options"), "'options' parameter must be a list");
    for (std::size_t i = 0; i < it->size(); ++i) {
      parseOption((*it)[i], joinPath(joinPath(path, "options"), std::to_string(i)));
    }
    // Kea keeps the rules in maps: options by code (each code's rules in config order), then
    // sub-options by container code and sub-option code.
    std::stable_sort(top_.begin(), top_.end(), [](const auto& a, const auto& b) { return a.code < b.code; });
    std::stable_sort(subs_.begin(), subs_.end(), [](const auto& a, const auto& b) {
      return std::pair(a.code, *a.subCode) < std::pair(b.code, *b.subCode);
    });
    cfg_.flexOptions = std::move(top_);
    cfg_.flexOptions.insert(cfg_.flexOptions.end(), std::make_move_iterator(subs_.begin()),
                            std::make_move_iterator(subs_.end()));
  }

 private:
  void fail(const std::string& path, const std::string& message) {
    diag_.error(path, "loading Flex Option hooks library failed: " + message);
  }

  bool checkKeys(const json& obj, const std::string& path, const std::vector<std::pair<std::string_view, Kind>>& keys) {
    for (const auto& [key, value] : obj.items()) {
      // clang 14 cannot capture a structured binding in a lambda (a C++20 addition it lacks).
      auto k = std::find_if(keys.begin(), keys.end(), [&name = key](const auto& e) { return e.first == name; });
      if (k == keys.end()) {
        fail(path, fmt::format("unknown parameter '{}'", key));
        return false;
      }
      if (!isKind(value, k->second)) {
        fail(joinPath(path, key), fmt::format("'{}' must be {}: {}", key, kindName(k->second), value.dump()));
        return false;
      }
    }
    return true;
  }

  // The definition of an option of `space`: standard, then option-def, then option 43's
  // last-resort one (the lookup order of Kea's getOptionDef / getRuntimeOptionDef /
  // getLastResortOptionDef).
  const proto::OptionDef* findDef(std::string_view space, std::uint8_t code) const {
    return cfg_.optionDefs.find(space, code);
  }
  const proto::OptionDef* findDef(std::string_view space, std::string_view name) const {
    return cfg_.optionDefs.find(space, name);
  }

  // code and name of one entry into its code and definition; false on error.
  bool resolve(const json& obj, const std::string& path, const std::string& space, bool dhcp4Space, std::uint8_t& code,
               const proto::OptionDef*& def) {
    auto codeIt = obj.find("code");
    auto nameIt = obj.find("name");
    if (codeIt == obj.end() && nameIt == obj.end()) {
      fail(path, "'code' or 'name' must be specified: " + obj.dump());
      return false;
    }
    if (codeIt != obj.end()) {
      const std::int64_t v = codeIt->get<std::int64_t>();
      if (v < 0 || v > 255) {
        fail(joinPath(path, "code"), fmt::format("invalid 'code' value {} not in [0..255]", v));
        return false;
      }
      if (dhcp4Space && (v == 0 || v == 255)) {
        fail(joinPath(path, "code"),
             fmt::format("invalid 'code' value {}: reserved for {}", v, v == 0 ? "PAD" : "END"));
        return false;
      }
      code = std::uint8_t(v);
    }
    def = nullptr;
    if (nameIt != obj.end()) {
      const std::string name = nameIt->get<std::string>();
      if (name.empty()) {
        fail(joinPath(path, "name"), "'name' must not be empty");
        return false;
      }
      def = findDef(space, name);
      if (!def) {
        fail(joinPath(path, "name"), fmt::format("no known '{}' option in '{}' space", name, space));
        return false;
      }
      if (codeIt != obj.end() && def->code != code) {
        fail(path,
             fmt::format("option '{}' is defined as code: {}, not the specified code: {}", name, def->code, code));
        return false;
      }
      code = def->code;
    }
    return true;
  }

  // add / supersede / remove: exactly one, compiled (string for add and supersede, boolean
  // for remove).
  bool parseAction(const json& obj, const std::string& path, FlexOptionRule& rule) {
    bool found = false;
    for (auto [key, action] : {std::pair{"add", Action::Add}, std::pair{"supersede", Action::Supersede},
                               std::pair{"remove", Action::Remove}}) {
      auto it = obj.find(key);
      if (it == obj.end()) continue;
      const std::string text = it->get<std::string>();
      if (text.empty()) {
        fail(joinPath(path, key), fmt::format("'{}' must not be empty", key));
        return false;
      }
      if (found) {
        fail(path, "multiple actions: " + obj.dump());
        return false;
      }
      found = true;
      rule.action = action;
      classify::CompileContext cc;
      // The hook's expressions are parsed without a class check (Kea's EvalContext default):
      // member('X') names any class.
      cc.classId = [this](std::string_view n) -> std::optional<classify::ClassId> { return cfg_.classTable.intern(n); };
      cc.optionCode = [this](std::string_view n) -> std::optional<std::uint8_t> {
        if (const auto* d = cfg_.optionDefs.find(proto::kDhcp4Space, n)) return d->code;
        return std::nullopt;
      };
      cc.stringResult = action != Action::Remove;
      auto e = classify::compileExpression(text, cc);
      if (!e) {
        fail(joinPath(path, key),
             fmt::format("can't parse {} expression [{}] error: {}", key, text, e.error().message));
        return false;
      }
      rule.expr = std::move(e.value());
    }
    if (!found) {
      fail(path, "no action: " + obj.dump());
      return false;
    }
    return true;
  }

  std::optional<classify::ClassId> guardOf(const json& obj) {
    auto it = obj.find("client-class");
    if (it == obj.end()) return std::nullopt;
    return cfg_.classTable.intern(it->get<std::string>());
  }

  void parseOption(const json& obj, const std::string& path) {
    if (!obj.is_object()) return fail(path, "option element is not a map");
    if (!checkKeys(obj, path, kOptionKeys)) return;
    std::string space(proto::kDhcp4Space);
    if (auto it = obj.find("space"); it != obj.end()) {
      space = it->get<std::string>();
      if (!proto::isValidSpaceName(space))
        return fail(joinPath(path, "space"), fmt::format("'{}' is not a valid space name", space));
    }
    std::uint8_t code = 0;
    const proto::OptionDef* def = nullptr;
    if (!resolve(obj, path, space, space == proto::kDhcp4Space, code, def)) return;
    const bool csv = obj.value("csv-format", false);
    auto subs = obj.find("sub-options");
    if (!csv && subs == obj.end()) {
      def = nullptr;  // no definition means raw bytes
    } else if (!def) {
      def = findDef(space, code);
      if (!def && csv) return fail(path, fmt::format("no known option with code '{}' in '{}' space", code, space));
    }
    FlexOptionRule rule;
    rule.code = code;
    rule.guard = guardOf(obj);
    if (subs != obj.end()) {
      for (const char* key : {"add", "supersede", "remove"}) {
        if (obj.contains(key)) {
          return fail(path, fmt::format("'sub-options' and '{}' are incompatible in the same entry", key));
        }
      }
      for (std::size_t i = 0; i < subs->size(); ++i) {
        parseSubOption((*subs)[i], joinPath(joinPath(path, "sub-options"), std::to_string(i)), rule, def);
      }
      return;
    }
    if (!parseAction(obj, path, rule)) return;
    if (csv) rule.def = *def;
    top_.push_back(std::move(rule));
  }

  void parseSubOption(const json& obj, const std::string& path, const FlexOptionRule& container,
                      const proto::OptionDef* containerDef) {
    if (!obj.is_object()) return fail(path, "sub-option element is not a map");
    if (!checkKeys(obj, path, kSubOptionKeys)) return;
    std::string space;
    if (auto it = obj.find("space"); it != obj.end()) {
      space = it->get<std::string>();
      if (!proto::isValidSpaceName(space))
        return fail(joinPath(path, "space"), fmt::format("'{}' is not a valid space name", space));
    } else {
      if (!containerDef) return fail(path, "container is not defined: can't get space");
      space = containerDef->encapsulate;
      if (space.empty()) return fail(path, "container does not encapsulate a space");
    }
    if (proto::vendorSpaceId(space)) {
      // Kea puts these in an option 125 enterprise block; tandemd does not build those from
      // the hook yet, so it refuses rather than answer differently.
      return fail(joinPath(path, "space"),
                  fmt::format("sub-options of the vendor space '{}' (option 125) are not supported by tandemd", space));
    }
    // The answer holds the container as code, length and bytes: its sub-options can be edited
    // only when it has no data of its own (an "empty" type, like option 43's default).
    if (containerDef && containerDef->type != proto::OptionType::Empty) {
      return fail(path, fmt::format("sub-options of option {} ({}) are not supported by tandemd: the option has data "
                                    "of its own besides its sub-options",
                                    containerDef->code, containerDef->name));
    }
    std::uint8_t code = 0;
    const proto::OptionDef* def = nullptr;
    if (!resolve(obj, path, space, false, code, def)) return;
    const bool csv = obj.value("csv-format", false);
    if (!csv) {
      def = nullptr;
    } else if (!def) {
      def = findDef(space, code);
      if (!def) return fail(path, fmt::format("no known option with code '{}' in '{}' space", code, space));
    }
    FlexOptionRule rule;
    rule.code = container.code;
    rule.subCode = code;
    rule.containerGuard = container.guard;
    rule.guard = guardOf(obj);
    rule.containerAdd = obj.value("container-add", true);
    rule.containerRemove = obj.value("container-remove", true);
    if (!parseAction(obj, path, rule)) return;
    if (csv) rule.def = *def;
    for (const auto& r : subs_) {
      if (r.code == rule.code && *r.subCode == code) {
        return fail(path, fmt::format("sub-option {} of option {} was already specified", code, rule.code));
      }
    }
    subs_.push_back(std::move(rule));
  }

  Diagnostics& diag_;
  Dhcp4Config& cfg_;
  std::vector<FlexOptionRule> top_, subs_;
};

}  // namespace

void parseFlexOptionHook(const json& hooks, const std::string& path, Diagnostics& diag, Dhcp4Config& cfg) {
  if (!hooks.is_array()) return;
  for (std::size_t i = 0; i < hooks.size(); ++i) {
    const json& entry = hooks[i];
    if (!entry.is_object() || !entry.contains("library") || !entry["library"].is_string()) continue;
    const std::string library = entry["library"].get<std::string>();
    const auto slash = library.find_last_of('/');
    if (library.substr(slash == std::string::npos ? 0 : slash + 1) != "libdhcp_flex_option.so") continue;
    const std::string p = joinPath(joinPath(path, std::to_string(i)), "parameters");
    auto params = entry.find("parameters");
    if (params == entry.end() || !params->is_object()) {
      diag.error(p, "loading Flex Option hooks library failed: 'options' parameter is mandatory");
      continue;
    }
    FlexParser(diag, cfg).parse(*params, p);
  }
}

}  // namespace tandem::config
