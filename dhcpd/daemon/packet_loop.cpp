#include "dhcpd/daemon/packet_loop.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <boost/asio/post.hpp>

#include "dhcpd/net/client_dispatch.h"

namespace tandem::daemon {

namespace asio = boost::asio;

namespace {
// Batches handled per wake-up before yielding to timers, the control socket and durable
// notifications (fairness), about 256 packets.
constexpr int kBatchesPerWake = 4;
// epoll_event.data of the eventfd; the sockets carry their index in sockets_.
constexpr std::uint64_t kWakeTag = ~std::uint64_t(0);
constexpr int kMaxEvents = 16;

// The window's wait is a futex on the atomic itself: no descriptor, a timeout in
// nanoseconds (epoll_wait's is in milliseconds), and one system call to end it.
static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t) &&
              std::atomic<std::uint32_t>::is_always_lock_free);
std::uint32_t* futexWord(std::atomic<std::uint32_t>& a) { return reinterpret_cast<std::uint32_t*>(&a); }
}  // namespace

PacketLoop::PacketLoop(asio::io_context& io, net::DhcpPipeline& pipeline, Logger& log, NowFn now)
    : io_(io), pipeline_(pipeline), log_(log), now_(std::move(now)) {
  epollFd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wakeFd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epollFd_ < 0 || wakeFd_ < 0) {
    log_.error("DHCP4_PACKET_LOOP_FAIL", "cannot create the packet loop's epoll set: {}", std::strerror(errno));
    return;
  }
  // Edge-triggered and never read: each write() is an edge that ends one epoll_wait, and the
  // state it announces is in durablePosted_/generation_, so reading the counter back would
  // only cost a system call per journal sync. (Reaching the 2^64-2 limit takes one write per
  // sync for longer than the universe has existed.)
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLET;
  ev.data.u64 = kWakeTag;
  ::epoll_ctl(epollFd_, EPOLL_CTL_ADD, wakeFd_, &ev);
  ++counters_.epollCtls;
}

PacketLoop::~PacketLoop() {
  *alive_ = false;
  stopThread();
  close();
  if (wakeFd_ >= 0) ::close(wakeFd_);
  if (epollFd_ >= 0) ::close(epollFd_);
}

void PacketLoop::addWaiter(Socket& s) {
  if (s.waiter) return;
  s.waiter = std::make_unique<asio::posix::stream_descriptor>(io_, s.udp.fd());
}

void PacketLoop::dropWaiter(Socket& s) {
  ++waiterGen_;
  if (!s.waiter) return;
  s.waiter->cancel();
  s.waiter->release();  // the DhcpSocket owns the descriptor
  s.waiter.reset();
}

void PacketLoop::close() {
  for (auto& s : sockets_) {
    dropWaiter(*s);
    if (epollFd_ >= 0) ::epoll_ctl(epollFd_, EPOLL_CTL_DEL, s->udp.fd(), nullptr);
  }
  sockets_.clear();
  sendSockets_.clear();
  sendTable_.reset();
}

void PacketLoop::setWorkers(std::vector<PacketWorker*> workers) {
  workers_ = std::move(workers);
  handOff_.assign(workers_.size(), {});
  dispatch_ = !workers_.empty();
}

Result<void> PacketLoop::open(const std::vector<net::ServedInterface>& interfaces, net::ReplyPorts ports) {
  close();
  ports_ = ports;
  pipeline_.setPorts(ports);
  for (const auto& iface : interfaces) {
    auto sock = net::DhcpSocket::open(iface, ports.server);
    if (!sock) {
      log_.error("DHCP4_OPEN_SOCKET_FAIL", "{}", sock.error().message);
      continue;
    }
    auto s = std::make_unique<Socket>();
    s->udp = std::move(*sock);
    log_.info("DHCP4_OPEN_SOCKET", "listening on {} ({}) port {}", iface.name, iface.address.toString(), ports.server);
    // Registered once, level-triggered: whatever a round leaves queued wakes the next
    // epoll_wait, so nothing is re-armed per packet.
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = sockets_.size();
    if (epollFd_ >= 0) {
      ::epoll_ctl(epollFd_, EPOLL_CTL_ADD, s->udp.fd(), &ev);
      ++counters_.epollCtls;
    }
    if (ioDrive_) {
      addWaiter(*s);
      arm(*s);
    }
    sendSockets_.push_back(SendSocket{s->udp.interface().index, s->udp.fd()});
    sockets_.push_back(std::move(s));
  }
  if (!workers_.empty()) sendTable_ = std::make_shared<const SendTable>(sendSockets_);
  if (!sender_.hasPacketSocket()) {
    if (auto p = sender_.openPacketSocket(); !p) {
      log_.warn("DHCP4_PACKET_SOCKET_FAIL", "{}; replies to clients without an address fall back to broadcast",
                p.error().message);
    }
  }
  if (sockets_.empty() && !interfaces.empty()) return makeError("no DHCP socket could be opened");
  return {};
}

