#pragma once

// The admission rule of a route supervisor (SPEC §2), apart from the actor so that it can be
// tested alone: at most `max_concurrent` tasks run, the rest wait in a bounded FIFO queue.

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <unordered_set>

namespace herald::actors {

class admission {
 public:
  enum class verdict {
    run,    ///< start it now
    queued, ///< it waits its turn
    full,   ///< refused: the queue is at `max_queued` (the caller answers 429)
  };

  /// Throws std::invalid_argument when `max_concurrent` is 0.
  admission(std::size_t max_concurrent, std::size_t max_queued);

  /// Admits task `id`. Ids are unique (the registry generates them), so this does not search
  /// the queue for a twin: admitting stays O(1) with a hundred thousand tasks waiting.
  verdict admit(const std::string& id);

  /// Running task `id` ended (whatever its outcome): returns the queued task to start now, if
  /// any. An id that is not running changes nothing.
  std::optional<std::string> finish(const std::string& id);

  /// Takes queued task `id` out of the queue (it was cancelled); false when it was not queued.
  bool withdraw(const std::string& id);

  /// 1-based position of a queued task, or nullopt when it is not queued. Linear in the queue
  /// length: read per request, not per tick.
  std::optional<std::size_t> position(const std::string& id) const;

  bool is_running(const std::string& id) const { return running_.count(id) != 0; }
  std::size_t running() const noexcept { return running_.size(); }
  std::size_t queued() const noexcept { return queue_.size(); }
  std::size_t max_concurrent() const noexcept { return max_concurrent_; }
  std::size_t max_queued() const noexcept { return max_queued_; }

 private:
  std::size_t max_concurrent_;
  std::size_t max_queued_;
  std::unordered_set<std::string> running_;
  std::deque<std::string> queue_;
};

} // namespace herald::actors
