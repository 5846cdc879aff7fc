#include "app/authenticator.hpp"

#include "app/digests.hpp"
#include "app/jwt_verifier.hpp"
#include "app/stream_token.hpp"
#include "net/text.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace herald::app {

namespace {

auth_outcome invalid(std::string reason) {
  return {auth_outcome::kind::invalid, nullptr, std::move(reason)};
}

auth_outcome valid(std::shared_ptr<const net::identity> who) {
  return {auth_outcome::kind::valid, std::move(who), {}};
}

/// The value of cookie `name` in a `Cookie` header (`a=1; b=2`, RFC 6265 §4.2), without the
/// double quotes a value may be wrapped in; empty when absent.
std::string_view cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto end = header.find(';');
    auto pair = net::trim(header.substr(0, end));
    header = end == std::string_view::npos ? std::string_view{} : header.substr(end + 1);
    auto eq = pair.find('=');
    if (eq == std::string_view::npos || net::trim(pair.substr(0, eq)) != name)
      continue;
    auto value = net::trim(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    return value;
  }
  return {};
}

} // namespace

/// The digests of `auth.keys` and who each stands for, indexed by digest. Only digests are
/// compared, never keys: the index says nothing an attacker could use (they cannot choose
/// what a key hashes to), and the candidate it finds is compared in constant time.
struct authenticator::key_table {
  struct entry {
    sha256_digest hash;
    std::shared_ptr<const net::identity> who;
  };
  /// The first 8 bytes of a digest: as good a hash as any part of it.
  static std::uint64_t prefix(const sha256_digest& d) noexcept {
    std::uint64_t out = 0;
    for (int i = 0; i < 8; ++i)
      out = out << 8 | d[static_cast<std::size_t>(i)];
    return out;
  }
  std::unordered_multimap<std::uint64_t, entry> entries;

  explicit key_table(const std::vector<api_key_entry>& keys) {
    entries.reserve(keys.size());
    for (const auto& k : keys) {
      auto [first, last] = entries.equal_range(prefix(k.digest));
      for (auto it = first; it != last; ++it)
        if (it->second.hash == k.digest)
          throw auth_setup_error{"auth.keys: two entries have the same key"};
      entries.emplace(prefix(k.digest),
                      entry{k.digest, std::make_shared<const net::identity>(k.who)});
    }
  }

  std::shared_ptr<const net::identity> find(std::string_view key) const {
    auto presented = sha256(key);
    auto [first, last] = entries.equal_range(prefix(presented));
    for (auto it = first; it != last; ++it)
      if (same_bytes(it->second.hash.data(), presented.data(), presented.size()))
        return it->second.who;
    return nullptr;
  }
};

/// JWTs already verified, until they expire: a client sends the same token with every request,
/// and checking its signature again (an HMAC or an RSA verification, then the claims) costs
/// more than the rest of a request. Keyed by the whole token, so that only the very same bytes
/// are taken as verified; `exp` (with the leeway) is compared on every use. Bounded in bytes:
/// when full it starts afresh.
struct authenticator::token_cache {
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  static constexpr std::size_t max_bytes = 1024 * 1024;

  std::chrono::seconds leeway{0};
  mutable std::mutex mutex;
  mutable std::unordered_map<std::string, std::shared_ptr<const net::identity>, string_hash,
                             std::equal_to<>>
      entries;
  mutable std::size_t bytes = 0;

  std::shared_ptr<const net::identity> find(std::string_view token,
                                            std::chrono::system_clock::time_point now) const {
    std::lock_guard guard{mutex};
    auto it = entries.find(token);
    if (it == entries.end())
      return nullptr;
    if (!it->second->expires || now >= *it->second->expires + leeway) {
      bytes -= it->first.size();
      entries.erase(it);
      return nullptr; // verified again, and refused as expired
    }
    return it->second;
  }

  void add(std::string_view token, std::shared_ptr<const net::identity> who) const {
    std::lock_guard guard{mutex};
    if (bytes + token.size() > max_bytes) {
      entries.clear();
      bytes = 0;
    }
    if (entries.emplace(std::string{token}, std::move(who)).second)
      bytes += token.size();
  }
};

authenticator::authenticator(const auth_settings& settings)
    : keys_(std::make_unique<key_table>(settings.keys)), tokens_(std::make_unique<token_cache>()),
      cookie_(settings.cookie), enabled_(settings.enabled()), required_(settings.required) {
  if (!settings.stream_secret.empty() && settings.stream_secret.size() < 32)
    throw auth_setup_error{"auth.stream_secret: must be empty or at least 32 characters"};
  if (settings.jwt) {
    jwt_ = std::make_unique<jwt_verifier>(*settings.jwt);
    tokens_->leeway = settings.jwt->leeway;
  }
  streams_ = std::make_unique<stream_signer>(settings.stream_secret);
}

authenticator::~authenticator() = default;

auth_outcome authenticator::check(const net::request_context& rq,
                                  std::chrono::system_clock::time_point now) const {
  if (auto key = net::trim(rq.header("X-API-Key")); !key.empty())
    return check_credential(key, now);
  if (auto header = net::trim(rq.header("Authorization")); !header.empty()) {
    auto space = header.find_first_of(" \t");
    auto scheme = header.substr(0, space);
    if (!net::iequals(scheme, "Bearer"))
      return invalid("unsupported authorization scheme");
    auto token =
        space == std::string_view::npos ? std::string_view{} : net::trim(header.substr(space + 1));
    if (token.empty())
      return invalid("bearer token is empty");
    return check_credential(token, now);
  }
  // Browsers send cookies with requests other sites make them send: only reads may use one.
  if (!cookie_.empty() && rq.method() == net::verb::get)
    if (auto value = cookie_value(rq.header("Cookie"), cookie_); !value.empty())
      return check_credential(value, now);
  return {};
}

auth_outcome authenticator::check_credential(std::string_view credential,
                                             std::chrono::system_clock::time_point now) const {
  if (credential.empty())
    return {};
  if (credential.size() > max_credential_bytes)
    return invalid("credential too large");
  if (jwt_ && looks_like_jwt(credential)) {
    if (auto known = tokens_->find(credential, now))
      return valid(std::move(known));
    auto checked = jwt_->verify(credential, now);
    if (auto* refusal = std::get_if<jwt_refusal>(&checked))
      return invalid(std::move(refusal->reason));
    auto who = std::make_shared<const net::identity>(std::get<net::identity>(std::move(checked)));
    tokens_->add(credential, who);
    return valid(std::move(who));
  }
  if (auto who = keys_->find(credential))
    return valid(std::move(who));
  return invalid("unknown API key");
}

std::string authenticator::stream_token(std::string_view task_id, const net::identity& who,
                                        std::chrono::system_clock::time_point expires) const {
  return streams_->sign(task_id, who.user, expires);
}

auth_outcome authenticator::check_stream_token(std::string_view token, std::string_view task_id,
                                               std::chrono::system_clock::time_point now) const {
  if (token.empty())
    return {};
  if (token.size() > max_credential_bytes)
    return invalid("credential too large");
  auto checked = streams_->verify(token, task_id, now);
  if (auto* refusal = std::get_if<stream_refusal>(&checked))
    return invalid(std::move(refusal->reason));
  auto& grant = std::get<stream_grant>(checked);
  auto who = std::make_shared<net::identity>();
  who->user = std::move(grant.user);
  who->expires = grant.expires;
  who->stream_task = std::move(grant.task_id);
  return valid(std::move(who));
}

} // namespace herald::app
