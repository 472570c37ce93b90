#include "dhcpd/net/ncr_sender.h"

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/address_v4.hpp>

namespace tandem::net {

namespace asio = boost::asio;
using asio::ip::udp;

namespace {

udp::endpoint endpointOf(Ipv4 a, std::uint16_t port) { return udp::endpoint(asio::ip::address_v4(a.value), port); }

bool sameSocket(const config::DhcpDdnsConfig& a, const config::DhcpDdnsConfig& b) {
  return a.enableUpdates == b.enableUpdates && a.senderIp == b.senderIp && a.senderPort == b.senderPort &&
         a.serverIp == b.serverIp && a.serverPort == b.serverPort;
}

}  // namespace

NcrSender::NcrSender(asio::io_context& io, Logger& log) : io_(io), log_(log), alive_(std::make_shared<bool>(true)) {}

NcrSender::~NcrSender() {
  *alive_ = false;
  if (socket_) {
    boost::system::error_code ec;
    socket_->close(ec);
  }
}

Result<void> NcrSender::configure(const config::DhcpDdnsConfig& cfg) {
  if (socket_ && sameSocket(cfg, cfg_)) {
    cfg_ = cfg;
    return {};
  }
  if (socket_) {
    boost::system::error_code ec;
    socket_->close(ec);
    socket_.reset();
    inFlight_ = false;
    log_.info(LogSource::Dhcpsrv, "DHCPSRV_DHCP_DDNS_SENDER_STOPPED", "NameChangeRequest sender has been stopped.");
  }
  cfg_ = cfg;
  server_ = endpointOf(cfg.serverIp, cfg.serverPort);
  if (!cfg.enableUpdates) {
    queue_.clear();  // Kea destroys its sender, queued requests with it
    return {};
  }
  auto s = std::make_shared<udp::socket>(io_);
  boost::system::error_code ec;
  s->open(udp::v4(), ec);
  if (!ec) s->bind(endpointOf(cfg.senderIp, cfg.senderPort), ec);
  if (ec) {
    return makeError("dhcp-ddns: cannot open the UDP socket " + cfg.senderIp.toString() + ":" +
                     std::to_string(cfg.senderPort) + " towards kea-dhcp-ddns: " + ec.message());
  }
  s->non_blocking(true, ec);
  socket_ = std::move(s);
  log_.info(LogSource::Dhcpsrv, "DHCPSRV_DHCP_DDNS_SENDER_STARTED",
            "NameChangeRequest sender has been started: enable_updates: yes, server-ip: {}, server-port: {}, "
            "sender-ip: {}, sender-port: {}, max-queue-size: {}, ncr-protocol: {}, ncr-format: {}",
            cfg.serverIp.toString(), cfg.serverPort, cfg.senderIp.toString(), cfg.senderPort, cfg.maxQueueSize,
            cfg.ncrProtocol, cfg.ncrFormat);
  sendNext();
  return {};
}

udp::endpoint NcrSender::localEndpoint() const {
  boost::system::error_code ec;
  return socket_ ? socket_->local_endpoint(ec) : udp::endpoint();
}

void NcrSender::send(const ddns::NameChangeRequest& ncr) {
  if (!cfg_.enableUpdates) return;
  if (queue_.size() >= cfg_.maxQueueSize) {
    ++counters_.queueFull;
    log_.limited(LogSource::Dhcpsrv, Severity::Error, "DHCPSRV_DHCP_DDNS_NCR_REJECTED",
                 "NameChangeRequest rejected by the sender: the queue is full ({} requests; is kea-dhcp-ddns "
                 "at {}:{} keeping up?), NCR: {}",
                 queue_.size(), cfg_.serverIp.toString(), cfg_.serverPort, ncr.toJson());
    return;
  }
  if (log_.enabled(LogSource::Dhcpsrv, Severity::Debug, kDbgTraceDetailData)) {
    log_.log(LogSource::Dhcpsrv, Severity::Debug, kDbgTraceDetailData, "DHCPSRV_QUEUE_NCR",
             "{} NameChangeRequest queued: {}", ncr.type == ddns::ChangeType::Add ? "add" : "remove", ncr.toJson());
  }
  queue_.push_back(ncr.toWire());
  sendNext();
}

void NcrSender::sendNext() {
  if (inFlight_ || queue_.empty() || !socket_) return;
  inFlight_ = true;
  auto socket = socket_;
  auto alive = alive_;
  socket->async_send_to(asio::buffer(queue_.front()), server_,
                        [this, socket, alive](const boost::system::error_code& ec, std::size_t) {
                          if (!*alive || socket != socket_) return;  // destroyed, or reconfigured
                          inFlight_ = false;
                          if (ec == asio::error::operation_aborted) return;
                          if (ec) {
                            ++counters_.sendErrors;
                            log_.limited(LogSource::Dhcpsrv, Severity::Error, "DHCP4_DDNS_REQUEST_SEND_FAILED",
                                         "error sending DHCP-DDNS request to {}:{}: {}", cfg_.serverIp.toString(),
                                         cfg_.serverPort, ec.message());
                          } else {
                            ++counters_.sent;
                          }
                          queue_.pop_front();
                          sendNext();
                        });
}

}  // namespace tandem::net
