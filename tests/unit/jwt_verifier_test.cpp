// JWT checks (app/jwt_verifier.hpp): keys made here with OpenSSL, written as PEM and JWKS
// files, tokens signed here, then every way a token can be refused.

#include "app/authenticator.hpp"
#include "app/jwt_verifier.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <stdexcept>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using herald::app::auth_setup_error;
using herald::app::jwt_refusal;
using herald::app::jwt_settings;
using herald::app::jwt_verifier;
using herald::app::looks_like_jwt;
using herald::net::identity;
using namespace std::chrono_literals;

namespace {

// -- a small signer ------------------------------------------------------------------------

struct pkey_free {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;

pkey_ptr make_rsa(unsigned bits) {
  pkey_ptr key{EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits))};
  if (!key)
    throw std::runtime_error("RSA keygen failed");
  return key;
}

pkey_ptr make_ec(const char* curve) {
  pkey_ptr key{EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve)};
  if (!key)
    throw std::runtime_error("EC keygen failed");
  return key;
}

std::string b64url(const unsigned char* data, std::size_t size) {
  static constexpr char digits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    unsigned v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    for (int shift : {18, 12, 6, 0})
      out += digits[(v >> shift) & 63];
  }
  if (size - i == 1) {
    unsigned v = data[i] << 16;
    out += digits[(v >> 18) & 63];
    out += digits[(v >> 12) & 63];
  } else if (size - i == 2) {
    unsigned v = (data[i] << 16) | (data[i + 1] << 8);
    out += digits[(v >> 18) & 63];
    out += digits[(v >> 12) & 63];
    out += digits[(v >> 6) & 63];
  }
  return out;
}

std::string b64url(std::string_view text) {
  return b64url(reinterpret_cast<const unsigned char*>(text.data()), text.size());
}

std::string b64url(const std::vector<unsigned char>& v) {
  return b64url(v.data(), v.size());
}

std::vector<unsigned char> digest_sign(EVP_PKEY* key, std::string_view input) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), EVP_MD_CTX_free};
  std::size_t len = 0;
  auto in = reinterpret_cast<const unsigned char*>(input.data());
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, in, input.size()) != 1)
    throw std::runtime_error("sign init failed");
  std::vector<unsigned char> sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, in, input.size()) != 1)
    throw std::runtime_error("sign failed");
  sig.resize(len);
  return sig;
}

std::vector<unsigned char> hmac(std::string_view secret, std::string_view input) {
  std::vector<unsigned char> mac(EVP_MAX_MD_SIZE);
  unsigned len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac.data(), &len);
  mac.resize(len);
  return mac;
}

/// DER ECDSA to JOSE's R || S.
std::vector<unsigned char> der_to_raw(const std::vector<unsigned char>& der) {
  const unsigned char* p = der.data();
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig{
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())), ECDSA_SIG_free};
  if (!sig)
    throw std::runtime_error("bad DER signature");
  std::vector<unsigned char> raw(64);
  BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), raw.data(), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), raw.data() + 32, 32);
  return raw;
}

std::string encode_json(const boost::json::object& o) {
  return b64url(boost::json::serialize(o));
}

/// A token with `header` and `claims`, signed by `alg` with `key` (or `secret` for HS256).
std::string sign(boost::json::object header, const boost::json::object& claims,
                 EVP_PKEY* key = nullptr, std::string_view secret = {}) {
  auto* alg_value = header.if_contains("alg");
  std::string alg = alg_value && alg_value->is_string() ? alg_value->get_string().c_str() : "";
  auto input = encode_json(header) + "." + encode_json(claims);
  std::vector<unsigned char> sig;
  if (alg == "RS256")
    sig = digest_sign(key, input);
  else if (alg == "ES256")
    sig = der_to_raw(digest_sign(key, input));
  else // HS256, and a signature of some sort for the algorithms that are refused
    sig = hmac(secret, input);
  return input + "." + b64url(sig);
}

