#pragma once

// The group directory: the one way into SSE groups. It maps group names to group actors,
// spawning a group on its first message and letting an idle one stop, and forwards every
// publication and subscription to the group it names.

#include "actors/sse_group.hpp"

#include <caf/fwd.hpp>

namespace herald::actors {

/// Messages it handles (see sse_messages.hpp), each naming its group:
/// - `sse_publish_atom, group, sse_publication`;
/// - `sse_task_atom, group, task_publication`;
/// - `sse_subscribe_atom, group, sse_subscription`;
/// - `sse_replay_atom, group, subscriber id, task_replay` from the registry (a task's log for
///   a per-task stream, on the same path as the task's events, so that it is ordered with
///   them);
/// - `sse_idle_atom, group, received` from an idle group;
/// - `sse_drain_atom` -> `true` once every group has sent what it holds (at shutdown);
/// - `caf::put_atom, registry`: the task registry, sent once before anything else (the
///   registry and the directory each need the other).
/// Group names are opaque non-empty strings.
caf::actor spawn_sse_directory(caf::actor_system& system, sse_settings settings);

} // namespace herald::actors
