#pragma once

// The `auth` section of the configuration (SPEC §4.8): API keys, JWTs from the operator's
// identity provider, the browser cookie, the stream-token secret, and whether every route
// needs a credential. Values only: `authenticator` builds its checks from them at start.

#include "net/identity.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace herald::app {

/// One entry of `auth.keys`: the SHA-256 of a key and who presenting it is.
struct api_key_entry {
  /// SHA-256 of the key's bytes (`key_sha256`, 64 hex digits; or computed from a plain `key`,
  /// which is accepted with a warning at start).
  std::array<std::uint8_t, 32> digest{};
  /// True when the file held the key itself (start-up warns).
  bool plain = false;
  /// `user` (required), `groups`, `roles`, `scopes`.
  net::identity who;
};

/// `auth.jwt`: tokens from the operator's identity provider.
struct jwt_settings {
  /// `hs256_secret`: the shared secret of HS256 tokens (at least 32 bytes); empty: none.
  std::string hs256_secret;
  /// `public_keys`: PEM files of RSA (RS256) or EC P-256 (ES256) public keys.
  std::vector<std::string> public_key_files;
  /// `jwks_file`: a JWKS document on disk (keys with `kty` RSA or EC/P-256, matched by `kid`).
  std::string jwks_file;
  /// `issuer`: when set, `iss` must equal it.
  std::string issuer;
  /// `audience`: when set, `aud` (a string or an array) must contain it.
  std::string audience;
  /// `leeway_s`: clock skew allowed on `exp` and `nbf`.
  std::chrono::seconds leeway{60};
  /// `claims.user` / `claims.groups` / `claims.roles` / `claims.scopes`: where the identity
  /// is read from. Scopes may be an array or a space-separated string (OAuth's `scope`).
  std::string user_claim = "sub";
  std::string groups_claim = "groups";
  std::string roles_claim = "roles";
  std::string scopes_claim = "scope";
};

/// `auth`.
struct auth_settings {
  /// `auth.keys`.
  std::vector<api_key_entry> keys;
  /// `auth.jwt`; nullopt: JWTs are not accepted.
  std::optional<jwt_settings> jwt;
  /// `auth.cookie`: the name of a cookie carrying a key or a JWT, honoured on GET requests
  /// and event streams only (so a page cannot be made to POST or DELETE with it); empty:
  /// none.
  std::string cookie;
  /// `auth.stream_secret`: the HMAC key of signed stream URLs (at least 32 bytes); empty: a
  /// random one is made at start (stream URLs then do not outlive the process).
  std::string stream_secret;
  /// `auth.required`: every route needs a credential unless it says otherwise.
  bool required = false;

  /// Whether any credential can be presented at all: without keys or JWTs, requests are never
  /// authenticated and every route behaves as if there were no auth.
  bool enabled() const noexcept { return !keys.empty() || jwt.has_value(); }
};

} // namespace herald::app
