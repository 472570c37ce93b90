#pragma once
// Kea's control-channel result codes (src/lib/cc/command_interpreter.h): every answer to a
// control command, from tandemd's API, from a partner over HA, or read by tandemctl, carries
// one. One definition for all of them.

namespace tandem {

enum ControlResult : int {
  kResultSuccess = 0,
  kResultError = 1,
  kResultUnsupported = 2,
  kResultEmpty = 3,
  kResultConflict = 4,
};

}  // namespace tandem
