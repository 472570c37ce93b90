#pragma once
// The HA service between two threads (issue 11): with the packet loop on its own thread
// ("thread drive", dhcpd/daemon/packet_loop.h), the HA hooks the pipeline calls (shouldServe,
// partnerQuery, leasesCommitted) run there, under the daemon's state lock, while the service's
// Asio objects (the peer clients' sockets, the state machine's timers) belong to the io
// thread. The gate is the one boundary between them, crossed only at the service's two
// interfaces to the outside (GatedPeerTransport, GatedHaTimers):
//  - outbound: what the packet thread asks of a transport or a timer is queued here, in order,
//    and the io thread does it once per packet round (kick(): one post, not one per request);
//    what the io thread asks is done at once, after whatever was queued before it (drain
//    first), so the peer sees the requests in the order the service made them;
//  - inbound: every completion of a transport or timer runs on the io thread with the state
//    lock held (withState()), so the service, the pipeline's parking lot, the store and the
//    engine are never used by two threads at once. The lock is never held while waiting for
//    I/O: only around the completion's own work.
// Completions that run synchronously inside a call made with the lock already held (a
// transport's cancelAll() fails its requests before returning) are marked with Held, so
// they do not take the lock twice.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include <boost/asio/io_context.hpp>

namespace tandem::daemon {

class HaIoGate {
 public:
  // `state`: the daemon's state lock. `deferHere`: true on the thread whose requests must be
  // queued (the packet loop's); everything else calls through at once.
  HaIoGate(boost::asio::io_context& io, std::mutex& state, std::function<bool()> deferHere);
  ~HaIoGate();
  HaIoGate(const HaIoGate&) = delete;
  HaIoGate& operator=(const HaIoGate&) = delete;

  // One queued request: run(false) does it, run(true) abandons it (a transport's cancelAll:
  // its callback hears of the failure). `owner` identifies the wrapper it came through.
  using Op = std::function<void(bool cancel)>;
  // Does `op` now (after the queued ones) or, on a deferring thread, queues it.
  void call(const void* owner, Op op);
  bool deferring() const;
  // The packet thread's round is over: one post to the io thread if anything was queued
  // since the last one.
  void kick();
  // Does what is queued, in order (io thread; kick()'s post, and every direct call first).
  void drain();
  // Abandons `owner`'s queued requests (run(true)), in order, on the calling thread.
  void cancel(const void* owner);
  // Forgets `owner`'s queued requests without running them (the wrapper is going).
  void forget(const void* owner);

  // Runs `f` with the state lock held: takes it unless this thread holds it already through
  // this gate (Held). When it took the lock, the completion hook runs after `f`, still under it.
  void withState(const std::function<void()>& f);
  // Run after each completion that took the lock (the packet loop sends, in one sendmmsg, the
  // ACKs that a batched answer's acknowledgements released one by one). Set before any
  // completion runs.
  void setCompletionHook(std::function<void()> hook);
  // Marks the calling thread as holding the state lock for this gate's completions while it
  // lives (a caller that holds it and may run completions synchronously).
  class Held {
   public:
    explicit Held(const HaIoGate& gate);
    ~Held();
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;

   private:
    const void* previous_;
  };

  // Requests queued since start and the posts that carried them to the io thread (tests,
  // profiles: a busy round queues many and posts once).
  std::uint64_t deferred() const;
  std::uint64_t posts() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tandem::daemon
