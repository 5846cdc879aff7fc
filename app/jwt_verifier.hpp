#pragma once

// Checks JSON Web Tokens from the operator's identity provider (RFC 7519, JWS compact form):
// HS256 against a shared secret, RS256 and ES256 against public keys from PEM files or a JWKS
// file, then `iss`, `aud`, `exp`, `nbf` (with leeway) and the claims that name the caller.
// OpenSSL's EVP does the signatures, Boost.JSON reads the header and the claims. `alg: none`
// and algorithm confusion (an HS256 token checked against an RSA key's bytes) are refused: each
// key is bound to the one algorithm its kind allows.

#include "app/auth_settings.hpp"
#include "net/identity.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace herald::app {

/// Why a token was refused: a sentence for the 401 body (never the token itself).
struct jwt_refusal {
  std::string reason;
};

class jwt_verifier {
 public:
  /// Loads the PEM and JWKS files `settings` names; throws auth_setup_error (see
  /// authenticator.hpp) naming the key (`auth.jwt.public_keys`, `auth.jwt.jwks_file`) when a
  /// file cannot be read or holds no usable key.
  explicit jwt_verifier(const jwt_settings& settings);
  ~jwt_verifier();

  jwt_verifier(const jwt_verifier&) = delete;
  jwt_verifier& operator=(const jwt_verifier&) = delete;

  /// The caller `token` stands for, with `expires` set from `exp`; or why not.
  std::variant<net::identity, jwt_refusal> verify(std::string_view token,
                                                  std::chrono::system_clock::time_point now) const;

 private:
  struct keys;
  jwt_settings settings_;
  std::unique_ptr<keys> keys_;
};

/// Whether `text` has the shape of a compact JWS (three base64url parts separated by dots),
/// as opposed to an opaque API key.
bool looks_like_jwt(std::string_view text) noexcept;

} // namespace herald::app
