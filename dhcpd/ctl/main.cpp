// tandemctl: operator CLI for tandemd's control channel.
// Exit codes scripts can rely on: 0 ok, 1 command error, 2 usage, 3 not found/empty,
// 4 cannot reach the daemon.
#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "ha/ctl/ctl_ha.h"
#include "dhcpd/ctl/ctl_progress.h"
#include "dhcpd/ctl/ctl_table.h"
#include "dhcpd/ctl/ctl_transport.h"

namespace {

using nlohmann::json;
using tandem::ctl::Endpoint;
using tandem::ctl::Table;

constexpr int kExitOk = 0, kExitError = 1, kExitUsage = 2, kExitEmpty = 3, kExitConnect = 4;
// Kea's common default control socket path.
constexpr const char* kDefaultSocket = "/tmp/kea4-ctrl-socket";
// Where the Debian package's /etc/tandem/tandemd.conf puts it (the unit has PrivateTmp, so
// a socket in /tmp would not be visible here); used when it exists.
constexpr const char* kPackageSocket = "/run/tandem/tandem4-ctrl-socket";

constexpr const char* kUsage =
    R"(usage: tandemctl [-s SOCKET | -u URL [--cert F --key F --ca F] [--user U --password P]]
                 [--timeout SECONDS] [--json] COMMAND [ARGS]

connection:
  -s, --socket PATH   tandemd's UNIX control socket (default $TANDEM_SOCKET, else
                      /run/tandem/tandem4-ctrl-socket if it exists (the Debian package's),
                      else /tmp/kea4-ctrl-socket)
  -u, --url URL       http://HOST:PORT/ or https://HOST:PORT/ (tandemd's listener or a Kea
                      Control Agent); --ca CA.pem to verify the server, --cert/--key for a
                      client certificate, --user/--password for basic authentication
  --timeout SECONDS   give up after this long (default 30)
  --json              print the daemon's whole JSON answer (for scripts) instead of tables
  -h, --help          this text
  -v, --version       print tandemctl's version

commands:
  status                                  daemon status (pid, uptime, reload, DHCP service, HA)
  ha status                               this server and its HA partner at a glance (--json:
                                          the raw high-availability section); exit 5 when
                                          the pair is degraded, 6 when HA is not configured
  ha sync PEER [--max-period S]           fetch PEER's leases now (ha-sync), showing progress;
                                          DHCP service goes on meanwhile
  leases [--subnet N] [--hw MAC]          list leases (all, of one subnet, of one hardware address)
  leases wipe [--subnet N]                delete every lease (of one subnet), showing progress
  lease get IP                            one lease
  lease add --ip IP --hw MAC [--subnet N] [--hostname H] [--client-id ID] [--valid-lft S]
  lease del IP
  reservations [--subnet N]               list host reservations (of one subnet: with progress)
  reservation get --subnet N (--ip IP | --hw MAC | --client-id ID)
  reservation add --subnet N (--hw MAC | --client-id ID) [--ip IP] [--hostname H]
  reservation del --subnet N (--ip IP | --hw MAC | --client-id ID)
  stats [NAME]                            all statistics, or one (e.g. pkt4-received)
  config test FILE                        validate a config file with the daemon's parser
  config set FILE                         apply a config file now (kept running if invalid)
  config reload                           re-read the daemon's own config file
  config get                              print the running config
  config write [FILE]                     save the running config (default: its own file)
  raw '<json>' | raw -                    send a command document as is (- reads stdin)

exit codes:
  0  success
  1  the daemon answered with an error (Kea result 1, 2 unsupported or 4 conflict), or the
     exchange failed (HTTP error, wrong credentials, TLS, timeout)
  2  usage error (nothing was sent)
  3  not found / empty (Kea result 3), e.g. no such lease
  4  cannot reach the daemon (not running, wrong socket path or URL, permission denied)
  5  ha status: the HA pair is degraded (not in load-balancing/hot-standby/backup, or the
     partner is unreachable)
  6  ha status: HA is not configured on this server
)";

