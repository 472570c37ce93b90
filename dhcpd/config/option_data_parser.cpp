// "option-data" entries: {name | code, data, csv-format, space, always-send, never-send}.
#include <fmt/format.h>

#include "dhcpd/config/parser_parts.h"
#include "dhcpd/proto/option_defs.h"

namespace tandem::config {

namespace {

std::optional<OptionData> parseOne(const nlohmann::json& entry, const std::string& path, Diagnostics& diag) {
  ObjectReader r(entry, path, diag);
  const std::size_t errorsBefore = diag.errorCount();
  auto name = r.string("name");
  auto code = r.unsignedInt("code", 255);
  auto data = r.string("data");
  auto csv = r.boolean("csv-format");
  auto space = r.string("space");
  auto alwaysSend = r.boolean("always-send");
  auto neverSend = r.boolean("never-send");
  r.finish();
  if (diag.errorCount() != errorsBefore) return std::nullopt;

  if (space && *space != "dhcp4") {
    diag.error(r.pathOf("space"),
               fmt::format("option space '{}' is not supported yet (only the standard \"dhcp4\" space)", *space));
    return std::nullopt;
  }
  // Code 0 is Pad and 255 is End (RFC 2132 section 3.1, 3.2): never configurable.
  if (code && (*code == 0 || *code == 255)) {
    diag.error(r.pathOf("code"), fmt::format("option code {} is reserved (pad/end) and cannot be configured", *code));
    return std::nullopt;
  }

  const proto::OptionDef* def = nullptr;
  if (name) {
    def = proto::findOptionDef(std::string_view(*name));
    if (!def) {
      diag.error(r.pathOf("name"),
                 fmt::format("unknown option name '{}' in space dhcp4 (custom option-def is not supported yet)", *name));
      return std::nullopt;
    }
    if (code && def->code != *code) {
      diag.error(r.pathOf("name"), fmt::format("option name '{}' does not match code {} (its code is {})", *name,
                                               *code, def->code));
      return std::nullopt;
    }
  } else if (code) {
    def = proto::findOptionDef(static_cast<std::uint8_t>(*code));
  } else {
    diag.error(path, "option data must specify either \"name\" or \"code\"");
    return std::nullopt;
  }

  // Kea 2.2: csv-format defaults to true even for a code without definition, which is then
  // an error; such options must be given as hex.
  const bool csvFormat = csv.value_or(true);
  if (!def && csvFormat) {
    diag.error(r.pathOf("csv-format"),
               fmt::format("option code {} has no definition, so its data must be hex (\"csv-format\": false)", *code));
    return std::nullopt;
  }
  auto payload = proto::encodeOptionData(def, data.value_or(""), csvFormat);
  if (!payload) {
    diag.error(r.pathOf("data"), payload.error().message);
    return std::nullopt;
  }
  OptionData out;
  out.code = def ? def->code : static_cast<std::uint8_t>(*code);
  out.name = def ? std::string(def->name) : std::string();
  out.payload = std::move(payload.value());
  out.alwaysSend = alwaysSend.value_or(false);
  out.neverSend = neverSend.value_or(false);
  out.csvFormat = csvFormat;
  if (out.alwaysSend && out.neverSend) {
    diag.warn(path, "both always-send and never-send are true; never-send wins");
  }
  return out;
}

}  // namespace

std::vector<OptionData> parseOptionDataList(const nlohmann::json& list, const std::string& path, Diagnostics& diag) {
  std::vector<OptionData> out;
  forEachObject(list, path, diag, [&](const nlohmann::json& entry, const std::string& p, std::size_t) {
    auto o = parseOne(entry, p, diag);
    if (!o) return;
    for (const auto& earlier : out) {
      if (earlier.code == o->code) {
        diag.warn(p, fmt::format("option {} is given more than once in this scope; the first one is used", o->code));
        return;
      }
    }
    out.push_back(std::move(*o));
  });
  return out;
}

}  // namespace tandem::config
