#pragma once
// The DHCP socket shell: waits for readability on each served interface's UDP socket,
// drains batches with recvmmsg, feeds the pipeline, and sends what is ready with sendmmsg
// (UDP) or the packet socket (link-layer unicast to clients without an address). The journal
// thread only calls notifyDurable(). With packet workers (Kea's multi-threading,
// daemon/packet_worker.h) the loop is worker 0: it reads every socket and hands each datagram
// to the worker of its client (net/client_dispatch.h), keeping its own share.
//
// Two drives (issue 12), one processing path:
//  - Thread: the loop's own thread waits in epoll_wait on the loop's own epoll set, where each
//    UDP socket is registered once (level-triggered: nothing to re-arm) beside an eventfd
//    (edge-triggered, never read: the journal's "durable" hand-off and stop). One wake-up
//    reads what is pending (recvmmsg batches), answers in one sendmmsg, and also releases the
//    parked ACKs whose leases became durable meanwhile. No epoll_ctl per packet (Boost.Asio
//    1.74 issues an EPOLL_CTL_MOD for every async_wait: 1.8 per DORA), no Asio, no post.
//    The round holds the daemon's state lock (Server::lockState), so the io thread's
//    commands, timers and reloads see the engine, store and pipeline between rounds: one
//    uncontended lock per wake-up, not per packet.
//    With HA (issue 11) the pipeline's HA hooks run in the round too; what they ask of the
//    HA service's Asio objects is queued and handed to the io thread once per round (the
//    round hook, ha/service/ha_io_gate.h), and a partner's acknowledgement, which arrives on
//    the io thread with the state lock held, releases and sends the ACKs it completes right
//    there (releaseAcked()), so neither wakes this thread.
//  - Io: each socket is a descriptor of the daemon's io_context and the handlers run there
//    (the single-threaded daemon of before): used with packet workers (they share the engine
//    under the per-packet lock) and while the server shuts down.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <sys/epoll.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "dhcpd/common/logger.h"
#include "dhcpd/daemon/packet_worker.h"
#include "dhcpd/daemon/reply_sender.h"
#include "dhcpd/net/dhcp_pipeline.h"
#include "dhcpd/net/dhcp_socket.h"
#include "dhcpd/net/interface_table.h"
#include "dhcpd/net/packet_socket.h"

namespace tandem::daemon {

class PacketLoop {
 public:
  using NowFn = std::function<TimePoint()>;
  PacketLoop(boost::asio::io_context& io, net::DhcpPipeline& pipeline, Logger& log, NowFn now);
  ~PacketLoop();
  PacketLoop(const PacketLoop&) = delete;
  PacketLoop& operator=(const PacketLoop&) = delete;

  // (Re)opens one socket per interface on the server port; the previous sockets close.
  // Interfaces whose socket fails are logged and skipped; an error only when none opened.
  Result<void> open(const std::vector<net::ServedInterface>& interfaces, net::ReplyPorts ports);
  void close();
  std::size_t socketCount() const noexcept { return sockets_.size(); }

  // What the loop did, for tests and profiles: a busy server makes few calls per datagram.
  struct Counters {
    std::uint64_t wakeups = 0;        // readiness of a DHCP socket reported by the reactor
    std::uint64_t receiveCalls = 0;   // recvmmsg calls (each returns a batch)
    std::uint64_t received = 0;       // datagrams they returned
    std::uint64_t sendCalls = 0;      // DhcpSocket::send calls (one sendmmsg per 64 datagrams)
    std::uint64_t sent = 0;           // datagrams handed to them
    std::uint64_t durablePosts = 0;   // rounds that released for journal progress (posts, eventfd wake-ups)
    std::uint64_t epollWaits = 0;     // epoll_wait calls of the loop's own set (thread drive)
    std::uint64_t epollCtls = 0;      // epoll_ctl calls on it: once per socket opened, never per packet
    std::uint64_t handedOff = 0;      // datagrams handed to the other workers
    std::uint64_t releasedHere = 0;   // of durablePosts: run on the journal's thread (releaseDurableHere)
    std::uint64_t windows = 0;        // coalescing windows waited (thread drive, setCoalesceWindow)
    std::uint64_t windowsCut = 0;     // of them, ended early (progress the thread must release, stop)
    std::uint64_t releasedAcked = 0;  // of durablePosts: run by an acknowledgement's thread (releaseAcked)
  };
  const Counters& counters() const noexcept { return counters_; }

