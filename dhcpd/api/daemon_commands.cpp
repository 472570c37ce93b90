#include "dhcpd/api/daemon_commands.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>

#include "dhcpd/api/command_args.h"
#include "dhcpd/common/sha256.h"

#ifndef TANDEM_VERSION
#define TANDEM_VERSION "0.0.0"
#endif

namespace tandem::api {
namespace {

constexpr std::string_view kVersion = TANDEM_VERSION;

std::int64_t secondsBetween(TimePoint from, TimePoint to) {
  return std::chrono::duration_cast<std::chrono::seconds>(to - from).count();
}

std::string buildReport() {
  std::string r = "Tandem DHCPv4 server\n";
  r += "  Version:        " + std::string(kVersion) + "\n";
  r += "  C++ standard:   " + std::to_string(__cplusplus) + "\n";
#if defined(__clang__)
  r += "  Compiler:       clang " __clang_version__ "\n";
#elif defined(__GNUC__)
  r += "  Compiler:       gcc " __VERSION__ "\n";
#endif
#ifdef NDEBUG
  r += "  Assertions:     off\n";
#else
  r += "  Assertions:     on\n";
#endif
  r += "  Lease backends: memfile\n";
  r += "  Built in:       control channel (unix, http, https), lease_cmds, host_cmds, stat_cmds, high_availability\n";
  return r;
}

// Config documents arrive as the command's whole "arguments" map ({"Dhcp4": {...}}).
Result<json> configDocument(const json& args) {
  if (args.is_null()) return makeError("Missing mandatory 'arguments' parameter.");
  if (!args.is_object()) return makeError("'arguments' parameter expected to be a map.");
  auto it = args.find("Dhcp4");
  if (it == args.end()) return makeError("Missing mandatory 'Dhcp4' parameter.");
  if (!it->is_object()) return makeError("'Dhcp4' parameter expected to be a map.");
  return json{{"Dhcp4", *it}};
}

std::string errnoText(int e) { return std::generic_category().message(e); }

// Writes all of text to fd, fsyncs and closes it; 0 or the first errno.
int writeSyncClose(int fd, std::string_view text) {
  int err = 0;
  while (!text.empty() && err == 0) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) err = errno;
    else text.remove_prefix(static_cast<std::size_t>(n));
  }
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  return err;
}

// config-write's file. Kea's Daemon::writeConfigFile truncates the file and writes it in
// place; here the text goes to <file>.tmp beside it and is renamed over it, so a crash or a
// full disk never leaves half a configuration. The new file keeps the old one's mode (a
// 0640 configuration holding keys stays 0640) and, where allowed, its group. A symbolic link
// is followed, as Kea's ofstream does, and stays a link. When the directory refuses the
// temporary file but the file itself is writable (the only permission Kea needs), it is
// rewritten in place as Kea does. Errors carry the path and the system's reason.
Result<std::size_t> writeConfigFile(const std::string& file, const std::string& text) {
  std::string path = file;
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    if (char* real = ::realpath(file.c_str(), nullptr)) {
      path = real;
      std::free(real);
    }
  }
  const bool exists = ::stat(path.c_str(), &st) == 0;
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0666);
  if (fd >= 0) {
    if (exists) {
      // Group first: fchown may clear set-id bits that fchmod then restores. Both are best
      // effort (a non-root writer cannot give the file another group).
      if (::fchown(fd, static_cast<uid_t>(-1), st.st_gid) != 0) { /* keep the writer's group */
      }
      if (::fchmod(fd, st.st_mode & 07777) != 0) { /* keep the umask's mode */
      }
    }
    int err = writeSyncClose(fd, text);
    if (err == 0 && ::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
    if (err != 0) {
      ::unlink(tmp.c_str());
      return makeError("Unable to write file " + file + ": " + errnoText(err));
    }
    return text.size();
  }
  int err = errno;
  if (exists && (err == EACCES || err == EPERM)) {
    fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd >= 0) {
      err = writeSyncClose(fd, text);
      if (err != 0) return makeError("Unable to write file " + file + ": " + errnoText(err));
      return text.size();
    }
    err = errno;
  }
  // Kea 2.2's text, with the reason added: "Permission denied", "Read-only file system"
  // (systemd's ProtectSystem=), "No such file or directory".
  return makeError("Unable to open file " + file + " for writing: " + errnoText(err));
}

