// UNIX stream control socket, Kea style: one JSON command in, one answer out, then the
// server closes the connection (Kea's socat/kea-shell usage depends on that close).
#include <sys/stat.h>
#include <unistd.h>

#include <stdexcept>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>

#include "dhcpd/net/control_json_framer.h"
#include "dhcpd/net/control_listener.h"

namespace tandem::net {
namespace {

namespace asio = boost::asio;
using Protocol = asio::local::stream_protocol;

class UnixSession : public std::enable_shared_from_this<UnixSession> {
 public:
  UnixSession(Protocol::socket socket, std::shared_ptr<ControlEnv> env, std::string path)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), env_(std::move(env)), path_(std::move(path)) {}
  ~UnixSession() { --env_->connections; }

  void start() {
    timer_.expires_after(env_->options.requestTimeout);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec) return;  // cancelled: the answer was sent
      self->env_->logger.limited(Severity::Warn, "COMMAND_SOCKET_READ_TIMEOUT",
                                 "control socket {}: no complete command within {} ms, closing", self->path_,
                                 self->env_->options.requestTimeout.count());
      boost::system::error_code ignored;
      self->socket_.close(ignored);
    });
    read();
  }

 private:
  void read() {
    socket_.async_read_some(asio::buffer(chunk_), [self = shared_from_this()](const boost::system::error_code& ec,
                                                                              std::size_t n) { self->onRead(ec, n); });
  }

  void onRead(const boost::system::error_code& ec, std::size_t n) {
    if (ec && ec != asio::error::eof) return finish();
    request_.append(chunk_.data(), n);
    if (request_.size() > env_->options.maxRequestBytes) {
      return answer(api::makeAnswer(api::kResultError, "command exceeds the maximum size of " +
                                                           std::to_string(env_->options.maxRequestBytes) + " bytes")
                        .dump());
    }
    auto state = framer_.feed(request_);
    if (state == ControlJsonFramer::State::Complete) {
      request_.resize(framer_.end());
    } else if (state == ControlJsonFramer::State::NeedMore && !ec) {
      return read();
    } else if (state == ControlJsonFramer::State::NeedMore &&
               request_.find_first_not_of(" \t\r\n") == std::string::npos) {
      return finish();  // connected and closed without a command
    }
    // Complete, not a map/list, or the client half-closed: process what arrived; the
    // parser produces the "malformed" answer when it is not a whole command.
    timer_.cancel();  // command time is not the client's fault
    api::CommandContext ctx{"unix", path_, "", {}};
    ControlEnv::dispatch(env_, std::move(request_), std::move(ctx), socket_.get_executor(),
                         [self = shared_from_this()](std::string text) { self->answer(std::move(text)); });
  }

  void answer(std::string text) {
    answer_ = std::move(text);
    // A client that stops reading must not hold the connection forever.
    timer_.expires_after(env_->options.writeTimeout);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      boost::system::error_code ignored;
      self->socket_.close(ignored);
    });
    asio::async_write(socket_, asio::buffer(answer_),
                      [self = shared_from_this()](const boost::system::error_code&, std::size_t) { self->finish(); });
  }

  void finish() {
    timer_.cancel();
    boost::system::error_code ignored;
    socket_.shutdown(Protocol::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  Protocol::socket socket_;
  asio::steady_timer timer_;
  std::shared_ptr<ControlEnv> env_;
  std::string path_;
  std::array<char, 16384> chunk_{};
  std::string request_;
  std::string answer_;
  ControlJsonFramer framer_;
};

class UnixListener : public ControlListener, public std::enable_shared_from_this<UnixListener> {
 public:
  UnixListener(asio::io_context& io, std::shared_ptr<ControlEnv> env, std::string path)
      : io_(io), acceptor_(asio::make_strand(io)), env_(std::move(env)), path_(std::move(path)) {}

  void open() {
    // A socket file left by a crashed daemon is removed; one that still answers belongs to a
    // running server, which must not lose its socket to us.
    struct stat st {};
    if (::lstat(path_.c_str(), &st) == 0) {
      if (!S_ISSOCK(st.st_mode)) throw std::runtime_error("control socket " + path_ + ": exists and is not a socket");
      Protocol::socket probe(io_);
      boost::system::error_code ec;
      probe.connect(Protocol::endpoint(path_), ec);
      if (!ec) throw std::runtime_error("control socket " + path_ + ": in use by another process");
      ::unlink(path_.c_str());
    }
    boost::system::error_code ec;
    acceptor_.open(Protocol(), ec);
    if (!ec) acceptor_.bind(Protocol::endpoint(path_), ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error("control socket " + path_ + ": " + ec.message());
    // Only the owner (root) may command the daemon, as with Kea's default umask.
    ::chmod(path_.c_str(), 0600);
    bound_ = true;
    env_->logger.info("COMMAND_SOCKET_LISTEN", "control channel listening on unix socket {}", path_);
    accept();
  }

  void close() override {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      boost::system::error_code ignored;
      self->acceptor_.close(ignored);
    });
    if (bound_) ::unlink(path_.c_str());
    bound_ = false;
  }

 private:
  void accept() {
    acceptor_.async_accept(asio::make_strand(io_),
                           [self = shared_from_this()](const boost::system::error_code& ec, Protocol::socket socket) {
                             if (ec == asio::error::operation_aborted || !self->acceptor_.is_open()) return;
                             if (!ec) {
                               if (self->env_->connections.load() >= self->env_->options.maxConnections) {
                                 self->env_->logger.limited(Severity::Warn, "COMMAND_SOCKET_BUSY",
                                                            "control socket {}: {} connections open, refusing another",
                                                            self->path_, self->env_->connections.load());
                               } else {
                                 ++self->env_->connections;
                                 std::make_shared<UnixSession>(std::move(socket), self->env_, self->path_)->start();
                               }
                             }
                             self->accept();
                           });
  }

  asio::io_context& io_;
  Protocol::acceptor acceptor_;
  std::shared_ptr<ControlEnv> env_;
  std::string path_;
  bool bound_ = false;
};

}  // namespace

std::shared_ptr<ControlListener> makeUnixListener(asio::io_context& io, std::shared_ptr<ControlEnv> env,
                                                  const config::ControlSocket& socket) {
  if (socket.socketName.empty()) throw std::runtime_error("control socket: unix socket without socket-name");
  auto l = std::make_shared<UnixListener>(io, std::move(env), socket.socketName);
  l->open();
  return l;
}

}  // namespace tandem::net
