// The sd_notify(3) datagrams tandemd sends to systemd: received here on a socket bound like
// systemd's (a path, or an abstract name), and the messages' contents.
#include "dhcpd/daemon/systemd_notifier.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace tandem::daemon {
namespace {

// A datagram socket standing in for systemd's notify socket.
class Listener {
 public:
  explicit Listener(const std::string& name) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, name.data(), name.size());
    socklen_t len = socklen_t(offsetof(sockaddr_un, sun_path) + name.size());
    if (name.front() == '@') {
      a.sun_path[0] = '\0';
    } else {
      ++len;
    }
    ok_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) == 0;
    timeval tv{2, 0};
    (void)::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~Listener() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return ok_; }
  std::string receive() {
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n < 0 ? std::string("<nothing>") : std::string(buf, std::size_t(n));
  }

 private:
  int fd_ = -1;
  bool ok_ = false;
};

std::string tempSocketPath(const char* tag) {
  return (std::filesystem::temp_directory_path() /
          (std::string("tandem-notify-") + tag + "-" + std::to_string(::getpid())))
      .string();
}

TEST(SystemdNotifier, SendsOneDatagramToAPathSocket) {
  const auto path = tempSocketPath("path");
  std::filesystem::remove(path);
  Listener l(path);
  ASSERT_TRUE(l.ok());
  SystemdNotifier n(path);
  ASSERT_TRUE(n.enabled());
  ASSERT_TRUE(n.notify("READY=1\nSTATUS=up"));
  EXPECT_EQ(l.receive(), "READY=1\nSTATUS=up");
  std::filesystem::remove(path);
}

TEST(SystemdNotifier, SendsToAnAbstractSocket) {
  // systemd's NOTIFY_SOCKET may be "@name": the abstract namespace, no file.
  const std::string name = "@tandem-notify-test-" + std::to_string(::getpid());
  Listener l(name);
  ASSERT_TRUE(l.ok());
  SystemdNotifier n(name);
  ASSERT_TRUE(n.notify("STOPPING=1"));
  EXPECT_EQ(l.receive(), "STOPPING=1");
}

TEST(SystemdNotifier, DisabledWithoutSocketDoesNothing) {
  SystemdNotifier n;
  EXPECT_FALSE(n.enabled());
  EXPECT_TRUE(n.notify("READY=1"));
}

TEST(SystemdNotifier, ErrorsAreValuesNamingTheSocket) {
  const auto path = tempSocketPath("gone");
  std::filesystem::remove(path);
  auto r = SystemdNotifier(path).notify("READY=1");  // nobody listens
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find(path), std::string::npos);
  auto rel = SystemdNotifier("relative/socket").notify("READY=1");
  ASSERT_FALSE(rel);
  EXPECT_NE(rel.error().message.find("absolute"), std::string::npos);
  auto lng = SystemdNotifier("/" + std::string(200, 'x')).notify("READY=1");
  ASSERT_FALSE(lng);
  EXPECT_NE(lng.error().message.find("too long"), std::string::npos);
}

TEST(SystemdNotifier, FromEnvironmentTakesAndUnsetsTheVariable) {
  ::setenv("NOTIFY_SOCKET", "/run/systemd/notify", 1);
  auto n = SystemdNotifier::fromEnvironment();
  EXPECT_EQ(n.socketPath(), "/run/systemd/notify");
  // Children (event scripts) must not inherit it.
  EXPECT_EQ(std::getenv("NOTIFY_SOCKET"), nullptr);
  EXPECT_FALSE(SystemdNotifier::fromEnvironment().enabled());
}

TEST(SystemdNotifier, Messages) {
  EXPECT_EQ(SystemdNotifier::readyMessage("serving 2 subnets"),
            "READY=1\nMAINPID=" + std::to_string(::getpid()) + "\nSTATUS=serving 2 subnets");
  EXPECT_EQ(SystemdNotifier::stoppingMessage("shutting down"), "STOPPING=1\nSTATUS=shutting down");
  const auto r = SystemdNotifier::reloadingMessage("reloading a.conf");
  EXPECT_EQ(r.rfind("RELOADING=1\nMONOTONIC_USEC=", 0), 0u) << r;
  EXPECT_NE(r.find("\nSTATUS=reloading a.conf"), std::string::npos) << r;
  // A newline in a status (an error message) cannot start another assignment.
  EXPECT_EQ(SystemdNotifier::stoppingMessage("a\nREADY=1"), "STOPPING=1\nSTATUS=a READY=1");
}

}  // namespace
}  // namespace tandem::daemon
