#include "dhcpd/ctl/ctl_transport.h"

#include <algorithm>
#include <chrono>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "dhcpd/common/base64.h"
#include "dhcpd/common/http_url.h"

namespace tandem::ctl {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using nlohmann::json;

Result<json> parseAnswer(const std::string& text) {
  json answer = json::parse(text, nullptr, false);
  if (answer.is_discarded()) return makeError("unparsable answer from tandemd: " + text.substr(0, 200));
  if (answer.is_array()) {
    if (answer.empty()) return makeError("empty answer list from tandemd");
    answer = answer[0];
  }
  if (!answer.is_object()) return makeError("unexpected answer from tandemd: " + text.substr(0, 200));
  return answer;
}

// Runs one asynchronous operation on io until it completes or the deadline passes. Keeps the
// exchange code linear while every step stays bounded in time: Asio's and Beast's synchronous
// calls ignore timeouts, so a daemon that accepts but never answers would hang the CLI.
using Deadline = std::chrono::steady_clock::time_point;

template <class Initiate>
boost::system::error_code complete(asio::io_context& io, Deadline deadline, Initiate initiate) {
  bool done = false;
  boost::system::error_code result;
  initiate([&](const boost::system::error_code& ec, auto&&...) {
    result = ec;
    done = true;
  });
  io.restart();
  while (!done && io.run_one_until(deadline) > 0) {
  }
  return done ? result : boost::system::error_code(asio::error::timed_out);
}

// Why the daemon could not be reached, in words an operator can act on.
std::string unreachable(const std::string& where, const boost::system::error_code& ec) {
  if (ec == asio::error::connection_refused) {
    return "tandemd is not running (connection refused at " + where + ")";
  }
  if (ec == boost::system::errc::no_such_file_or_directory) {
    return "tandemd is not running, or its control-socket is elsewhere (no socket " + where +
           "; use -s PATH or $TANDEM_SOCKET)";
  }
  if (ec == boost::system::errc::permission_denied) {
    return "permission denied on " + where + " (run as a user that may open tandemd's control socket)";
  }
  if (ec == asio::error::timed_out) return "cannot reach tandemd at " + where + ": connection timed out";
  return "cannot reach tandemd at " + where + ": " + ec.message();
}

std::string timedOut(const std::string& where, const Endpoint& ep) {
  return "no answer from tandemd at " + where + " within " + std::to_string(ep.timeout.count()) + " s";
}

Result<json> viaUnix(const Endpoint& ep, const json& command) {
  asio::io_context io;
  asio::local::stream_protocol::socket socket(io);
  const Deadline deadline = std::chrono::steady_clock::now() + ep.timeout;
  auto ec = complete(io, deadline, [&](auto handler) {
    socket.async_connect(asio::local::stream_protocol::endpoint(ep.socketPath), handler);
  });
  if (ec) return makeError(unreachable(ep.socketPath, ec), kCannotConnect);
  const std::string request = command.dump();
  ec = complete(io, deadline, [&](auto handler) { asio::async_write(socket, asio::buffer(request), handler); });
  if (ec == asio::error::timed_out) return makeError(timedOut(ep.socketPath, ep));
  if (ec) return makeError("control socket " + ep.socketPath + ": " + ec.message());
  // One command in, one answer out; the daemon closes the connection after answering.
  std::string out;
  ec = complete(io, deadline, [&](auto handler) { asio::async_read(socket, asio::dynamic_buffer(out), handler); });
  if (ec == asio::error::timed_out) return makeError(timedOut(ep.socketPath, ep));
  if (ec && ec != asio::error::eof) return makeError("control socket " + ep.socketPath + ": " + ec.message());
  return parseAnswer(out);
}

struct Url {
  bool tls = false;
  std::string host, port, target = "/";
};

// tandemctl --url goes through the one URL parser (dhcpd/common/http_url.h); a DNS name is
// resolved when connecting.
Result<Url> parseUrl(const std::string& url) {
  auto parsed = parseHttpUrl(url);
  if (!parsed) return parsed.error();
  return Url{parsed->https, parsed->host, std::to_string(parsed->effectivePort()), parsed->path};
}

template <class Stream>
Result<json> exchange(asio::io_context& io, Deadline deadline, Stream& stream, const Url& u, const Endpoint& ep,
                      const json& command) {
  json body = command;
  body["service"] = json::array({"dhcp4"});  // understood by tandemd and by a Kea Control Agent
  http::request<http::string_body> req(http::verb::post, u.target, 11);
  req.set(http::field::host, u.host);
  req.set(http::field::content_type, "application/json");
  req.set(http::field::user_agent, "tandemctl");
  if (!ep.user.empty()) req.set(http::field::authorization, "Basic " + encodeBase64(ep.user + ":" + ep.password));
  req.keep_alive(false);
  req.body() = body.dump();
  req.prepare_payload();
  auto ec = complete(io, deadline, [&](auto handler) { http::async_write(stream, req, handler); });
  if (ec == asio::error::timed_out) return makeError(timedOut(ep.url, ep));
  if (ec) return makeError("sending to " + ep.url + ": " + ec.message());
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1u << 30);
  ec = complete(io, deadline, [&](auto handler) { http::async_read(stream, buffer, parser, handler); });
  if (ec == asio::error::timed_out) return makeError(timedOut(ep.url, ep));
  if (ec) return makeError("reading from " + ep.url + ": " + ec.message());
  auto& res = parser.get();
  if (res.result() == http::status::unauthorized)
    return makeError("401 Unauthorized: wrong or missing --user/--password");
  if (res.result() != http::status::ok) {
    return makeError("HTTP " + std::to_string(res.result_int()) + " " + std::string(res.reason()) + ": " + res.body());
  }
  return parseAnswer(res.body());
}

