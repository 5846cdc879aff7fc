#pragma once

// The threads that run a route's blocking task bodies, reused from one task to the next (as
// Pode's runspace pool per route): a body may sleep or wait on I/O without stalling the actor
// scheduler, and a task no longer costs a thread's creation and stack.
//
// The route's supervisor already caps how many tasks run at once, so the pool has no queue
// of its own to manage: a job that finds no idle thread gets a new one. That is also how a
// thread the supervisor gave up on (a body that ignored cancellation past the grace period)
// is replaced: it stays busy with its body, the next job starts a thread, and when the stuck
// body finally returns its thread leaves if enough others are idle. Idle threads beyond
// `keep_idle`, and any idle for `idle_timeout`, end. No CAF here, so it is tested alone.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

namespace herald::actors {

class body_pool {
 public:
  struct figures {
    std::size_t threads = 0; ///< alive now, busy or idle
    std::size_t idle = 0;    ///< waiting for a job
    std::size_t started = 0; ///< since the pool was made
  };

  /// Keeps at most `keep_idle` threads waiting for work (a route's `max_concurrent`), each for
  /// at most `idle_timeout`.
  explicit body_pool(std::size_t keep_idle,
                     std::chrono::milliseconds idle_timeout = std::chrono::seconds{60});

  /// Idle threads are told to leave and waited for (briefly); busy ones finish their job on
  /// their own (they hold what they need), so a body that never returns does not hang this.
  ~body_pool();

  body_pool(const body_pool&) = delete;
  body_pool& operator=(const body_pool&) = delete;

  /// Runs `job` on an idle thread, or on a new one when none is idle. Throws
  /// std::system_error when no thread can be started (resource limits); `job` then never runs.
  /// `job` must not throw (what escapes ends the process, as any thread's would).
  void post(std::function<void()> job);

  figures snapshot() const;

 private:
  struct shared_state;
  static void work(std::shared_ptr<shared_state> st, std::function<void()> job);

  std::shared_ptr<shared_state> state_;
};

} // namespace herald::actors
