#include "actors/task_census.hpp"

namespace herald::actors {

void task_census::enter() {
  std::lock_guard guard{mutex_};
  ++alive_;
}

void task_census::leave() {
  std::lock_guard guard{mutex_};
  if (alive_ > 0 && --alive_ == 0)
    empty_.notify_all();
}

std::size_t task_census::wait_empty(std::chrono::milliseconds timeout) {
  std::unique_lock guard{mutex_};
  empty_.wait_for(guard, timeout, [this] { return alive_ == 0; });
  return alive_;
}

} // namespace herald::actors
