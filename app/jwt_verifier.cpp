#include "app/jwt_verifier.hpp"

#include "app/authenticator.hpp"
#include "app/base64url.hpp"
#include "app/digests.hpp"

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <optional>
#include <sstream>
#include <vector>

namespace herald::app {

namespace {

// -- algorithms ----------------------------------------------------------------------------

/// The three algorithms a key can be bound to. Every key has exactly one, fixed by its kind
/// when it is loaded, so a token's `alg` can never make a key be used another way.
enum class jws_alg { hs256, rs256, es256 };

const char* name_of(jws_alg alg) noexcept {
  switch (alg) {
  case jws_alg::hs256:
    return "HS256";
  case jws_alg::rs256:
    return "RS256";
  case jws_alg::es256:
    return "ES256";
  }
  return "?";
}

/// Exact, case-sensitive names (RFC 7518 §3.1): `hs256` is not HS256.
std::optional<jws_alg> alg_named(std::string_view name) noexcept {
  if (name == "HS256")
    return jws_alg::hs256;
  if (name == "RS256")
    return jws_alg::rs256;
  if (name == "ES256")
    return jws_alg::es256;
  return std::nullopt;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) {
             return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
           };
           return lower(x) == lower(y);
         });
}

// -- base64url -----------------------------------------------------------------------------

using bytes = std::vector<unsigned char>;

/// The bytes of a base64url part (app/base64url.hpp's strict decoding): `allow_padding`
/// accepts trailing `=` (JWKS files, which the operator provides).
std::optional<bytes> decoded(std::string_view text, bool allow_padding = false) {
  if (allow_padding)
    while (!text.empty() && text.back() == '=')
      text.remove_suffix(1);
  auto out = base64url_decode(text);
  if (!out)
    return std::nullopt;
  return bytes(out->begin(), out->end());
}

// -- OpenSSL ownership ---------------------------------------------------------------------

/// Owns an OpenSSL object: `owned<EVP_PKEY, EVP_PKEY_free>`.
template <class T, auto Free> struct openssl_free {
  void operator()(T* p) const noexcept { Free(p); }
};
template <class T, auto Free> using owned = std::unique_ptr<T, openssl_free<T, Free>>;

using pkey_ptr = owned<EVP_PKEY, EVP_PKEY_free>;
using bn_ptr = owned<BIGNUM, BN_free>;

/// The whole of `path`, or nullopt when it cannot be read.
std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    return std::nullopt;
  return std::move(text).str();
}

// -- keys ----------------------------------------------------------------------------------

/// A verification key: the shared secret (HS256) or a public key (RS256 / ES256).
struct verification_key {
  jws_alg alg = jws_alg::hs256;
  /// The JWKS `kid`; empty for PEM files and the shared secret.
  std::string kid;
  /// RS256 / ES256 only.
  pkey_ptr pkey;
  /// HS256 only: the shared secret, prepared once.
  std::unique_ptr<hmac_sha256_key> secret;
};

constexpr int min_rsa_bits = 2048;

/// Whether `pkey` is an EC key on P-256.
bool on_p256(EVP_PKEY* pkey) {
  std::array<char, 64> group{};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(),
                                     &len) != 1)
    return false;
  std::string_view name{group.data(), len};
  return name == SN_X9_62_prime256v1 || name == "P-256";
}

/// The algorithm `pkey`'s kind allows, or why it cannot be used.
std::variant<jws_alg, std::string> alg_of(EVP_PKEY* pkey) {
  switch (EVP_PKEY_get_base_id(pkey)) {
  case EVP_PKEY_RSA:
    if (int bits = EVP_PKEY_get_bits(pkey); bits < min_rsa_bits)
      return "an RSA key of " + std::to_string(bits) + " bits (at least " +
             std::to_string(min_rsa_bits) + " are needed)";
    return jws_alg::rs256;
  case EVP_PKEY_EC:
    if (!on_p256(pkey))
      return std::string{"an EC key on another curve than P-256"};
    return jws_alg::es256;
  default:
    return std::string{"a key of a kind that is neither RSA nor EC P-256"};
  }
}