void PacketLoop::arm(Socket& s) {
  std::weak_ptr<bool> alive = alive_;
  Socket* sp = &s;
  // A completion already queued when the waiter went (cancel() cannot take it back) must not
  // touch a socket that is gone, nor one the loop's thread serves now.
  const std::uint64_t gen = waiterGen_;
  s.waiter->async_wait(asio::posix::stream_descriptor::wait_read,
                       [this, alive, sp, gen](const boost::system::error_code& ec) {
                         if (ec || alive.expired() || gen != waiterGen_) return;
                         onReadable(*sp);
                       });
}

void PacketLoop::onReadable(Socket& s) {
  ++counters_.wakeups;
  for (int round = 0; round < kBatchesPerWake; ++round) {
    auto n = s.udp.receive(batch_);
    ++counters_.receiveCalls;
    if (!n) {
      log_.limited(Severity::Error, "DHCP4_RECEIVE_FAIL", "{}: {}", s.udp.interface().name, n.error().message);
      break;
    }
    if (*n == 0) break;
    counters_.received += *n;
    const TimePoint now = now_();
    auto processOne = [&](std::size_t i) {
      const net::RxDatagram& d = batch_[i];
      engine::RecvMeta meta;
      meta.srcAddr = d.srcAddr;
      meta.srcPort = d.srcPort;
      meta.dstAddr = d.dstAddr;
      meta.ifName = s.udp.interface().name;
      meta.ifIndex = d.ifIndex ? d.ifIndex : s.udp.interface().index;
      meta.ifAddr = s.udp.interface().address;
      meta.ifMac = s.udp.interface().mac;
      if (d.truncated) {
        pipeline_.countReceiveDrops(1);
        return;
      }
      pipeline_.process(d.bytes, meta, now, ready_);
    };
    if (dispatch_) {
      // The other workers' clients first, so that they work while this thread does its share.
      dispatch(s, *n);
      if (pipeline_.congested()) {
        pipeline_.countReceiveDrops(local_.size());
      } else {
        for (std::uint8_t i : local_) processOne(i);
      }
    } else if (pipeline_.congested()) {
      // Shed load before doing any work when parked replies pile up (the disk is behind):
      // answering more would only park more.
      pipeline_.countReceiveDrops(*n);
    } else {
      for (std::size_t i = 0; i < *n; ++i) processOne(i);
    }
    pipeline_.countReceiveDrops(s.udp.takeKernelDrops());
    pipeline_.releaseDurable(ready_);
    sendReady();
    if (*n < net::RxBatch::kSlots) break;
  }
  // Statistics reach the registry from the server's housekeeping tick (every 250 ms):
  // publishing takes the registry's lock per counter, too dear for every wake-up.
  if (s.waiter) arm(s);
}

void PacketLoop::notifyDurable() {
  if (durablePosted_.exchange(true)) return;
  wakeForDurable();
}

void PacketLoop::releaseDurableHere() {
  if (durablePosted_.exchange(true)) return;
  // A free lock means no round runs: the loop's thread sleeps in epoll_wait or in a window
  // (or is between the two), and would need a wake-up for this. A held one: a round runs and
  // sees the flag before it waits again, or a command holds the state (as notifyDurable()).
  std::mutex* lock = lock_.load();
  if (threaded() && lock && lock->try_lock()) {
    std::unique_lock held(*lock, std::adopt_lock);
    // Under the lock no round runs and the drive cannot change (runOnIo() is called with it
    // held), so this thread may use the pipeline and the sockets as a round would. The
    // flag is ours unless a round took it between the exchange above and the lock: then
    // that round released it.
    if (threaded()) {
      if (durablePosted_.exchange(false)) {
        ++counters_.releasedHere;
        releaseForDurable();
      }
      return;
    }
  }
  wakeForDurable();
}

void PacketLoop::releaseAcked() {
  if (!threaded()) return notifyDurable();
  if (onThread()) {
    // Inside a round (the acknowledgement came with the update, DhcpPipeline::parkForHa):
    // the round releases before it ends; no eventfd write, the flag is enough.
    durablePosted_.store(true);
    return;
  }
  // The caller holds the state lock (see the header): no round runs and the drive cannot
  // change, so the replies leave from this thread (flushAcked()), as releaseDurableHere()
  // sends them. Should no flush follow, the next release (a round, a sync) sends them.
  ackedPending_ = true;
}

