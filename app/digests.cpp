#include "app/digests.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdexcept>

namespace herald::app {

sha256_digest sha256(std::string_view bytes) {
  sha256_digest out{};
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), out.data(), &length, EVP_sha256(), nullptr) != 1 ||
      length != out.size())
    throw std::runtime_error{"SHA-256 failed"};
  return out;
}

sha256_digest hmac_sha256(std::string_view key, std::string_view data) {
  sha256_digest out{};
  unsigned int length = 0;
  auto* done =
      HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &length);
  if (done == nullptr || length != out.size())
    throw std::runtime_error{"HMAC-SHA256 failed"};
  return out;
}

bool same_bytes(const void* a, const void* b, std::size_t n) noexcept {
  return CRYPTO_memcmp(a, b, n) == 0;
}

} // namespace herald::app
