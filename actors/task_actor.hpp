#pragma once

// The actor of one task: runs the route's body with a task_context, reports start, progress,
// custom events and the outcome to the registry, then ends. A blocking body runs on a thread of
// the route's pool (`body_pool`), so it never stalls the scheduler; the actor waits for it. Only
// the task's own work talks to it, so its handle declares no protocol.

#include "actors/async_route.hpp"
#include "actors/task_registry.hpp"

#include <caf/actor.hpp>
#include <memory>
#include <string>

namespace herald::actors {

class body_pool;
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
  /// Where a blocking body runs; null for a route whose body does not block.
  std::shared_ptr<body_pool> pool;
};

/// Spawns the task actor monitored by `parent`.
caf::actor spawn_task(caf::local_actor* parent, task_launch launch);

} // namespace herald::actors
