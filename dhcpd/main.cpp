// tandemd: the composition root. Parses the command line (kea-dhcp4's flags), builds the
// Server on one io_context and runs it until SIGTERM/SIGINT or a shutdown command.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/version.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/opensslv.h>

#include "dhcpd/common/logger.h"
#include "dhcpd/daemon/server.h"
#include "dhcpd/daemon/systemd_notifier.h"

namespace {

constexpr std::string_view kUsage =
    "Usage: tandemd -t FILE | -c FILE [-d] [-p PORT] [-P PORT] [--commit-window US] [--coalesce-window US] | -v | -V | -h\n"
    "  -c FILE        run with this Kea Dhcp4 configuration\n"
    "  -t FILE        check the configuration and exit (0 = valid, 1 = invalid)\n"
    "  -d             debug logging\n"
    "  -p PORT        server UDP port (default 67)\n"
    "  -P PORT        client UDP port (default 68)\n"
    "  --commit-window MICROSECONDS\n"
    "                 under load, how long the lease file writer waits for more leases\n"
    "                 to share one fdatasync (default 1000; 0 = never waits)\n"
    "  --coalesce-window MICROSECONDS\n"
    "                 serving a stream of clients, how long the packet thread leaves\n"
    "                 its sockets before it reads what arrived (default 500, at most\n"
    "                 1000; 0 = never)\n"
    "  -v, --version  print the version\n"
    "  -V             print the extended version (libraries, build)\n"
    "  -h, --help     this text\n"
    "Signals: SIGHUP reloads the configuration file, SIGTERM/SIGINT stop the server.\n"
    "Started by systemd (Type=notify), it reports readiness on $NOTIFY_SOCKET.\n";

int usage(std::string_view problem) {
  if (!problem.empty()) fmt::print(stderr, "tandemd: {}\n", problem);
  fmt::print(stderr, "{}", kUsage);
  return 1;
}

std::optional<std::uint16_t> parsePort(const char* text) {
  char* end = nullptr;
  long v = std::strtol(text, &end, 10);
  if (!end || *end != '\0' || v < 1 || v > 65535) return std::nullopt;
  return std::uint16_t(v);
}

std::string extendedVersion() {
  return fmt::format(
      "{}\ntandem DHCPv4 server (Kea Dhcp4 configuration compatible)\n"
      "compiler: g++ {}.{}.{}\nBoost {}.{}.{}\n{}\nnlohmann_json {}.{}.{}\nfmt {}\n"
      "lease database: memfile (Kea 2.2 lease4 CSV)\n",
      TANDEM_VERSION, __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__, BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000,
      BOOST_VERSION % 100, OPENSSL_VERSION_TEXT, NLOHMANN_JSON_VERSION_MAJOR, NLOHMANN_JSON_VERSION_MINOR,
      NLOHMANN_JSON_VERSION_PATCH, FMT_VERSION);
}

}  // namespace

int main(int argc, char** argv) {
  using tandem::daemon::ServerOptions;
  ServerOptions opts;
  std::string testFile;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (a == "-v" || a == "--version") {
      fmt::print("{}\n", TANDEM_VERSION);
      return 0;
    } else if (a == "-V") {
      fmt::print("{}", extendedVersion());
      return 0;
    } else if (a == "-W") {
      // kea-dhcp4 -W prints its configuration report; ours is the extended version.
      fmt::print("{}", extendedVersion());
      return 0;
    } else if (a == "-h" || a == "--help") {
      fmt::print("{}", kUsage);
      return 0;
    } else if (a == "-d") {
      opts.debug = true;
    } else if (a == "-c" || a == "-t" || a == "-T") {
      const char* f = next();
      if (!f) return usage(fmt::format("{} needs a file name", a));
      (a == "-c" ? opts.configFile : testFile) = f;
    } else if (a == "-p" || a == "-P") {
      const char* v = next();
      auto port = v ? parsePort(v) : std::nullopt;
      if (!port) return usage(fmt::format("{} needs a port number 1-65535", a));
      (a == "-p" ? opts.serverPort : opts.clientPort) = *port;
    } else if (a == "--commit-window") {
      const char* v = next();
      char* end = nullptr;
      const long us = v ? std::strtol(v, &end, 10) : -1;
      // At most a second: beyond that clients retransmit before their ACK could leave.
      if (!v || !end || end == v || *end != '\0' || us < 0 || us > 1000000) {
        return usage("--commit-window needs microseconds 0-1000000");
      }
      opts.commitWindow = std::chrono::microseconds(us);
    } else if (a == "--coalesce-window") {
      const char* v = next();
      char* end = nullptr;
      const long us = v ? std::strtol(v, &end, 10) : -1;
      // At most a millisecond: it delays the reading of packets, not only the ACKs. An empty
      // value is no number (strtol reads nothing), not 0.
      if (!v || !end || end == v || *end != '\0' || us < 0 || us > 1000) {
        return usage("--coalesce-window needs microseconds 0-1000");
      }
      opts.coalesceWindow = std::chrono::microseconds(us);
    } else {
      return usage(fmt::format("unknown argument '{}'", a));
    }
  }

  std::error_code ec;
  // kea-dhcp4 2.2 resolves relative paths in its configuration against the working directory.
  opts.baseDir = std::filesystem::current_path(ec).string();
  if (ec) opts.baseDir = ".";

  if (!testFile.empty()) {
    auto cfg = tandem::daemon::loadConfigFile(testFile, opts.baseDir);
    if (!cfg) {
      fmt::print(stderr, "tandemd: configuration {} is invalid: {}\n", testFile, cfg.error().message);
      return 1;
    }
    for (const auto& w : cfg->warnings) fmt::print(stderr, "tandemd: warning: {}\n", w);
    fmt::print("tandemd: configuration {} is valid ({} subnets)\n", testFile, cfg->subnets.size());
    return 0;
  }
  if (opts.configFile.empty()) return usage("no configuration file (-c FILE)");

  tandem::Logger log;
  // Read (and removed from the environment) before any thread starts.
  const auto notifier = tandem::daemon::SystemdNotifier::fromEnvironment();
  if (notifier.enabled()) {
    opts.notify = [&notifier, &log, failed = false](tandem::daemon::ServiceEvent e, std::string_view status) mutable {
      using tandem::daemon::ServiceEvent;
      using tandem::daemon::SystemdNotifier;
      const std::string msg = e == ServiceEvent::Ready       ? SystemdNotifier::readyMessage(status)
                              : e == ServiceEvent::Reloading ? SystemdNotifier::reloadingMessage(status)
                                                             : SystemdNotifier::stoppingMessage(status);
      auto r = notifier.notify(msg);
      // Said once: a service manager that went away does not need a line per reload.
      if (!r && !failed) log.warn("DHCP4_NOTIFY_FAIL", "cannot notify the service manager: {}", r.error().message);
      if (!r) failed = true;
    };
  }
  boost::asio::io_context io(1);
  tandem::daemon::Server server(io, log, opts);
  if (auto r = server.start(); !r) {
    log.error("DHCP4_INIT_FAIL", "cannot start: {}", r.error().message);
    return 1;
  }
  io.run();
  return server.exitCode();
}
