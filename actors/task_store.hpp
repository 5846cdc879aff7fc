#pragma once

// Where task records outlive the node (SPEC §7): the task registry's writes, as the registry
// sees them. The registry sends every change of a task (its record after each transition, each
// event of its stream, the events its log dropped, its forgetting) to one store actor, which
// writes them off the request path in batches and tells the registry how far it has written.
// The registry holds back whatever shows a change (an acknowledgement, an answer, an event on
// a stream) until the change is written, so that nothing a client saw is lost by a crash.
// How and where the store writes (SQLite here, Redis for many nodes) is its business only.

#include "actors/sse_messages.hpp"
#include "actors/task_record.hpp"

#include <atomic>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

namespace herald::actors {

using store_atom = caf::atom_constant<caf::atom("store")>;
using stored_atom = caf::atom_constant<caf::atom("stored")>;

/// A task as the store gave it back at start: its row, its record, and its stream's events as
/// kept (the newest `event_log_limit`, in order).
struct restored_task {
  std::uint64_t row = 0;
  task_record record;
  std::vector<task_stream_event> log;
};

/// How the store is doing, shared with `/ready`, `/metrics` and the admin API (read from any
/// thread; written by the store only).
struct store_health {
  std::atomic<std::uint64_t> batches{0}; ///< transactions committed
  std::atomic<std::uint64_t> writes{0};  ///< changes written (after merging within a batch)
  std::atomic<std::uint64_t> errors{0};  ///< batches that failed
  std::atomic<bool> failing{false};      ///< the last batch failed
  std::atomic<std::uint64_t> file_bytes{0};

  void fail(std::string why) {
    std::lock_guard guard{mutex_};
    last_error_ = std::move(why);
    errors.fetch_add(1, std::memory_order_relaxed);
    failing.store(true, std::memory_order_relaxed);
  }
  std::string last_error() const {
    std::lock_guard guard{mutex_};
    return last_error_;
  }

 private:
  mutable std::mutex mutex_;
  std::string last_error_;
};

/// Where the store says how far it has written: every change numbered up to `ticket` is
/// written (or, when `written` is false, failed to be: the node goes on from memory).
using store_ack_actor = caf::typed_actor<caf::reacts_to<stored_atom, std::uint64_t, bool>>;

/// A task's log dropped its events up to this sequence number.
struct trimmed_log {
  std::uint64_t up_to = 0;
};

/// The task is forgotten (retention, `max_retained`, `max_held_bytes`); `with_events` when it
/// had a stream whose events were stored.
struct forgotten_task {
  bool with_events = false;
};

/// One change of a task, named by its row: a number the registry gives each task in creation
/// order (on from the highest the store gave back), so that the store writes where it wrote
/// last rather than all over its file, as random ids would have it.
struct store_change {
  std::uint64_t row = 0;
  /// The task's record as it is now (new, or after a transition), an event of its stream, its
  /// log trimmed, or its end.
  std::variant<task_record, task_stream_event, trimmed_log, forgotten_task> what;
};

/// The store's protocol.
using task_store_actor = caf::typed_actor<
    /// Where acknowledgements go; sent once, before any change.
    caf::reacts_to<caf::put_atom, store_ack_actor>,
    /// `ticket, changes`: what the registry changed since its last batch, in order; the last
    /// of them is number `ticket` of the registry's running count.
    caf::reacts_to<store_atom, std::uint64_t, std::vector<store_change>>,
    /// To itself: write what has come so far, in one transaction.
    caf::reacts_to<caf::flush_atom>>;

/// The error text of a task that was queued or running when the node stopped without ending
/// it (a crash, a kill): it ends `Aborted` with this when the node starts again.
inline constexpr const char* restart_error = "Aborted by System: the node restarted";

} // namespace herald::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::actors::task_record)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<herald::actors::store_change>)