verification_key load_pem(const std::string& path) {
  constexpr std::string_view where = "auth.jwt.public_keys: ";
  auto text = read_file(path);
  if (!text)
    throw auth_setup_error(std::string{where} + "cannot read " + path);
  owned<BIO, BIO_free> bio{BIO_new_mem_buf(text->data(), static_cast<int>(text->size()))};
  if (!bio)
    throw auth_setup_error(std::string{where} + "out of memory reading " + path);
  pkey_ptr pkey{PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr)};
  if (!pkey)
    throw auth_setup_error(std::string{where} + path +
                           " holds no PEM public key (-----BEGIN PUBLIC KEY-----)");
  auto alg = alg_of(pkey.get());
  if (auto* why = std::get_if<std::string>(&alg))
    throw auth_setup_error(std::string{where} + path + " holds " + *why);
  verification_key key;
  key.alg = std::get<jws_alg>(alg);
  key.pkey = std::move(pkey);
  return key;
}

/// A public key from OpenSSL 3 parameters (`type` "RSA" or "EC"); null when they do not make
/// a valid key (an EC point off the curve included).
pkey_ptr key_from_params(const char* type, OSSL_PARAM_BLD* bld) {
  owned<OSSL_PARAM, OSSL_PARAM_free> params{OSSL_PARAM_BLD_to_param(bld)};
  owned<EVP_PKEY_CTX, EVP_PKEY_CTX_free> ctx{EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr)};
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1)
    return nullptr;
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
    return nullptr;
  pkey_ptr pkey{raw};
  owned<EVP_PKEY_CTX, EVP_PKEY_CTX_free> check{
      EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr)};
  if (!check || EVP_PKEY_public_check(check.get()) != 1)
    return nullptr;
  return pkey;
}

/// A JWK member that must be a base64url string; nullopt when missing or not one.
std::optional<bytes> jwk_bytes(const boost::json::object& jwk, std::string_view name) {
  auto* v = jwk.if_contains(name);
  if (!v || !v->is_string())
    return std::nullopt;
  return decoded(v->get_string(), true);
}

pkey_ptr rsa_from_jwk(const boost::json::object& jwk, std::string& why) {
  auto n = jwk_bytes(jwk, "n");
  auto e = jwk_bytes(jwk, "e");
  if (!n || !e || n->empty() || e->empty()) {
    why = "needs base64url members n and e";
    return nullptr;
  }
  bn_ptr bn_n{BN_bin2bn(n->data(), static_cast<int>(n->size()), nullptr)};
  bn_ptr bn_e{BN_bin2bn(e->data(), static_cast<int>(e->size()), nullptr)};
  owned<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free> bld{OSSL_PARAM_BLD_new()};
  if (!bn_n || !bn_e || !bld ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    why = "cannot be built";
    return nullptr;
  }
  auto pkey = key_from_params("RSA", bld.get());
  if (!pkey)
    why = "is not a valid RSA public key";
  return pkey;
}

pkey_ptr ec_from_jwk(const boost::json::object& jwk, std::string& why) {
  constexpr std::size_t coordinate = 32;
  auto x = jwk_bytes(jwk, "x");
  auto y = jwk_bytes(jwk, "y");
  if (!x || !y || x->empty() || y->empty() || x->size() > coordinate || y->size() > coordinate) {
    why = "needs base64url members x and y of at most 32 bytes";
    return nullptr;
  }
  // The uncompressed point: 04 || X || Y, each coordinate left-padded to 32 bytes.
  bytes point(1 + 2 * coordinate, 0);
  point[0] = 0x04;
  std::copy(x->begin(), x->end(), point.begin() + 1 + (coordinate - x->size()));
  std::copy(y->begin(), y->end(), point.begin() + 1 + coordinate + (coordinate - y->size()));
  owned<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free> bld{OSSL_PARAM_BLD_new()};
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, SN_X9_62_prime256v1,
                                      0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    why = "cannot be built";
    return nullptr;
  }
  auto pkey = key_from_params("EC", bld.get());
  if (!pkey)
    why = "is not a point on P-256";
  return pkey;
}

