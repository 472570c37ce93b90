// libFuzzer target: the Dhcp4 configuration parser (dhcpd/config), from the text with Kea's
// comments and <?include?> directives to the typed configuration: subnets, pools, options
// and their definitions, client classes and their expressions, HA and hook parameters.
// An included file's content is its path, so the fuzzer controls both (and nesting).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dhcpd/config/dhcp4_config.h"

using namespace tandem;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  config::ParseContext ctx;
  ctx.baseDir = "/nonexistent-fuzz";
  ctx.readInclude = [](const std::string& path) -> Result<std::string> { return path; };
  auto parsed = config::parseDhcp4Config(text, ctx);
  if (parsed) {
    // config-get answers with the source document; config-set parses that document again.
    // What was accepted once is accepted again (config-get, then config-set of the answer).
    auto again = config::parseDhcp4Config(parsed->source, ctx);
    if (!again) {
      std::fprintf(stderr, "config_fuzz: the parsed document is refused: %s\n", again.error().message.c_str());
      std::abort();
    }
  }
  return 0;
}
