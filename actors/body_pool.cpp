#include "actors/body_pool.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace herald::actors {

/// Shared by the pool and its threads, so that a thread busy with a body that outlives the
/// pool still has it when it is done.
struct body_pool::shared_state {
  std::size_t keep_idle;
  std::chrono::milliseconds idle_timeout;
  std::mutex mutex;
  std::condition_variable wake; ///< a job arrived, or the pool closes
  std::condition_variable left; ///< an idle thread ended (the destructor waits on it)
  std::deque<std::function<void()>> jobs;
  std::size_t threads = 0;
  std::size_t idle = 0;
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
  state_->wake.notify_all();
  // Bounded: the idle ones only have to wake up and see `closing`.
  state_->left.wait_for(lock, std::chrono::seconds{1}, [&] { return state_->idle == 0; });
}

void body_pool::post(std::function<void()> job) {
  std::lock_guard lock{state_->mutex};
  state_->jobs.push_back(std::move(job));
  // Each idle thread takes one queued job; only when there are more jobs than idle threads
  // does this one need a thread of its own.
  if (state_->idle >= state_->jobs.size()) {
    state_->wake.notify_one();
    return;
  }
  try {
    std::thread{work, state_}.detach();
  } catch (...) {
    state_->jobs.pop_back();
    throw;
  }
  ++state_->threads;
  ++state_->started;
}

body_pool::figures body_pool::snapshot() const {
  std::lock_guard lock{state_->mutex};
  return {state_->threads, state_->idle, state_->started};
}

void body_pool::work(std::shared_ptr<shared_state> st) {
  std::unique_lock lock{st->mutex};
  for (;;) {
    if (st->jobs.empty()) {
      // Enough others wait already, or the pool is going away: this thread is not needed.
      if (st->closing || st->idle >= st->keep_idle)
        break;
      ++st->idle;
      bool got = st->wake.wait_for(lock, st->idle_timeout,
                                   [&] { return !st->jobs.empty() || st->closing; });
      --st->idle;
      if (!got || st->jobs.empty())
        break;
    }
    auto job = std::move(st->jobs.front());
    st->jobs.pop_front();
    lock.unlock();
    job();
    job = nullptr; // what it holds goes before the thread waits again
    lock.lock();
  }
  --st->threads;
  st->left.notify_all();
}

} // namespace herald::actors