std::string string_member(const boost::json::object& o, std::string_view name) {
  auto* v = o.if_contains(name);
  return v && v->is_string() ? std::string{v->get_string()} : std::string{};
}

/// The keys of a JWKS document. Keys of kinds that sign with something else than RS256 or
/// ES256 (`kty` oct or OKP, another curve, `use` other than `sig`) are skipped: identity
/// providers publish those alongside; a key of a supported kind that is malformed, too weak
/// or marked with another `alg` is a setup error, as is a document without any usable key.
std::vector<verification_key> load_jwks(const std::string& path) {
  auto fail = [&](const std::string& why) {
    return auth_setup_error("auth.jwt.jwks_file: " + path + ": " + why);
  };
  auto text = read_file(path);
  if (!text)
    throw auth_setup_error("auth.jwt.jwks_file: cannot read " + path);
  boost::system::error_code ec;
  auto doc = boost::json::parse(*text, ec);
  if (ec)
    throw fail("not JSON (" + ec.message() + ")");
  auto* list = doc.is_object() ? doc.get_object().if_contains("keys") : nullptr;
  if (!list || !list->is_array())
    throw fail("not a JWKS document (an object with a \"keys\" array)");

  std::vector<verification_key> out;
  std::size_t index = 0;
  for (const auto& entry : list->get_array()) {
    auto name = "key " + std::to_string(index++);
    if (!entry.is_object())
      throw fail(name + " is not an object");
    const auto& jwk = entry.get_object();
    auto kid = string_member(jwk, "kid");
    if (!kid.empty())
      name += " (kid " + kid + ")";
    if (auto* kid_value = jwk.if_contains("kid"); kid_value && !kid_value->is_string())
      throw fail(name + ": kid is not a string");
    if (auto* use = jwk.if_contains("use");
        use && !(use->is_string() && use->get_string() == "sig"))
      continue;
    auto kty = string_member(jwk, "kty");
    std::string why;
    verification_key key;
    key.kid = kid;
    if (kty == "RSA") {
      key.alg = jws_alg::rs256;
      key.pkey = rsa_from_jwk(jwk, why);
      if (key.pkey)
        if (int bits = EVP_PKEY_get_bits(key.pkey.get()); bits < min_rsa_bits) {
          key.pkey.reset();
          why = "is an RSA key of " + std::to_string(bits) + " bits (at least " +
                std::to_string(min_rsa_bits) + " are needed)";
        }
    } else if (kty == "EC") {
      if (string_member(jwk, "crv") != "P-256")
        continue;
      key.alg = jws_alg::es256;
      key.pkey = ec_from_jwk(jwk, why);
    } else {
      continue;
    }
    if (!key.pkey)
      throw fail(name + " " + why);
    if (auto* alg = jwk.if_contains("alg"))
      if (!alg->is_string() || alg->get_string() != name_of(key.alg))
        throw fail(name + ": alg must be " + name_of(key.alg) + " for a " + kty + " key");
    out.push_back(std::move(key));
  }
  if (out.empty())
    throw fail("holds no usable signing key (kty RSA, or EC on P-256)");
  return out;
}

// -- verification --------------------------------------------------------------------------

constexpr std::size_t max_token_bytes = 8 * 1024;
constexpr std::size_t min_secret_bytes = 32;

bool check_hs256(const hmac_sha256_key& secret, std::string_view input, const bytes& sig) {
  auto mac = secret.sign(input);
  return sig.size() == mac.size() && same_bytes(mac.data(), sig.data(), mac.size());
}