struct Args {
  Endpoint endpoint;
  bool json = false;
  bool timeoutGiven = false;                 // --timeout on the command line
  std::vector<std::string> words;            // positional
  std::map<std::string, std::string> flags;  // --subnet 1 ...
};

struct UsageError {
  std::string message;  // empty: --help (or --version) was asked for
  bool showUsage = false;
  bool version = false;
};

// Options that take a value, wherever they appear after the command.
bool takesValue(const std::string& flag) {
  static const char* kFlags[] = {"--subnet",    "--hw",        "--ip",        "--hostname",
                                 "--client-id", "--valid-lft", "--max-period"};
  for (auto f : kFlags) {
    if (flag == f) return true;
  }
  return false;
}

// A decimal number in [min, max]; anything else (sign, junk, overflow) is a usage error.
std::uint32_t number(const std::string& what, const std::string& text, std::uint32_t min) {
  std::uint64_t v = 0;
  bool ok = !text.empty() && text.size() <= 10;
  for (char c : text) {
    if (c < '0' || c > '9') ok = false;
    if (ok) v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (!ok || v < min || v > 0xffffffffu) {
    throw UsageError{what + " needs a number from " + std::to_string(min) + " to 4294967295, not '" + text + "'"};
  }
  return static_cast<std::uint32_t>(v);
}

std::uint32_t subnetFlag(const Args& a, bool required) {
  auto it = a.flags.find("--subnet");
  if (it == a.flags.end()) {
    if (required) throw UsageError{"--subnet N is required"};
    return 0;
  }
  return number("--subnet", it->second, 1);
}

Args parseArgs(int argc, char** argv) {
  Args a;
  if (const char* env = std::getenv("TANDEM_SOCKET"); env && *env) a.endpoint.socketPath = env;
  if (a.endpoint.socketPath.empty()) {
    struct stat st {};
    // EACCES: /run/tandem exists (0750, _tandem) but this user may not look inside; naming
    // that socket gets a "permission denied" that says what is wrong, not a wrong path.
    const bool packaged = ::stat(kPackageSocket, &st) == 0 || errno == EACCES;
    a.endpoint.socketPath = packaged ? kPackageSocket : kDefaultSocket;
  }
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw UsageError{arg + " needs a value"};
      return argv[++i];
    };
    if (arg == "-s" || arg == "--socket") {
      a.endpoint.socketPath = value();
    } else if (arg == "-u" || arg == "--url") {
      a.endpoint.url = value();
    } else if (arg == "--cert") {
      a.endpoint.certFile = value();
    } else if (arg == "--key") {
      a.endpoint.keyFile = value();
    } else if (arg == "--ca") {
      a.endpoint.caFile = value();
    } else if (arg == "--user") {
      a.endpoint.user = value();
    } else if (arg == "--password") {
      a.endpoint.password = value();
    } else if (arg == "--timeout") {
      a.endpoint.timeout = std::chrono::seconds(number("--timeout", value(), 1));
      a.timeoutGiven = true;
    } else if (arg == "--json") {
      a.json = true;
    } else if (arg == "-h" || arg == "--help") {
      throw UsageError{""};
    } else if (arg == "-v" || arg == "--version") {
      throw UsageError{"", false, true};
    } else if (takesValue(arg)) {
      a.flags[arg] = value();
    } else if (arg.rfind("--", 0) == 0) {
      throw UsageError{"unknown option " + arg};
    } else {
      a.words.push_back(arg);
    }
  }
  if (a.words.empty()) throw UsageError{"missing command", true};
  return a;
}

std::string flag(const Args& a, const std::string& name) {
  auto it = a.flags.find(name);
  return it == a.flags.end() ? "" : it->second;
}

json command(const std::string& name, json args = nullptr) {
  json c = {{"command", name}};
  if (!args.is_null()) c["arguments"] = std::move(args);
  return c;
}

// What to send for the command line, and how to print a successful answer.
struct Plan {
  using Printer = void (*)(const json& answer);
  // Rewrites the answer before it is printed and mapped to an exit code (client-side filters).
  using Adjuster = std::function<json(json answer)>;

  Plan() = default;
  Plan(json req, Printer printer, Adjuster adjuster = {})
      : request(std::move(req)), print(printer), adjust(std::move(adjuster)) {}

