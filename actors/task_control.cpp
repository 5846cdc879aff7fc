#include "actors/task_control.hpp"

#include <stdexcept>
#include <utility>

namespace herald::actors {

void task_control::cancel() {
  std::function<void()> callback;
  {
    // Taking the lock orders the store against a sleeper that has just checked the flag.
    std::lock_guard guard{mutex_};
    if (!cancelled_.exchange(true, std::memory_order_acq_rel))
      callback = std::move(on_cancel_);
  }
  wake_.notify_all();
  event_room_.notify_all();
  if (callback)
    callback();
}

void task_control::on_cancel(std::function<void()> f) {
  {
    std::lock_guard guard{mutex_};
    if (!cancelled()) {
      on_cancel_ = std::move(f);
      return;
    }
  }
  if (f)
    f();
}

bool task_control::reserve_event(std::size_t limit, bool may_block) {
  std::unique_lock guard{mutex_};
  if (may_block)
    event_room_.wait(guard, [&] { return cancelled() || events_on_their_way_ < limit; });
  if (cancelled())
    return false;
  ++events_on_their_way_;
  return true;
}

void task_control::event_taken() {
  {
    std::lock_guard guard{mutex_};
    if (events_on_their_way_ > 0)
      --events_on_their_way_;
  }
  event_room_.notify_one(); // no waiter: no system call
}

std::size_t task_control::events_waiting() const {
  std::lock_guard guard{mutex_};
  return events_on_their_way_;
}

bool task_control::sleep_for(clock::duration d) {
  std::unique_lock guard{mutex_};
  return !wake_.wait_for(guard, d, [this] { return cancelled(); });
}

bool task_control::mark_dirty_locked() {
  return !std::exchange(dirty_, true);
}

bool task_control::set_range(double start, double end, double steps, double max) {
  std::lock_guard guard{mutex_};
  meter_.set_range(start, end, steps, max);
  next_tick_.reset(); // a new range replaces a running time-based one
  return mark_dirty_locked();
}

bool task_control::tick() {
  std::lock_guard guard{mutex_};
  meter_.tick();
  return mark_dirty_locked();
}

bool task_control::set(double value) {
  std::lock_guard guard{mutex_};
  meter_.set(value);
  return mark_dirty_locked();
}

bool task_control::set_time_based(clock::duration duration, clock::duration interval, double max,
                                  clock::time_point now) {
  if (duration <= clock::duration::zero() || interval <= clock::duration::zero())
    throw std::invalid_argument("time-based progress needs a positive duration and interval");
  using seconds = std::chrono::duration<double>;
  std::lock_guard guard{mutex_};
  meter_.set_time_based(seconds{duration}.count(), seconds{interval}.count(), max);
  interval_ = interval;
  next_tick_ = now + interval;
  return mark_dirty_locked();
}

bool task_control::auto_tick(clock::time_point now) {
  std::lock_guard guard{mutex_};
  if (!next_tick_ || now < *next_tick_)
    return false;
  bool changed = false;
  while (next_tick_ && *next_tick_ <= now) {
    auto before = meter_.value();
    meter_.tick();
    changed = changed || meter_.value() != before;
    *next_tick_ += interval_;
    if (meter_.exhausted())
      next_tick_.reset();
  }
  if (changed)
    dirty_ = true;
  return changed;
}

bool task_control::time_based() const {
  std::lock_guard guard{mutex_};
  return next_tick_.has_value();
}

std::optional<double> task_control::take_progress() {
  std::lock_guard guard{mutex_};
  dirty_ = false;
  return meter_.value();
}

std::optional<double> task_control::progress() const {
  std::lock_guard guard{mutex_};
  return meter_.value();
}

void task_control::complete() {
  std::lock_guard guard{mutex_};
  next_tick_.reset();
  meter_.complete();
}

} // namespace herald::actors