void PacketLoop::flushAcked() {
  if (!ackedPending_) return;
  ackedPending_ = false;
  if (!threaded() || onThread()) return;  // the round or the io drive's post releases them
  ++counters_.releasedAcked;
  releaseForDurable();
}

void PacketLoop::wakeForDurable() {
  if (threaded()) {
    // A thread in a window waits for exactly this (the flag is set; see waitWindow()).
    if (inWindow_.load() == 1) {
      endWindow();
      return;
    }
    // Only a sleeping thread needs the edge: one in a round sees the flag before it waits
    // again (threadMain: sleeping_ is stored before the flag is read, the flag before
    // sleeping_ is read here, both sequentially consistent, so one of the two sees the other).
    if (sleeping_.load()) {
      const std::uint64_t one = 1;
      (void)!::write(wakeFd_, &one, sizeof one);
    }
    return;
  }
  postDurable();
}

void PacketLoop::endWindow() {
  if (inWindow_.exchange(0) == 1)
    ::syscall(SYS_futex, futexWord(inWindow_), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

bool PacketLoop::waitWindow() {
  // Dekker with wakeForDurable(): the thread stores inWindow_ then reads the flag, a notifier
  // stores the flag then reads inWindow_ (all sequentially consistent), so either the thread
  // sees the flag and does not wait, or the notifier sees the window and ends it.
  inWindow_.store(1);
  if (durablePosted_.load()) {
    inWindow_.store(0);
    return true;
  }
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(window_).count();
  const timespec limit{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
  // Returns when woken, at the limit, on a signal, or at once if a notifier already cleared
  // inWindow_: each ends the window (an early end only costs its coalescing).
  ::syscall(SYS_futex, futexWord(inWindow_), FUTEX_WAIT_PRIVATE, 1, &limit, nullptr, 0);
  return inWindow_.exchange(0) == 0;
}

void PacketLoop::postDurable() {
  std::weak_ptr<bool> alive = alive_;
  asio::post(io_, [this, alive] {
    if (alive.expired()) return;
    if (threaded()) {
      // The drive changed after the post: the thread owns the pipeline now and releases
      // when it sees the flag (still set).
      const std::uint64_t one = 1;
      (void)!::write(wakeFd_, &one, sizeof one);
      endWindow();
      return;
    }
    durablePosted_ = false;
    releaseForDurable();
    if (durableHook_) durableHook_();
  });
}

void PacketLoop::releaseForDurable() {
  ++counters_.durablePosts;
  pipeline_.releaseDurable(ready_);
  sendReady();
}

void PacketLoop::runOnThread(std::mutex& lock) {
  if (epollFd_ < 0 || wakeFd_ < 0) return;  // logged: the io drive goes on
  joinRetired();
  if (threaded()) return;
  for (auto& s : sockets_) dropWaiter(*s);
  ioDrive_ = false;
  lock_.store(&lock);
  const std::uint64_t gen = generation_.fetch_add(1) + 1;
  threaded_.store(true, std::memory_order_release);
  thread_ = std::thread([this, gen, l = &lock] { threadMain(gen, l); });
}

void PacketLoop::runOnIo() {
  if (threaded()) {
    // The thread may be waiting for the lock our caller holds, so it is joined later.
    retireThread();
    std::weak_ptr<bool> alive = alive_;
    asio::post(io_, [this, alive] {
      if (!alive.expired()) joinRetired();
    });
    // The thread may have taken the last notification's edge without acting on it: one post
    // releases what is durable by now (and clears the flag).
    durablePosted_ = true;
    postDurable();
  }
  if (ioDrive_) return;
  ioDrive_ = true;
  for (auto& s : sockets_) {
    addWaiter(*s);
    arm(*s);
  }
}

void PacketLoop::retireThread() {
  // The thread checks the generation with the lock held before each round, so none runs
  // after this; the wake-up gets it out of epoll_wait to see it.
  generation_.fetch_add(1);
  threaded_.store(false, std::memory_order_release);
  const std::uint64_t one = 1;
  (void)!::write(wakeFd_, &one, sizeof one);
  endWindow();
  retired_.push_back(std::move(thread_));
}

void PacketLoop::stopThread() {
  if (threaded()) retireThread();
  joinRetired();
}

void PacketLoop::joinRetired() {
  for (auto& t : retired_) {
    if (t.joinable()) t.join();
  }
  retired_.clear();
}

void PacketLoop::threadMain(std::uint64_t generation, std::mutex* lock) {
  ::pthread_setname_np(::pthread_self(), "tandem-pkt0");
  // A thread id may be given to a thread started later: this one's ends with it.
  threadId_.store(std::this_thread::get_id());
  struct Forget {
    std::atomic<std::thread::id>& id;
    ~Forget() { id.store(std::thread::id()); }
  } forget{threadId_};
  {
    // A notification that came before the thread (its edge went to nobody).
    std::lock_guard held(*lock);
    if (generation_.load() != generation) return;
    runRound(nullptr, 0);
  }
  epoll_event events[kMaxEvents];
  bool window = false;  // decided after each round, with the lock held
  for (;;) {
    int n;
    bool cut = false;
    if (window) {
      // Sockets unwatched until the sync in flight completes or the window ends; then what
      // arrived meanwhile, without sleeping.
      cut = waitWindow();
      if (generation_.load() != generation) return;
      n = ::epoll_wait(epollFd_, events, kMaxEvents, 0);
    } else {
      sleeping_.store(true);
      // A sync announced during the last round: no wait (and no eventfd write was needed).
      n = ::epoll_wait(epollFd_, events, kMaxEvents, durablePosted_.load() ? 0 : -1);
      sleeping_.store(false);
    }
    if (generation_.load() != generation) return;
    std::lock_guard held(*lock);
    if (generation_.load() != generation) return;
    ++counters_.epollWaits;
    if (window) {
      ++counters_.windows;
      if (cut) ++counters_.windowsCut;
    }
    if (n < 0 && errno != EINTR) {
      log_.limited(Severity::Error, "DHCP4_PACKET_LOOP_FAIL", "epoll_wait: {}", std::strerror(errno));
    }
    runRound(events, n > 0 ? n : 0);
    // A few datagrams in, ACKs parked for a sync that will wake us anyway: wait for it rather
    // than for the next datagram (see setCoalesceWindow()).
    window = window_.count() > 0 && roundReceived_ > 0 && roundReceived_ < kWindowBelow && pipeline_.parked() > 0 &&
             !durablePosted_.load();
  }
}

void PacketLoop::pollOnce(int timeoutMs) {
  epoll_event events[kMaxEvents];
  const int n = ::epoll_wait(epollFd_, events, kMaxEvents, timeoutMs);
  ++counters_.epollWaits;
  runRound(events, n > 0 ? n : 0);
}

void PacketLoop::runRound(const epoll_event* events, int n) {
  const std::uint64_t before = counters_.received;
  for (int i = 0; i < n; ++i) {
    const std::uint64_t tag = events[i].data.u64;
    // A stale index (the sockets were reopened while the events waited) reads a socket with
    // nothing queued: one recvmmsg, no harm.
    if (tag != kWakeTag && tag < sockets_.size()) onReadable(*sockets_[tag]);
  }
  // Checked on every round, not only on the eventfd's: a sync that completed while the
  // sockets kept the loop awake is released here with no wake-up of its own.
  if (durablePosted_.exchange(false)) releaseForDurable();
  roundReceived_ = counters_.received - before;
  if (roundHook_) roundHook_();
}

void PacketLoop::flushParked() {
  pipeline_.releaseDurable(ready_);
  sendReady();
  pipeline_.drainParked();
  pipeline_.publish(now_());
}

void PacketLoop::dispatch(const Socket& s, std::size_t n) {
  local_.clear();
  const std::size_t workers = workers_.size() + 1;
  for (std::size_t i = 0; i < n; ++i) {
    const net::RxDatagram& d = batch_[i];
    const std::size_t w = d.truncated ? 0 : net::workerForDatagram(d.bytes, workers);
    if (w == 0) {
      local_.push_back(std::uint8_t(i));
      continue;
    }
    PacketWorker::Job job;
    job.bytes.assign(d.bytes.begin(), d.bytes.end());
    job.meta.srcAddr = d.srcAddr;
    job.meta.srcPort = d.srcPort;
    job.meta.dstAddr = d.dstAddr;
    job.meta.ifName = s.udp.interface().name;
    job.meta.ifIndex = d.ifIndex ? d.ifIndex : s.udp.interface().index;
    job.meta.ifAddr = s.udp.interface().address;
    job.meta.ifMac = s.udp.interface().mac;
    handOff_[w - 1].push_back(std::move(job));
  }
  for (std::size_t w = 0; w < workers_.size(); ++w) {
    if (handOff_[w].empty()) continue;
    counters_.handedOff += handOff_[w].size();
    workers_[w]->enqueue(handOff_[w], sendTable_);
  }
}

void PacketLoop::sendReady() {
  if (ready_.empty()) return;
  auto sent = sender_.send(ready_, sendSockets_, pipeline_, ports_.server);
  counters_.sendCalls += sent.calls;
  counters_.sent += sent.datagrams;
}

}  // namespace tandem::daemon