// config-write may only write beside the configuration file the server was started with (a
// deliberate change from Kea 2.2, which writes wherever it is told: any control client could
// overwrite a root-owned file outside the configuration, CVE-2025-32802; later Kea versions
// refuse the same way and with this text). Directories are compared resolved, so "./x.json",
// "/etc/tandem/../tandem/x.json" and a relative -c path all name the same place, and a
// directory symlink cannot lead out of it. Empty: allowed.
std::string configWriteRefusal(const std::string& file, const std::string& configFile) {
  auto dirOf = [](const std::string& f) {
    auto slash = f.rfind('/');
    if (slash == std::string::npos) return std::string(".");
    return slash == 0 ? std::string("/") : f.substr(0, slash);
  };
  auto resolved = [](const std::string& dir) -> std::string {
    char* real = ::realpath(dir.c_str(), nullptr);
    if (real == nullptr) return {};
    std::string out(real);
    std::free(real);
    return out;
  };
  const std::string fileDir = resolved(dirOf(file));
  const bool hasName = !file.empty() && file.back() != '/';
  if (hasName && !fileDir.empty() && fileDir == resolved(dirOf(configFile))) return {};
  return "not allowed to write config into " + file + ": file " + file +
         " must be in the same directory as the config file (" + configFile + ")";
}

// Kea's origins for dhcp-disable/-enable: a string (2.2) or the newer numeric origin-id
// (NetworkState: 1 user command, 1000+ local HA, 2000+ remote HA peer).
Result<std::string> originOf(const json& args) {
  if (!args.is_object()) return std::string("user");
  if (auto id = args.find("origin-id"); id != args.end()) {
    if (!id->is_number_integer()) return makeError("'origin-id' argument must be a number");
    auto v = id->get<std::int64_t>();
    if (v == 1) return std::string("user");
    if (v >= 1000 && v < 2000) return std::string("ha-local");
    if (v >= 2000 && v < 3000) return std::string("ha-partner");
    return makeError("invalid value used for 'origin-id' parameter: " + std::to_string(v));
  }
  auto origin = args.find("origin");
  if (origin == args.end()) return std::string("user");
  if (!origin->is_string()) return makeError("'origin' argument must be a string");
  std::string o = origin->get<std::string>();
  if (o != "user" && o != "ha-partner") return makeError("invalid value used for 'origin' parameter: " + o);
  return o;
}

}  // namespace

