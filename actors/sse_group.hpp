#pragma once

// An SSE group (SPEC §2, §4.5): one actor per group, spawned on demand by the group directory.
// It numbers the group's events, frames each one once into a buffer that every subscriber's
// message shares, keeps a bounded replay ring, and tracks how far behind each subscriber is
// from the acknowledgements of its writes; a subscriber beyond its bound is disconnected, so
// a stalled client costs nobody else anything.

#include "actors/inspect.hpp"
#include "actors/sse_messages.hpp"

#include <atomic>
#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace herald::net {
class histogram;
}

namespace herald::actors {

/// How SSE groups behave (`sse.*` of the configuration).
struct sse_settings {
  /// Events the replay ring keeps at most, and their bytes at most.
  std::size_t ring_events = 1000;
  std::size_t ring_bytes = 4 * 1024 * 1024;
  /// Bytes sent to a subscriber and not yet acknowledged as written beyond which it is
  /// disconnected.
  std::uint64_t max_lag_bytes = 1024 * 1024;
  /// A group without subscribers and events for this long stops (and is re-created on
  /// demand).
  std::chrono::milliseconds idle_timeout{60'000};
  /// Live groups the directory creates at most for names that no route declared; past it
  /// subscribing to or publishing into a new group is refused (`sse.max_groups`).
  std::size_t max_groups = 10'000;
};

/// What every group is wired to beside its settings, fixed when the node starts.
struct sse_links {
  /// The epoch of per-task event ids (their sequence numbers are the registry's, per task).
  std::uint64_t task_epoch = 0;
  /// Where fan-outs record their publish-to-write latency (none when null).
  std::shared_ptr<net::histogram> latency;
};

/// A group's figures for `/metrics`, stored by the group after each message it handles and
/// read by the directory without asking it: a scrape reads every group in one message of
/// the directory, instead of one request per group through the node's one scheduler thread.
/// Each figure is exact; two figures may be one message apart.
struct sse_group_stats {
  std::atomic<std::uint64_t> subscribers{0};
  std::atomic<std::uint64_t> published{0};
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<std::uint64_t> dropped{0};
  std::atomic<std::uint64_t> slow_disconnects{0};
  std::atomic<std::uint64_t> waiting{0};
  std::atomic<std::uint64_t> ring_events{0};
  std::atomic<std::uint64_t> ring_bytes{0};
};

/// The group's protocol (payloads in sse_messages.hpp).
using sse_group_actor = caf::typed_actor<
    /// A hub publication: numbered, framed once, kept in the ring, answered through its
    /// `reply`.
    caf::reacts_to<sse_publish_atom, sse_publication>,
    /// A task event from the registry (through the directory).
    caf::reacts_to<sse_task_atom, task_publication>,
    /// A connection subscribes; answered through the subscription's `accept` or `refuse`,
    /// then `sse_attach_atom` to the subscriber.
    caf::reacts_to<sse_subscribe_atom, sse_subscription>,
    /// The task's log a per-task subscription waits for: subscriber id, log.
    caf::reacts_to<sse_replay_atom, std::uint64_t, task_replay>,
    /// A connection caught up to the `wake_at` of its `sse_ack_state`: subscriber id.
    caf::reacts_to<sse_ack_atom, std::uint64_t>,
    /// To itself: send the batch.
    caf::reacts_to<sse_flush_atom>,
    /// To itself: check which subscribers holding publishing back stopped acknowledging.
    caf::reacts_to<sse_stall_atom>,
    /// To itself: check whether it is idle (then tells its directory).
    caf::reacts_to<sse_idle_atom>,
    /// At shutdown: `true` once what it held is on its way to the connections.
    caf::replies_to<sse_drain_atom>::with<bool>,
    /// Its state as JSON for the admin API; with its subscribers when `true`.
    caf::replies_to<inspect_atom, bool>::with<boost::json::value>>;

/// What a group tells its directory: it is idle (`name`, messages it received through the
/// directory); the directory stops it when nothing more is on its way to it.
using sse_idle_listener =
    caf::typed_actor<caf::reacts_to<sse_idle_atom, std::string, std::uint64_t>>;

/// A group to spawn.
struct sse_group_setup {
  std::string name;
  /// The epoch of the group stream's event ids.
  std::uint64_t epoch = 0;
  sse_settings settings;
  sse_links links;
  sse_idle_listener directory;
  /// The task registry, which per-task streams replay from (it answers
  /// `sse_replay_atom, task, after, group, subscriber` through the directory).
  task_replay_source_actor registry;
  /// Where it keeps its figures current (its own when null).
  std::shared_ptr<sse_group_stats> stats;
};

/// Spawns a group, monitored by `parent` (its directory).
sse_group_actor spawn_sse_group(caf::local_actor* parent, sse_group_setup setup);

} // namespace herald::actors
