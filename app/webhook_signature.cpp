#include "app/webhook_signature.hpp"

#include "app/base64url.hpp"

namespace herald::app {

namespace {

constexpr std::string_view prefix = "whsec_";

} // namespace

std::optional<webhook_signer> webhook_signer::make(const std::vector<std::string>& secrets,
                                                   std::string& error) {
  if (secrets.empty()) {
    error = "needs at least one secret";
    return std::nullopt;
  }
  webhook_signer out;
  out.keys_.reserve(secrets.size());
  for (std::size_t i = 0; i < secrets.size(); ++i) {
    const std::string& secret = secrets[i];
    // Named by position only: the value is a secret and the message goes to the log.
    auto which = "the secret at index " + std::to_string(i);
    std::string key;
    if (secret.empty()) {
      error = which + " is empty";
      return std::nullopt;
    }
    if (secret.starts_with(prefix)) {
      auto decoded = base64_decode(std::string_view{secret}.substr(prefix.size()));
      if (!decoded) {
        error = which + " starts with whsec_ but the rest is not padded standard base64";
        return std::nullopt;
      }
      if (decoded->size() < min_key || decoded->size() > max_key) {
        error = which + " decodes to " + std::to_string(decoded->size()) +
                " bytes; a whsec_ secret must be " + std::to_string(min_key) + " to " +
                std::to_string(max_key) + " bytes";
        return std::nullopt;
      }
      key = std::move(*decoded);
    } else {
      if (secret.size() < min_raw_secret) {
        error = which + " is " + std::to_string(secret.size()) + " bytes; a raw secret must be " +
                "at least " + std::to_string(min_raw_secret);
        return std::nullopt;
      }
      key = secret;
    }
    out.keys_.push_back(std::make_shared<const hmac_sha256_key>(key));
  }
  return out;
}

std::string webhook_signer::signature(std::string_view id, std::int64_t timestamp,
                                      std::string_view body) const {
  std::string content;
  auto stamp = std::to_string(timestamp);
  content.reserve(id.size() + stamp.size() + body.size() + 2);
  content.append(id).append(1, '.').append(stamp).append(1, '.').append(body);
  std::string out;
  // Each entry is "v1," and 44 characters of base64 (32 bytes, padded).
  out.reserve(keys_.size() * 48);
  for (const auto& key : keys_) {
    if (!out.empty())
      out += ' ';
    auto mac = key->sign(content);
    out += "v1,";
    out += base64_encode({reinterpret_cast<const char*>(mac.data()), mac.size()});
  }
  return out;
}

} // namespace herald::app
