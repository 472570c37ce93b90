#include "ha/service/ha_io_gate.h"

#include <algorithm>
#include <deque>
#include <iterator>

#include <boost/asio/post.hpp>

namespace tandem::daemon {

namespace {
// The gate whose state lock the calling thread holds for completions (Held, withState()).
thread_local const void* tHeld = nullptr;
}  // namespace

struct HaIoGate::Impl {
  boost::asio::io_context& io;
  std::mutex* state;
  std::function<bool()> deferHere;
  std::function<void()> completionHook;
  std::mutex mu;  // the queue below (the packet thread adds, the io thread takes)
  struct Entry {
    const void* owner;
    Op op;
  };
  std::deque<Entry> queue;
  bool posted = false;  // a drain is posted and has not taken the queue yet
  std::uint64_t deferred = 0;
  std::uint64_t posts = 0;

  Impl(boost::asio::io_context& i, std::mutex& s, std::function<bool()> d)
      : io(i), state(&s), deferHere(std::move(d)) {}

  void drain() {
    for (;;) {
      std::deque<Entry> batch;
      {
        std::lock_guard lk(mu);
        if (queue.empty()) return;
        batch.swap(queue);
      }
      for (auto& e : batch) e.op(false);
    }
  }
};

HaIoGate::HaIoGate(boost::asio::io_context& io, std::mutex& state, std::function<bool()> deferHere)
    : impl_(std::make_shared<Impl>(io, state, std::move(deferHere))) {}

HaIoGate::~HaIoGate() = default;

bool HaIoGate::deferring() const { return impl_->deferHere && impl_->deferHere(); }

void HaIoGate::call(const void* owner, Op op) {
  if (deferring()) {
    std::lock_guard lk(impl_->mu);
    impl_->queue.push_back(Impl::Entry{owner, std::move(op)});
    ++impl_->deferred;
    return;
  }
  // What the packet thread queued was asked for before this: it goes first.
  impl_->drain();
  op(false);
}

void HaIoGate::kick() {
  {
    std::lock_guard lk(impl_->mu);
    if (impl_->queue.empty() || impl_->posted) return;
    impl_->posted = true;
    ++impl_->posts;
  }
  boost::asio::post(impl_->io, [weak = std::weak_ptr<Impl>(impl_)] {
    auto impl = weak.lock();
    if (!impl) return;
    {
      std::lock_guard lk(impl->mu);
      impl->posted = false;
    }
    impl->drain();
  });
}

void HaIoGate::drain() { impl_->drain(); }

void HaIoGate::cancel(const void* owner) {
  std::vector<Op> mine;
  {
    std::lock_guard lk(impl_->mu);
    auto& q = impl_->queue;
    for (auto& e : q) {
      if (e.owner == owner) mine.push_back(std::move(e.op));
    }
    q.erase(std::remove_if(q.begin(), q.end(), [owner](const Impl::Entry& e) { return e.owner == owner; }), q.end());
  }
  for (auto& op : mine) op(true);
}

void HaIoGate::forget(const void* owner) {
  std::deque<Impl::Entry> gone;  // destroyed outside the mutex (their captures may be big)
  std::lock_guard lk(impl_->mu);
  auto& q = impl_->queue;
  auto keep = std::stable_partition(q.begin(), q.end(), [owner](const Impl::Entry& e) { return e.owner != owner; });
  std::move(keep, q.end(), std::back_inserter(gone));
  q.erase(keep, q.end());
}

void HaIoGate::withState(const std::function<void()>& f) {
  if (tHeld == impl_.get()) return f();
  std::lock_guard lk(*impl_->state);
  Held held(*this);
  f();
  if (impl_->completionHook) impl_->completionHook();
}

void HaIoGate::setCompletionHook(std::function<void()> hook) { impl_->completionHook = std::move(hook); }

HaIoGate::Held::Held(const HaIoGate& gate) : previous_(tHeld) { tHeld = gate.impl_.get(); }
HaIoGate::Held::~Held() { tHeld = previous_; }

std::uint64_t HaIoGate::deferred() const {
  std::lock_guard lk(impl_->mu);
  return impl_->deferred;
}

std::uint64_t HaIoGate::posts() const {
  std::lock_guard lk(impl_->mu);
  return impl_->posts;
}

}  // namespace tandem::daemon
