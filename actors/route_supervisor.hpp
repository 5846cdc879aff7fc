#pragma once

// The supervisor of one async route (SPEC §2): admits at most `max_concurrent` running tasks,
// queues the rest in a bounded FIFO (full: `queue_full`, answered 429; the registry may refuse
// a task too, `over_budget`, answered 503), spawns one monitored
// task actor per started task, and starts the next one when a task actor ends; a task actor
// that dies without reporting an outcome makes its task `Failed`.

#include "actors/async_route.hpp"
#include "actors/inspect.hpp"
#include "actors/task_census.hpp"
#include "actors/task_messages.hpp"
#include "actors/task_registry.hpp"

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
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

/// The supervisor's protocol: what the registry asks of it (`task_owner_actor`: abort a task,
/// queue positions), and:
using route_supervisor_actor = task_owner_actor::extend<
    /// From the HTTP side: a new task of the route (answered through its reply once the
    /// registry holds it, or refused: `queue_full`, `duplicate_id`, `over_budget`,
    /// `shutting_down`).
    caf::reacts_to<submit_atom, task_submission>,
    /// To itself, `cancel_grace` after an aborted task's body was asked to stop: its slot is
    /// given back if its actor still runs.
    caf::reacts_to<release_atom, std::string>,
    /// From the admin API and `/metrics`: the route's limits, running and queued tasks, and
    /// its counts since start.
    caf::replies_to<inspect_atom>::with<boost::json::value>>;

route_supervisor_actor spawn_route_supervisor(caf::actor_system& system,
                                              std::shared_ptr<const route_spec> route,
                                              task_registry_actor registry,
                                              supervisor_settings settings,
                                              std::shared_ptr<task_census> census);

} // namespace herald::actors