std::string pem_of(EVP_PKEY* key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio{BIO_new(BIO_s_mem()), BIO_free};
  PEM_write_bio_PUBKEY(bio.get(), key);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::string bn_param(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(key, name, &bn);
  std::vector<unsigned char> out(static_cast<std::size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, out.data());
  BN_free(bn);
  return b64url(out);
}

boost::json::object rsa_jwk(EVP_PKEY* key, std::string kid) {
  return {{"kty", "RSA"},
          {"kid", kid},
          {"use", "sig"},
          {"alg", "RS256"},
          {"n", bn_param(key, OSSL_PKEY_PARAM_RSA_N)},
          {"e", bn_param(key, OSSL_PKEY_PARAM_RSA_E)}};
}

boost::json::object ec_jwk(EVP_PKEY* key, std::string kid) {
  auto coordinate = [&](const char* name) {
    BIGNUM* bn = nullptr;
    EVP_PKEY_get_bn_param(key, name, &bn);
    std::vector<unsigned char> out(32);
    BN_bn2binpad(bn, out.data(), 32);
    BN_free(bn);
    return b64url(out);
  };
  return {{"kty", "EC"},
          {"crv", "P-256"},
          {"kid", kid},
          {"x", coordinate(OSSL_PKEY_PARAM_EC_PUB_X)},
          {"y", coordinate(OSSL_PKEY_PARAM_EC_PUB_Y)}};
}

// -- fixture -------------------------------------------------------------------------------

const std::string secret = "0123456789abcdef0123456789abcdef-shared";
const auto now = std::chrono::system_clock::time_point{1'800'000'000s};
constexpr std::int64_t now_s = 1'800'000'000;

/// Keys are made once: RSA key generation takes a while.
struct key_set {
  pkey_ptr rsa = make_rsa(2048);
  pkey_ptr rsa_other = make_rsa(2048);
  pkey_ptr ec = make_ec("P-256");
  pkey_ptr rsa_weak = make_rsa(1024);
  pkey_ptr ec_p384 = make_ec("P-384");
};

const key_set& keys() {
  static const key_set k;
  return k;
}

struct temp_dir {
  fs::path path;
  temp_dir() {
    auto pattern = (fs::temp_directory_path() / "herald-jwt-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed");
    path = pattern;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& content) const {
    auto file = path / name;
    std::ofstream{file, std::ios::binary} << content;
    return file.string();
  }
};

boost::json::object claims(std::int64_t exp_in = 3600) {
  return {{"sub", "alice"}, {"exp", now_s + exp_in}, {"iat", now_s}};
}

const boost::json::object hs256{{"alg", "HS256"}, {"typ", "JWT"}};
const boost::json::object rs256{{"alg", "RS256"}, {"typ", "JWT"}};
const boost::json::object es256{{"alg", "ES256"}};

struct fixture {
  temp_dir dir;
  std::string rsa_pem = dir.write("rsa.pem", pem_of(keys().rsa.get()));
  std::string ec_pem = dir.write("ec.pem", pem_of(keys().ec.get()));

  jwt_settings settings() const {
    jwt_settings s;
    s.hs256_secret = secret;
    s.public_key_files = {rsa_pem, ec_pem};
    return s;
  }
};

std::string reason_of(const std::variant<identity, jwt_refusal>& r) {
  if (auto* refusal = std::get_if<jwt_refusal>(&r))
    return refusal->reason;
  return "(accepted)";
}

identity accepted(const std::variant<identity, jwt_refusal>& r) {
  BOOST_TEST_REQUIRE(std::holds_alternative<identity>(r), reason_of(r));
  return std::get<identity>(r);
}

void refused(const std::variant<identity, jwt_refusal>& r, const std::string& reason) {
  BOOST_TEST(reason_of(r) == reason);
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(jwt, fixture)

// -- good tokens ---------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(an_hs256_token_with_the_shared_secret_names_its_subject) {
  jwt_verifier v{settings()};
  auto c = claims();
  c["groups"] = boost::json::array{"ops", "dev"};
  c["roles"] = "admin";
  auto who = accepted(v.verify(sign(hs256, c, nullptr, secret), now));
  BOOST_TEST(who.user == "alice");
  BOOST_TEST(who.groups == (std::vector<std::string>{"ops", "dev"}));
  BOOST_TEST(who.roles == (std::vector<std::string>{"admin"}));
  BOOST_TEST(who.scopes.empty());
  BOOST_TEST_REQUIRE(who.expires.has_value());
  BOOST_TEST((*who.expires == now + 3600s));
}

BOOST_AUTO_TEST_CASE(rs256_and_es256_tokens_check_against_pem_keys) {
  jwt_verifier v{settings()};
  BOOST_TEST(accepted(v.verify(sign(rs256, claims(), keys().rsa.get()), now)).user == "alice");
  BOOST_TEST(accepted(v.verify(sign(es256, claims(), keys().ec.get()), now)).user == "alice");
}

BOOST_AUTO_TEST_CASE(a_token_signed_by_another_rsa_key_has_a_bad_signature) {
  jwt_verifier v{settings()};
  refused(v.verify(sign(rs256, claims(), keys().rsa_other.get()), now), "bad signature");
  refused(v.verify(sign(hs256, claims(), nullptr, secret + "x"), now), "bad signature");
}

BOOST_AUTO_TEST_CASE(a_jwks_kid_picks_the_key) {
  boost::json::object doc{{"keys", boost::json::array{rsa_jwk(keys().rsa.get(), "r1"),
                                                      rsa_jwk(keys().rsa_other.get(), "r2"),
                                                      ec_jwk(keys().ec.get(), "e1")}}};
  jwt_settings s;
  s.jwks_file = dir.write("jwks.json", boost::json::serialize(doc));
  jwt_verifier v{s};

  auto with_kid = [](boost::json::object h, const char* kid) {
    h["kid"] = kid;
    return h;
  };
  BOOST_TEST(
      accepted(v.verify(sign(with_kid(rs256, "r1"), claims(), keys().rsa.get()), now)).user ==
      "alice");
  BOOST_TEST(
      accepted(v.verify(sign(with_kid(rs256, "r2"), claims(), keys().rsa_other.get()), now)).user ==
      "alice");
  BOOST_TEST(accepted(v.verify(sign(with_kid(es256, "e1"), claims(), keys().ec.get()), now)).user ==
             "alice");
  // The kid names r2: r1's signature does not count for it.
  refused(v.verify(sign(with_kid(rs256, "r2"), claims(), keys().rsa.get()), now), "bad signature");
  // Without a kid (or with an unknown one) every key of the alg is tried.
  BOOST_TEST(accepted(v.verify(sign(rs256, claims(), keys().rsa_other.get()), now)).user ==
             "alice");
  BOOST_TEST(
      accepted(v.verify(sign(with_kid(rs256, "zz"), claims(), keys().rsa.get()), now)).user ==
      "alice");
  // A kid naming an EC key cannot be used for RS256.
  refused(v.verify(sign(with_kid(rs256, "e1"), claims(), keys().rsa.get()), now),
          "the key named by kid is not for alg RS256");
  refused(v.verify(sign(hs256, claims(), nullptr, secret), now), "no key for alg HS256");
}

BOOST_AUTO_TEST_CASE(jwks_keys_for_encryption_or_other_kinds_are_skipped) {
  auto enc = rsa_jwk(keys().rsa_other.get(), "enc");
  enc["use"] = "enc";
  enc.erase("alg");
  boost::json::object doc{
      {"keys", boost::json::array{enc,
                                  {{"kty", "oct"}, {"k", "c2VjcmV0"}},
                                  {{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", "AAAA"}},
                                  ec_jwk(keys().ec.get(), "e1")}}};
  jwt_settings s;
  s.jwks_file = dir.write("jwks.json", boost::json::serialize(doc));
  jwt_verifier v{s};
  refused(v.verify(sign(rs256, claims(), keys().rsa_other.get()), now), "no key for alg RS256");
  BOOST_TEST(accepted(v.verify(sign(es256, claims(), keys().ec.get()), now)).user == "alice");
}

// -- algorithms ----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(alg_none_is_refused_in_any_spelling) {
  jwt_verifier v{settings()};
  auto body = encode_json(claims());
  for (auto alg : {"none", "None", "NONE", "nOnE"}) {
    auto header = encode_json({{"alg", alg}, {"typ", "JWT"}});
    refused(v.verify(header + "." + body + ".x", now), "unsupported alg none");
    // With an empty signature, which is how such tokens come.
    refused(v.verify(header + "." + body + ".", now), "malformed token");
  }
}

BOOST_AUTO_TEST_CASE(other_algorithms_and_misspellings_are_refused) {
  jwt_verifier v{settings()};
  for (auto alg : {"HS512", "RS384", "PS256", "EdDSA", "hs256", "rs256", ""})
    refused(v.verify(sign({{"alg", alg}}, claims(), nullptr, secret), now), "unsupported alg");
  refused(v.verify(sign({{"typ", "JWT"}}, claims()), now), "token header has no alg");
}

BOOST_AUTO_TEST_CASE(an_hs256_token_keyed_with_the_rsa_public_key_is_refused) {
  // The classic confusion: the attacker knows the public key and uses its PEM as an HMAC key.
  jwt_settings s;
  s.public_key_files = {rsa_pem};
  jwt_verifier v{s};
  auto pem = pem_of(keys().rsa.get());
  refused(v.verify(sign(hs256, claims(), nullptr, pem), now), "no key for alg HS256");
  // Also when the verifier has a shared secret: the PEM bytes are not it.
  jwt_settings both = settings();
  jwt_verifier v2{both};
  refused(v2.verify(sign(hs256, claims(), nullptr, pem), now), "bad signature");
  // An ES256 token cannot be checked against the RSA key, nor RS256 against the EC key.
  s.public_key_files = {ec_pem};
  jwt_verifier ec_only{s};
  refused(ec_only.verify(sign(rs256, claims(), keys().rsa.get()), now), "no key for alg RS256");
}

BOOST_AUTO_TEST_CASE(typ_other_than_jwt_and_critical_headers_are_refused) {
  jwt_verifier v{settings()};
  for (auto typ : {"jwt", "JWT", "at+jwt", "application/jwt"})
    accepted(v.verify(sign({{"alg", "HS256"}, {"typ", typ}}, claims(), nullptr, secret), now));
  refused(v.verify(sign({{"alg", "HS256"}, {"typ", "dpop+jwt"}}, claims(), nullptr, secret), now),
          "token is not a JWT (typ)");
  refused(v.verify(sign({{"alg", "HS256"}, {"crit", boost::json::array{"exp"}}}, claims(), nullptr,
                        secret),
                   now),
          "unsupported critical header parameters");
}

// -- time ----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(exp_is_required_and_checked_with_leeway) {
  jwt_verifier v{settings()}; // leeway 60 s
  refused(v.verify(sign(hs256, claims(-61), nullptr, secret), now), "token expired");
  refused(v.verify(sign(hs256, claims(-3600), nullptr, secret), now), "token expired");
  accepted(v.verify(sign(hs256, claims(-30), nullptr, secret), now));
  auto no_exp = claims();
  no_exp.erase("exp");
  refused(v.verify(sign(hs256, no_exp, nullptr, secret), now), "token has no exp");
  auto text_exp = claims();
  text_exp["exp"] = "1900000000";
  refused(v.verify(sign(hs256, text_exp, nullptr, secret), now), "token exp is not a number");
  auto fractional = claims();
  fractional["exp"] = double(now_s) + 0.5;
  auto who = accepted(v.verify(sign(hs256, fractional, nullptr, secret), now));
  BOOST_TEST((*who.expires == now + 500ms));

  auto strict = settings();
  strict.leeway = 0s;
  jwt_verifier no_leeway{strict};
  refused(no_leeway.verify(sign(hs256, claims(-30), nullptr, secret), now), "token expired");
  refused(no_leeway.verify(sign(hs256, claims(0), nullptr, secret), now), "token expired");
}

BOOST_AUTO_TEST_CASE(nbf_in_the_future_is_refused_beyond_leeway) {
  jwt_verifier v{settings()};
  auto c = claims();
  c["nbf"] = now_s + 600;
  refused(v.verify(sign(hs256, c, nullptr, secret), now), "token not yet valid");
  c["nbf"] = now_s + 30;
  accepted(v.verify(sign(hs256, c, nullptr, secret), now));
  c["nbf"] = true;
  refused(v.verify(sign(hs256, c, nullptr, secret), now), "token nbf is not a number");
}

BOOST_AUTO_TEST_CASE(an_exp_past_the_clock_range_is_clamped) {
  jwt_verifier v{settings()};
  auto c = claims();
  c["exp"] = 1e300;
  auto who = accepted(v.verify(sign(hs256, c, nullptr, secret), now));
  BOOST_TEST((*who.expires == std::chrono::system_clock::time_point::max()));
}

// -- issuer and audience -------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(issuer_and_audience_must_match_when_set) {
  auto s = settings();
  s.issuer = "https://idp.example";
  s.audience = "herald";
  jwt_verifier v{s};
  auto c = claims();
  c["iss"] = "https://idp.example";
  c["aud"] = "herald";
  accepted(v.verify(sign(hs256, c, nullptr, secret), now));
  c["aud"] = boost::json::array{"other", "herald"};
  accepted(v.verify(sign(hs256, c, nullptr, secret), now));
  c["aud"] = boost::json::array{"other"};
  refused(v.verify(sign(hs256, c, nullptr, secret), now), "wrong audience");
  c["aud"] = "Herald";
  refused(v.verify(sign(hs256, c, nullptr, secret), now), "wrong audience");
  c.erase("aud");
  refused(v.verify(sign(hs256, c, nullptr, secret), now), "wrong audience");
  c["aud"] = "herald";
  c["iss"] = "https://evil.example";
  refused(v.verify(sign(hs256, c, nullptr, secret), now), "wrong issuer");
  c.erase("iss");
  refused(v.verify(sign(hs256, c, nullptr, secret), now), "wrong issuer");
}

BOOST_AUTO_TEST_CASE(without_issuer_and_audience_settings_they_are_not_checked) {
  jwt_verifier v{settings()};
  auto c = claims();
  c["iss"] = "anyone";
  c["aud"] = boost::json::array{"x"};
  accepted(v.verify(sign(hs256, c, nullptr, secret), now));
}

// -- identity claims -----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(the_user_claim_is_required) {
  auto s = settings();
  s.user_claim = "preferred_username";
  jwt_verifier v{s};
  refused(v.verify(sign(hs256, claims(), nullptr, secret), now),
          "token has no preferred_username claim naming the user");
  auto c = claims();
  c["preferred_username"] = "";
  refused(v.verify(sign(hs256, c, nullptr, secret), now),
          "token has no preferred_username claim naming the user");
  c["preferred_username"] = 42;
  refused(v.verify(sign(hs256, c, nullptr, secret), now),
          "token has no preferred_username claim naming the user");
  c["preferred_username"] = "bob";
  BOOST_TEST(accepted(v.verify(sign(hs256, c, nullptr, secret), now)).user == "bob");
}

