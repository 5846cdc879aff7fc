#pragma once

// The actor of one task: runs the route's body with a task_context, reports start, progress,
// custom events and the outcome to the registry, then ends. A blocking body gets its actor
// spawned detached (a thread of its own), so it never stalls the scheduler. It receives no
// messages (it ends when its body returns), so its handle declares no protocol.

#include "actors/async_route.hpp"
#include "actors/task_registry.hpp"

#include <caf/actor.hpp>
#include <memory>
#include <string>

namespace herald::actors {

class task_census;
class task_control;

/// What a task actor is started with.
struct task_launch {
  std::string id;
  std::shared_ptr<const route_spec> route;
  std::shared_ptr<const task_input> input;
  std::shared_ptr<task_control> control;
  task_registry_actor registry;
  std::shared_ptr<task_census> census;
};

/// Spawns the task actor monitored by `parent` (detached when the route's body blocks).
caf::actor spawn_task(caf::local_actor* parent, task_launch launch);

} // namespace herald::actors
