#pragma once

// SHA-256 and HMAC-SHA256 through OpenSSL, and the constant-time comparison every credential
// check uses: one place for the primitives that keys, stream tokens and JWTs share.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace herald::app {

using sha256_digest = std::array<std::uint8_t, 32>;

/// SHA-256 of `bytes` (what `auth.keys` holds of each key).
sha256_digest sha256(std::string_view bytes);

/// An HMAC-SHA256 key (stream tokens, HS256 JWTs) made ready once (the digest fetched, the key's
/// pads computed), for a secret that signs many messages: each `sign` starts from a copy of the
/// prepared state, about a fifth of the work of a one-shot HMAC. Thread-safe after construction.
class hmac_sha256_key {
 public:
  explicit hmac_sha256_key(std::string_view key);
  ~hmac_sha256_key();
  hmac_sha256_key(const hmac_sha256_key&) = delete;
  hmac_sha256_key& operator=(const hmac_sha256_key&) = delete;

  sha256_digest sign(std::string_view data) const;

 private:
  struct state;
  std::unique_ptr<state> state_;
};

/// Whether `a` and `b` (`n` bytes each) are equal, in a time that does not depend on where
/// they differ.
bool same_bytes(const void* a, const void* b, std::size_t n) noexcept;

} // namespace herald::app
