#include "dhcpd/net/script_runner.h"

#include <cerrno>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

namespace tandem::net {

using namespace std::chrono_literals;

ScriptRunner::ScriptRunner(Logger& log, Options opts) : log_(log), opts_(opts) {
  worker_ = std::thread([this] { work(); });
}

ScriptRunner::~ScriptRunner() {
  std::size_t lost = 0;
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
    lost = queue_.size();
    queue_.clear();
  }
  wake_.notify_all();
  worker_.join();
  if (lost) {
    log_.warn(LogSource::RunScript, "RUN_SCRIPT_DROPPED_AT_SHUTDOWN", "{} script calls not started at shutdown", lost);
  }
}

void ScriptRunner::configure(std::optional<std::string> program) {
  {
    std::lock_guard lock(mutex_);
    program_ = std::move(program);
    enabled_.store(program_.has_value(), std::memory_order_relaxed);
  }
  wake_.notify_all();
}

bool ScriptRunner::submit(engine::ScriptCall call) {
  {
    std::lock_guard lock(mutex_);
    if ((!program_ && call.program.empty()) || stop_) return false;
    if (queue_.size() >= opts_.queueCapacity) {
      ++counters_.dropped;
      log_.limited(LogSource::RunScript, Severity::Error, "RUN_SCRIPT_QUEUE_FULL",
                   "{} script calls waiting ({} running): {} call dropped ({} dropped so far)", queue_.size(),
                   running_.load(), call.hook, counters_.dropped);
      return false;
    }
    queue_.push_back(std::move(call));
  }
  wake_.notify_one();
  return true;
}

ScriptRunner::Counters ScriptRunner::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

std::size_t ScriptRunner::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

std::size_t ScriptRunner::running() const { return running_.load(); }

bool ScriptRunner::waitIdle(std::chrono::milliseconds limit) {
  std::unique_lock lock(mutex_);
  return idle_.wait_for(lock, limit, [this] { return queue_.empty() && starting_ == 0 && running_.load() == 0; });
}

void ScriptRunner::work() {
  std::unique_lock lock(mutex_);
  while (true) {
    // Children are polled (10 ms) while any runs; otherwise the thread sleeps until a call comes.
    if (children_.empty()) {
      wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    } else {
      wake_.wait_for(lock, 10ms);
    }
    if (stop_) break;
    while (!queue_.empty() && children_.size() < opts_.maxRunning) {
      engine::ScriptCall call = std::move(queue_.front());
      queue_.pop_front();
      if (call.program.empty() && !program_) continue;  // unconfigured since it was queued
      const std::string program = call.program.empty() ? *program_ : call.program;
      ++starting_;  // neither queued nor running while it is being spawned: not idle
      lock.unlock();
      spawn(call, program);
      lock.lock();
    }
    lock.unlock();
    reap();
    lock.lock();
    if (queue_.empty() && children_.empty() && starting_ == 0) idle_.notify_all();
  }
}

void ScriptRunner::spawn(const engine::ScriptCall& call, const std::string& program) {
  std::vector<char*> argv{const_cast<char*>(program.c_str()), const_cast<char*>(call.hook.c_str()), nullptr};
  std::vector<char*> envp;
  envp.reserve(call.env.size() + 1);
  for (const auto& e : call.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  // Its own process group, so that a timeout kills what the script started too; default
  // signal handling and no blocked signals, whatever the daemon's threads use.
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, program.c_str(), &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  std::lock_guard lock(mutex_);
  --starting_;
  if (rc != 0) {
    ++counters_.spawnFailed;
    log_.limited(LogSource::RunScript, Severity::Error, "RUN_SCRIPT_SPAWN_FAIL", "cannot run {} {}: {}", program,
                 call.hook, std::strerror(rc));
    return;
  }
  ++counters_.started;
  children_.push_back(Child{pid, std::chrono::steady_clock::now(), call.hook});
  running_.store(children_.size());
}

void ScriptRunner::reap() {
  const auto now = std::chrono::steady_clock::now();
  // children_ is touched by the worker thread only; the lock guards the counters.
  for (auto it = children_.begin(); it != children_.end();) {
    int status = 0;
    const pid_t r = ::waitpid(it->pid, &status, WNOHANG);
    if (r == 0) {
      if (!it->killed && now - it->started > opts_.timeout) {
        // The whole group: a shell script's own children go too.
        ::kill(-it->pid, SIGKILL);
        it->killed = true;
        std::lock_guard lock(mutex_);
        ++counters_.killed;
        log_.limited(LogSource::RunScript, Severity::Error, "RUN_SCRIPT_TIMEOUT",
                     "script call {} (pid {}) still running after {} ms: killed", it->hook, it->pid,
                     opts_.timeout.count());
      }
      ++it;
      continue;
    }
    if (r == it->pid && !it->killed && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
      std::lock_guard lock(mutex_);
      ++counters_.failedExit;
      if (WIFEXITED(status)) {
        log_.limited(LogSource::RunScript, Severity::Warn, "RUN_SCRIPT_EXIT_STATUS", "script call {} exited with {}",
                     it->hook, WEXITSTATUS(status));
      } else {
        log_.limited(LogSource::RunScript, Severity::Warn, "RUN_SCRIPT_EXIT_STATUS",
                     "script call {} ended by signal {}", it->hook, WTERMSIG(status));
      }
    }
    // r == -1 (ECHILD: somebody else reaped it) ends the call as well.
    it = children_.erase(it);
  }
  running_.store(children_.size());
}

}  // namespace tandem::net
