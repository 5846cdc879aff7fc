// Fuzz target: bytes as a bearer credential, through herald::app::jwt_verifier configured with
// an HS256 secret, an RSA public key, an issuer and an audience (the seeds in corpus/jwt are
// signed with them). Besides crashes and sanitizer reports, it aborts when:
//   - a refusal has an empty reason, a line break in it, or echoes the input (one with a dot
//     or of 64 bytes or more: a shorter one may be a piece of a reason's fixed words);
//   - a token over 8 KiB, or one that does not look like a JWT, is anything but refused;
//   - an accepted token has no user or no expiry, or expires before the clock minus leeway;
//   - the same bytes are judged differently twice.
// At start it checks that the two good seeds are accepted, so that a verifier that refuses
// everything (a broken key, say) does not pass for robust.

#include "app/jwt_verifier.hpp"
#include "tests/support/test_helpers.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <unistd.h>
#include <variant>

namespace {

using herald::app::jwt_refusal;
using herald::app::jwt_settings;
using herald::app::jwt_verifier;
using herald::net::identity;
using namespace std::chrono_literals;

/// The public half of the key that signed the RS256 seeds (its private half is not kept).
constexpr const char* rsa_public_pem =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAsdzayZNPlqpicDKl4pKp\n"
    "dyZBF9aGeTCG1Z/l30XdtAv7EVOKO37R6xJLyY2U44y6V7bOMVDxrt/SYiNoNek2\n"
    "qkWZPoFiY43mbPlqqo5IQaAtoYN9yj+CVou1fSf1LBjPuzqx7KdCbf5pK2Qi85Hl\n"
    "7hPNGJKAF3UzuI2IKy4R/VmKQsQvB0hN7V0cJSz7P84kZQCaF8so8NPfIQsl1wy+\n"
    "923sbirB4Hbhw/I4xzRYf0BQkdf73pff2B5sYCd+hthp0cdFd2lLS2cFB1PVYOVn\n"
    "o3y2GImWw4JeqwDLkpHfzJYPJMKE6ElPZc84xdjOttiMYk18w/52y+C8gRB+AuPj\n"
    "GwIDAQAB\n"
    "-----END PUBLIC KEY-----\n";

constexpr std::string_view good_hs256 =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6MTgwMDAwMzYwMCw"
    "iaXNzIjoiaHR0cHM6Ly9pZHAuZXhhbXBsZSIsImF1ZCI6ImhlcmFsZCIsImdyb3VwcyI6WyJvcHMiXSw"
    "icm9sZXMiOiJhZG1pbiIsInNjb3BlIjoidGFza3M6cmVhZCBzc2UifQ.His4bDcAuTYWqc5h6NBsSbMj"
    "gNw323DeDFJiTZvZp-U";

constexpr std::string_view good_rs256 =
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImsxIn0.eyJzdWIiOiJhbGljZSIsImV4cCI6"
    "MTgwMDAwMzYwMCwiaXNzIjoiaHR0cHM6Ly9pZHAuZXhhbXBsZSIsImF1ZCI6WyJ4IiwiaGVyYWxkIl0s"
    "InNjb3BlIjpbImEiLCJiIl19.AHSSs3lHpfUUaYo5WlBHhHC0I1WWDb1crX4o1sNA0pu_gdX_qa165Oa"
    "wgXZcd-yvX4SCZHrv_dKRC1j0ZBQKJX-xPpmBQ2Tj0VV_IMTgMGdurvln8i8rF2oU3cIBo6ZGJzub5hx"
    "AQN62X74JerTzpCr62vpHQRMtNbzIXbMZROtiA0WF34n54oEqZAxhNE-ED-3aEqbNqKscqDLO3m4A2A8"
    "nWMx-keq0vZGUKDM6gVmkjTrCEgOBKTCKzmc9VXbmfiPDD9ub0HjcVLTz63yzNPgErY8oznqmUoqBz8b"
    "aXcTlS851Butzgmgoa5ThMQPCeVJkyqFvLXU_tbZ5na7oXA";

/// The seeds' clock: their `exp` is an hour after it.
const auto now = std::chrono::system_clock::time_point{1'800'000'000s};

std::unique_ptr<jwt_verifier> make_verifier() {
  namespace fs = std::filesystem;
  auto pattern = (fs::temp_directory_path() / "herald-fuzz-jwt-XXXXXX").string();
  int fd = ::mkstemp(pattern.data());
  FUZZ_CHECK(fd >= 0);
  ::close(fd);
  std::ofstream{pattern, std::ios::binary | std::ios::trunc} << rsa_public_pem;
  jwt_settings settings;
  settings.hs256_secret = "herald-fuzz-shared-secret-0123456789";
  settings.public_key_files = {pattern};
  settings.issuer = "https://idp.example";
  settings.audience = "herald";
  auto verifier = std::make_unique<jwt_verifier>(settings);
  fs::remove(pattern);

  for (auto token : {good_hs256, good_rs256}) {
    auto outcome = verifier->verify(token, now);
    FUZZ_CHECK(std::holds_alternative<identity>(outcome));
    FUZZ_CHECK(std::get<identity>(outcome).user == "alice");
  }
  return verifier;
}

const jwt_verifier& verifier() {
  static const auto v = make_verifier();
  return *v;
}

bool same(const std::variant<identity, jwt_refusal>& a,
          const std::variant<identity, jwt_refusal>& b) {
  if (a.index() != b.index())
    return false;
  if (auto* ra = std::get_if<jwt_refusal>(&a))
    return ra->reason == std::get<jwt_refusal>(b).reason;
  const auto& ia = std::get<identity>(a);
  const auto& ib = std::get<identity>(b);
  return ia.user == ib.user && ia.groups == ib.groups && ia.roles == ib.roles &&
         ia.scopes == ib.scopes && ia.expires == ib.expires;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view token{reinterpret_cast<const char*>(data), size};
  const auto& v = verifier();
  auto outcome = v.verify(token, now);
  FUZZ_CHECK(same(outcome, v.verify(token, now)));

  if (auto* refusal = std::get_if<jwt_refusal>(&outcome)) {
    FUZZ_CHECK(!refusal->reason.empty());
    FUZZ_CHECK(refusal->reason.find_first_of("\r\n") == std::string::npos);
    // The reason never echoes the token. A short token may be a piece of the verifier's own
    // words ("ed token" is in "malformed token"): the check is for tokens longer than any
    // reason worded here (under 64 bytes with these settings) and for any with a dot, which
    // no reason has and every JWT does.
    if (size >= 64 || token.find('.') != std::string_view::npos)
      FUZZ_CHECK(refusal->reason.find(token) == std::string::npos);
    if (size > 8 * 1024)
      FUZZ_CHECK(refusal->reason == "token too large");
    return 0;
  }
  const auto& who = std::get<identity>(outcome);
  FUZZ_CHECK(size <= 8 * 1024);
  FUZZ_CHECK(herald::app::looks_like_jwt(token));
  FUZZ_CHECK(!who.user.empty());
  FUZZ_CHECK(who.expires.has_value());
  FUZZ_CHECK(*who.expires > now - 60s);
  return 0;
}
