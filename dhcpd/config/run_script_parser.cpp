// The parameters of Kea 2.2's run_script hook library (RunScriptImpl::configure), checked with
// its rules and messages (measured against kea-dhcp4 2.2 loading the real library), so that a
// config written for kea-dhcp4 with libdhcp_run_script.so loads unchanged.
#include <sys/stat.h>

#include <fmt/format.h>

#include "dhcpd/config/parser_parts.h"

namespace tandem::config {
namespace {

using nlohmann::json;

bool isRunScript(const json& entry) {
  if (!entry.is_object() || !entry.contains("library") || !entry["library"].is_string()) return false;
  const std::string library = entry["library"].get<std::string>();
  const auto slash = library.find_last_of('/');
  return library.substr(slash == std::string::npos ? 0 : slash + 1) == "libdhcp_run_script.so";
}

void parseParameters(const json& params, const std::string& path, const ParseContext& ctx, Diagnostics& diag,
                     Dhcp4Config& cfg) {
  auto fail = [&](const std::string& where, const std::string& message) {
    diag.error(where, "loading Run Script hooks library failed: " + message);
  };
  bool ok = true;
  // Kea 2.2 ignores other keys; tandemd refuses them, as it refuses every key it does not know,
  // so that a misspelt "sync" or "name" is not silently lost.
  for (const auto& [key, value] : params.items()) {
    if (key != "name" && key != "sync" && key != "comment") {
      fail(joinPath(path, key), "unknown parameter (run_script has \"name\" and \"sync\")");
      ok = false;
    }
  }
  auto name = params.find("name");
  if (name == params.end()) return fail(path, "The 'name' parameter is mandatory");
  if (!name->is_string()) return fail(joinPath(path, "name"), "The 'name' parameter must be a string");
  RunScriptConfig rs;
  const std::string given = name->get<std::string>();
  rs.name = resolvePath(ctx, given);
  if (auto problem = programProblem(rs.name, given); !problem.empty()) {
    fail(joinPath(path, "name"), "Invalid 'name' parameter: " + problem);
    ok = false;
  }
  if (auto sync = params.find("sync"); sync != params.end()) {
    if (!sync->is_boolean()) {
      fail(joinPath(path, "sync"), "The 'sync' parameter must be a boolean");
      ok = false;
    } else {
      rs.sync = sync->get<bool>();
    }
  }
  if (ok) cfg.runScript = std::move(rs);
}

}  // namespace

std::string programProblem(const std::string& resolved, const std::string& given) {
  // Kea's ProcessSpawn checks the file with stat() when the library loads: it must exist and
  // have the owner's execute bit. A directory passes stat() there and fails only at exec;
  // it is refused here.
  struct stat st {};
  if (resolved.empty() || ::stat(resolved.c_str(), &st) != 0) return "File not found: " + given;
  if (!(st.st_mode & S_IXUSR)) return "File not executable: " + given;
  if (S_ISDIR(st.st_mode)) return "is a directory: " + given;
  return {};
}

void parseRunScriptHook(const json& hooks, const std::string& path, const ParseContext& ctx, Diagnostics& diag,
                        Dhcp4Config& cfg) {
  if (!hooks.is_array()) return;
  bool seen = false;
  for (std::size_t i = 0; i < hooks.size(); ++i) {
    if (!isRunScript(hooks[i])) continue;
    const std::string entry = joinPath(path, std::to_string(i));
    if (seen) {
      diag.error(joinPath(entry, "library"), "the run_script library is loaded once; this is a second entry");
      continue;
    }
    seen = true;
    const std::string p = joinPath(entry, "parameters");
    auto params = hooks[i].find("parameters");
    if (params == hooks[i].end() || !params->is_object()) {
      diag.error(p, "loading Run Script hooks library failed: The 'name' parameter is mandatory");
      continue;
    }
    parseParameters(*params, p, ctx, diag, cfg);
    if (cfg.runScript && cfg.runScript->sync) {
      diag.warn(joinPath(p, "sync"),
                "true is accepted as Kea 2.2 does, which runs the script asynchronously all the same; so does tandemd");
    }
  }
}

}  // namespace tandem::config
