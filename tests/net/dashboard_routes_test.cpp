// The dashboard's GET routes: the files compiled into the binary are the ones in
// dhcpd/dashboard/, served with their types and headers at /dashboard/, behind the control
// listener's auth, while POST / (Kea's Control Agent protocol) keeps answering commands.
#include "dhcpd/net/dashboard_routes.h"

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

#include "dhcpd/common/base64.h"
#include "dhcpd/net/control_server.h"
#include "dhcpd/net/http_basic_auth.h"

namespace tandem::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

const std::filesystem::path kSourceDir =
    std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "dhcpd" / "dashboard";

std::string readFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string header(const HttpGetReply& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST(DashboardRoutes, EmbeddedFilesAreTheSourceFiles) {
  std::set<std::string> onDisk;
  for (const auto& e : std::filesystem::directory_iterator(kSourceDir)) onDisk.insert(e.path().filename().string());
  std::set<std::string> embedded;
  for (const auto& f : dashboardFiles()) {
    embedded.insert(std::string(f.name));
    EXPECT_EQ(f.data, readFile(kSourceDir / f.name)) << f.name << " differs from its source: stale build?";
  }
  EXPECT_EQ(embedded, onDisk);
  EXPECT_TRUE(embedded.count("index.html"));
}

TEST(DashboardRoutes, PageReferencesOnlyEmbeddedFiles) {
  // The page must work without internet: every src/href is one of our files (no CDN).
  const std::string html = readFile(kSourceDir / "index.html");
  const std::regex ref(R"re((src|href)="([^"]*)")re");
  int refs = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), ref); it != std::sregex_iterator(); ++it) {
    const std::string target = (*it)[2];
    if (target.rfind("data:", 0) == 0) continue;  // inline (the empty favicon)
    ++refs;
    EXPECT_EQ(dashboardReply("/dashboard/" + target, dashboardFiles()).status, 200) << target;
  }
  EXPECT_GE(refs, 2);  // the script and the style sheet
  // No other origin anywhere (the SVG namespace name is an identifier, not a request).
  const std::regex remote(R"(https?://(?!www\.w3\.org/2000/svg))");
  for (const auto& f : dashboardFiles()) {
    EXPECT_FALSE(std::regex_search(std::string(f.data), remote)) << f.name;
  }
}

TEST(DashboardRoutes, ServesFilesWithTypesAndHeaders) {
  const EmbeddedFile files[] = {{"app.js", "js()"}, {"index.html", "<p>hi"}, {"style.css", "p{}"}};
  auto index = dashboardReply("/dashboard/", files);
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<p>hi");
  EXPECT_EQ(index.contentType, "text/html; charset=utf-8");
  EXPECT_EQ(header(index, "Cache-Control"), "no-cache");
  EXPECT_EQ(header(index, "X-Content-Type-Options"), "nosniff");
  EXPECT_NE(header(index, "Content-Security-Policy").find("connect-src 'self'"), std::string::npos);
  EXPECT_EQ(dashboardReply("/dashboard/index.html", files).body, "<p>hi");
  auto js = dashboardReply("/dashboard/app.js", files);
  EXPECT_EQ(js.body, "js()");
  EXPECT_EQ(js.contentType, "text/javascript; charset=utf-8");
  EXPECT_EQ(dashboardReply("/dashboard/style.css", files).contentType, "text/css; charset=utf-8");
  for (const char* missing :
       {"/dashboard/nope.js", "/dashboard/x/app.js", "/dashboard/../app.js", "/dashboard/app.js/", "/other/app.js"}) {
    auto r = dashboardReply(missing, files);
    EXPECT_EQ(r.status, 404) << missing;
    EXPECT_EQ(r.body, "not found\n");
  }
}

TEST(DashboardRoutes, BareDashboardPathRedirectsOtherPathsHaveNoRoute) {
  EXPECT_EQ(rootReply("/").status, 404);  // no route: the listener answers Kea's 405
  for (const char* p : {"/dashboard"}) {
    auto r = rootReply(p);
    EXPECT_EQ(r.status, 302) << p;
    EXPECT_EQ(header(r, "Location"), "/dashboard/");
  }
  EXPECT_EQ(rootReply("/metricsx").status, 404);
  EXPECT_EQ(rootReply("/favicon.ico").status, 404);
}

// Through a real listener with basic auth: GET serves the page, POST / still runs commands.
TEST(DashboardRoutes, ServedByTheControlListenerBehindAuth) {
  asio::io_context io;
  api::CommandRegistry registry;
  registry.add("status-get", [](const nlohmann::json&, const api::CommandContext&) {
    return api::makeAnswerNoText(0, nlohmann::json{{"pid", 1}});
  });
  Logger logger;
  char tmpl[] = "/tmp/tap-dash-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  logger.setOutput(std::string(tmpl) + "/log");
  ControlServerOptions o;
  addDashboardRoutes(o.getRoutes);
  ControlServer server(io, registry, logger, o);
  config::ControlSocket s;
  s.socketType = "http";
  s.address = "127.0.0.1";
  s.port = 0;
  s.users = {{"op", "pw"}};
  server.listen({s});
  std::thread t([&] { io.run(); });

  asio::io_context cio;
  beast::tcp_stream c(cio);
  c.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.boundPorts().at(0)));
  beast::flat_buffer buf;
  auto send = [&](http::verb verb, const std::string& target, const std::string& auth, const std::string& body = "") {
    http::request<http::string_body> req(verb, target, 11);
    req.set(http::field::host, "127.0.0.1");
    if (!auth.empty()) req.set(http::field::authorization, "Basic " + encodeBase64(auth));
    if (verb == http::verb::post) req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    http::write(c, req);
    http::response<http::string_body> res;
    http::read(c, buf, res);
    return res;
  };
  EXPECT_EQ(send(http::verb::get, "/dashboard/", "").result_int(), 401u);
  auto page = send(http::verb::get, "/dashboard/", "op:pw");
  EXPECT_EQ(page.result_int(), 200u);
  EXPECT_EQ(page.body(), readFile(kSourceDir / "index.html"));
  EXPECT_EQ(page[http::field::content_type], "text/html; charset=utf-8");
  auto bare = send(http::verb::get, "/dashboard", "op:pw");
  EXPECT_EQ(bare.result_int(), 302u);
  EXPECT_EQ(bare[http::field::location], "/dashboard/");
  // GET of any other path, "/" included, is Kea's Control Agent answer: 405.
  EXPECT_EQ(send(http::verb::get, "/", "op:pw").result_int(), 405u);
  EXPECT_EQ(send(http::verb::get, "/nothing-here", "op:pw").result_int(), 405u);
  auto cmd = send(http::verb::post, "/", "op:pw", R"({"command":"status-get"})");
  EXPECT_EQ(cmd.result_int(), 200u);
  EXPECT_EQ(nlohmann::json::parse(cmd.body())["arguments"]["pid"], 1);

  c.socket().close();
  asio::post(io, [&] { server.stop(); });
  t.join();
  std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace tandem::net
