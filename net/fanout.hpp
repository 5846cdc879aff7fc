#pragma once

// One batch of stream bytes for many sessions, handed to the I/O threads as one job. An SSE
// group sends each batch to hundreds of streams; one hand-over between threads per batch,
// instead of one per stream, keeps the I/O thread from being woken for every stream.

#include "net/stream.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

namespace herald::net {

class histogram;
class session;

struct fanout {
  /// The streams to push to; those gone meanwhile are skipped.
  std::vector<std::weak_ptr<session>> targets;
  /// The bytes (may be null: nothing to push).
  shared_bytes bytes;
  /// End each target's stream after the push (its last bytes).
  bool end_after = false;
  /// When the oldest event of `bytes` was published (unset: not measured).
  std::chrono::steady_clock::time_point published_at{};
};

/// Where one sender (an SSE group) sends its fan-outs: they run on the targets' I/O context,
/// one after the other in the order sent, also with several I/O threads, so each stream gets
/// its bytes in order. Each target gets `session::push` then, with `end_after`,
/// `session::end_stream`. Every target must belong to the same I/O context (a node has one).
/// `send` may be called from any thread, but from one at a time.
class fanout_channel {
 public:
  fanout_channel();
  ~fanout_channel();
  fanout_channel(fanout_channel&&) noexcept;
  fanout_channel& operator=(fanout_channel&&) noexcept;

  void send(fanout f);

  /// From now on, each measured fan-out (see `fanout::published_at`) records into `h` the
  /// time from its publication until every target's session had taken its bytes (most
  /// write them to the socket at once). Call before the first `send`.
  void measure(std::shared_ptr<histogram> h);

  /// Runs `f` on the I/O context once every fan-out sent before has handed its bytes to the
  /// sessions (at once, here, when none was ever sent).
  void after(std::function<void()> f);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace herald::net