BOOST_AUTO_TEST_CASE(scopes_come_from_a_spaced_string_or_an_array) {
  jwt_verifier v{settings()};
  auto c = claims();
  c["scope"] = "tasks:read  tasks:write sse";
  BOOST_TEST(accepted(v.verify(sign(hs256, c, nullptr, secret), now)).scopes ==
             (std::vector<std::string>{"tasks:read", "tasks:write", "sse"}));
  c["scope"] = boost::json::array{"tasks:read", "a b"};
  BOOST_TEST(accepted(v.verify(sign(hs256, c, nullptr, secret), now)).scopes ==
             (std::vector<std::string>{"tasks:read", "a b"}));
  c["scope"] = boost::json::array{"ok", 3};
  refused(v.verify(sign(hs256, c, nullptr, secret), now),
          "token claim scope is not a string or an array of strings");
  c["scope"] = "x";
  c["groups"] = boost::json::object{};
  refused(v.verify(sign(hs256, c, nullptr, secret), now),
          "token claim groups is not a string or an array of strings");
}

BOOST_AUTO_TEST_CASE(claim_names_come_from_the_settings) {
  auto s = settings();
  s.groups_claim = "grp";
  s.roles_claim = "";
  s.scopes_claim = "scp";
  jwt_verifier v{s};
  auto c = claims();
  c["grp"] = "ops";
  c["groups"] = "ignored";
  c["roles"] = 7; // not read
  c["scp"] = boost::json::array{"a"};
  auto who = accepted(v.verify(sign(hs256, c, nullptr, secret), now));
  BOOST_TEST(who.groups == (std::vector<std::string>{"ops"}));
  BOOST_TEST(who.roles.empty());
  BOOST_TEST(who.scopes == (std::vector<std::string>{"a"}));
}

