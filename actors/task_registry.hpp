#pragma once

// The task registry (SPEC §2): the one actor that owns every task record. State transitions
// are made here only, so they are atomic and terminal states are final; lookups, cancel and
// queries are answered from here; a timer, armed for the earliest deadline only, enforces
// timeouts, drives time-based progress, ends `?wait=` holds and forgets finished tasks after
// the retention period.

#include "actors/callback_messages.hpp"
#include "actors/inspect.hpp"
#include "actors/sse_messages.hpp"
#include "actors/task_messages.hpp"
#include "actors/task_store.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/timestamp.hpp>
#include <caf/typed_actor.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace herald::actors {

struct registry_settings {
  /// How long a finished task stays readable.
  std::chrono::milliseconds retention{10 * 60 * 1000};
  /// At most this many finished tasks are kept; beyond it the oldest are forgotten before
  /// their retention ends, so that a busy node's memory stays bounded.
  std::size_t max_retained = 100'000;
  /// Bytes the held tasks may occupy (bodies, targets, results, event logs, a fixed part per
  /// task): to admit a task past it the oldest finished tasks are forgotten first, and when
  /// unfinished ones fill it the registration is refused (`over_budget`).
  std::uint64_t max_held_bytes = 256 * 1024 * 1024;
  /// Period of time-based progress ticks, and the resolution of every other deadline
  /// (timeouts, `?wait=`, retention): the registry wakes only when one of them is due.
  std::chrono::milliseconds tick{100};
  /// Events kept per task (progress, custom events, the terminal event: what a per-task
  /// stream replays); beyond it the oldest are dropped, never the terminal event.
  std::size_t event_log_limit = 1000;
  /// Bytes of custom event data kept per task, at most (the same dropping rule).
  std::size_t event_log_bytes = 1024 * 1024;
  /// How long a query (`POST /tasks/query`, the admin API's task list) reads tasks before it
  /// lets other messages in: it goes on in slices, so no query holds the registry for long.
  std::chrono::microseconds query_slice{1000};
};

/// A query's next slice: sent by the registry to itself.
using walk_atom = caf::atom_constant<caf::atom("walk")>;

/// The registry's protocol.
using task_registry_actor = caf::typed_actor<
    /// From a supervisor, before it acknowledges a task: registers it (refused as
    /// `shutting_down`, `duplicate_id`, or `over_budget` when it does not fit in
    /// `max_held_bytes`).
    caf::replies_to<register_atom, task_registration>::with<registration_result>,
    /// From a task actor: its body starts now.
    caf::reacts_to<started_atom, std::string, caf::timestamp>,
    /// From a task actor: its body changed its progress (read from its `task_control`).
    caf::reacts_to<progress_atom, std::string>,
    /// From a task actor: a custom event of its body, for the task's stream.
    caf::reacts_to<event_atom, std::string, task_event>,
    /// From a task actor: how its body ended.
    caf::reacts_to<finished_atom, std::string, task_outcome>,
    /// From a supervisor: the task's actor died without an outcome (or could not start), with
    /// why: the task fails.
    caf::reacts_to<crashed_atom, std::string, std::string>,
    /// From the store: every change numbered up to this one is written (or failed to be).
    caf::reacts_to<stored_atom, std::uint64_t, bool>,
    /// To itself: the changes made since the last batch go to the store, in one message.
    caf::reacts_to<caf::flush_atom>,
    /// From the callback sender: the task's `CallbackInfo` after an attempt (or a refusal).
    caf::reacts_to<callback_atom, std::string, callback_info>,
    /// From the HTTP side: `GET /tasks/{id}` (answered through the lookup's reply).
    caf::reacts_to<caf::get_atom, task_lookup>,
    /// From the HTTP side: `DELETE /tasks/{id}` (answered through the cancel's reply).
    caf::reacts_to<caf::delete_atom, task_cancel>,
    /// From the HTTP side: `POST /tasks/query` (answered through the search's reply).
    caf::reacts_to<caf::get_atom, task_search>,
    /// From an SSE group through the directory: `id, after, group, subscriber`: the task's
    /// stream after sequence number `after`, sent back to the directory as `sse_replay_atom,
    /// group, subscriber, task_replay` (the path of the task's events, so that they stay in
    /// order).
    caf::reacts_to<sse_replay_atom, std::string, std::uint64_t, std::string, std::uint64_t>,
    /// From the node: aborts every unfinished task "Aborted by System" and refuses new ones;
    /// answered once every terminal event is on its way.
    caf::replies_to<shutdown_atom>::with<bool>,
    /// From the admin API and `/metrics`: per route, tasks held by state, outcomes since
    /// start, task durations and held bytes.
    caf::replies_to<inspect_atom>::with<boost::json::value>,
    /// From the admin API: `state, route, limit`: the newest `limit` tasks that match (empty
    /// filters match everything), in creation order.
    caf::replies_to<inspect_atom, std::string, std::string,
                    std::uint64_t>::with<boost::json::value>,
    /// From the admin API: one task with its event log; null when there is no such task.
    caf::replies_to<inspect_atom, std::string>::with<boost::json::value>,
    /// To itself: the next slice of query number `id`.
    caf::reacts_to<walk_atom, std::uint64_t>,
    /// To itself: the housekeeping wake-up armed for this steady-clock time (timeouts,
    /// time-based progress, `?wait=` holds, retention); a superseded one does nothing.
    caf::reacts_to<caf::tick_atom, std::int64_t>>;

/// A durable store for the registry (SPEC §7), and what it held when the node started.
struct registry_store {
  task_store_actor actor;
  std::vector<restored_task> restored;
};

/// Spawns the registry. Task events of routes with SSE are published to `sse_directory`
/// (none when null), which also receives the replays of per-task streams. The callbacks of
/// ended tasks go to `callbacks` (when null, a task's callback is refused: nothing sends it).
/// With a store, the tasks it held are taken back first (those that had not ended become
/// `Aborted` with `restart_error`), every change is written to it, and what shows a change is
/// held back until the change is written.
task_registry_actor spawn_task_registry(caf::actor_system& system, registry_settings settings,
                                        task_event_sink_actor sse_directory,
                                        callback_sink_actor callbacks = {},
                                        registry_store store = {});

} // namespace herald::actors
