#pragma once

// What an SSE subscriber's connection and its group share about the stream's writes.

#include <atomic>
#include <cstdint>
#include <string>

namespace herald::actors {

/// A subscriber's acknowledgements, shared by its connection and its group. Each finished
/// write is acknowledged by an atomic store rather than a message (a message per write per
/// subscriber would double the traffic of a fan-out); the group reads it when it sends.
struct sse_ack_state {
  /// Bytes of the group's frames written to the socket so far (connection writes, group reads).
  std::atomic<std::uint64_t> written{0};
  /// Non-zero while the group waits for `written` to reach it (a far-behind subscriber
  /// holding publications back): the connection then sends `sse_ack_atom` once.
  std::atomic<std::uint64_t> wake_at{0};
  /// Bytes of frames the group has sent so far (group writes, inspection reads: the lag).
  std::atomic<std::uint64_t> sent{0};
  /// What the subscription is, for inspection; set by the group before it shares the block.
  std::string group;
  std::string task; ///< empty: the whole group
  std::uint64_t subscriber = 0;
};

} // namespace herald::actors
