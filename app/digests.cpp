#include "app/digests.hpp"

#include <memory>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdexcept>

namespace herald::app {

namespace {

/// OpenSSL 3 looks an algorithm up by name in every call that is given a legacy `EVP_sha256()`;
/// fetched once here, the lookup is paid once per process.
const EVP_MD* sha256_md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  if (!md)
    throw std::runtime_error{"SHA-256 is not available"};
  return md;
}

struct md_ctx_free {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};

} // namespace

sha256_digest sha256(std::string_view bytes) {
  // One context per thread, reset for each digest: no allocation per call.
  thread_local std::unique_ptr<EVP_MD_CTX, md_ctx_free> ctx{EVP_MD_CTX_new()};
  sha256_digest out{};
  unsigned int length = 0;
  if (!ctx || EVP_DigestInit_ex2(ctx.get(), sha256_md(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), out.data(), &length) != 1 || length != out.size())
    throw std::runtime_error{"SHA-256 failed"};
  return out;
}

struct hmac_sha256_key::state {
  EVP_MAC* mac = nullptr;
  EVP_MAC_CTX* prepared = nullptr;
  ~state() {
    EVP_MAC_CTX_free(prepared);
    EVP_MAC_free(mac);
  }
};

hmac_sha256_key::hmac_sha256_key(std::string_view key) : state_(std::make_unique<state>()) {
  state_->mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  state_->prepared = state_->mac ? EVP_MAC_CTX_new(state_->mac) : nullptr;
  char digest_name[] = "SHA2-256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                         OSSL_PARAM_construct_end()};
  if (!state_->prepared ||
      EVP_MAC_init(state_->prepared, reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                   params) != 1)
    throw std::runtime_error{"HMAC-SHA256 is not available"};
}

hmac_sha256_key::~hmac_sha256_key() = default;

sha256_digest hmac_sha256_key::sign(std::string_view data) const {
  struct ctx_free {
    void operator()(EVP_MAC_CTX* c) const noexcept { EVP_MAC_CTX_free(c); }
  };
  std::unique_ptr<EVP_MAC_CTX, ctx_free> ctx{EVP_MAC_CTX_dup(state_->prepared)};
  sha256_digest out{};
  std::size_t length = 0;
  if (!ctx ||
      EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(data.data()), data.size()) !=
          1 ||
      EVP_MAC_final(ctx.get(), out.data(), &length, out.size()) != 1 || length != out.size())
    throw std::runtime_error{"HMAC-SHA256 failed"};
  return out;
}

bool same_bytes(const void* a, const void* b, std::size_t n) noexcept {
  return CRYPTO_memcmp(a, b, n) == 0;
}

} // namespace herald::app
