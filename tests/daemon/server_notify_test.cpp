// The Server's service-manager events (ServerOptions::notify, sent to systemd as sd_notify
// datagrams): Ready only once the control socket accepts connections, Reloading then Ready
// around a SIGHUP reload (also when the new file is broken: the running configuration
// stays), Stopping when shutdown begins. A real Server on a UNIX control socket in a temp
// directory, serving no interface.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "dhcpd/daemon/server.h"

namespace tandem::daemon {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

bool canConnect(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

struct Event {
  ServiceEvent event;
  std::string status;
  bool controlUp;  // the control socket accepted a connection when the event was sent
};

class ServerNotify : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tandem-notify-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(dir_);
  }
  std::string socketPath() const { return (dir_ / "ctrl.sock").string(); }
  json doc(int subnets) const {
    json subnet4 = json::array();
    for (int i = 1; i <= subnets; ++i) {
      subnet4.push_back({{"id", i}, {"subnet", "198.18." + std::to_string(i) + ".0/24"}});
    }
    return {{"Dhcp4",
             {{"interfaces-config", {{"interfaces", json::array()}}},
              {"control-socket", {{"socket-type", "unix"}, {"socket-name", socketPath()}}},
              {"lease-database", {{"type", "memfile"}, {"persist", false}}},
              {"subnet4", subnet4},
              {"loggers", json::array({{{"name", "kea-dhcp4"},
                                        {"output_options", json::array({{{"output", (dir_ / "log").string()}}})},
                                        {"severity", "INFO"}}})}}}};
  }
  void writeConfig(const std::string& text) { std::ofstream(dir_ / "tandem.json") << text; }
  void start() {
    ServerOptions o;
    o.configFile = (dir_ / "tandem.json").string();
    o.baseDir = dir_.string();
    o.notify = [this](ServiceEvent e, std::string_view status) {
      events_.push_back({e, std::string(status), canConnect(socketPath())});
    };
    server_ = std::make_unique<Server>(io_, log_, o);
    auto r = server_->start();
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  void run(std::chrono::milliseconds d) {
    io_.restart();
    io_.run_for(d);
  }

  fs::path dir_;
  boost::asio::io_context io_;
  Logger log_;
  std::unique_ptr<Server> server_;
  std::vector<Event> events_;
};

TEST_F(ServerNotify, ReadyAfterTheControlSocketListensThenReloadAndStop) {
  writeConfig(doc(1).dump());
  start();
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].event, ServiceEvent::Ready);
  EXPECT_TRUE(events_[0].controlUp) << "READY=1 before the control socket listens";
  EXPECT_NE(events_[0].status.find("1 subnets"), std::string::npos) << events_[0].status;

  // SIGHUP, as systemd's ExecReload sends it: caught by the server's signal_set.
  writeConfig(doc(2).dump());
  ASSERT_EQ(::raise(SIGHUP), 0);
  for (int i = 0; i < 50 && events_.size() < 3; ++i) run(20ms);
  ASSERT_EQ(events_.size(), 3u);
  EXPECT_EQ(events_[1].event, ServiceEvent::Reloading);
  EXPECT_EQ(events_[2].event, ServiceEvent::Ready);
  EXPECT_NE(events_[2].status.find("reloaded"), std::string::npos) << events_[2].status;
  EXPECT_EQ(server_->config().subnets.size(), 2u);

  // A broken file: still Reloading then Ready (systemd must not stay in "reloading"), and the
  // status says the running configuration was kept.
  writeConfig("{ \"Dhcp4\": { \"no-such-key\": 1 } }");
  ASSERT_EQ(::raise(SIGHUP), 0);
  for (int i = 0; i < 50 && events_.size() < 5; ++i) run(20ms);
  ASSERT_EQ(events_.size(), 5u);
  EXPECT_EQ(events_[3].event, ServiceEvent::Reloading);
  EXPECT_EQ(events_[4].event, ServiceEvent::Ready);
  EXPECT_NE(events_[4].status.find("reload failed"), std::string::npos) << events_[4].status;
  EXPECT_EQ(server_->config().subnets.size(), 2u);

  // The shutdown command or SIGTERM: Stopping, once, before the listeners close.
  server_->shutdown(0);
  server_->shutdown(0);
  run(200ms);
  ASSERT_EQ(events_.size(), 6u);
  EXPECT_EQ(events_[5].event, ServiceEvent::Stopping);
  EXPECT_TRUE(events_[5].controlUp);
}

TEST_F(ServerNotify, NoReadyWhenStartFails) {
  // The control socket's directory does not exist: start() fails, systemd must not be told
  // READY=1 (it sees the process exit instead).
  auto d = doc(1);
  d["Dhcp4"]["control-socket"]["socket-name"] = (dir_ / "missing" / "ctrl.sock").string();
  writeConfig(d.dump());
  ServerOptions o;
  o.configFile = (dir_ / "tandem.json").string();
  o.baseDir = dir_.string();
  o.notify = [this](ServiceEvent e, std::string_view status) { events_.push_back({e, std::string(status), false}); };
  server_ = std::make_unique<Server>(io_, log_, o);
  EXPECT_FALSE(server_->start().ok());
  EXPECT_TRUE(events_.empty());
}

}  // namespace
}  // namespace tandem::daemon
