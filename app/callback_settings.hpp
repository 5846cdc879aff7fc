#pragma once

// Completion callbacks (SPEC §4.7): the node's `callbacks` settings, read and checked at start.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace herald::app {

/// `callbacks.*`. Callbacks are off until `allow` names somewhere they may go: a task's
/// callback to anywhere else is refused (recorded in its `CallbackInfo`, never attempted).
struct callback_settings {
  /// `allow`: host names (`hooks.example.com`, `*.example.com`) and IP ranges (`10.0.0.0/8`,
  /// `127.0.0.1`, `::1`). A listed name is called only at public addresses; loopback,
  /// private and link-local addresses only when a listed range holds them.
  std::vector<std::string> allow;
  /// `secrets`: the node's signing secrets (`whsec_<base64>` or at least 16 raw bytes),
  /// used by routes without their own; each signs, so that receivers can rotate. Empty:
  /// callbacks go unsigned.
  std::vector<std::string> secrets;
  /// `ca_file`: a PEM bundle trusted besides the system's CA store (a private CA).
  std::string ca_file;
  /// `attempts`: requests per callback at most (the first included).
  int attempts = 4;
  /// `backoff_ms`: the wait before the second attempt; doubled for each further one (with
  /// ±20 % jitter), up to `max_backoff_ms`; a longer `Retry-After` wins, up to 10 minutes.
  std::chrono::milliseconds backoff{1'000};
  std::chrono::milliseconds max_backoff{60'000};
  /// `connect_timeout_ms` (TCP, and TLS's handshake again as long) and `response_timeout_ms`
  /// (from the request written to the whole response read).
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds response_timeout{10'000};
  /// `max_in_flight`: requests under way at once; the others wait their turn.
  std::size_t max_in_flight = 64;
  /// `max_pending` and `max_pending_bytes` (payload bytes): callbacks not yet ended, at most;
  /// a task ending past either has its callback refused (`CallbackInfo` says why), so that a
  /// receiver that stalls cannot make the node hold its tasks' payloads without bound.
  std::size_t max_pending = 10'000;
  std::uint64_t max_pending_bytes = 64 * 1024 * 1024;
};

/// Why `name: value` cannot be an extra header of a route's callback requests, or empty: a
/// header that would split the request, one the client writes itself (`Host`,
/// `Content-Length`, `Transfer-Encoding`, `Connection`), or one the signature owns
/// (`Content-Type`, `webhook-id`, `webhook-timestamp`, `webhook-signature`).
std::string callback_header_problem(std::string_view name, std::string_view value);

} // namespace herald::app
