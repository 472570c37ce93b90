// "option-data" entries: {name | code, data, csv-format, space, always-send, never-send},
// resolved against the configuration's option definitions as Kea 2.2's OptionDataParser
// does, then, per scope, the options of encapsulated spaces folded into their carriers
// (Kea's CfgOption::encapsulate).
#include <fmt/format.h>

#include "dhcpd/config/parser_parts.h"
#include "dhcpd/proto/option_defs.h"
#include "dhcpd/proto/sub_options.h"

namespace tandem::config {

namespace {

std::optional<OptionData> parseOne(const nlohmann::json& entry, const std::string& path,
                                   const proto::OptionDefSet& defs, Diagnostics& diag) {
  ObjectReader r(entry, path, diag);
  const std::size_t errorsBefore = diag.errorCount();
  auto name = r.string("name");
  auto code = r.unsignedInt("code", 1u << 31);
  auto data = r.string("data");
  auto csv = r.boolean("csv-format");
  auto spaceKey = r.string("space");
  auto alwaysSend = r.boolean("always-send");
  // Not a Kea 2.2 keyword (Kea 2.4's): accepted with Kea 2.4's meaning, never sent.
  auto neverSend = r.boolean("never-send");
  r.finish();
  if (diag.errorCount() != errorsBefore) return std::nullopt;

  const std::string space = spaceKey.value_or(std::string(proto::kDhcp4Space));
  if (code) {
    if (*code > 255) {
      diag.error(r.pathOf("code"), fmt::format("invalid option code '{}', it must not be greater than '255'", *code));
      return std::nullopt;
    }
    // Code 0 is Pad and 255 is End (RFC 2132 sections 3.1, 3.2).
    if (space == proto::kDhcp4Space && (*code == 0 || *code == 255)) {
      diag.error(path, fmt::format("invalid option code '{}': reserved for {}", *code, *code == 0 ? "PAD" : "END"));
      return std::nullopt;
    }
  }
  if (!proto::isValidSpaceName(space)) {
    diag.error(r.pathOf("space"), fmt::format("invalid option space name '{}'", space));
    return std::nullopt;
  }
  if (!name && !code) {
    diag.error(path, "option data must specify either \"name\" or \"code\"");
    return std::nullopt;
  }

  const proto::OptionDef* def = code ? defs.find(space, static_cast<std::uint8_t>(*code)) : defs.find(space, *name);
  if (def && name && code && def->name != *name) {
    diag.error(r.pathOf("name"), fmt::format("specified option name '{}' does not match the option definition: '{}.{}'",
                                             *name, def->space, def->name));
    return std::nullopt;
  }
  // Kea 2.2: csv-format defaults to true, also for a code without definition, which is then
  // an error; such options must be given as hex.
  const bool csvFormat = csv.value_or(true);
  if (!def && (csvFormat || !code)) {
    diag.error(code ? path : r.pathOf("name"),
               fmt::format("definition for the option '{}.{}' having code '{}' does not exist", space,
                           name.value_or(""), code.value_or(0)));
    return std::nullopt;
  }
  const std::string text = data.value_or("");
  auto payload = proto::encodeOptionData(def, text, csvFormat);
  auto dataError = [&](const std::string& message) {
    diag.error(data ? r.pathOf("data") : path,
               fmt::format("option data does not match option definition (space: {}, code: {}): {}", space,
                           def ? def->code : *code, message));
  };
  if (!payload) {
    if (!csvFormat) {
      diag.error(data ? r.pathOf("data") : path, payload.error().message);
    } else {
      dataError(payload.error().message);
    }
    return std::nullopt;
  }
  OptionData out;
  out.code = def ? def->code : static_cast<std::uint8_t>(*code);
  out.name = def ? def->name : name.value_or("");
  out.space = space;
  out.payload = std::move(payload.value());
  out.alwaysSend = alwaysSend.value_or(false);
  out.neverSend = neverSend.value_or(false);
  out.csvFormat = csvFormat;
  if (def) {
    out.encapsulate = def->encapsulate;
    out.emptyType = def->type == proto::OptionType::Empty;
  }
  // vivso-suboptions (125): Kea holds it as one vendor block (RFC 3925 section 4), the
  // enterprise number given as CSV or the whole block given as hex.
  if (def && def->space == proto::kDhcp4Space && def->code == 125) {
    if (csvFormat) {
      out.payload.push_back(0);  // data-len: no sub-options of its own
    } else {
      auto block = proto::parseVendorBlock(out.payload);
      if (!block) {
        dataError("Attempt to parse truncated vendor option");
        return std::nullopt;
      }
      out.payload = proto::packVendorBlock(*block);
    }
  }
  if (out.alwaysSend && out.neverSend) {
    diag.warn(path, "both always-send and never-send are true; never-send wins");
  }
  return out;
}

// The payload of `o` with the options of its encapsulated space (from the same scope)
// appended, recursively; an empty-type carrier given as hex keeps the sub-options parsed
// from its data, merged with the configured ones in code order, as Kea's CfgOption does.
std::vector<std::uint8_t> withSubOptions(const OptionData& o, const std::vector<OptionData>& scope, int depth) {
  if (o.encapsulate.empty() || depth > 8) return o.payload;
  std::vector<proto::Option> subs;
  std::vector<std::uint8_t> out;
  if (o.emptyType) {
    subs = proto::unpackSubOptions(o.payload);
  } else {
    out = o.payload;
  }
  for (const auto& s : scope) {
    if (s.space == o.encapsulate) subs.push_back(proto::Option{s.code, withSubOptions(s, scope, depth + 1)});
  }
  proto::packSubOptions(std::move(subs), out);
  return out;
}

}  // namespace

std::vector<OptionData> parseOptionDataList(const nlohmann::json& list, const std::string& path,
                                            const proto::OptionDefSet& defs, Diagnostics& diag) {
  std::vector<OptionData> out;
  forEachObject(list, path, diag, [&](const nlohmann::json& entry, const std::string& p, std::size_t) {
    auto o = parseOne(entry, p, defs, diag);
    if (!o) return;
    for (auto it = out.begin(); it != out.end(); ++it) {
      if (it->code == o->code && it->space == o->space) {
        // Kea 2.2 keeps both and answers with the later one.
        diag.warn(p, fmt::format("option {} of space {} is given more than once in this scope; the last one is used",
                                 o->code, o->space));
        out.erase(it);
        break;
      }
    }
    out.push_back(std::move(*o));
  });
  std::vector<std::vector<std::uint8_t>> finals;
  finals.reserve(out.size());
  for (const auto& o : out) finals.push_back(withSubOptions(o, out, 0));
  for (std::size_t i = 0; i < out.size(); ++i) out[i].payload = std::move(finals[i]);
  return out;
}

std::vector<OptionData> parseOptionDataList(const nlohmann::json& list, const std::string& path, Diagnostics& diag) {
  const proto::OptionDefSet standardOnly;
  return parseOptionDataList(list, path, standardOnly, diag);
}

}  // namespace tandem::config
