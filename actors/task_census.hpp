#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>

namespace herald::actors {

/// Counts the task actors alive across the node, so that shutdown can wait for them.
class task_census {
 public:
  void enter();
  void leave();
  /// Waits until no task actor is alive or `timeout` passes; returns how many are left.
  std::size_t wait_empty(std::chrono::milliseconds timeout);

 private:
  std::mutex mutex_;
  std::condition_variable empty_;
  std::size_t alive_ = 0;
};

} // namespace herald::actors