// -- malformed tokens ----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_tampered_payload_breaks_the_signature) {
  jwt_verifier v{settings()};
  for (auto* key : {keys().rsa.get(), keys().ec.get()}) {
    auto token = sign(key == keys().rsa.get() ? rs256 : es256, claims(), key);
    auto dot1 = token.find('.');
    auto dot2 = token.find('.', dot1 + 1);
    auto forged = claims();
    forged["sub"] = "root";
    auto tampered = token.substr(0, dot1 + 1) + encode_json(forged) + token.substr(dot2);
    refused(v.verify(tampered, now), "bad signature");
    // One bit of the signature.
    auto flipped = token;
    flipped[dot2 + 5] = flipped[dot2 + 5] == 'A' ? 'B' : 'A';
    refused(v.verify(flipped, now), "bad signature");
  }
}

BOOST_AUTO_TEST_CASE(bad_base64url_is_refused) {
  jwt_verifier v{settings()};
  auto token = sign(hs256, claims(), nullptr, secret);
  auto dot1 = token.find('.');
  auto dot2 = token.find('.', dot1 + 1);
  // Padding, the standard alphabet, spaces: not base64url.
  refused(v.verify(token + "=", now), "malformed token");
  refused(v.verify(token.substr(0, dot1) + "+/" + token.substr(dot1), now), "malformed token");
  refused(v.verify(token.substr(0, dot2) + ". " + token.substr(dot2 + 1), now), "malformed token");
  // A length no base64 text has (4n + 1).
  refused(v.verify(token.substr(0, dot2 + 1) + "AAAAA", now), "malformed token signature");
  // Non-zero unused bits: a second spelling of the same bytes.
  auto sig = token.substr(dot2 + 1); // 43 characters: the last holds 2 unused bits
  auto last = sig.back();
  auto other = sig;
  other.back() = last == 'A' ? 'B' : char(last + 1);
  refused(v.verify(token.substr(0, dot2 + 1) + other, now), "malformed token signature");
}