bool digest_verify(EVP_PKEY* pkey, std::string_view input, const unsigned char* sig,
                   std::size_t sig_len) {
  owned<EVP_MD_CTX, EVP_MD_CTX_free> ctx{EVP_MD_CTX_new()};
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey) != 1)
    return false;
  return EVP_DigestVerify(ctx.get(), sig, sig_len,
                          reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
}

bool check_rs256(EVP_PKEY* pkey, std::string_view input, const bytes& sig) {
  // RSA PKCS#1 v1.5 is the default padding of an RSA key's verify operation.
  if (sig.size() != static_cast<std::size_t>(EVP_PKEY_get_size(pkey)))
    return false;
  return digest_verify(pkey, input, sig.data(), sig.size());
}

/// JOSE signs ES256 as R || S, 32 bytes each (RFC 7518 §3.4); OpenSSL verifies DER.
bool check_es256(EVP_PKEY* pkey, std::string_view input, const bytes& sig) {
  constexpr std::size_t half = 32;
  if (sig.size() != 2 * half)
    return false;
  bn_ptr r{BN_bin2bn(sig.data(), half, nullptr)};
  bn_ptr s{BN_bin2bn(sig.data() + half, half, nullptr)};
  owned<ECDSA_SIG, ECDSA_SIG_free> ecdsa{ECDSA_SIG_new()};
  if (!r || !s || !ecdsa || ECDSA_SIG_set0(ecdsa.get(), r.get(), s.get()) != 1)
    return false;
  r.release(); // owned by `ecdsa` now
  s.release();
  unsigned char* der = nullptr;
  int der_len = i2d_ECDSA_SIG(ecdsa.get(), &der);
  if (der_len <= 0)
    return false;
  bool ok = digest_verify(pkey, input, der, static_cast<std::size_t>(der_len));
  OPENSSL_free(der);
  return ok;
}

bool check(const verification_key& key, std::string_view input, const bytes& sig) {
  switch (key.alg) {
  case jws_alg::hs256:
    return check_hs256(*key.secret, input, sig);
  case jws_alg::rs256:
    return check_rs256(key.pkey.get(), input, sig);
  case jws_alg::es256:
    return check_es256(key.pkey.get(), input, sig);
  }
  return false;
}

/// A JSON object from one base64url part of the token.
std::optional<boost::json::object> json_part(std::string_view part) {
  auto raw = decoded(part);
  if (!raw)
    return std::nullopt;
  boost::system::error_code ec;
  auto value = boost::json::parse(
      std::string_view{reinterpret_cast<const char*>(raw->data()), raw->size()}, ec);
  if (ec || !value.is_object())
    return std::nullopt;
  return std::move(value.get_object());
}

/// `typ` (RFC 7519 §5.1), when present: a JWT or an OAuth access token in JWT form (RFC 9068),
/// with or without the `application/` prefix. Other types (DPoP proofs, logout tokens, ...) are
/// JWTs meant for something else and are refused.
bool acceptable_typ(std::string_view typ) noexcept {
  constexpr std::string_view prefix = "application/";
  if (typ.size() > prefix.size() && iequals(typ.substr(0, prefix.size()), prefix))
    typ.remove_prefix(prefix.size());
  return iequals(typ, "JWT") || iequals(typ, "at+jwt");
}

/// A list claim: an array of strings or a single string (split on spaces when `spaced`).
/// Nullopt when it is something else.
std::optional<std::vector<std::string>> string_list(const boost::json::value& v, bool spaced) {
  std::vector<std::string> out;
  if (v.is_string()) {
    std::string_view text = v.get_string();
    if (!spaced) {
      if (!text.empty())
        out.emplace_back(text);
      return out;
    }
    while (!text.empty()) {
      auto end = text.find(' ');
      auto word = text.substr(0, end);
      if (!word.empty())
        out.emplace_back(word);
      text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    }
    return out;
  }
  if (!v.is_array())
    return std::nullopt;
  for (const auto& item : v.get_array()) {
    if (!item.is_string())
      return std::nullopt;
    out.emplace_back(item.get_string());
  }
  return out;
}