  // Thread-safe: the journal made progress; parked replies may now leave. Coalesced: one
  // post to the io_context (io drive) or one eventfd write (thread drive) per burst.
  void notifyDurable();
  // The same, from a journal's writer thread right after its sync, which holds no lock of the
  // daemon's (never from a thread that may hold the state lock). Thread drive: when the state
  // lock is free (no round runs: the loop's thread waits for datagrams or in a window), the
  // durable replies are released and sent here, under the lock, instead of waking the loop's
  // thread for it: at moderate rates each sync would otherwise cost the loop a wake-up of its
  // own (an eventfd write, an epoll_wait return and two context switches) for the few ACKs
  // it carries. A held lock (a round, a command): as notifyDurable(). Io drive: as
  // notifyDurable().
  void releaseDurableHere();
  // An HA acknowledgement made parked ACKs releasable (DhcpPipeline::HaHooks::wake). Thread
  // drive: called either by the loop's thread inside a round (the round releases them before
  // it ends) or by another thread that holds the state lock the rounds take (the io thread's
  // completion of a lease update, ha/service/ha_io_gate.h), which releases and sends them
  // itself with flushAcked() once its completion is done (a batched answer acknowledges many
  // updates: one sendmmsg for all their ACKs): no wake-up of the loop's thread per
  // acknowledgement. Io drive: notifyDurable().
  void releaseAcked();
  // The acknowledging thread, still holding the state lock: sends what releaseAcked() found.
  void flushAcked();
  // Also run (on the io_context thread, io drive only) for each such post, after the replies
  // left. In the thread drive nothing else waits for the journal there (the server wakes the
  // io thread itself for its HA peer listener's group commit, only when the sync releases one
  // of its commands).
  void setDurableHook(std::function<void()> hook) { durableHook_ = std::move(hook); }
  // Thread drive: run at the end of every round, on the loop's thread with the state lock
  // held (the HA gate hands what the round queued to the io thread). Set before runOnThread().
  void setRoundHook(std::function<void()> hook) { roundHook_ = std::move(hook); }
  // Whether the caller is the loop's thread (the thread drive's rounds).
  bool onThread() const noexcept { return threadId_.load(std::memory_order_relaxed) == std::this_thread::get_id(); }
  // Sends every parked reply whose lease is durable now and drops the rest (shutdown, after
  // the final flush and stopThread()).
  void flushParked();

  // The drive (see the top). Called on the io thread. runOnThread(): the loop's thread takes
  // `lock` for each round; it starts at once (call it from a handler that holds nothing the
  // thread needs, or before io runs). runOnIo(): the thread (if any) stops processing as soon
  // as it sees the change, which it checks with `lock` held, so switching while holding the
  // lock is safe: no round runs after it; it is joined later on the io thread (or in
  // stopThread()), never while the caller may hold the lock.
  void runOnThread(std::mutex& lock);
  void runOnIo();
  // Stops and joins the loop's thread(s) (shutdown; not with the thread's lock held).
  void stopThread();
  bool threaded() const noexcept { return threaded_.load(std::memory_order_acquire); }
  // One round of the thread drive on the calling thread: waits up to `timeoutMs` (-1: no
  // limit) for the loop's epoll set, then reads, processes, releases and sends. The caller
  // holds what the thread would (tests drive the loop with it, without a thread).
  void pollOnce(int timeoutMs);

  // The coalescing window (thread drive; 0 = none). At moderate rates nearly every datagram
  // finds the loop's thread asleep, and each wake-up (two context switches, an epoll_wait, a
  // sendmmsg that wakes the client) costs more than the datagram's own work. After a round
  // that read a few datagrams (fewer than kWindowBelow) and left replies parked for a sync in
  // flight (a stream of clients, not a lone one), the thread waits `window` without watching
  // the sockets, then reads everything that arrived meanwhile in one round and answers it in
  // one sendmmsg: one wake-up per window instead of one per datagram or two. The window
  // bounds the extra delay of a datagram; the parked ACKs do not wait for it (the journal's
  // thread releases them, releaseDurableHere()). A round that read nothing, or many, is
  // followed by the usual wait: an idle server sleeps until the next datagram, a busy one
  // needs no help. Set before runOnThread().
  void setCoalesceWindow(std::chrono::microseconds window) noexcept { window_ = window; }
  // A round that read fewer datagrams than this may be followed by a window.
  static constexpr std::uint64_t kWindowBelow = 16;

