#pragma once

// An SSE group (SPEC §2, §4.5): one actor per group, spawned on demand by the group directory.
// It numbers the group's events, frames each one once into a buffer that every subscriber's
// message shares, keeps a bounded replay ring, and tracks how far behind each subscriber is
// from the acknowledgements of its writes; a subscriber beyond its bound is disconnected, so
// a stalled client costs nobody else anything.

#include <atomic>
#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace herald::net {
class histogram;
}

namespace herald::actors {

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
  /// The epoch of per-task event ids (their sequence numbers are the registry's, per task).
  std::uint64_t task_epoch = 0;
  /// The task registry, which per-task streams replay from.
  caf::actor registry;
  /// Where fan-outs record their publish-to-write latency (none when null).
  std::shared_ptr<net::histogram> latency;
  /// Live groups the directory creates at most for names that no route declared; past it
  /// subscribing to or publishing into a new group is refused (`sse.max_groups`).
  std::size_t max_groups = 10'000;
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

/// Messages it handles (see sse_messages.hpp):
/// - `sse_publish_atom, sse_publication` (hub mode; answered through its `reply`);
/// - `sse_task_atom, task_publication` (a task event from the registry);
/// - `sse_subscribe_atom, sse_subscription`;
/// - `sse_replay_atom, subscriber id, task_replay` (the log a per-task subscription waits for);
/// - `sse_ack_atom, subscriber id` from a connection that caught up (see sse_ack_state);
/// When idle it sends `sse_idle_atom, name, messages received` to `directory`, which stops it
/// if nothing more is on its way. It keeps `stats` current.
caf::actor spawn_sse_group(caf::local_actor* parent, std::string name, std::uint64_t epoch,
                           const sse_settings& settings, caf::actor directory,
                           std::shared_ptr<sse_group_stats> stats);

} // namespace herald::actors
