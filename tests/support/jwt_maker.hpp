#pragma once

// Tokens and keys for the identity tests, made the way an operator's identity provider would:
// keys by the `openssl` command line, tokens signed by it too, so that the node's verifier is
// checked against an independent signer.

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

namespace herald::test {

/// base64url without padding (RFC 7515 §2).
std::string base64url(std::string_view bytes);

/// A folder of its own under the system's temporary folder, removed with the object.
class scratch_dir {
 public:
  scratch_dir();
  ~scratch_dir();
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

/// An RSA key pair made by `openssl genpkey` in `dir`: `private.pem`, `public.pem`.
struct rsa_keys {
  std::filesystem::path private_pem;
  std::filesystem::path public_pem;
};
rsa_keys make_rsa_keys(const std::filesystem::path& dir);

/// A compact JWS of `header` and `payload` (JSON texts, taken as they are), signed with
/// HMAC-SHA256 under `secret` by `openssl dgst -hmac`.
std::string sign_hs256(std::string_view header, std::string_view payload, std::string_view secret,
                       const std::filesystem::path& dir);

/// The same, signed RS256 with the private key of `keys` by `openssl dgst -sign`.
std::string sign_rs256(std::string_view header, std::string_view payload, const rsa_keys& keys,
                       const std::filesystem::path& dir);

/// Seconds since the epoch, `offset` from now (for `exp`, `nbf`, `iat`).
long long unix_time(std::chrono::seconds offset = std::chrono::seconds{0});

/// The whole contents of a file.
std::string read_file(const std::filesystem::path& p);

} // namespace herald::test
