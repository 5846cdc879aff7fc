#pragma once

// The supervisor of one async route (SPEC §2): admits at most `max_concurrent` running tasks,
// queues the rest in a bounded FIFO (full: `queue_full`, answered 429; the registry may refuse
// a task too, `over_budget`, answered 503), spawns one monitored
// task actor per started task, and starts the next one when a task actor ends; a task actor
// that dies without reporting an outcome makes its task `Failed`.

#include "actors/async_route.hpp"
#include "actors/task_census.hpp"

#include <caf/fwd.hpp>
#include <chrono>
#include <memory>

namespace herald::actors {

struct supervisor_settings {
  /// A running task that was aborted keeps its slot at most this long while its body has not
  /// returned; after it, the slot goes to the next task (the body's outcome is ignored).
  std::chrono::milliseconds cancel_grace{5000};
  /// `Retry-After` of a refusal because the queue is full or the held tasks fill
  /// `tasks.max_held_bytes`.
  std::chrono::seconds retry_after{1};
};

/// Messages it handles:
/// - from the HTTP side: `submit_atom, task_submission` (answered through its reply);
/// - from the registry: `abort_atom, id` (the task was aborted: leave the queue or stop),
///   `position_atom, ids` -> positions (1-based; 0 when not queued).
caf::actor spawn_route_supervisor(caf::actor_system& system,
                                  std::shared_ptr<const route_spec> route, caf::actor registry,
                                  supervisor_settings settings,
                                  std::shared_ptr<task_census> census);

} // namespace herald::actors
