#pragma once

// The flow control of an SSE group (SPEC §4.5), apart from the actor so that it can be tested
// alone. Every batch sent to a subscriber is charged to its account; what its connection wrote
// comes back through the shared `sse_ack_state`. A subscriber behind by more than half its
// bound that keeps acknowledging holds publishing back (publishers wait for slow readers); one
// that stopped acknowledging holds nobody back, and past its bound it is disconnected (nobody
// waits for a stalled reader).

#include "actors/sse_ack_state.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace herald::actors {

class sse_flow {
 public:
  using clock = std::chrono::steady_clock;

  /// A subscriber behind by more than half its bound holds publishing back while it keeps
  /// acknowledging; one that acknowledged nothing for this long no longer does, and is
  /// disconnected once past its bound.
  static constexpr std::chrono::milliseconds ack_window{500};

  /// Publications and task events that may wait for slow subscribers, at most. Hub publishers
  /// are held back by their backlog long before; task events are not, so past this the group
  /// stops waiting, and subscribers that cannot keep up are dropped at their bound instead.
  static constexpr std::size_t max_waiting = 10'000;

  /// One subscriber's standing.
  struct account {
    /// Shared with its connection, which stores what it wrote.
    std::shared_ptr<sse_ack_state> ack = std::make_shared<sse_ack_state>();
    /// Bytes of frames sent to it.
    std::uint64_t sent = 0;
    /// The last `written` value seen and when it last moved: "still acknowledging".
    std::uint64_t seen_written = 0;
    clock::time_point last_progress{};
    /// Behind by more than half the bound and still acknowledging: publishing waits for it.
    bool holding = false;
  };

  /// What becomes of a publication or task event that arrives.
  enum class arrival {
    now,      ///< handle it at once
    wait,     ///< queue it behind what waits (someone holds publishing back, or others wait)
    overflow, ///< queue it, then stop waiting for anyone: `max_waiting` wait already
  };

  /// `max_lag_bytes`: bytes sent and not yet written beyond which a subscriber is dropped.
  explicit sse_flow(std::uint64_t max_lag_bytes) noexcept;

  /// Opens `a` at `now`: a new subscriber counts as acknowledging from then.
  void open(account& a, clock::time_point now) const noexcept;

  /// Bytes sent to `a` and not yet written to its socket; notes whether its writes progress.
  std::uint64_t lag(account& a, clock::time_point now) const noexcept;

  /// Charges a batch of `bytes` sent to `a`. False when that puts it beyond its bound: the
  /// caller disconnects it. A subscriber more than half its bound behind that acknowledged
  /// within `ack_window` starts holding publishing back, and its connection is asked (through
  /// `wake_at`) to say when it is back to half.
  bool charge_or_drop(account& a, std::size_t bytes, clock::time_point now) noexcept;

  /// `a`'s connection says it caught up to `wake_at`. True when `a` no longer holds publishing
  /// back (what waits may go); false when it did not hold, or is still more than half behind
  /// (it is asked again).
  bool acknowledged(account& a, clock::time_point now) noexcept;

  /// The periodic check of a holding subscriber: it stops holding once caught up to half its
  /// bound, or once it acknowledged nothing for `ack_window`.
  void recheck(account& a, clock::time_point now) noexcept;

  /// `a` stops holding publishing back (if it did).
  void release(account& a) noexcept;

  /// `a` leaves. True when it was the last one holding publishing back.
  bool leave(account& a) noexcept;

  /// What to do with a publication arriving while `waiting` others wait.
  arrival on_arrival(std::size_t waiting) const noexcept;

  /// Whether what waits may be handled now.
  bool may_release(std::size_t waiting) const noexcept { return holding_ == 0 && waiting > 0; }

  /// Subscribers holding publishing back.
  std::size_t holding() const noexcept { return holding_; }
  std::uint64_t max_lag_bytes() const noexcept { return max_lag_bytes_; }

 private:
  std::uint64_t half() const noexcept { return max_lag_bytes_ / 2; }

  std::uint64_t max_lag_bytes_;
  std::size_t holding_ = 0;
};

} // namespace herald::actors
