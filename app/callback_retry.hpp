#pragma once

// When a completion callback (SPEC §4.7) is tried again: the verdict on each answer, the
// delay before the next attempt, and the receiver's own `Retry-After`. Pure arithmetic, so
// that the sender only keeps timers and the policy is tested without a network.

#include <chrono>
#include <optional>
#include <string_view>

namespace herald::app {

/// How a callback is retried; every default in one place.
struct retry_policy {
  /// Attempts in all, the first one included (SPEC §4.7: up to 4).
  int attempts = 4;
  /// The delay after the first failed attempt; it doubles after each further one.
  std::chrono::milliseconds base{1000};
  /// The most a computed delay may be, jitter included.
  std::chrono::milliseconds max_delay{60000};
  /// How far a delay is spread around its value, as a fraction (0.2: ±20 %), so that the
  /// callbacks of many tasks that failed together do not retry together.
  double jitter = 0.2;
  /// The most a receiver's `Retry-After` may make us wait; a longer one is cut to this.
  std::chrono::milliseconds max_retry_after{std::chrono::minutes{10}};
};

/// The wait before the attempt after attempt `attempt_just_failed` (1 for the first):
/// `base * 2^(attempt - 1)`, times `1 - jitter + 2 * jitter * random01` (`random01` uniform in
/// [0, 1]), then at most `max_delay`. A `retry_after` from the receiver is a minimum: its
/// server knows when it will be back, but it cannot make us retry sooner than our own backoff,
/// and it is honoured up to `max_retry_after` only, so a receiver cannot park a delivery for a
/// day (a delay may then exceed `max_delay`). Out-of-range inputs are clamped: never negative.
std::chrono::milliseconds retry_delay(const retry_policy& policy, int attempt_just_failed,
                                      std::optional<std::chrono::milliseconds> retry_after,
                                      double random01);

/// The wait a `Retry-After` header value asks for, seen at `now`: delta-seconds (digits only;
/// more than 2^31 seconds reads as 2^31, as RFC 9111 §1.2.2 has caches do) or an IMF-fixdate
/// (`Sun, 06 Nov 1994 08:49:37 GMT`), a date in the past being 0. nullopt for anything else,
/// the obsolete RFC 850 and asctime date forms included: the sender then keeps its own delay.
std::optional<std::chrono::milliseconds>
parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now);

/// What one answer to a callback means.
enum class delivery_verdict {
  delivered, ///< 2xx
  retry,     ///< anything not below, while attempts remain
  give_up,   ///< no further attempt would help
};

/// The verdict on an answer with `status`, the way webhook senders commonly judge:
/// 2xx is delivered; 410 Gone means the receiver is gone for good; 3xx gives up because
/// redirects are not followed (a redirect could lead past `callbacks.allow`, and the same
/// request would be redirected again); every other status (4xx, 5xx, and anything outside
/// 100-599) is retried, since a receiver's 4xx is as often a deploy in progress as a
/// permanent refusal. A connection or TLS failure is not a status: the sender retries it.
delivery_verdict judge(int status) noexcept;

} // namespace herald::app