  json request;
  Printer print = nullptr;
  Adjuster adjust;
  bool progress = false;  // show the daemon's progress of the command meanwhile (on stderr)
};

std::string durationText(std::int64_t s) {
  std::ostringstream o;
  if (s >= 86400) o << s / 86400 << "d ";
  if (s >= 3600) o << (s % 86400) / 3600 << "h ";
  if (s >= 60) o << (s % 3600) / 60 << "m ";
  o << s % 60 << "s";
  return o.str();
}

std::string timeText(std::int64_t epoch) {
  std::time_t t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

void printHa(const json& args) {
  auto ha = args.find("high-availability");
  if (ha == args.end() || !ha->is_array() || ha->empty()) {
    std::cout << "HA not configured\n";
    return;
  }
  for (const auto& rel : *ha) {
    std::cout << "HA mode:          " << str(rel, "ha-mode") << "\n";
    const auto& servers = rel.value("ha-servers", json::object());
    if (servers.contains("local")) {
      const auto& l = servers["local"];
      std::cout << "local:            " << str(l, "role") << ", state " << str(l, "state") << ", scopes "
                << l.value("scopes", json::array()).dump() << "\n";
    }
    if (servers.contains("remote")) {
      const auto& r = servers["remote"];
      std::cout << "partner:          " << str(r, "role") << ", last state " << str(r, "last-state") << ", in touch "
                << str(r, "in-touch") << ", age " << str(r, "age") << " s, unacked clients "
                << str(r, "unacked-clients") << "\n";
    }
  }
}

void printStatus(const json& answer) {
  const auto& a = answer.value("arguments", json::object());
  std::cout << "pid:              " << str(a, "pid") << "\n";
  std::cout << "uptime:           " << durationText(a.value("uptime", 0)) << "\n";
  std::cout << "last reload:      " << durationText(a.value("reload", 0)) << " ago\n";
  if (a.contains("dhcp-state")) {
    bool disabled = a["dhcp-state"].value("globally-disabled", false);
    std::cout << "DHCP service:     " << (disabled ? "disabled" : "enabled") << "\n";
  }
  printHa(a);
}

void printHaStatus(const json& answer) { printHa(answer.value("arguments", json::object())); }

const char* stateName(int s) {
  switch (s) {
    case 0: return "active";
    case 1: return "declined";
    case 2: return "reclaimed";
    default: return "?";
  }
}

void printLeaseRows(const json& leases) {
  Table t({"IP ADDRESS", "HW ADDRESS", "CLIENT-ID", "SUBNET", "STATE", "EXPIRES", "HOSTNAME"});
  for (const auto& l : leases) {
    std::int64_t expire = l.value("cltt", std::int64_t{0}) + l.value("valid-lft", std::int64_t{0});
    t.add({str(l, "ip-address"), str(l, "hw-address"), str(l, "client-id"), str(l, "subnet-id"),
           stateName(l.value("state", 0)), timeText(expire), str(l, "hostname")});
  }
  t.print(std::cout);
}

void printLeases(const json& answer) {
  const auto& a = answer.value("arguments", json::object());
  if (a.contains("leases")) {
    printLeaseRows(a["leases"]);
  } else {
    printLeaseRows(json::array({a}));  // lease4-get answers with the lease itself
  }
}

void printHosts(const json& answer) {
  const auto& a = answer.value("arguments", json::object());
  json hosts = a.contains("hosts") ? a["hosts"] : json::array({a});
  Table t({"SUBNET", "IDENTIFIER", "IP ADDRESS", "HOSTNAME"});
  for (const auto& h : hosts) {
    std::string id;
    for (auto k : {"hw-address", "client-id", "duid", "circuit-id", "flex-id"}) {
      if (h.contains(k)) id = std::string(k) + "=" + str(h, k);
    }
    t.add({str(h, "subnet-id"), id, str(h, "ip-address"), str(h, "hostname")});
  }
  t.print(std::cout);
}

void printStats(const json& answer) {
  Table t({"STATISTIC", "VALUE"});
  const json stats = answer.value("arguments", json::object());
  for (const auto& [name, samples] : stats.items()) {
    std::string v = samples.is_array() && !samples.empty() && samples[0].is_array() ? samples[0][0].dump()
                                                                                    : samples.dump();
    t.add({name, v});
  }
  t.print(std::cout);
}

void printText(const json& answer) {
  std::cout << str(answer, "text") << "\n";
  if (answer.contains("arguments") && answer["arguments"].contains("warnings")) {
    for (const auto& w : answer["arguments"]["warnings"]) std::cout << "warning: " << w.get<std::string>() << "\n";
  }
}

void printArgumentsJson(const json& answer) { std::cout << answer.value("arguments", json::object()).dump(2) << "\n"; }
void printWhole(const json& answer) { std::cout << answer.dump(2) << "\n"; }

// Reads a JSON document from a file, or from stdin for "-".
json readJsonFile(const std::string& path) {
  std::stringstream ss;
  if (path == "-") {
    ss << std::cin.rdbuf();
  } else {
    std::ifstream in(path);
    if (!in) throw UsageError{"cannot read " + path};
    ss << in.rdbuf();
  }
  // Kea configs may carry comments.
  json doc = json::parse(ss.str(), nullptr, false, /*ignore_comments=*/true);
  if (doc.is_discarded()) throw UsageError{(path == "-" ? std::string("stdin") : path) + " is not valid JSON"};
  return doc;
}

// config test/set take a whole {"Dhcp4": ...} file, as kea-dhcp4 -t does.
json configDocument(const std::string& path) {
  json doc = readJsonFile(path);
  if (!doc.is_object() || !doc.contains("Dhcp4")) throw UsageError{path + " has no \"Dhcp4\" map"};
  return doc;
}

Plan plan(const Args& a) {
  const auto& w = a.words;
  const std::string& verb = w[0];
  // need(n): at least n words; exactly(n): no stray words that would be silently ignored.
  auto need = [&](std::size_t n) {
    if (w.size() < n) throw UsageError{"missing argument for " + verb};
  };
  auto exactly = [&](std::size_t n) {
    need(n);
    if (w.size() > n) throw UsageError{"unexpected argument '" + w[n] + "' for " + verb};
  };
  if (verb == "status") {
    exactly(1);
    return {command("status-get"), printStatus};
  }
  if (verb == "ha") {
    if (w.size() == 3 && w[1] == "sync") return {command("ha-sync"), nullptr};  // runHaSync
    if (w.size() != 2 || w[1] != "status")
      throw UsageError{"usage: tandemctl ha status | ha sync PEER [--max-period S]"};
    return {command("status-get"), printHaStatus};
  }
  if (verb == "leases" && w.size() >= 2 && w[1] == "wipe") {
    exactly(2);
    json args = json::object();
    if (auto sid = subnetFlag(a, false)) args["subnet-id"] = sid;
    Plan p{command("lease4-wipe", args), printText};
    p.progress = true;
    return p;
  }
  if (verb == "leases") {
    exactly(1);
    const std::uint32_t sid = subnetFlag(a, false);
    if (auto hw = flag(a, "--hw"); !hw.empty()) {
      json args = {{"hw-address", hw}};
      if (!sid) return {command("lease4-get-by-hw-address", args), printLeases};
      // Kea's lease4-get-by-hw-address has no subnet filter: narrow the answer here, with
      // Kea's "empty" result when nothing is left so the exit code stays meaningful.
      return {command("lease4-get-by-hw-address", args), printLeases, [sid](json answer) {
                if (answer.value("result", 1) != 0) return answer;
                json kept = json::array();
                for (const auto& l : answer["arguments"].value("leases", json::array())) {
                  if (l.value("subnet-id", std::uint32_t{0}) == sid) kept.push_back(l);
                }
                answer["text"] = std::to_string(kept.size()) + " IPv4 lease(s) found.";
                if (kept.empty()) answer["result"] = 3;
                answer["arguments"]["leases"] = std::move(kept);
                return answer;
              }};
    }
    if (sid) return {command("lease4-get-all", {{"subnets", {sid}}}), printLeases};
    return {command("lease4-get-all"), printLeases};
  }
  if (verb == "lease") {
    need(2);
    if (w[1] == "get") {
      exactly(3);
      return {command("lease4-get", {{"ip-address", w[2]}}), printLeases};
    }
    if (w[1] == "del") {
      exactly(3);
      return {command("lease4-del", {{"ip-address", w[2]}}), printText};
    }
    if (w[1] == "add") {
      exactly(2);
      json args = {{"ip-address", flag(a, "--ip")}, {"hw-address", flag(a, "--hw")}};
      if (flag(a, "--ip").empty() || flag(a, "--hw").empty()) throw UsageError{"lease add needs --ip and --hw"};
      if (auto sid = subnetFlag(a, false)) args["subnet-id"] = sid;
      if (auto h = flag(a, "--hostname"); !h.empty()) args["hostname"] = h;
      if (auto c = flag(a, "--client-id"); !c.empty()) args["client-id"] = c;
      if (auto v = flag(a, "--valid-lft"); !v.empty()) args["valid-lft"] = number("--valid-lft", v, 0);
      return {command("lease4-add", args), printText};
    }
    throw UsageError{"unknown lease subcommand " + w[1]};
  }
  if (verb == "reservations") {
    exactly(1);
    if (a.flags.count("--subnet")) {
      Plan p{command("reservation-get-all", {{"subnet-id", subnetFlag(a, true)}}), printHosts};
      p.progress = true;
      return p;
    }
    return {command("reservation-get-page", {{"limit", 100000}}), printHosts};
  }
  if (verb == "reservation") {
    exactly(2);
    json sel = {{"subnet-id", subnetFlag(a, true)}};
    // Kea's reservation-get / reservation-del select by address or by identifier.
    auto select = [&]() {
      if (auto ip = flag(a, "--ip"); !ip.empty()) {
        sel["ip-address"] = ip;
      } else if (auto hw = flag(a, "--hw"); !hw.empty()) {
        sel["identifier-type"] = "hw-address";
        sel["identifier"] = hw;
      } else if (auto c = flag(a, "--client-id"); !c.empty()) {
        sel["identifier-type"] = "client-id";
        sel["identifier"] = c;
      } else {
        throw UsageError{"reservation " + w[1] + " needs --ip, --hw or --client-id"};
      }
    };
    if (w[1] == "get") {
      select();
      return {command("reservation-get", sel), printHosts};
    }
    if (w[1] == "add") {
      if (flag(a, "--hw").empty() && flag(a, "--client-id").empty()) {
        throw UsageError{"reservation add needs --hw or --client-id"};
      }
      json r = sel;
      if (auto hw = flag(a, "--hw"); !hw.empty()) r["hw-address"] = hw;
      if (auto c = flag(a, "--client-id"); !c.empty()) r["client-id"] = c;
      if (auto ip = flag(a, "--ip"); !ip.empty()) r["ip-address"] = ip;
      if (auto h = flag(a, "--hostname"); !h.empty()) r["hostname"] = h;
      return {command("reservation-add", {{"reservation", r}}), printText};
    }
    if (w[1] == "del") {
      select();
      return {command("reservation-del", sel), printText};
    }
    throw UsageError{"unknown reservation subcommand " + w[1]};
  }
  if (verb == "stats") {
    if (w.size() > 2) throw UsageError{"unexpected argument '" + w[2] + "' for stats"};
    if (w.size() == 2) return {command("statistic-get", {{"name", w[1]}}), printStats};
    return {command("statistic-get-all"), printStats};
  }
  if (verb == "config") {
    need(2);
    if (w[1] == "test") {
      exactly(3);
      return {command("config-test", configDocument(w[2])), printText};
    }
    if (w[1] == "set") {
      exactly(3);
      return {command("config-set", configDocument(w[2])), printText};
    }
    if (w[1] == "reload") {
      exactly(2);
      return {command("config-reload"), printText};
    }
    if (w[1] == "get") {
      exactly(2);
      return {command("config-get"), printArgumentsJson};
    }
    if (w[1] == "write") {
      if (w.size() > 3) throw UsageError{"unexpected argument '" + w[3] + "' for config write"};
      json args = json::object();
      if (w.size() > 2) args["filename"] = w[2];
      return {command("config-write", args), printText};
    }
    throw UsageError{"unknown config subcommand " + w[1]};
  }
  if (verb == "raw") {
    exactly(2);
    json doc = w[1] == "-" ? readJsonFile("-") : json::parse(w[1], nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("command")) {
      throw UsageError{"raw needs a JSON object with a \"command\""};
    }
    return {doc, printWhole};
  }
  throw UsageError{"unknown command " + verb};
}

int exitCodeFor(int result) {
  switch (result) {
    case 0: return kExitOk;
    case 3: return kExitEmpty;
    default: return kExitError;
  }
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  Plan p;
  try {
    args = parseArgs(argc, argv);
    p = plan(args);
  } catch (const UsageError& e) {
    if (e.version) {
      std::cout << TANDEM_VERSION << "\n";
      return kExitOk;
    }
    if (e.message.empty()) {  // --help
      std::cout << kUsage;
      return kExitOk;
    }
    std::cerr << "tandemctl: " << e.message << "\n";
    std::cerr << (e.showUsage ? kUsage : "(tandemctl --help for usage)\n");
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "tandemctl: " << e.what() << "\n(tandemctl --help for usage)\n";
    return kExitUsage;
  }
  // `ha status` asks several questions and has its own exit codes (ctl_ha.h).
  if (args.words[0] == "ha" && args.words[1] == "sync") {
    std::optional<std::uint32_t> maxPeriod;
    if (auto mp = flag(args, "--max-period"); !mp.empty()) {
      char* end = nullptr;
      const unsigned long v = std::strtoul(mp.c_str(), &end, 10);
      if (*end != '\0' || v == 0 || v > 0xffffffffUL) {
        std::cerr << "tandemctl: --max-period wants a positive number of seconds\n";
        return kExitUsage;
      }
      maxPeriod = static_cast<std::uint32_t>(v);
    }
    tandem::ctl::Endpoint ep = args.endpoint;
    if (!args.timeoutGiven) ep.timeout = std::chrono::hours(1);  // a big pull takes a while
    return tandem::ctl::runHaSync(ep, args.words[2], maxPeriod, args.json, ::isatty(STDOUT_FILENO) != 0, std::cout,
                                  std::cerr);
  }
  if (args.words[0] == "ha") return tandem::ctl::runHaStatus(args.endpoint, args.json, std::cout, std::cerr);
  // Long commands (lease4-wipe, reservation-get-all): their progress on stderr, so the
  // answer on stdout stays clean for a pipe.
  auto answer = p.progress && !args.json
                    ? tandem::ctl::sendWithProgress(args.endpoint, p.request,
                                                    tandem::ctl::operationProgressLine(str(p.request, "command")),
                                                    ::isatty(STDERR_FILENO) != 0, std::cerr)
                    : tandem::ctl::sendCommand(args.endpoint, p.request);
  if (!answer) {
    std::cerr << "tandemctl: " << answer.error().message << "\n";
    return answer.error().code == tandem::ctl::kCannotConnect ? kExitConnect : kExitError;
  }
  const auto res = answer->find("result");
  if (res == answer->end() || !res->is_number_integer()) {
    std::cerr << "tandemctl: answer without an integer \"result\": " << answer->dump() << "\n";
    return kExitError;
  }
  try {
    if (p.adjust) *answer = p.adjust(std::move(*answer));
    const int result = answer->value("result", 1);
    // raw prints the answer as is whatever its result: the caller asked for the document.
    if (args.json || p.print == printWhole) {
      std::cout << answer->dump(2) << "\n";
    } else if (result == 0) {
      p.print(*answer);
    } else {
      (result == 3 ? std::cout : std::cerr) << str(*answer, "text") << "\n";
    }
    return exitCodeFor(result);
  } catch (const json::exception& e) {
    // An answer whose shape this tandemctl does not know (e.g. a newer daemon): say so, and
    // point at --json, which prints any answer.
    std::cerr << "tandemctl: cannot format the answer (" << e.what() << "); try --json\n";
    return kExitError;
  }
}
