#pragma once

// What a running task's body shares with the registry: the cancel flag (with an interruptible
// sleep) and the progress meter. The body's thread and the registry's thread both touch it, so
// it is the one place with a lock; everything else about a task is owned by one actor.
// No CAF here, so that it can be tested alone.

#include "actors/progress.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>

namespace herald::actors {

class task_control {
 public:
  using clock = std::chrono::steady_clock;

  // -- cancellation -----------------------------------------------------------------------------

  /// Asks the body to stop and wakes any `sleep_for`. Idempotent.
  void cancel();

  bool cancelled() const noexcept { return cancelled_.load(std::memory_order_acquire); }

  /// Calls `f` once the task is cancelled: from `cancel`'s thread, or at once (here) when it
  /// already is. For work that no sleeping thread waits on (a child process): `f` must be
  /// quick and thread-safe. One callback at a time; a second replaces the first, an empty one
  /// removes it (what it holds is released).
  void on_cancel(std::function<void()> f);

  /// Sleeps `d` unless cancelled first; returns false when cancelled (at once if already so).
  bool sleep_for(clock::duration d);

  // -- custom events on their way ---------------------------------------------------------------
  // A body's events are messages to the registry; this bound keeps a body that sends in a
  // loop from growing the registry's mailbox without end (memory stays bounded under an
  // unpaced publisher): past it, a body that may block waits for the registry.

  /// Counts one more event on its way. With `may_block`, first waits (interruptibly) while
  /// `limit` are on their way; false, counting nothing, when the task is cancelled.
  bool reserve_event(std::size_t limit, bool may_block);

  /// The registry took an event.
  void event_taken();

  /// Events on their way to the registry now.
  std::size_t events_waiting() const;

  // -- progress (SPEC §4.4) ---------------------------------------------------------------------
  // Each change marks the meter "dirty" and returns true when it was clean: the caller then
  // tells the registry, which reads the value with `take_progress`. Bursts of changes cost one
  // message, and the registry always ends up with the last value.

  /// Range mode; throws std::invalid_argument as `progress_meter::set_range`.
  bool set_range(double start, double end, double steps, double max);
  bool tick();
  bool set(double value);

  /// Time-based mode: a tick every `interval` from `now` until `duration` has passed (the
  /// registry drives it through `auto_tick`). Throws std::invalid_argument when duration or
  /// interval is not positive, or as `progress_meter::set_time_based`.
  bool set_time_based(clock::duration duration, clock::duration interval, double max,
                      clock::time_point now);

  /// Applies the automatic ticks due by `now` (several after a late call); true when the value
  /// changed. Does nothing outside time-based mode or once the maximum is reached.
  bool auto_tick(clock::time_point now);

  /// Whether time-based ticks are still to come.
  bool time_based() const;

  /// The value, and clears the dirty mark.
  std::optional<double> take_progress();

  std::optional<double> progress() const;

  /// `Completed`: 100 when progress was reported.
  void complete();

 private:
  bool mark_dirty_locked();

  std::atomic<bool> cancelled_{false};
  mutable std::mutex mutex_;
  std::function<void()> on_cancel_;
  std::condition_variable wake_;
  /// Separate from `wake_`, so that the registry taking events does not wake sleepers.
  std::condition_variable event_room_;
  std::size_t events_on_their_way_ = 0;
  progress_meter meter_;
  bool dirty_ = false;
  // Time-based mode: the next automatic tick and the interval between ticks.
  std::optional<clock::time_point> next_tick_;
  clock::duration interval_{};
};

} // namespace herald::actors
