// libFuzzer target: the control channel's request path, from the bytes a UNIX-socket or HTTP
// client sends to the answer text: the stream framer (dhcpd/net/control_json_framer.h), the
// JSON command parser and dispatch (dhcpd/api/command_registry.h) and every daemon, lease,
// reservation and statistics command handler, on an in-memory server (tests/api's fake, with
// config-test and config-set running the real config parser). Checks that the framer finds
// the same end whether the bytes arrive at once or one by one.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dhcpd/api/command_registry.h"
#include "dhcpd/api/daemon_commands.h"
#include "dhcpd/api/lease_commands.h"
#include "dhcpd/api/reservation_commands.h"
#include "dhcpd/api/stat_commands.h"
#include "dhcpd/net/control_json_framer.h"
#include "tests/api/fake_server_control.h"

using namespace tandem;

namespace {

// The fake, with the configuration commands validating through the real parser.
class FuzzControl : public api::testing::FakeServerControl {
 public:
  Result<void> testConfig(const nlohmann::json& doc) const override { return ServerControl::testConfig(doc); }
  Result<void> applyConfig(const nlohmann::json& doc) override {
    if (auto r = ServerControl::testConfig(doc); !r) return r;
    return FakeServerControl::applyConfig(doc);
  }
};

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "control_command_fuzz: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  net::ControlJsonFramer whole;
  const auto state = whole.feed(bytes);
  net::ControlJsonFramer pieces;
  auto pieceState = net::ControlJsonFramer::State::NeedMore;
  for (std::size_t n = 1; n <= size && pieceState == net::ControlJsonFramer::State::NeedMore; ++n) {
    pieceState = pieces.feed(bytes.substr(0, n));
  }
  check(state == pieceState, "framer state depends on how the bytes arrive");
  if (state == net::ControlJsonFramer::State::Complete) {
    check(whole.end() == pieces.end() && whole.end() <= size, "framer end depends on how the bytes arrive");
  }
  // The listener hands over the framed value when complete, everything otherwise.
  const std::string_view request = state == net::ControlJsonFramer::State::Complete ? bytes.substr(0, whole.end())
                                                                                    : bytes;

  // A fresh server per input keeps runs reproducible.
  FuzzControl control;
  api::testing::setUpTwoSubnets(control);
  api::CommandRegistry registry;
  api::registerDaemonCommands(registry, control);
  api::registerLeaseCommands(registry, control);
  api::registerReservationCommands(registry, control);
  api::registerStatCommands(registry, control);
  // config-write writes wherever "filename" says: not something to let a fuzzer do.
  registry.remove("config-write");

  bool answered = false;
  registry.processTextAsync(request, api::CommandContext{"unix", "fuzz", "", {}}, [&](std::string answer) {
    answered = true;
    check(!answer.empty(), "empty answer");
  });
  check(answered, "a command was not answered");
  // The same request twice: the second sees the first one's effects (a lease added, a
  // statistic reset), and must answer too.
  answered = false;
  registry.processTextAsync(request, api::CommandContext{"http", "fuzz", "admin", {}},
                            [&](std::string) { answered = true; });
  check(answered, "a repeated command was not answered");
  return 0;
}
