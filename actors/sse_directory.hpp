#pragma once

// The group directory: the one way into SSE groups. It maps group names to group actors,
// spawning a group on its first message and letting an idle one stop, and forwards every
// publication and subscription to the group it names.

#include "actors/sse_group.hpp"

#include <caf/fwd.hpp>
#include <caf/typed_actor.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace herald::actors {

/// The directory's protocol (payloads in sse_messages.hpp). Group names are opaque non-empty
/// strings. A group no route declared is created only while fewer than `settings.max_groups` such
/// groups live: past it a subscription is refused with `sse_refusal::no_room` and a publication
/// answered `no_room` (a C++ publication without a reply is dropped). Task events and replays from
/// the registry always reach their group (groups of async routes are declared).
using sse_directory_actor = caf::typed_actor<
    /// A hub publication for the group.
    caf::reacts_to<sse_publish_atom, std::string, sse_publication>,
    /// A task event from the registry.
    caf::reacts_to<sse_task_atom, std::string, task_publication>,
    /// A connection subscribes to the group.
    caf::reacts_to<sse_subscribe_atom, std::string, sse_subscription>,
    /// From the registry: a task's log for a per-task stream (subscriber id, log), on the same
    /// path as the task's events, so that it is ordered with them.
    caf::reacts_to<sse_replay_atom, std::string, std::uint64_t, task_replay>,
    /// From an idle group: the messages it received; it is stopped when that is all that was
    /// sent to it.
    caf::reacts_to<sse_idle_atom, std::string, std::uint64_t>,
    /// A route streams this group: it does not count against `max_groups`.
    caf::reacts_to<sse_declare_atom, std::string>,
    /// The task registry, sent once by the registry as it starts, before anything else (the
    /// registry and the directory each need the other).
    caf::reacts_to<caf::put_atom, task_replay_source_actor>,
    /// At shutdown: `true` once every group has sent what it holds.
    caf::replies_to<sse_drain_atom>::with<bool>,
    /// `top` -> JSON `{Groups, OpenGroups, MaxGroups, Refused, Totals, Top}`: how many groups
    /// live, how many of them no route declared, the bound of those, creations refused since
    /// start; `Totals` sums every group's figures (`Subscribers`, `Published`, `Delivered`,
    /// `Dropped`, `SlowDisconnects`, `Waiting`, `RingEvents`, `RingBytes`; the counters include
    /// groups that stopped); `Top` the `top` busiest groups (see `busier_group`), each
    /// `{Name, Subscribers, Published, Delivered, Dropped, SlowDisconnects, Waiting, Ring:
    /// {Events, Bytes}}`. Answered from the groups' shared figures, without asking any group.
    caf::replies_to<sse_stats_atom, std::uint64_t>::with<boost::json::value>,
    /// Every live group's own account of itself, sorted by name (none is created).
    caf::replies_to<inspect_atom>::with<boost::json::value>,
    /// The named group's account with its subscribers; null when none lives.
    caf::replies_to<inspect_atom, std::string>::with<boost::json::value>>;

/// Spawns the directory; its groups get `settings` and `links`.
sse_directory_actor spawn_sse_directory(caf::actor_system& system, sse_settings settings,
                                        sse_links links);

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
