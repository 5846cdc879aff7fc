#pragma once

// Signatures of completion callbacks (SPEC §4.7) as Standard Webhooks v1 writes them, so that a
// receiver checks them with any of that specification's libraries: HMAC-SHA256 over
// `{webhook-id}.{webhook-timestamp}.{body}`, sent as `webhook-signature: v1,<base64>`.

#include "app/digests.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald::app {

/// The signing keys of one destination (a route's `secrets`, or the node's
/// `callbacks.secrets`), in their configured order. Several keys sign every message at once, so
/// that an operator rotates a secret by adding the new one, letting receivers switch, then
/// removing the old one. Immutable and cheap to copy (the keys are shared); thread-safe.
class webhook_signer {
 public:
  /// The shortest raw (not `whsec_`) secret: 128 bits of a typed password are little enough.
  static constexpr std::size_t min_raw_secret = 16;
  /// The bounds Standard Webhooks puts on a key: 24 to 64 bytes.
  static constexpr std::size_t min_key = 24;
  static constexpr std::size_t max_key = 64;

  /// The signer of `secrets`: each either `whsec_<base64>` (standard padded base64 of 24 to 64
  /// key bytes, the form Standard Webhooks hands out) or any other string, used as raw key
  /// bytes (at least `min_raw_secret`). nullopt with `error` set (naming the secret by its
  /// index, never by its value, for the caller to put after the configuration key) when the
  /// list is empty or a secret is not acceptable. A bare base64 string is a raw secret here,
  /// unlike some libraries that try to decode it: only the prefix says "decode me".
  static std::optional<webhook_signer> make(const std::vector<std::string>& secrets,
                                            std::string& error);

  /// The `webhook-signature` header value for message `id` sent at `timestamp` (Unix seconds,
  /// the `webhook-timestamp` header) with `body`: `v1,<base64>` per key, separated by spaces,
  /// in the configured order. `id` is the sender's own and must not contain `.` (it would make
  /// two messages sign alike).
  std::string signature(std::string_view id, std::int64_t timestamp, std::string_view body) const;

  /// How many keys sign each message.
  std::size_t size() const noexcept { return keys_.size(); }

 private:
  std::vector<std::shared_ptr<const hmac_sha256_key>> keys_;
};

} // namespace herald::app
