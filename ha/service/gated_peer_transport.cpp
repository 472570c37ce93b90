#include "ha/service/gated_peer_transport.h"

#include <utility>

#include "ha/net/peer_client.h"

namespace tandem::daemon {

namespace {

// As net::PeerClient fails a request that cancelAll() found still waiting.
Error cancelled() { return makeError("request cancelled", static_cast<int>(net::PeerError::Cancelled)); }

// The answer handed to the service with the state lock held (the io thread's completion).
template <class Cb>
Cb locked(HaIoGate& gate, Cb cb) {
  return [&gate, cb = std::move(cb)](auto result) { gate.withState([&] { cb(std::move(result)); }); };
}

}  // namespace

GatedPeerTransport::GatedPeerTransport(HaIoGate& gate, std::unique_ptr<PeerTransport> inner)
    : gate_(gate), inner_(std::move(inner)) {}

GatedPeerTransport::~GatedPeerTransport() { gate_.forget(this); }

void GatedPeerTransport::send(nlohmann::json command, std::chrono::milliseconds timeout, Callback cb) {
  gate_.call(this, [inner = inner_.get(), command = std::move(command), timeout,
                    cb = locked(gate_, std::move(cb))](bool cancel) mutable {
    if (cancel) return cb(cancelled());
    inner->send(std::move(command), timeout, std::move(cb));
  });
}

void GatedPeerTransport::sendRaw(nlohmann::json command, std::chrono::milliseconds timeout, RawCallback cb) {
  gate_.call(this, [inner = inner_.get(), command = std::move(command), timeout,
                    cb = locked(gate_, std::move(cb))](bool cancel) mutable {
    if (cancel) return cb(cancelled());
    inner->sendRaw(std::move(command), timeout, std::move(cb));
  });
}

void GatedPeerTransport::sendText(std::string body, std::chrono::milliseconds timeout, Callback cb) {
  gate_.call(this, [inner = inner_.get(), body = std::move(body), timeout,
                    cb = locked(gate_, std::move(cb))](bool cancel) mutable {
    if (cancel) return cb(cancelled());
    inner->sendText(std::move(body), timeout, std::move(cb));
  });
}

void GatedPeerTransport::cancelAll() {
  HaIoGate::Held held(gate_);
  gate_.cancel(this);
  inner_->cancelAll();
}

}  // namespace tandem::daemon
