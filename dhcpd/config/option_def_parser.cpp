// "option-def" entries: {name, code, type, array, record-types, space, encapsulate}, with
// Kea 2.2's checks and messages (OptionDefParser, OptionDefinition::validate).
#include <fmt/format.h>

#include "dhcpd/config/parser_parts.h"
#include "dhcpd/proto/option_defs.h"

namespace tandem::config {

namespace {

using proto::OptionType;

// Reserved dhcp4 codes (RFC 2132 section 3.1, 3.2); Kea checks them only in dhcp4.
bool checkCode(std::uint64_t code, std::string_view space, const std::string& path, Diagnostics& diag) {
  if (code > 255) {
    diag.error(path, fmt::format("invalid option code '{}', it must not be greater than '255'", code));
    return false;
  }
  if (space == proto::kDhcp4Space && code == 0) {
    diag.error(path, "invalid option code '0': reserved for PAD");
    return false;
  }
  if (space == proto::kDhcp4Space && code == 255) {
    diag.error(path, "invalid option code '255': reserved for END");
    return false;
  }
  return true;
}

// "uint8, ipv4-address": Kea's record field list (blanks around names ignored).
std::optional<std::vector<OptionType>> parseRecordTypes(std::string_view text, const std::string& path,
                                                        Diagnostics& diag) {
  std::vector<OptionType> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string_view item =
        text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (!item.empty() || comma != std::string_view::npos) {
      auto t = proto::parseOptionType(item);
      if (!t || *t == OptionType::Empty || *t == OptionType::Record) {
        diag.error(path, fmt::format("invalid record type values specified for the option definition: attempted to "
                                     "add invalid data type '{}' to the record.",
                                     t ? proto::toString(*t) : "unknown"));
        return std::nullopt;
      }
      out.push_back(*t);
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::optional<proto::OptionDef> parseOne(const nlohmann::json& entry, const std::string& path, Diagnostics& diag,
                                         const proto::OptionDefSet& defs) {
  ObjectReader r(entry, path, diag);
  const std::size_t errorsBefore = diag.errorCount();
  auto name = r.string("name");
  auto code = r.unsignedInt("code", 1u << 31);
  auto typeName = r.string("type");
  auto array = r.boolean("array");
  auto recordTypes = r.string("record-types");
  auto space = r.string("space");
  auto encapsulate = r.string("encapsulate");
  r.finish();
  if (diag.errorCount() != errorsBefore) return std::nullopt;
  // Kea's grammar requires these three.
  for (auto [key, present] : {std::pair{"name", name.has_value()}, std::pair{"code", code.has_value()},
                              std::pair{"type", typeName.has_value()}}) {
    if (!present) {
      diag.error(path, fmt::format("missing parameter '{}'", key));
      return std::nullopt;
    }
  }
  proto::OptionDef def;
  def.space = space.value_or(std::string(proto::kDhcp4Space));
  if (!proto::isValidSpaceName(def.space)) {
    diag.error(r.pathOf("space"), fmt::format("invalid option space name '{}'", def.space));
    return std::nullopt;
  }
  if (!checkCode(*code, def.space, r.pathOf("code"), diag)) return std::nullopt;
  def.code = static_cast<std::uint8_t>(*code);
  def.name = *name;
  auto type = proto::parseOptionType(*typeName);
  if (!type) {
    diag.error(r.pathOf("type"),
               fmt::format("option type 18 not supported. ('{}' is not one of Kea's option data types)", *typeName));
    return std::nullopt;
  }
  def.type = *type;
  def.array = array.value_or(false);
  def.encapsulate = encapsulate.value_or("");
  if (recordTypes && !recordTypes->empty()) {
    if (def.type != OptionType::Record) {
      diag.error(r.pathOf("record-types"),
                 fmt::format("invalid record type values specified for the option definition: 'record' option type "
                             "must be used instead of '{}' to add data fields to the record",
                             proto::toString(def.type)));
      return std::nullopt;
    }
    auto fields = parseRecordTypes(*recordTypes, r.pathOf("record-types"), diag);
    if (!fields) return std::nullopt;
    def.recordFields = std::move(*fields);
  }
  // OptionDefinition::validate, in Kea's order.
  if (!proto::isValidOptionName(def.name)) {
    diag.error(path, fmt::format("invalid option name '{}'", def.name));
    return std::nullopt;
  }
  if (!def.encapsulate.empty() && !proto::isValidSpaceName(def.encapsulate)) {
    diag.error(path, fmt::format("invalid encapsulated option space name: '{}'", def.encapsulate));
    return std::nullopt;
  }
  if (def.array && !def.encapsulate.empty()) {
    diag.error(path, fmt::format("option '{}.{}', comprising an array of data fields may not encapsulate any option "
                                 "space",
                                 def.space, def.name));
    return std::nullopt;
  }
  if (def.array &&
      (def.type == OptionType::String || def.type == OptionType::Binary || def.type == OptionType::Empty)) {
    const char* what = def.type == OptionType::String   ? "strings"
                       : def.type == OptionType::Binary ? "binary values"
                                                        : "empty value";
    diag.error(path, fmt::format("array of {} is not a valid option definition.", what));
    return std::nullopt;
  }
  if (def.type == OptionType::Record) {
    if (def.recordFields.size() < 2) {
      diag.error(path, fmt::format("invalid number of data fields: {} specified for the option of type 'record'. "
                                   "Expected at least 2 fields.",
                                   def.recordFields.size()));
      return std::nullopt;
    }
    for (std::size_t i = 0; i + 1 < def.recordFields.size(); ++i) {
      if (def.recordFields[i] == OptionType::String || def.recordFields[i] == OptionType::Binary) {
        diag.error(path, fmt::format("{} data field can't be laid before data fields of other types.",
                                     proto::toString(def.recordFields[i])));
        return std::nullopt;
      }
    }
  }
  if (proto::isStandardOption(def.space, def.code)) {
    diag.error(path, fmt::format("unable to override definition of option '{}' in standard option space '{}'", def.code,
                                 def.space));
    return std::nullopt;
  }
  if (proto::isStandardOption(def.space, std::string_view(def.name))) {
    diag.error(path, fmt::format("unable to override definition of option '{}' in standard option space '{}'", def.name,
                                 def.space));
    return std::nullopt;
  }
  if (defs.findCustom(def.space, def.code)) {
    diag.error(path, fmt::format("option definition with code '{}' already exists in option space '{}'", def.code,
                                 def.space));
    return std::nullopt;
  }
  if (defs.findCustom(def.space, std::string_view(def.name))) {
    diag.error(path, fmt::format("option definition with name '{}' already exists in option space '{}'", def.name,
                                 def.space));
    return std::nullopt;
  }
  return def;
}

}  // namespace

void parseOptionDefList(const nlohmann::json& list, const std::string& path, Diagnostics& diag,
                        proto::OptionDefSet& defs) {
  forEachObject(list, path, diag, [&](const nlohmann::json& entry, const std::string& p, std::size_t) {
    if (auto def = parseOne(entry, p, diag, defs)) defs.add(std::move(*def));
  });
}

std::vector<proto::OptionDef> parseClassOptionDefs(const nlohmann::json& list, const std::string& path,
                                                   Diagnostics& diag) {
  std::vector<proto::OptionDef> out;
  forEachObject(list, path, diag, [&](const nlohmann::json& entry, const std::string& p, std::size_t) {
    // Kea 2.2 allows a class to define only option 43 (its vendor-specific layout for the
    // class's clients); the standard-option rule does not apply to it.
    proto::OptionDefSet scratch;
    auto def = parseOne(entry, p, diag, scratch);
    if (!def) return;
    if (def->space != proto::kDhcp4Space || def->code != 43) {
      diag.error(p, fmt::format("Not allowed option definition for code '{}' in space '{}'", def->code, def->space));
      return;
    }
    for (const auto& earlier : out) {
      if (earlier.code == def->code) {
        diag.error(p, fmt::format("option definition with code '{}' already exists in option space '{}'", def->code,
                                  def->space));
        return;
      }
    }
    out.push_back(std::move(*def));
  });
  return out;
}

}  // namespace tandem::config