void registerDaemonCommands(CommandRegistry& registry, ServerControl& control) {
  registry.add("list-commands", [&registry](const json&, const CommandContext&) {
    return makeAnswerNoText(kResultSuccess, registry.names());
  });
  registry.add("version-get", [](const json&, const CommandContext&) {
    return makeAnswer(kResultSuccess, kVersion,
                      json{{"extended", std::string(kVersion) + "\ntandem\nlinked with:\nnlohmann-json " +
                                            std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
                                            std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." +
                                            std::to_string(NLOHMANN_JSON_VERSION_PATCH) +
                                            "\ndatabase:\nMemfile backend 2.1"}});
  });
  registry.add("build-report",
               [](const json&, const CommandContext&) { return makeAnswer(kResultSuccess, buildReport()); });
  registry.add("status-get", [&control](const json&, const CommandContext&) {
    const auto now = control.now();
    json args = {{"pid", static_cast<std::int64_t>(::getpid())},
                 {"uptime", secondsBetween(control.startTime(), now)},
                 {"reload", secondsBetween(control.reloadTime(), now)},
                 {"multi-threading-enabled", false},
                 {"sockets", {{"status", "ready"}}},
                 {"dhcp-state", {{"globally-disabled", !control.dhcpEnabled()}}}};
    json extras = control.statusExtras();
    if (extras.is_object()) {
      for (auto it = extras.begin(); it != extras.end(); ++it) args[it.key()] = it.value();
    }
    return makeAnswerNoText(kResultSuccess, std::move(args));
  });
  registry.add("shutdown", [&control](const json& args, const CommandContext&) {
    int exitValue = 0;
    if (args.is_object()) {
      if (auto it = args.find("exit-value"); it != args.end()) {
        if (!it->is_number_integer()) return makeAnswer(kResultError, "parameter 'exit-value' is not an integer");
        exitValue = it->get<int>();
      }
    }
    control.shutdown(exitValue);
    return makeAnswer(kResultSuccess, "Shutting down.");
  });
  registry.add("config-get", [&control](const json&, const CommandContext&) {
    return makeAnswerNoText(kResultSuccess, control.config().source);
  });
  registry.add("config-hash-get", [&control](const json&, const CommandContext&) {
    return makeAnswerNoText(kResultSuccess, json{{"hash", sha256Hex(control.config().source.dump())}});
  });
  registry.add("config-test", [&control](const json& args, const CommandContext&) {
    auto doc = configDocument(args);
    if (!doc) return makeAnswer(kResultError, doc.error().message);
    auto tested = control.testConfig(*doc);
    if (!tested) return makeAnswer(kResultError, tested.error().message);
    return makeAnswer(kResultSuccess,
                      "Configuration seems sane. Control-socket, hook-libraries, and D2 configuration were "
                      "sanity checked, but not applied.");
  });
  registry.add("config-set", [&control](const json& args, const CommandContext&) {
    auto doc = configDocument(args);
    if (!doc) return makeAnswer(kResultError, doc.error().message);
    auto applied = control.applyConfig(*doc);
    if (!applied) return makeAnswer(kResultError, applied.error().message);
    return makeAnswer(kResultSuccess, "Configuration successful.");
  });
  registry.add("config-reload", [&control](const json&, const CommandContext&) {
    auto reloaded = control.reloadConfig();
    if (!reloaded) return makeAnswer(kResultError, "Config reload failed: " + reloaded.error().message);
    return makeAnswer(kResultSuccess, "Configuration successful.");
  });
  registry.add("config-write", [&control](const json& args, const CommandContext&) {
    std::string file = control.configFile();
    if (args.is_object()) {
      if (auto it = args.find("filename"); it != args.end()) {
        if (!it->is_string()) return makeAnswer(kResultError, "passed parameter 'filename' is not a string");
        file = it->get<std::string>();
      }
    }
    if (file.empty()) return makeAnswer(kResultError, "Unable to determine filename.");
    if (file != control.configFile()) {
      if (auto refusal = configWriteRefusal(file, control.configFile()); !refusal.empty()) {
        return makeAnswer(kResultError, refusal);
      }
    }
    auto size = writeConfigFile(file, control.config().source.dump(2) + "\n");
    if (!size) return makeAnswer(kResultError, "Error during write-config:" + size.error().message);
    return makeAnswer(kResultSuccess, "Configuration written to " + file + " successful",
                      json{{"filename", file}, {"size", *size}});
  });
  registry.add("dhcp-disable", [&control](const json& args, const CommandContext&) {
    std::optional<std::uint32_t> maxPeriod;
    if (args.is_object()) {
      if (auto it = args.find("max-period"); it != args.end()) {
        if (!it->is_number_integer()) return makeAnswer(kResultError, "'max-period' argument must be a number");
        auto v = it->get<std::int64_t>();
        if (v <= 0 || v > std::numeric_limits<std::uint32_t>::max()) {
          return makeAnswer(kResultError, "'max-period' must be positive integer");
        }
        maxPeriod = static_cast<std::uint32_t>(v);
      }
    }
    auto origin = originOf(args);
    if (!origin) return makeAnswer(kResultError, origin.error().message);
    control.disableDhcp(*origin, maxPeriod);
    std::string text = "DHCPv4 service disabled";
    if (maxPeriod) text += " for " + std::to_string(*maxPeriod) + " seconds";
    return makeAnswer(kResultSuccess, text);
  });
  registry.add("dhcp-enable", [&control](const json& args, const CommandContext&) {
    auto origin = originOf(args);
    if (!origin) return makeAnswer(kResultError, origin.error().message);
    control.enableDhcp(*origin);
    return makeAnswer(kResultSuccess, "DHCP service successfully enabled");
  });
  registry.add("leases-reclaim", [&control](const json& args, const CommandContext&) {
    if (!args.is_object() || !args.contains("remove")) {
      return makeAnswer(kResultError, "Missing mandatory 'remove' parameter.");
    }
    if (!args["remove"].is_boolean()) return makeAnswer(kResultError, "'remove' parameter expected to be a boolean.");
    control.reclaimLeases(args["remove"].get<bool>());
    return makeAnswer(kResultSuccess, "Reclamation of expired leases is complete.");
  });
}

}  // namespace tandem::api
