#include "dhcpd/daemon/systemd_notifier.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

namespace tandem::daemon {

namespace {

// A STATUS= value is one line: a newline would start another (unknown) assignment.
std::string oneLine(std::string_view text) {
  std::string s(text);
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

}  // namespace

SystemdNotifier SystemdNotifier::fromEnvironment() {
  const char* env = std::getenv("NOTIFY_SOCKET");
  std::string path = env ? env : "";
  ::unsetenv("NOTIFY_SOCKET");
  return SystemdNotifier(std::move(path));
}

Result<void> SystemdNotifier::notify(std::string_view state) const {
  if (path_.empty()) return {};
  // sd_notify(3) accepts absolute paths and '@' (abstract namespace) only.
  if (path_.front() != '/' && path_.front() != '@') {
    return makeError(fmt::format("NOTIFY_SOCKET '{}' is neither an absolute path nor @abstract", path_));
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path_.size() > sizeof(addr.sun_path) - (path_.front() == '@' ? 0 : 1)) {
    return makeError(fmt::format("NOTIFY_SOCKET '{}' is too long for a socket address", path_));
  }
  std::memcpy(addr.sun_path, path_.data(), path_.size());
  // Abstract names start with a NUL and have no terminator: the length says where they end.
  if (path_.front() == '@') addr.sun_path[0] = '\0';
  const auto len = socklen_t(offsetof(sockaddr_un, sun_path) + path_.size() + (path_.front() == '@' ? 0 : 1));

  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return makeError(fmt::format("NOTIFY_SOCKET: socket: {}", std::strerror(errno)), errno);
  const ssize_t n = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL | MSG_DONTWAIT,
                             reinterpret_cast<const sockaddr*>(&addr), len);
  const int err = errno;
  ::close(fd);
  if (n < 0) return makeError(fmt::format("NOTIFY_SOCKET {}: {}", path_, std::strerror(err)), err);
  if (std::size_t(n) != state.size()) return makeError(fmt::format("NOTIFY_SOCKET {}: short send", path_));
  return {};
}

std::string SystemdNotifier::readyMessage(std::string_view status) {
  // MAINPID: systemd knows it for Type=notify, but says so explicitly for a wrapper that
  // execs tandemd under another pid; harmless otherwise.
  return fmt::format("READY=1\nMAINPID={}\nSTATUS={}", ::getpid(), oneLine(status));
}

std::string SystemdNotifier::reloadingMessage(std::string_view status) {
  // MONOTONIC_USEC lets Type=notify-reload (systemd 253+) match this reload to its SIGHUP.
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  const auto usec = std::uint64_t(ts.tv_sec) * 1000000u + std::uint64_t(ts.tv_nsec) / 1000u;
  return fmt::format("RELOADING=1\nMONOTONIC_USEC={}\nSTATUS={}", usec, oneLine(status));
}

std::string SystemdNotifier::stoppingMessage(std::string_view status) {
  return fmt::format("STOPPING=1\nSTATUS={}", oneLine(status));
}

}  // namespace tandem::daemon
