#include "app/stream_token.hpp"

#include "app/base64url.hpp"
#include "app/digests.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <optional>
#include <stdexcept>

// A token is `v1.<payload>.<mac>`: the payload is base64url of
// `<expiry in unix seconds>:<bytes of the task id>:<task id><user>` (lengths in decimal, so
// that any bytes may stand in either field), the MAC base64url of
// HMAC-SHA256(secret, "v1." + payload). The version is under the MAC too, so that a later
// format can never be read as this one. The MAC is checked before the payload is read: a
// forged token never reaches the parser.

namespace herald::app {

namespace {

constexpr std::string_view version_prefix = "v1.";
constexpr std::size_t mac_bytes = 32;
/// Longer tokens are refused unread: no real one comes near it (a task id, a user name and a
/// number), and the MAC is not computed over arbitrary amounts of input.
constexpr std::size_t max_token_bytes = 8 * 1024;
constexpr std::size_t random_secret_bytes = 32;

std::string random_secret() {
  std::string out(random_secret_bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size())) != 1)
    throw std::runtime_error{"no random bytes for the stream-token secret"};
  return out;
}

stream_refusal not_valid() {
  return {"stream token is not valid"};
}

/// A decimal number at the start of `text` followed by `:`, which both are consumed.
std::optional<std::int64_t> leading_number(std::string_view& text) {
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end == text.data() + text.size() || *end != ':' || n < 0)
    return std::nullopt;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()) + 1);
  return n;
}

/// The grant a payload states, or nullopt when it does not parse.
std::optional<stream_grant> read_payload(std::string_view text) {
  auto expiry = leading_number(text);
  auto task_bytes = leading_number(text);
  if (!expiry || !task_bytes || static_cast<std::uint64_t>(*task_bytes) > text.size())
    return std::nullopt;
  // Only this node signs, but a value the clock cannot hold must not overflow on the way in.
  constexpr auto latest = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::system_clock::time_point::max().time_since_epoch());
  if (*expiry > latest.count())
    return std::nullopt;
  auto split = static_cast<std::size_t>(*task_bytes);
  return stream_grant{std::string{text.substr(0, split)}, std::string{text.substr(split)},
                      std::chrono::system_clock::time_point{std::chrono::seconds{*expiry}}};
}

} // namespace

stream_signer::stream_signer(std::string secret)
    : key_(std::make_unique<hmac_sha256_key>(secret.empty() ? random_secret() : secret)) {
  OPENSSL_cleanse(secret.data(), secret.size());
}

stream_signer::~stream_signer() = default;

std::string stream_signer::sign(std::string_view task_id, std::string_view user,
                                std::chrono::system_clock::time_point expires) const {
  auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(expires.time_since_epoch()).count();
  std::string payload = std::to_string(std::max<std::int64_t>(seconds, 0));
  payload += ':';
  payload += std::to_string(task_id.size());
  payload += ':';
  payload += task_id;
  payload += user;
  std::string token{version_prefix};
  token += base64url_encode(payload);
  auto tag = key_->sign(token);
  token += '.';
  token += base64url_encode({reinterpret_cast<const char*>(tag.data()), tag.size()});
  return token;
}

std::variant<stream_grant, stream_refusal>
stream_signer::verify(std::string_view token, std::string_view task_id,
                      std::chrono::system_clock::time_point now) const {
  if (token.size() > max_token_bytes || token.substr(0, version_prefix.size()) != version_prefix)
    return not_valid();
  auto dot = token.rfind('.');
  if (dot < version_prefix.size())
    return not_valid();
  auto signed_part = token.substr(0, dot);
  auto payload_text = signed_part.substr(version_prefix.size());
  if (payload_text.find('.') != std::string_view::npos)
    return not_valid();
  auto tag = base64url_decode(token.substr(dot + 1));
  if (!tag || tag->size() != mac_bytes)
    return not_valid();
  auto expected = key_->sign(signed_part);
  if (!same_bytes(expected.data(), tag->data(), mac_bytes))
    return not_valid();

  auto payload = base64url_decode(payload_text);
  if (!payload)
    return not_valid();
  auto grant = read_payload(*payload);
  if (!grant)
    return not_valid();
  if (grant->task_id != task_id)
    return stream_refusal{"stream token is for another task"};
  if (now >= grant->expires)
    return stream_refusal{"stream token expired"};
  return *std::move(grant);
}

} // namespace herald::app
