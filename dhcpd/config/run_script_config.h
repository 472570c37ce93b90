#pragma once
// Kea 2.2's run_script hook library (libdhcp_run_script.so), built in: the operator's program
// is started on lease events with the hook point's name as its argument and Kea's environment
// variables (dhcpd/engine/script_events.h builds them, dhcpd/net/script_runner.h runs them).
#include <string>

namespace tandem::config {

struct RunScriptConfig {
  std::string name;   // the program, resolved against the working directory as Kea's stat() does
  bool sync = false;  // accepted as Kea 2.2 does; the program always runs asynchronously there too
};

}  // namespace tandem::config
