#pragma once
// Path-aware, typed reading of one JSON object of the configuration. Every problem is
// recorded with its JSON path ("Dhcp4/subnet4/0/pools/1/pool: ...") instead of thrown, and
// keys nobody read are reported as unknown, as Kea's grammar rejects unknown keys.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace tandem::config {

class Diagnostics {
 public:
  void error(std::string_view path, std::string_view message);
  void warn(std::string_view path, std::string_view message);
  bool failed() const noexcept { return !errors_.empty(); }
  std::size_t errorCount() const noexcept { return errors_.size(); }
  const std::vector<std::string>& errors() const noexcept { return errors_; }
  std::vector<std::string>& warnings() noexcept { return warnings_; }

 private:
  std::vector<std::string> errors_;
  std::vector<std::string> warnings_;
};

// "string", "boolean", "object", ... for messages such as "expected a boolean, got string".
std::string describeType(const nlohmann::json& v);
std::string joinPath(std::string_view parent, std::string_view child);

class ObjectReader {
 public:
  // allowContext: the object may carry Kea's "user-context" (object) and "comment" (string),
  // which are accepted and ignored.
  ObjectReader(const nlohmann::json& obj, std::string path, Diagnostics& diag, bool allowContext = true);

  const std::string& path() const noexcept { return path_; }
  std::string pathOf(std::string_view key) const { return joinPath(path_, key); }
  Diagnostics& diag() noexcept { return diag_; }
  bool has(std::string_view key) const;

  // Typed getters: nullopt when absent or of the wrong type (the latter recorded as error).
  const nlohmann::json* any(std::string_view key);
  std::optional<std::uint64_t> unsignedInt(std::string_view key, std::uint64_t max);
  std::optional<std::uint32_t> u32(std::string_view key);
  std::optional<bool> boolean(std::string_view key);
  std::optional<std::string> string(std::string_view key);
  std::optional<double> number(std::string_view key);
  const nlohmann::json* object(std::string_view key);
  const nlohmann::json* array(std::string_view key);
  std::optional<std::vector<std::string>> stringList(std::string_view key);
  // A string that must be one of `allowed`.
  std::optional<std::string> choice(std::string_view key, std::initializer_list<std::string_view> allowed);

  // Accepted and without effect in tandemd: silently, or with a warning explaining why.
  void ignore(std::string_view key);
  void ignoreWithWarning(std::string_view key, std::string_view why);
  // Known to Kea but ignoring it would change behaviour: an error.
  void reject(std::string_view key, std::string_view why);

  // Reports every key that no getter consumed as "path/key: unknown parameter".
  void finish();

 private:
  const nlohmann::json* take(std::string_view key);
  void typeError(std::string_view key, std::string_view expected, const nlohmann::json& got);

  const nlohmann::json& obj_;
  std::string path_;
  Diagnostics& diag_;
  std::set<std::string, std::less<>> consumed_;
};

}  // namespace tandem::config
