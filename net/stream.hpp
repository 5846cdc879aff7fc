#pragma once

// An endless response (an event stream): what a handler hands to its connection to turn the
// exchange into one, and the unit in which the stream's later bytes travel. No CAF here: the
// connection actor carries these between the handler, the SSE group and the session.

#include "net/http.hpp"

#include <chrono>
#include <memory>
#include <string>

namespace herald::net {

/// Stream bytes shared by every connection they go to: built once, never changed.
using shared_bytes = std::shared_ptr<const std::string>;

/// How a stream starts and behaves; the session writes it and then keeps writing what is
/// pushed to it until the stream ends, the peer leaves or a bound is hit.
struct stream_head {
  /// Status and fields; the session adds `Server`, `Date` and `Connection: close`, and no
  /// length: the body ends when the connection does.
  response head;
  /// Bytes written right after the head (the `retry:` line, the opening event, a replay).
  std::string preface;
  /// Written when the node drains (shutdown), just before the session closes (may be null).
  shared_bytes farewell;
  /// Written whenever nothing else was for `heartbeat_interval` (a `: ping` comment), so that
  /// proxies keep the connection and a vanished peer is noticed (may be null). Shared by
  /// every stream: idle streams are many and should cost little.
  shared_bytes heartbeat;
  std::chrono::milliseconds heartbeat_interval{15'000};
  /// After this long the stream ends (what is queued is written, then the connection
  /// closes, with no farewell: clients reconnect and resume); zero for never.
  std::chrono::milliseconds lifetime{0};
  /// The lifetime is the credential's (it expires then): the farewell is written before the
  /// stream ends, so that clients stop rather than reconnect with what no longer checks.
  bool farewell_at_end = false;
};

} // namespace herald::net