BOOST_AUTO_TEST_CASE(garbage_json_and_shapes_are_refused) {
  jwt_verifier v{settings()};
  auto body = encode_json(claims());
  refused(v.verify(b64url("{\"alg\":") + "." + body + ".AAAA", now), "malformed token header");
  refused(v.verify(b64url("[\"HS256\"]") + "." + body + ".AAAA", now), "malformed token header");
  refused(v.verify(b64url("{\"alg\":\"HS256\",\"kid\":5}") + "." + body + ".AAAA", now),
          "malformed token header");
  // A payload that is not an object, correctly signed.
  auto input = encode_json(hs256) + "." + b64url("\"alice\"");
  refused(v.verify(input + "." + b64url(hmac(secret, input)), now), "malformed token claims");
  input = encode_json(hs256) + "." + b64url("{\"sub\":\"a\",");
  refused(v.verify(input + "." + b64url(hmac(secret, input)), now), "malformed token claims");
  for (auto text : {"", "a", "a.b", "a.b.c.d", ".b.c", "a..c", "a.b.", "not a token"})
    refused(v.verify(text, now), "malformed token");
}

BOOST_AUTO_TEST_CASE(an_oversize_token_is_refused_unread) {
  jwt_verifier v{settings()};
  auto c = claims();
  c["pad"] = std::string(8 * 1024, 'x');
  refused(v.verify(sign(hs256, c, nullptr, secret), now), "token too large");
  c["pad"] = std::string(5000, 'x');
  accepted(v.verify(sign(hs256, c, nullptr, secret), now));
}

