#include "actors/body_pool.hpp"

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace herald::actors {

namespace {

/// An idle thread, on its own stack: the job handed to it, and its own wake-up, so that the
/// pool wakes exactly the thread it chose.
struct idle_slot {
  std::condition_variable wake;
  std::function<void()> job;
};

} // namespace

/// Shared by the pool and its threads, so that a thread busy with a body that outlives the
/// pool still has it when it is done.
struct body_pool::shared_state {
  std::size_t keep_idle;
  std::chrono::milliseconds idle_timeout;
  std::mutex mutex;
  std::condition_variable left; ///< an idle thread ended (the destructor waits on it)
  /// Idle threads, the one that became idle last at the back. A job goes to that one: its
  /// stack and caches are warm, and under light load the same few threads do all the work
  /// while the others reach `idle_timeout` and end (a shared condition variable wakes them
  /// roughly in turn, which keeps every one of them alive and cold).
  std::vector<idle_slot*> idle;
  std::size_t threads = 0;
  std::size_t started = 0;
  bool closing = false;
};

body_pool::body_pool(std::size_t keep_idle, std::chrono::milliseconds idle_timeout)
    : state_(std::make_shared<shared_state>()) {
  state_->keep_idle = keep_idle;
  state_->idle_timeout = idle_timeout;
}

body_pool::~body_pool() {
  std::unique_lock lock{state_->mutex};
  state_->closing = true;
  for (auto* slot : state_->idle)
    slot->wake.notify_one();
  // Bounded: the idle ones only have to wake up and see `closing`.
  state_->left.wait_for(lock, std::chrono::seconds{1}, [&] { return state_->idle.empty(); });
}

void body_pool::post(std::function<void()> job) {
  std::unique_lock lock{state_->mutex};
  if (!state_->idle.empty()) {
    auto* slot = state_->idle.back();
    state_->idle.pop_back();
    slot->job = std::move(job);
    // Woken after the unlock: a thread woken while the lock is held would only wake to wait
    // for it, one more sleep and wake-up per job.
    lock.unlock();
    slot->wake.notify_one();
    return;
  }
  // No idle thread: this job gets a thread of its own.
  std::thread{work, state_, std::move(job)}.detach(); // on failure, `job` is dropped unrun
  ++state_->threads;
  ++state_->started;
}

body_pool::figures body_pool::snapshot() const {
  std::lock_guard lock{state_->mutex};
  return {state_->threads, state_->idle.size(), state_->started};
}

void body_pool::work(std::shared_ptr<shared_state> st, std::function<void()> job) {
  idle_slot slot;
  std::unique_lock lock{st->mutex};
  for (;;) {
    lock.unlock();
    job();
    job = nullptr; // what it holds goes before the thread waits again
    lock.lock();
    // Enough others wait already, or the pool is going away: this thread is not needed.
    if (st->closing || st->idle.size() >= st->keep_idle)
      break;
    st->idle.push_back(&slot);
    slot.wake.wait_for(lock, st->idle_timeout, [&] { return slot.job || st->closing; });
    if (!slot.job) { // timed out or closing: still in the stack, leave it
      std::erase(st->idle, &slot);
      break;
    }
    job = std::move(slot.job);
    slot.job = nullptr;
  }
  --st->threads;
  st->left.notify_all();
}

} // namespace herald::actors
