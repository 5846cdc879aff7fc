#pragma once

// The group directory: the one way into SSE groups. It maps group names to group actors,
// spawning a group on its first message and letting an idle one stop, and forwards every
// publication and subscription to the group it names.

#include "actors/sse_group.hpp"

#include <caf/fwd.hpp>
#include <cstdint>
#include <string_view>

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
///   registry and the directory each need the other);
/// - `sse_declare_atom, group`: a route streams this group;
/// - `sse_stats_atom, top` -> JSON `{Groups, OpenGroups, MaxGroups, Refused, Totals, Top}`:
///   how many groups live, how many of them no route declared, the bound of those, creations
///   refused since start; `Totals` sums every group's figures (`Subscribers`, `Published`,
///   `Delivered`, `Dropped`, `SlowDisconnects`, `Waiting`, `RingEvents`, `RingBytes`; the
///   counters include groups that stopped); `Top` the `top` busiest groups (see
///   `busier_group`), each `{Name, Subscribers, Published, Delivered, Dropped,
///   SlowDisconnects, Waiting, Ring: {Events, Bytes}}`. Answered from the groups' shared
///   figures in this one message, without asking any group.
/// Group names are opaque non-empty strings. A group no route declared is created only while
/// fewer than `settings.max_groups` such groups live: past it a subscription is refused with
/// `sse_refusal::no_room` and a publication answered `no_room` (a C++ publication without a
/// reply is dropped). Task events and replays from the registry always reach their group
/// (groups of async routes are declared).
caf::actor spawn_sse_directory(caf::actor_system& system, sse_settings settings);

/// A group's figures as `sse_stats_atom` ranks them.
struct group_rank {
  std::string_view name;
  std::uint64_t subscribers = 0;
  std::uint64_t published = 0;
};

/// The order of "busiest": more subscribers first, then more events published, then by
/// name (so that the same groups are shown from one scrape to the next).
bool busier_group(const group_rank& a, const group_rank& b) noexcept;

} // namespace herald::actors
