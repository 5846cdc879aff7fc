#pragma once

// Completion callbacks (SPEC §4.7) as the task registry sees them: when a task with a callback
// ends, the registry hands one job to the node's callback sender and learns each attempt's
// outcome back, as the task's `CallbackInfo`. How the request is made (HTTP, signing, the
// allow-list) is the sender's business only.

#include "actors/task_record.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <memory>
#include <string>

namespace herald::actors {

using callback_atom = caf::atom_constant<caf::atom("callback")>;

/// The callback of one ended task.
struct callback_job {
  std::string task_id;
  std::string route_id;
  /// With the id and the route, what makes the delivery's id unique (an id may be reused by a
  /// custom generator once the first task is forgotten).
  task_time creation{};
  std::shared_ptr<const callback_target> target;
  /// Pode's payload as JSON text: `{Url, Method, EventName, State, Result?, Error?, Id,
  /// AsyncRouteId}`.
  std::string payload;
};

/// Where the registry sends the callbacks of ended tasks.
using callback_sink_actor = caf::typed_actor<
    /// One task ended: deliver its callback; the outcome of each attempt comes back to the
    /// registry as `callback_atom, task id, callback_info`.
    caf::reacts_to<callback_atom, callback_job>>;

} // namespace herald::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::actors::callback_job)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::actors::callback_info)
