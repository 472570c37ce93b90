// "client-classes" as Kea 2.2's ClientClassDefParser reads it: each class's test compiled
// once (dhcpd/classify), names checked against the classes defined before it and Kea's
// built-in ones, lifetimes as Kea's triplets.
#include <set>

#include <fmt/format.h>

#include "dhcpd/config/parser_parts.h"

namespace tandem::config {
namespace {

using nlohmann::json;

// Kea 2.2 isClientClassBuiltIn(): fixed names, and prefixes followed by at least one character.
bool isBuiltInClass(std::string_view name) {
  for (std::string_view n : {"ALL", "KNOWN", "UNKNOWN", "BOOTP"}) {
    if (name == n) return true;
  }
  for (std::string_view prefix : {"VENDOR_CLASS_", "HA_", "AFTER_", "EXTERNAL_"}) {
    if (name.size() > prefix.size() && name.substr(0, prefix.size()) == prefix) return true;
  }
  return false;
}

// SimpleParser::parseIntTriplet for "valid-lifetime" with Kea's messages.
std::optional<LifetimeTriplet> parseLifetimeTriplet(ObjectReader& r, const std::string& path, Diagnostics& diag) {
  const auto value = r.u32("valid-lifetime");
  const auto min = r.u32("min-valid-lifetime");
  const auto max = r.u32("max-valid-lifetime");
  if (!value && !min && !max) return std::nullopt;
  LifetimeTriplet t;
  if (value) {
    t.value = *value;
    t.min = min.value_or(*value);
    t.max = max.value_or(*value);
  } else if (min && max) {
    diag.error(path, "have min-valid-lifetime and max-valid-lifetime but no valid-lifetime (default)");
    return std::nullopt;
  } else if (min) {
    t.min = t.value = t.max = *min;
  } else {
    t.min = t.value = t.max = *max;
  }
  if (t.min > t.max) {
    if (min && max) {
      diag.error(r.pathOf("min-valid-lifetime"),
                 fmt::format("the value of min-valid-lifetime ({}) is not less than max-valid-lifetime ({})", t.min,
                             t.max));
    } else if (min) {
      diag.error(r.pathOf("min-valid-lifetime"),
                 fmt::format("the value of min-valid-lifetime ({}) is not less than (default) valid-lifetime ({})",
                             t.min, t.value));
    } else {
      diag.error(r.pathOf("max-valid-lifetime"),
                 fmt::format("the value of (default) valid-lifetime ({}) is not less than max-valid-lifetime ({})",
                             t.value, t.max));
    }
    return std::nullopt;
  }
  if (t.value < t.min || t.value > t.max) {
    diag.error(r.pathOf("valid-lifetime"),
               fmt::format("the value of (default) valid-lifetime ({}) is not between min-valid-lifetime ({}) and "
                           "max-valid-lifetime ({})",
                           t.value, t.min, t.max));
    return std::nullopt;
  }
  return t;
}

}  // namespace

void parseClientClasses(const json& list, const std::string& path, Diagnostics& diag, Dhcp4Config& cfg) {
  std::set<std::string, std::less<>> defined;
  classify::ClassTable& table = cfg.classTable;
  for (std::string_view n : {"ALL", "KNOWN", "UNKNOWN"}) table.intern(n);
  forEachObject(list, path, diag, [&](const json& entry, const std::string& p, std::size_t) {
    ObjectReader r(entry, p, diag);
    ClientClassDef def;
    auto name = r.string("name");
    if (!name && !r.has("name")) diag.error(p, "missing parameter 'name'");
    if (name && name->empty()) diag.error(r.pathOf("name"), "not empty parameter 'name' is required");
    if (name) def.name = *name;
    if (!def.name.empty() && defined.count(def.name)) {
      diag.error(r.pathOf("name"), fmt::format("Can't add class: Client Class: {} has already been defined", def.name));
    }
    if (auto test = r.string("test"); test && name) {
      if (!test->empty() &&
          (def.name == "ALL" || def.name == "KNOWN" || def.name == "UNKNOWN" || def.name == "BOOTP")) {
        diag.error(r.pathOf("test"), fmt::format("built-in class '{}' test expression must be empty", def.name));
      } else {
        classify::CompileContext cc;
        // Kea's isClientClassDefined(): built-in names, or a class defined before this one.
        cc.classId = [&](std::string_view n) -> std::optional<classify::ClassId> {
          if (!isBuiltInClass(n) && !defined.count(n)) return std::nullopt;
          return table.intern(n);
        };
        auto e = classify::compileExpression(*test, cc);
        if (!e) {
          diag.error(r.pathOf("test"), fmt::format("expression: [{}] error: {}", *test, e.error().message));
        } else {
          def.test = std::move(e.value());
        }
      }
    }
    auto required = r.boolean("only-if-required");
    auto additional = r.boolean("only-in-additional-list");
    if (required && additional) {
      diag.error(r.pathOf("only-in-additional-list"),
                 "only one of \"only-if-required\" (Kea 2.2) and \"only-in-additional-list\" (Kea 3.x) may be given");
    }
    def.onlyIfRequired = required.value_or(false) || additional.value_or(false);
    // Kea 2.2: a class may define option 43 for its own option-data (e.g. one vendor's
    // sub-option layout, chosen by a test on option 60); other codes are refused.
    proto::OptionDefSet classDefs = cfg.optionDefs;
    if (const json* defs = r.array("option-def")) {
      for (auto& d : parseClassOptionDefs(*defs, r.pathOf("option-def"), diag)) classDefs.addOverride(std::move(d));
    }
    if (const json* opts = r.array("option-data")) {
      def.options = parseOptionDataList(*opts, r.pathOf("option-data"), classDefs, diag);
    }
    if (auto v = r.string("next-server")) {
      if (auto a = Ipv4::parse(*v)) {
        def.nextServer = *a;
      } else {
        diag.error(r.pathOf("next-server"), fmt::format("'{}' is not a valid IPv4 address", *v));
      }
    }
    if (auto v = r.string("server-hostname")) def.serverHostname = *v;
    if (auto v = r.string("boot-file-name")) def.bootFileName = *v;
    def.validLifetime = parseLifetimeTriplet(r, p, diag);
    if (const json* ctx = entry.contains("user-context") ? &entry["user-context"] : nullptr) def.userContext = *ctx;
    r.finish();
    if (def.name.empty()) return;
    defined.insert(def.name);
    def.id = table.intern(def.name);
    if (def.test) {
      classify::ClassId known = table.intern("KNOWN"), unknown = table.intern("UNKNOWN");
      for (classify::ClassId m : def.test->members) {
        if (m == known || m == unknown) def.dependsOnKnown = true;
        for (const auto& earlier : cfg.classes) {
          if (earlier.id == m && earlier.dependsOnKnown) def.dependsOnKnown = true;
        }
      }
    }
    cfg.classes.push_back(std::move(def));
  });
  cfg.clientClasses = list;
}

void parseClassKeys(ObjectReader& r, std::string& clientClass, std::vector<std::string>& clientClasses,
                    std::vector<std::string>& requireClientClasses) {
  if (r.has("client-class") && r.has("client-classes")) {
    r.diag().error(r.pathOf("client-classes"),
                   "only one of \"client-class\" (Kea 2.2) and \"client-classes\" (Kea 3.x) may be given");
  }
  if (auto c = r.string("client-class")) clientClass = *c;
  if (auto c = r.stringList("client-classes")) clientClasses = std::move(*c);
  if (r.has("require-client-classes") && r.has("evaluate-additional-classes")) {
    r.diag().error(r.pathOf("evaluate-additional-classes"),
                   "only one of \"require-client-classes\" (Kea 2.2) and \"evaluate-additional-classes\" (Kea 3.x) "
                   "may be given");
  }
  if (auto c = r.stringList("require-client-classes")) requireClientClasses = std::move(*c);
  if (auto c = r.stringList("evaluate-additional-classes")) requireClientClasses = std::move(*c);
}

}  // namespace tandem::config
