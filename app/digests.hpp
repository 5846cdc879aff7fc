#pragma once

// SHA-256 and HMAC-SHA256 through OpenSSL, and the constant-time comparison every credential
// check uses: one place for the primitives that keys, stream tokens and JWTs share.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace herald::app {

using sha256_digest = std::array<std::uint8_t, 32>;

/// SHA-256 of `bytes` (what `auth.keys` holds of each key).
sha256_digest sha256(std::string_view bytes);

/// HMAC-SHA256 of `data` under `key`.
sha256_digest hmac_sha256(std::string_view key, std::string_view data);

/// Whether `a` and `b` (`n` bytes each) are equal, in a time that does not depend on where
/// they differ.
bool same_bytes(const void* a, const void* b, std::size_t n) noexcept;

} // namespace herald::app