BOOST_AUTO_TEST_CASE(refusals_never_echo_the_token) {
  jwt_verifier v{settings()};
  auto c = claims();
  c["sub"] = "secret-user-name";
  auto token = sign({{"alg", "HS256"}, {"kid", "some-kid"}}, c, nullptr, "wrong-secret");
  auto reason = reason_of(v.verify(token, now));
  BOOST_TEST(reason == "bad signature");
  BOOST_TEST(reason.find("secret-user") == std::string::npos);
}

// -- shape ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(looks_like_jwt_wants_three_nonempty_base64url_parts) {
  BOOST_TEST(looks_like_jwt("eyJh.eyJi.c2ln"));
  BOOST_TEST(looks_like_jwt("a-_.b.C9"));
  BOOST_TEST(!looks_like_jwt("hk_live_0123456789abcdef"));
  BOOST_TEST(!looks_like_jwt("a.b"));
  BOOST_TEST(!looks_like_jwt("a.b.c.d"));
  BOOST_TEST(!looks_like_jwt("a..c"));
  BOOST_TEST(!looks_like_jwt(".b.c"));
  BOOST_TEST(!looks_like_jwt("a.b."));
  BOOST_TEST(!looks_like_jwt("a.b.c="));
  BOOST_TEST(!looks_like_jwt("a+b.c.d"));
  BOOST_TEST(!looks_like_jwt(""));
}

