#pragma once

// Signed stream tokens (SPEC §4.5 with §4.8): what a task object's `Sse.Url` carries so that a
// browser's `EventSource`, which cannot send headers, can open the task's stream with auth on.
// A token is bound to one task and one user, expires with the task's retention, grants reading
// that stream and nothing else, and is an HMAC-SHA256 over its fields with a node secret.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace herald::app {

class hmac_sha256_key;

/// What a valid token says.
struct stream_grant {
  std::string task_id;
  std::string user;
  std::chrono::system_clock::time_point expires;
};

/// Why a token was refused (the 401 sentence; never the token).
struct stream_refusal {
  std::string reason;
};

class stream_signer {
 public:
  /// `secret`: at least 32 bytes; empty makes a random one (tokens then die with the process).
  explicit stream_signer(std::string secret);
  ~stream_signer();

  /// A URL-safe token (base64url and dots only) for `task_id`, read by `user`, valid until
  /// `expires`.
  std::string sign(std::string_view task_id, std::string_view user,
                   std::chrono::system_clock::time_point expires) const;

  /// Checks `token` presented for `task_id` at `now`: malformed, tampered (compared in
  /// constant time), expired, or made for another task are refused, each with its reason.
  std::variant<stream_grant, stream_refusal>
  verify(std::string_view token, std::string_view task_id,
         std::chrono::system_clock::time_point now) const;

 private:
  std::unique_ptr<hmac_sha256_key> key_;
};

} // namespace herald::app
