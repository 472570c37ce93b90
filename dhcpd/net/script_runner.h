#pragma once
// Runs the run_script hook's program (dhcpd/engine/script_events.h builds the calls) without
// ever stalling the packet path: submit() only appends to a bounded queue; a worker thread
// starts each call with posix_spawn (argv = [program, hook point], the environment exactly
// Kea's variables and nothing else, as Kea's ProcessSpawn passes them; stdin /dev/null, its
// own process group), reaps it, and kills the group of a call still running after the timeout.
// Kea 2.2 also starts the script without waiting for it, but with no bound: every call forks
// at once. Here at most maxRunning calls run at a time and the queue holds queueCapacity more;
// a call that finds the queue full is dropped, counted and logged (rate-limited).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>

#include "dhcpd/common/logger.h"
#include "dhcpd/engine/script_events.h"

namespace tandem::net {

class ScriptRunner {
 public:
  struct Options {
    std::size_t queueCapacity = 4096;
    std::size_t maxRunning = 16;
    std::chrono::milliseconds timeout{60000};
  };
  struct Counters {
    std::uint64_t started = 0;
    std::uint64_t dropped = 0;      // the queue was full
    std::uint64_t spawnFailed = 0;  // posix_spawn refused (program gone, no memory)
    std::uint64_t failedExit = 0;   // exited non-zero or by a signal (other than our kill)
    std::uint64_t killed = 0;       // still running after the timeout
  };

  ScriptRunner(Logger& log, Options opts);
  // Stops the worker. Calls not started yet are dropped (logged); running programs are left to
  // finish on their own.
  ~ScriptRunner();
  ScriptRunner(const ScriptRunner&) = delete;
  ScriptRunner& operator=(const ScriptRunner&) = delete;

  // The program to run, or none (calls are then refused). Thread-safe.
  void configure(std::optional<std::string> program);
  bool enabled() const noexcept { return enabled_.load(std::memory_order_relaxed); }
  // Never blocks beyond a short lock; false when dropped (disabled or queue full).
  bool submit(engine::ScriptCall call);
  Counters counters() const;
  std::size_t queued() const;
  std::size_t running() const;
  // Waits until nothing is queued or running, at most `limit` (tests, shutdown).
  bool waitIdle(std::chrono::milliseconds limit);

 private:
  struct Child {
    pid_t pid;
    std::chrono::steady_clock::time_point started;
    std::string hook;
    bool killed = false;
  };
  void work();
  void spawn(const engine::ScriptCall& call, const std::string& program);
  void reap();

  Logger& log_;
  const Options opts_;
  mutable std::mutex mutex_;
  std::condition_variable wake_, idle_;
  std::deque<engine::ScriptCall> queue_;
  std::optional<std::string> program_;
  std::atomic<bool> enabled_{false};
  bool stop_ = false;
  std::size_t starting_ = 0;     // taken from the queue, not yet spawned (under mutex_)
  std::vector<Child> children_;  // worker thread only, size mirrored in running_
  std::atomic<std::size_t> running_{0};
  Counters counters_;  // under mutex_
  std::uint64_t droppedLogged_ = 0;
  std::thread worker_;
};

}  // namespace tandem::net
