#pragma once
// systemd's service notification protocol (sd_notify(3)), written by hand so tandemd needs no
// libsystemd: each state change is one datagram of "KEY=VALUE" lines sent to the AF_UNIX
// socket named by $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace). With
// Type=notify, systemd considers the unit started only when "READY=1" arrives, so units
// ordered after tandemd.service start once DHCP and the control channel are listening.
// Without $NOTIFY_SOCKET (not started by systemd) every call does nothing.
#include <string>
#include <string_view>

#include "dhcpd/common/result.h"

namespace tandem::daemon {

class SystemdNotifier {
 public:
  SystemdNotifier() = default;  // disabled
  // socketPath: an absolute path or "@abstract-name"; "" disables the notifier.
  explicit SystemdNotifier(std::string socketPath) : path_(std::move(socketPath)) {}

  // Takes $NOTIFY_SOCKET and removes it from the environment, as sd_notify's
  // unset_environment does, so processes tandemd starts (event scripts) cannot talk to
  // systemd in its name. Call before any thread starts (unsetenv is not thread-safe).
  static SystemdNotifier fromEnvironment();

  bool enabled() const noexcept { return !path_.empty(); }
  const std::string& socketPath() const noexcept { return path_; }

  // Sends `state` ("READY=1\nSTATUS=...") as one datagram. Never blocks (MSG_DONTWAIT): the
  // io thread must not wait for systemd. An error names the socket and the reason.
  Result<void> notify(std::string_view state) const;

  // The messages tandemd sends. STATUS is what `systemctl status` shows.
  static std::string readyMessage(std::string_view status);      // READY=1, MAINPID, STATUS
  static std::string reloadingMessage(std::string_view status);  // RELOADING=1, MONOTONIC_USEC
  static std::string stoppingMessage(std::string_view status);   // STOPPING=1

 private:
  std::string path_;
};

}  // namespace tandem::daemon
