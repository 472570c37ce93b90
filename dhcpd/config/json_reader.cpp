#include "dhcpd/config/json_reader.h"

#include <fmt/format.h>

namespace tandem::config {

using nlohmann::json;

void Diagnostics::error(std::string_view path, std::string_view message) {
  errors_.push_back(fmt::format("{}: {}", path, message));
}

void Diagnostics::warn(std::string_view path, std::string_view message) {
  warnings_.push_back(fmt::format("{}: {}", path, message));
}

std::string describeType(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "a map";
    case json::value_t::array: return "a list";
    case json::value_t::string: return "string";
    case json::value_t::boolean: return "boolean";
    case json::value_t::number_integer: return v.get<std::int64_t>() < 0 ? "a negative integer" : "integer";
    case json::value_t::number_unsigned: return "integer";
    case json::value_t::number_float: return "a floating point number";
    case json::value_t::binary: return "binary";
    case json::value_t::discarded: return "nothing";
  }
  return "unknown";
}

std::string joinPath(std::string_view parent, std::string_view child) {
  if (parent.empty()) return std::string(child);
  return fmt::format("{}/{}", parent, child);
}

ObjectReader::ObjectReader(const json& obj, std::string path, Diagnostics& diag, bool allowContext)
    : obj_(obj), path_(std::move(path)), diag_(diag) {
  if (allowContext) {
    if (const json* uc = take("user-context"); uc && !uc->is_object()) typeError("user-context", "a map", *uc);
    if (const json* c = take("comment"); c && !c->is_string()) typeError("comment", "a string", *c);
  }
}

bool ObjectReader::has(std::string_view key) const { return obj_.is_object() && obj_.contains(key); }

const json* ObjectReader::take(std::string_view key) {
  if (!obj_.is_object()) return nullptr;
  auto it = obj_.find(key);
  if (it == obj_.end()) return nullptr;
  consumed_.emplace(key);
  return &*it;
}

void ObjectReader::typeError(std::string_view key, std::string_view expected, const json& got) {
  diag_.error(pathOf(key), fmt::format("expected {}, got {}", expected, describeType(got)));
}

const json* ObjectReader::any(std::string_view key) { return take(key); }

std::optional<std::uint64_t> ObjectReader::unsignedInt(std::string_view key, std::uint64_t max) {
  const json* v = take(key);
  if (!v) return std::nullopt;
  if (!v->is_number_unsigned()) {
    typeError(key, "an unsigned integer", *v);
    return std::nullopt;
  }
  auto n = v->get<std::uint64_t>();
  if (n > max) {
    diag_.error(pathOf(key), fmt::format("{} is out of range (0..{})", n, max));
    return std::nullopt;
  }
  return n;
}

std::optional<std::uint32_t> ObjectReader::u32(std::string_view key) {
  auto n = unsignedInt(key, 0xffffffffull);
  if (!n) return std::nullopt;
  return static_cast<std::uint32_t>(*n);
}

std::optional<bool> ObjectReader::boolean(std::string_view key) {
  const json* v = take(key);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) {
    typeError(key, "a boolean", *v);
    return std::nullopt;
  }
  return v->get<bool>();
}

std::optional<std::string> ObjectReader::string(std::string_view key) {
  const json* v = take(key);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    typeError(key, "a string", *v);
    return std::nullopt;
  }
  return v->get<std::string>();
}

std::optional<double> ObjectReader::number(std::string_view key) {
  const json* v = take(key);
  if (!v) return std::nullopt;
  if (!v->is_number()) {
    typeError(key, "a number", *v);
    return std::nullopt;
  }
  return v->get<double>();
}

const json* ObjectReader::object(std::string_view key) {
  const json* v = take(key);
  if (!v) return nullptr;
  if (!v->is_object()) {
    typeError(key, "a map", *v);
    return nullptr;
  }
  return v;
}

const json* ObjectReader::array(std::string_view key) {
  const json* v = take(key);
  if (!v) return nullptr;
  if (!v->is_array()) {
    typeError(key, "a list", *v);
    return nullptr;
  }
  return v;
}

std::optional<std::vector<std::string>> ObjectReader::stringList(std::string_view key) {
  const json* v = array(key);
  if (!v) return std::nullopt;
  std::vector<std::string> out;
  bool ok = true;
  for (std::size_t i = 0; i < v->size(); ++i) {
    const json& e = (*v)[i];
    if (!e.is_string()) {
      diag_.error(joinPath(pathOf(key), std::to_string(i)), fmt::format("expected a string, got {}", describeType(e)));
      ok = false;
      continue;
    }
    out.push_back(e.get<std::string>());
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::string> ObjectReader::choice(std::string_view key, std::initializer_list<std::string_view> allowed) {
  auto s = string(key);
  if (!s) return std::nullopt;
  for (auto a : allowed) {
    if (*s == a) return s;
  }
  diag_.error(pathOf(key), fmt::format("'{}' is not one of: {}", *s, fmt::join(allowed, ", ")));
  return std::nullopt;
}

void ObjectReader::ignore(std::string_view key) { take(key); }

void ObjectReader::ignoreWithWarning(std::string_view key, std::string_view why) {
  if (take(key)) diag_.warn(pathOf(key), why);
}

void ObjectReader::reject(std::string_view key, std::string_view why) {
  if (take(key)) diag_.error(pathOf(key), why);
}

void ObjectReader::finish() {
  if (!obj_.is_object()) return;
  for (auto it = obj_.begin(); it != obj_.end(); ++it) {
    if (!consumed_.contains(it.key())) diag_.error(pathOf(it.key()), "unknown parameter");
  }
}

}  // namespace tandem::config
