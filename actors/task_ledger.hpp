#pragma once

// What the task registry holds, in bytes, and in which order it forgets finished tasks: the
// budget `tasks.max_held_bytes` and the bound `tasks.max_retained` share one rule (the oldest
// completion goes first). Pure: no actors, so that the accounting is tested alone; the
// registry keeps each task's weight and reports every change here.

#include "actors/sse_messages.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace herald::actors {

struct task_input;

/// What every held task costs beyond its variable parts (`record_bytes`, `input_bytes`, its
/// event log), measured on a release build: the registry's entry and the record in it, its
/// index nodes (tasks, retention, timeouts) with their copies of the id, the supervisor's
/// handle, the task's control block, and the allocator's share of each. 20,000 tasks created
/// and cancelled with 60-byte targets added 35.6 MiB of RSS, 1.8 KiB each, rounded up.
constexpr std::size_t task_overhead_bytes = 2048;

/// The bytes a task's request occupies while its body may still read it: the parsed body,
/// the path parameters and the target with its query.
std::size_t input_bytes(const task_input& in);

/// What an event of a task's log costs: its data, its type and a fixed part for the event
/// itself (its number, kind, the log's slot).
std::size_t event_bytes(const task_stream_event& ev);

class task_ledger {
 public:
  using clock = std::chrono::steady_clock;
  /// A finished task: its id and what it weighs (final once it is finished).
  struct retained_task {
    std::string id;
    std::uint64_t bytes = 0;
  };
  /// Finished tasks by the time they are forgotten; with one retention period for all, that
  /// is completion order.
  using order = std::multimap<clock::time_point, retained_task>;

  task_ledger() = default;
  task_ledger(std::size_t max_retained, std::uint64_t max_held_bytes) noexcept
      : max_retained_(max_retained), max_held_bytes_(max_held_bytes) {}

  // -- bytes ----------------------------------------------------------------------------------

  /// A task's weight went from `before` to `after` (0 when it is new, or forgotten).
  void reweigh(std::uint64_t before, std::uint64_t after) noexcept {
    held_bytes_ = held_bytes_ - before + after;
  }

  std::uint64_t held_bytes() const noexcept { return held_bytes_; }
  std::uint64_t max_held_bytes() const noexcept { return max_held_bytes_; }

  /// Whether `incoming` more bytes stay within the budget.
  bool fits(std::uint64_t incoming) const noexcept {
    return incoming <= max_held_bytes_ && held_bytes_ <= max_held_bytes_ - incoming;
  }

  /// Whether `incoming` more bytes would fit once every finished task is forgotten: when not,
  /// forgetting any of them is pointless (the newcomer is refused anyway).
  bool could_fit(std::uint64_t incoming) const noexcept {
    return incoming <= max_held_bytes_ &&
           held_bytes_ - retained_bytes_ <= max_held_bytes_ - incoming;
  }

  // -- finished tasks -------------------------------------------------------------------------

  /// Task `id`, weighing `bytes`, finished; it is forgotten at `forget_at` unless room is
  /// needed before.
  order::iterator retain(clock::time_point forget_at, std::string id, std::uint64_t bytes) {
    retained_bytes_ += bytes;
    return retained_.emplace(forget_at, retained_task{std::move(id), bytes});
  }

  /// The retained task at `it` is forgotten (its bytes are given back with `reweigh`).
  void release(order::const_iterator it) {
    retained_bytes_ -= it->second.bytes;
    retained_.erase(it);
  }

  /// What the finished tasks weigh together.
  std::uint64_t retained_bytes() const noexcept { return retained_bytes_; }

  const order& retained() const noexcept { return retained_; }

  /// The finished task to forget now so that at most `max_retained` stay and `incoming` more
  /// bytes fit: the one that finished first, unless it is `keep` (a task being settled, which
  /// must stay). End when none needs to go or none can.
  order::iterator next_to_forget(std::uint64_t incoming, std::string_view keep);

 private:
  std::size_t max_retained_ = SIZE_MAX;
  std::uint64_t max_held_bytes_ = UINT64_MAX;
  std::uint64_t held_bytes_ = 0;
  std::uint64_t retained_bytes_ = 0;
  order retained_;
};

} // namespace herald::actors
