#pragma once

// The node's actor scheduler: CAF's work-sharing coordinator with a quieter clock. In CAF
// 0.17 every actor that ends sends its clock thread a request to drop the actor's timeouts,
// whether it ever set one or not: a lock, an allocation and a wake-up of that thread per
// actor. A node spawns an actor per task, so that was about a seventh of a trivial task's CPU
// (perf, on the task bench). This clock remembers which actors set a timeout (receive and
// request timeouts) and forwards the drop only for those: the clock thread holds nothing for
// the others, so skipping it changes nothing they could see. Delayed messages are not
// timeouts (an actor's end never dropped them) and pass through as before.

#include <cstdint>

namespace caf {
class actor_system;
class actor_system_config;
} // namespace caf

namespace herald::actors {

/// Makes the actor system built from `cfg` use this scheduler (with the `scheduler.*`
/// settings of `cfg`, e.g. `max-threads`).
void use_node_scheduler(caf::actor_system_config& cfg);

/// What the clock saw of actors ending since start, when `system` runs on the node scheduler.
struct actor_end_figures {
  std::uint64_t with_timeouts = 0; ///< their drop went to the clock thread
  std::uint64_t without = 0;       ///< no timeout ever set: nothing to drop
};

/// Nullopt-like: all zero when `system` runs on another scheduler (tests' deterministic one).
actor_end_figures actor_ends(caf::actor_system& system);

} // namespace herald::actors
