#pragma once

// Turns the credential a request presents into an identity (SPEC §4.8): an API key, a JWT, or
// a signed stream token, from `Authorization: Bearer`, `X-API-Key`, the `auth.cookie` cookie
// (GET only) or a stream URL's `?token=`. Built once at start from `auth_settings`; const and
// thread-safe afterwards (the I/O threads call it concurrently). No secret or token it sees
// is ever logged.

#include "app/auth_settings.hpp"
#include "net/identity.hpp"
#include "net/request_context.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace herald::app {

class jwt_verifier;
class stream_signer;

/// Credentials longer than this are refused unread (401).
inline constexpr std::size_t max_credential_bytes = 8 * 1024;

/// What a request's credential amounts to.
struct auth_outcome {
  enum class kind {
    none,    ///< no credential presented
    valid,   ///< `who` is set
    invalid, ///< a credential that does not check: `reason` says why, without echoing it
  };
  kind result = kind::none;
  std::shared_ptr<const net::identity> who;
  std::string reason;
};

/// Thrown at start for a setting that cannot be used (an unreadable PEM or JWKS file, a key
/// of the wrong kind); its message names the key.
struct auth_setup_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class authenticator {
 public:
  /// Loads the keys and files `settings` names; throws auth_setup_error.
  explicit authenticator(const auth_settings& settings);
  ~authenticator();

  authenticator(const authenticator&) = delete;
  authenticator& operator=(const authenticator&) = delete;

  /// Whether any credential can be valid (keys or JWTs configured).
  bool enabled() const noexcept { return enabled_; }
  /// `auth.required`.
  bool required() const noexcept { return required_; }

  /// The credential of `rq`: `X-API-Key`, else `Authorization: Bearer`, else (GET only) the
  /// cookie. A value that looks like a JWT (three dot-separated parts) is checked as one, any
  /// other as an API key. `now` is the time `exp` and `nbf` are compared with.
  auth_outcome check(const net::request_context& rq,
                     std::chrono::system_clock::time_point now) const;

  /// A credential given as text (what `check` reads from the request), for callers that
  /// take it elsewhere.
  auth_outcome check_credential(std::string_view credential,
                                std::chrono::system_clock::time_point now) const;

  /// A stream token for `task_id`, read by `who` (its user travels in the token), good until
  /// `expires`: what `Sse.Url` carries as `?token=`.
  std::string stream_token(std::string_view task_id, const net::identity& who,
                           std::chrono::system_clock::time_point expires) const;

  /// Checks a stream token presented for `task_id`: valid gives an identity with only
  /// `user`, `expires` and `stream_task` set; a token for another task, tampered or expired,
  /// is invalid.
  auth_outcome check_stream_token(std::string_view token, std::string_view task_id,
                                  std::chrono::system_clock::time_point now) const;

 private:
  struct key_table;
  struct token_cache;
  std::unique_ptr<key_table> keys_;
  std::unique_ptr<token_cache> tokens_;
  std::unique_ptr<jwt_verifier> jwt_;
  std::unique_ptr<stream_signer> streams_;
  std::string cookie_;
  bool enabled_ = false;
  bool required_ = false;
};

} // namespace herald::app