Result<json> viaHttp(const Endpoint& ep, const json& command) {
  auto u = parseUrl(ep.url);
  if (!u) return u.error();
  asio::io_context io;
  const Deadline deadline = std::chrono::steady_clock::now() + ep.timeout;
  tcp::resolver resolver(io);
  tcp::resolver::results_type results;
  auto ec = complete(io, deadline, [&](auto handler) {
    resolver.async_resolve(u->host, u->port,
                           [&results, handler](const boost::system::error_code& rec,
                                               tcp::resolver::results_type r) mutable {
                             results = std::move(r);
                             handler(rec);
                           });
  });
  if (ec) return makeError("cannot resolve " + u->host + ": " + ec.message(), kCannotConnect);
  beast::tcp_stream tcpStream(io);
  ec = complete(io, deadline, [&](auto handler) { tcpStream.async_connect(results, handler); });
  if (ec) return makeError(unreachable(ep.url, ec), kCannotConnect);
  if (!u->tls) return exchange(io, deadline, tcpStream, *u, ep, command);

  ssl::context ctx(ssl::context::tls_client);
  if (!ep.caFile.empty()) {
    ctx.load_verify_file(ep.caFile, ec);
    if (ec) return makeError("cannot load --ca " + ep.caFile + ": " + ec.message());
  } else {
    ctx.set_default_verify_paths();
  }
  ctx.set_verify_mode(ssl::verify_peer);
  if (!ep.certFile.empty()) {
    ctx.use_certificate_chain_file(ep.certFile, ec);
    if (ec) return makeError("cannot load --cert " + ep.certFile + ": " + ec.message());
    ctx.use_private_key_file(ep.keyFile.empty() ? ep.certFile : ep.keyFile, ssl::context::pem, ec);
    if (ec) return makeError("cannot load --key " + ep.keyFile + ": " + ec.message());
  }
  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcpStream), ctx);
  // SNI and host name verification, unless the host is an IP literal (then the IP SAN is checked).
  boost::system::error_code addrEc;
  asio::ip::make_address(u->host, addrEc);
  if (addrEc) SSL_set_tlsext_host_name(stream.native_handle(), u->host.c_str());
  stream.set_verify_callback(ssl::host_name_verification(u->host));
  ec = complete(io, deadline, [&](auto handler) { stream.async_handshake(ssl::stream_base::client, handler); });
  if (ec == asio::error::timed_out) return makeError(timedOut(ep.url, ep));
  if (ec) return makeError("TLS handshake with " + ep.url + " failed: " + ec.message());
  auto answer = exchange(io, deadline, stream, *u, ep, command);
  // close_notify; stream_truncated or a timeout here changes nothing about the answer.
  (void)complete(io, std::min(deadline, std::chrono::steady_clock::now() + std::chrono::seconds(1)),
                 [&](auto handler) { stream.async_shutdown(handler); });
  return answer;
}

}  // namespace

Result<json> sendCommand(const Endpoint& endpoint, const json& command) {
  return endpoint.url.empty() ? viaUnix(endpoint, command) : viaHttp(endpoint, command);
}

}  // namespace tandem::ctl
