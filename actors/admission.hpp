#pragma once

// The admission rule of a route supervisor (SPEC §2), apart from the actor so that it can be
// tested alone: at most `max_concurrent` tasks run, the rest wait in a bounded FIFO queue.

#include <boost/multi_index/hashed_index.hpp>
#include <boost/multi_index/member.hpp>
#include <boost/multi_index/ranked_index.hpp>
#include <boost/multi_index_container.hpp>
#include <cstddef>
#include <cstdint>
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

  /// Admits task `id`. Ids are unique (the registry refuses duplicates); O(log n).
  verdict admit(const std::string& id);

  /// Running task `id` ended (whatever its outcome): returns the queued task to start now, if
  /// any. An id that is not running changes nothing.
  std::optional<std::string> finish(const std::string& id);

  /// Takes queued task `id` out of the queue (it was cancelled); false when it was not queued.
  /// O(log n), so that aborting a hundred thousand queued tasks at shutdown stays quick.
  bool withdraw(const std::string& id);

  /// 1-based position of a queued task, or nullopt when it is not queued; O(log n).
  std::optional<std::size_t> position(const std::string& id) const;

  bool is_running(const std::string& id) const { return running_.count(id) != 0; }
  std::size_t running() const noexcept { return running_.size(); }
  std::size_t queued() const noexcept { return queue_.size(); }
  std::size_t max_concurrent() const noexcept { return max_concurrent_; }
  std::size_t max_queued() const noexcept { return max_queued_; }

 private:
  /// A waiting task: its arrival number (the queue's order) and its id.
  struct waiting {
    std::uint64_t arrival;
    std::string id;
  };
  struct by_arrival {};
  struct by_id {};
  /// The queue in arrival order, ranked, so that a task's position is its rank, and hashed by
  /// id, so that a task is found (withdrawn, placed) without a walk.
  using waiting_queue = boost::multi_index_container<
      waiting, boost::multi_index::indexed_by<
                   boost::multi_index::ranked_unique<
                       boost::multi_index::tag<by_arrival>,
                       boost::multi_index::member<waiting, std::uint64_t, &waiting::arrival>>,
                   boost::multi_index::hashed_unique<
                       boost::multi_index::tag<by_id>,
                       boost::multi_index::member<waiting, std::string, &waiting::id>>>>;

  std::size_t max_concurrent_;
  std::size_t max_queued_;
  std::unordered_set<std::string> running_;
  waiting_queue queue_;
  std::uint64_t next_arrival_ = 0;
};

} // namespace herald::actors