// -- setup ---------------------------------------------------------------------------------

void setup_fails(const jwt_settings& s, const std::string& starts_with,
                 const std::string& mentions = {}) {
  try {
    jwt_verifier v{s};
    BOOST_ERROR("no auth_setup_error for " + starts_with);
  } catch (const auth_setup_error& e) {
    std::string what = e.what();
    BOOST_TEST(what.rfind(starts_with, 0) == 0, what);
    BOOST_TEST(what.find(mentions) != std::string::npos, what);
  }
}

BOOST_AUTO_TEST_CASE(unusable_settings_are_setup_errors_naming_the_key) {
  jwt_settings s;
  s.hs256_secret = std::string(31, 'k');
  setup_fails(s, "auth.jwt.hs256_secret: must be at least 32 bytes");

  s = {};
  s.public_key_files = {(dir.path / "missing.pem").string()};
  setup_fails(s, "auth.jwt.public_keys: cannot read", "missing.pem");
  s.public_key_files = {dir.write("weak.pem", pem_of(keys().rsa_weak.get()))};
  setup_fails(s, "auth.jwt.public_keys: ", "1024 bits");
  s.public_key_files = {dir.write("p384.pem", pem_of(keys().ec_p384.get()))};
  setup_fails(s, "auth.jwt.public_keys: ", "P-256");
  s.public_key_files = {dir.write("junk.pem", "not a key\n")};
  setup_fails(s, "auth.jwt.public_keys: ", "no PEM public key");

  s = {};
  s.jwks_file = (dir.path / "missing.json").string();
  setup_fails(s, "auth.jwt.jwks_file: cannot read");
  s.jwks_file = dir.write("bad.json", "{\"keys\": [");
  setup_fails(s, "auth.jwt.jwks_file: ", "not JSON");
  s.jwks_file = dir.write("shape.json", "[]");
  setup_fails(s, "auth.jwt.jwks_file: ", "JWKS");
  s.jwks_file = dir.write("empty.json", "{\"keys\": []}");
  setup_fails(s, "auth.jwt.jwks_file: ", "no usable signing key");

  auto weak = rsa_jwk(keys().rsa_weak.get(), "w");
  s.jwks_file = dir.write(
      "weak.json", boost::json::serialize(boost::json::object{{"keys", boost::json::array{weak}}}));
  setup_fails(s, "auth.jwt.jwks_file: ", "1024 bits");
  auto wrong_alg = ec_jwk(keys().ec.get(), "e");
  wrong_alg["alg"] = "RS256";
  s.jwks_file = dir.write("alg.json", boost::json::serialize(boost::json::object{
                                          {"keys", boost::json::array{wrong_alg}}}));
  setup_fails(s, "auth.jwt.jwks_file: ", "alg must be ES256");
  auto off_curve = ec_jwk(keys().ec.get(), "e");
  off_curve["y"] = off_curve["x"];
  s.jwks_file = dir.write("curve.json", boost::json::serialize(boost::json::object{
                                            {"keys", boost::json::array{off_curve}}}));
  setup_fails(s, "auth.jwt.jwks_file: ", "P-256");
  auto bad_n = rsa_jwk(keys().rsa.get(), "r");
  bad_n["n"] = "not base64!";
  s.jwks_file = dir.write(
      "n.json", boost::json::serialize(boost::json::object{{"keys", boost::json::array{bad_n}}}));
  setup_fails(s, "auth.jwt.jwks_file: ", "n and e");

  setup_fails(jwt_settings{}, "auth.jwt: no key");
}

BOOST_AUTO_TEST_SUITE_END()