std::optional<double> numeric_date(const boost::json::value& v) {
  if (!v.is_number())
    return std::nullopt;
  double d = v.to_number<double>();
  if (!std::isfinite(d))
    return std::nullopt;
  return d;
}

/// `exp` as a time point, clamped to the clock's range (libstdc++'s system_clock counts
/// nanoseconds in 64 bits, which ends in 2262).
std::chrono::system_clock::time_point to_time_point(double seconds) {
  using clock = std::chrono::system_clock;
  constexpr double limit = 9.0e9;
  if (seconds >= limit)
    return clock::time_point::max();
  if (seconds <= -limit)
    return clock::time_point::min();
  return clock::time_point{
      std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(seconds))};
}

jwt_refusal refuse(std::string reason) {
  return jwt_refusal{std::move(reason)};
}

} // namespace

struct jwt_verifier::keys {
  std::vector<verification_key> all;
};

jwt_verifier::jwt_verifier(const jwt_settings& settings)
    : settings_(settings), keys_(std::make_unique<keys>()) {
  if (!settings_.hs256_secret.empty()) {
    if (settings_.hs256_secret.size() < min_secret_bytes)
      throw auth_setup_error("auth.jwt.hs256_secret: must be at least 32 bytes");
    verification_key key;
    key.alg = jws_alg::hs256;
    key.secret = std::make_unique<hmac_sha256_key>(settings_.hs256_secret);
    keys_->all.push_back(std::move(key));
  }
  for (const auto& path : settings_.public_key_files)
    keys_->all.push_back(load_pem(path));
  if (!settings_.jwks_file.empty())
    for (auto& key : load_jwks(settings_.jwks_file))
      keys_->all.push_back(std::move(key));
  if (keys_->all.empty())
    throw auth_setup_error("auth.jwt: no key to check tokens with (set hs256_secret, "
                           "public_keys or jwks_file)");
  // The secret is prepared in `keys_` now; the copy in the settings is not needed.
  OPENSSL_cleanse(settings_.hs256_secret.data(), settings_.hs256_secret.size());
  settings_.hs256_secret.clear();
}

jwt_verifier::~jwt_verifier() = default;