  // Several workers: `workers` are workers 1..n (the loop is worker 0); empty = the loop alone.
  // Set before open() (the workers send on dups of the loop's sockets).
  void setWorkers(std::vector<PacketWorker*> workers);
  // Off: the loop keeps every datagram (an HA relationship added by a reload: HA is served by
  // one worker); the workers finish what they hold.
  void setDispatch(bool on) noexcept { dispatch_ = on && !workers_.empty(); }
  bool dispatching() const noexcept { return dispatch_; }

 private:
  struct Socket {
    net::DhcpSocket udp;
    std::unique_ptr<boost::asio::posix::stream_descriptor> waiter;  // io drive only
  };
  void arm(Socket& s);
  void addWaiter(Socket& s);
  void dropWaiter(Socket& s);
  void threadMain(std::uint64_t generation, std::mutex* lock);
  // Handles what one epoll_wait returned (the sockets' indexes, the eventfd) and the journal's
  // progress.
  void runRound(const epoll_event* events, int n);
  void releaseForDurable();
  void postDurable();
  // notifyDurable() once the flag is set: the end of a window, the eventfd edge or the
  // io_context post.
  void wakeForDurable();
  // The thread's wait within a window (futex on inWindow_, bounded by window_); true when it
  // ended early.
  bool waitWindow();
  void endWindow();
  // Ends the thread's rounds and moves it to retired_ (joined by joinRetired()).
  void retireThread();
  void joinRetired();
  void onReadable(Socket& s);
  void sendReady();
  // Hands the batch's datagrams of other workers' clients to them; the indexes of the loop's
  // own go to local_.
  void dispatch(const Socket& s, std::size_t n);

  boost::asio::io_context& io_;
  net::DhcpPipeline& pipeline_;
  Logger& log_;
  NowFn now_;
  net::ReplyPorts ports_;
  std::vector<std::unique_ptr<Socket>> sockets_;
  std::vector<SendSocket> sendSockets_;  // sockets_ as the sender sees them
  ReplySender sender_;
  net::RxBatch batch_;
  std::vector<net::Outgoing> ready_;
  std::vector<PacketWorker*> workers_;
  bool dispatch_ = false;
  std::shared_ptr<const SendTable> sendTable_;           // dups of sockets_ for the workers
  std::vector<std::vector<PacketWorker::Job>> handOff_;  // per worker, one batch's
  std::vector<std::uint8_t> local_;                      // batch indexes the loop keeps
  std::function<void()> durableHook_;
  std::function<void()> roundHook_;
  std::atomic<std::thread::id> threadId_{};  // the thread running threadMain, while it does
  bool ackedPending_ = false;                // releaseAcked() off the loop's thread (state lock held)
  Counters counters_;
  std::atomic<bool> durablePosted_{false};
  std::atomic<std::mutex*> lock_{nullptr};  // the state lock the thread's rounds take (runOnThread)
  int epollFd_ = -1;                        // the loop's own set: the sockets (level-triggered) and wakeFd_
  int wakeFd_ = -1;                         // eventfd, edge-triggered: durable progress, stop
  std::atomic<bool> threaded_{false};
  std::atomic<bool> sleeping_{true};        // the thread is in (or about to enter) epoll_wait
  std::atomic<std::uint32_t> inWindow_{0};  // 1: the thread waits (futex) in a window; the notifier clears it
  std::chrono::microseconds window_{0};
  std::uint64_t roundReceived_ = 0;           // datagrams the last round read
  std::uint64_t waiterGen_ = 0;               // changes whenever a waiter goes (arm()'s completions check it)
  bool ioDrive_ = true;                       // the sockets are descriptors of io_ (waiters armed)
  std::atomic<std::uint64_t> generation_{0};  // a thread runs while it equals its own
  std::thread thread_;
  std::vector<std::thread> retired_;  // stopped by runOnIo(), joined later
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tandem::daemon
