#pragma once
// A peer transport used from the packet thread too (issue 11, ha/service/ha_io_gate.h): the
// requests the packet thread makes (the lease updates of the DHCPACKs it commits, anything the
// state machine sends while it filters a query) are queued on the gate and sent by the io
// thread after the round; the io thread's own go at once, after those. Every answer runs on
// the io thread with the daemon's state lock held.
#include <memory>

#include "ha/service/ha_io_gate.h"
#include "ha/service/ha_peer_transport.h"

namespace tandem::daemon {

class GatedPeerTransport final : public PeerTransport {
 public:
  GatedPeerTransport(HaIoGate& gate, std::unique_ptr<PeerTransport> inner);
  ~GatedPeerTransport() override;

  void send(nlohmann::json command, std::chrono::milliseconds timeout, Callback cb) override;
  void sendRaw(nlohmann::json command, std::chrono::milliseconds timeout, RawCallback cb) override;
  void sendText(std::string body, std::chrono::milliseconds timeout, Callback cb) override;
  // On the io thread, by a caller holding the state lock (HaService::stop() from a reload or
  // a command) or while no packet thread runs (shutdown): the queued requests fail first,
  // then the inner transport's, their callbacks running before this returns, as the lock's
  // holder's (HaIoGate::Held).
  void cancelAll() override;

  PeerTransport& inner() noexcept { return *inner_; }

 private:
  HaIoGate& gate_;
  std::unique_ptr<PeerTransport> inner_;
};

}  // namespace tandem::daemon