std::variant<net::identity, jwt_refusal>
jwt_verifier::verify(std::string_view token, std::chrono::system_clock::time_point now) const {
  if (token.size() > max_token_bytes)
    return refuse("token too large");
  if (!looks_like_jwt(token))
    return refuse("malformed token");
  auto dot1 = token.find('.');
  auto dot2 = token.find('.', dot1 + 1);
  auto header_part = token.substr(0, dot1);
  auto payload_part = token.substr(dot1 + 1, dot2 - dot1 - 1);
  auto signing_input = token.substr(0, dot2);

  // -- header: which algorithm and key -----------------------------------------------------
  auto header = json_part(header_part);
  if (!header)
    return refuse("malformed token header");
  auto* alg_value = header->if_contains("alg");
  if (!alg_value || !alg_value->is_string())
    return refuse("token header has no alg");
  std::string_view alg_name = alg_value->get_string();
  if (iequals(alg_name, "none"))
    return refuse("unsupported alg none");
  auto alg = alg_named(alg_name);
  if (!alg)
    return refuse("unsupported alg");
  if (header->contains("crit"))
    return refuse("unsupported critical header parameters");
  if (auto* typ = header->if_contains("typ"))
    if (!typ->is_string() || !acceptable_typ(typ->get_string()))
      return refuse("token is not a JWT (typ)");
  const boost::json::string* kid = nullptr;
  if (auto* kid_value = header->if_contains("kid")) {
    if (!kid_value->is_string())
      return refuse("malformed token header");
    kid = &kid_value->get_string();
  }

  // A kid that names a key picks it (and only it); otherwise every key of the algorithm is
  // tried: PEM keys carry no kid, and a token may name one all the same.
  std::vector<const verification_key*> named;
  if (kid)
    for (const auto& key : keys_->all)
      if (!key.kid.empty() && key.kid == *kid)
        named.push_back(&key);
  std::vector<const verification_key*> candidates;
  for (const auto* key : named)
    if (key->alg == *alg)
      candidates.push_back(key);
  if (!named.empty() && candidates.empty())
    return refuse(std::string{"the key named by kid is not for alg "} + name_of(*alg));
  if (named.empty())
    for (const auto& key : keys_->all)
      if (key.alg == *alg)
        candidates.push_back(&key);
  if (candidates.empty())
    return refuse(std::string{"no key for alg "} + name_of(*alg));

  auto signature = decoded(token.substr(dot2 + 1));
  if (!signature)
    return refuse("malformed token signature");
  bool good = std::any_of(candidates.begin(), candidates.end(),
                          [&](const auto* key) { return check(*key, signing_input, *signature); });
  if (!good)
    return refuse("bad signature");

  // -- claims, read only once the signature holds ------------------------------------------
  auto claims = json_part(payload_part);
  if (!claims)
    return refuse("malformed token claims");
  double now_s = std::chrono::duration<double>(now.time_since_epoch()).count();
  double leeway = std::chrono::duration<double>(settings_.leeway).count();

  auto* exp_value = claims->if_contains("exp");
  if (!exp_value)
    return refuse("token has no exp");
  auto exp = numeric_date(*exp_value);
  if (!exp)
    return refuse("token exp is not a number");
  if (now_s >= *exp + leeway)
    return refuse("token expired");
  if (auto* nbf_value = claims->if_contains("nbf")) {
    auto nbf = numeric_date(*nbf_value);
    if (!nbf)
      return refuse("token nbf is not a number");
    if (now_s + leeway < *nbf)
      return refuse("token not yet valid");
  }
  if (!settings_.issuer.empty()) {
    auto* iss = claims->if_contains("iss");
    if (!iss || !iss->is_string() || iss->get_string() != settings_.issuer)
      return refuse("wrong issuer");
  }
  if (!settings_.audience.empty()) {
    auto* aud = claims->if_contains("aud");
    auto list = aud ? string_list(*aud, false) : std::nullopt;
    if (!list || std::find(list->begin(), list->end(), settings_.audience) == list->end())
      return refuse("wrong audience");
  }

  net::identity who;
  auto* user = claims->if_contains(settings_.user_claim);
  if (!user || !user->is_string() || user->get_string().empty())
    return refuse("token has no " + settings_.user_claim + " claim naming the user");
  who.user = user->get_string();
  struct list_claim {
    const std::string& name;
    std::vector<std::string>& into;
    bool spaced;
  };
  for (auto [name, into, spaced] : {list_claim{settings_.groups_claim, who.groups, false},
                                    list_claim{settings_.roles_claim, who.roles, false},
                                    list_claim{settings_.scopes_claim, who.scopes, true}}) {
    if (name.empty())
      continue;
    auto* value = claims->if_contains(name);
    if (!value)
      continue;
    auto list = string_list(*value, spaced);
    if (!list)
      return refuse("token claim " + name + " is not a string or an array of strings");
    into = std::move(*list);
  }
  who.expires = to_time_point(*exp);
  return who;
}

bool looks_like_jwt(std::string_view text) noexcept {
  int dots = 0;
  bool part_empty = true;
  for (char c : text) {
    if (c == '.') {
      if (part_empty || ++dots > 2)
        return false;
      part_empty = true;
    } else if (!is_base64url(c)) {
      return false;
    } else {
      part_empty = false;
    }
  }
  return dots == 2 && !part_empty;
}

} // namespace herald::app
