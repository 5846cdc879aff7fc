#pragma once

// The task registry (SPEC §2): the one actor that owns every task record. State transitions
// are made here only, so they are atomic and terminal states are final; lookups, cancel and
// queries are answered from here; a timer, armed for the earliest deadline only, enforces
// timeouts, drives time-based progress, ends `?wait=` holds and forgets finished tasks after
// the retention period.

#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <chrono>
#include <cstddef>

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
  /// Where task events are published (tasks of routes with SSE); none when null.
  caf::actor sse_directory;
};

/// Messages it handles (see task_messages.hpp):
/// - from supervisors: `register_atom, task_registration` -> `registration_result`
///   (`over_budget` when the task does not fit in `max_held_bytes`);
/// - from task actors: `started_atom, id, timestamp`, `progress_atom, id`,
///   `event_atom, id, task_event`, `finished_atom, id, task_outcome`;
/// - from supervisors: `crashed_atom, id, reason` (a task actor died without an outcome);
/// - from the HTTP side: `caf::get_atom, task_lookup`, `caf::delete_atom, task_cancel`,
///   `caf::get_atom, task_search`;
/// - from SSE groups: `sse_replay_atom, id, after, group, subscriber` (the task's stream after
///   sequence number `after`, sent back as a `task_replay` through the directory, the path
///   of the task's events);
/// - from the node: `shutdown_atom` -> `true` (aborts every unfinished task "Aborted by
///   System" and refuses new ones).
caf::actor spawn_task_registry(caf::actor_system& system, registry_settings settings);

} // namespace herald::actors
