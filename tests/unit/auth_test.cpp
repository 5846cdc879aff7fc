// Credentials (SPEC §4.8): base64url, signed stream tokens (app/stream_token.hpp) and the
// authenticator that turns a request's credential into an identity (app/authenticator.hpp).

#include "app/authenticator.hpp"
#include "app/base64url.hpp"
#include "app/config.hpp"
#include "app/digests.hpp"
#include "app/stream_token.hpp"
#include "net/request_context.hpp"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <initializer_list>
#include <string>
#include <utility>
#include <variant>

using herald::app::auth_outcome;
using herald::app::auth_settings;
using herald::app::auth_setup_error;
using herald::app::authenticator;
using herald::app::base64url_decode;
using herald::app::base64url_encode;
using herald::app::stream_grant;
using herald::app::stream_refusal;
using herald::app::stream_signer;
using herald::net::request;
using herald::net::request_context;
using herald::net::verb;
using namespace std::chrono_literals;
using clock_type = std::chrono::system_clock;

namespace {

const std::string secret = "0123456789abcdef0123456789abcdef";
const std::string task = "3f2b8c1e-5a4d-4e6f-9a7b-1c2d3e4f5a6b";

/// A time with whole seconds, as tokens carry them.
const clock_type::time_point start{std::chrono::seconds{1'800'000'000}};

std::string refusal(const std::variant<stream_grant, stream_refusal>& v) {
  const auto* r = std::get_if<stream_refusal>(&v);
  return r ? r->reason : std::string{"(accepted)"};
}

/// `token` with the character at `at` replaced by another of the alphabet.
std::string flipped(std::string token, std::size_t at) {
  token[at] = token[at] == 'A' ? 'B' : 'A';
  return token;
}

/// The `auth` section of a configuration document (checked by the configuration's parser).
auth_settings settings(std::string_view auth_json) {
  auto parsed = herald::app::parse_config(R"({"auth": )" + std::string{auth_json} + "}");
  BOOST_REQUIRE_MESSAGE(parsed.value.has_value(), parsed.error);
  return parsed.value->auth;
}

const char* const two_keys = R"({"cookie": "herald_key", "keys": [
  {"key": "alice-key-0123456789", "user": "alice", "groups": ["ops"], "roles": ["admin"],
   "scopes": ["tasks:read"]},
  {"key": "bob.key.0123456789", "user": "bob"}]})";

/// What `a` makes of a request with `headers`.
auth_outcome check(const authenticator& a, verb method,
                   std::initializer_list<std::pair<std::string_view, std::string_view>> headers) {
  request req{method, "/tasks", 11};
  for (const auto& [name, value] : headers)
    req.set(name, value);
  return a.check(request_context{req, {}}, start);
}

std::string user_of(const auth_outcome& o) {
  return o.result == auth_outcome::kind::valid && o.who ? o.who->user : "(" + o.reason + ")";
}

std::string reason_of(const auth_outcome& o) {
  return o.result == auth_outcome::kind::invalid ? o.reason : std::string{"(not invalid)"};
}

} // namespace

BOOST_AUTO_TEST_SUITE(base64url)

BOOST_AUTO_TEST_CASE(encodes_rfc_4648_vectors_without_padding) {
  BOOST_TEST(base64url_encode("") == "");
  BOOST_TEST(base64url_encode("f") == "Zg");
  BOOST_TEST(base64url_encode("fo") == "Zm8");
  BOOST_TEST(base64url_encode("foo") == "Zm9v");
  BOOST_TEST(base64url_encode("foob") == "Zm9vYg");
  BOOST_TEST(base64url_encode("fooba") == "Zm9vYmE");
  BOOST_TEST(base64url_encode("foobar") == "Zm9vYmFy");
  // The two characters that differ from standard base64.
  BOOST_TEST(base64url_encode("\xfb\xff") == "-_8");
}

BOOST_AUTO_TEST_CASE(decodes_what_it_encodes_for_every_byte) {
  std::string all;
  for (int i = 0; i < 256; ++i)
    all += static_cast<char>(i);
  for (std::size_t n = 0; n <= all.size(); n += 17) {
    auto text = all.substr(0, n);
    auto back = base64url_decode(base64url_encode(text));
    BOOST_REQUIRE(back.has_value());
    BOOST_TEST(*back == text);
  }
  BOOST_TEST(base64url_decode("-_8").value() == "\xfb\xff");
}

BOOST_AUTO_TEST_CASE(refuses_padding_foreign_characters_and_impossible_lengths) {
  BOOST_TEST(!base64url_decode("Zg==").has_value());
  BOOST_TEST(!base64url_decode("Zm8=").has_value());
  BOOST_TEST(!base64url_decode("+/8").has_value());
  BOOST_TEST(!base64url_decode("Zm 9v").has_value());
  BOOST_TEST(!base64url_decode("Zm9v.").has_value());
  BOOST_TEST(!base64url_decode(std::string{"Zm\0v", 4}).has_value());
  BOOST_TEST(!base64url_decode("Zm9vY").has_value());
  // Bits past the last byte must be zero: "Zh" would also end in "f" otherwise.
  BOOST_TEST(!base64url_decode("Zh").has_value());
  BOOST_TEST(base64url_decode("").value().empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(stream_tokens)

BOOST_AUTO_TEST_CASE(a_token_round_trips_task_user_and_expiry) {
  stream_signer signer{secret};
  auto token = signer.sign(task, "alice", start + 1h);
  BOOST_TEST(token.substr(0, 3) == "v1.");
  BOOST_TEST(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                     "0123456789-_.") == std::string::npos);
  auto checked = signer.verify(token, task, start);
  BOOST_REQUIRE_MESSAGE(std::holds_alternative<stream_grant>(checked), refusal(checked));
  const auto& grant = std::get<stream_grant>(checked);
  BOOST_TEST(grant.task_id == task);
  BOOST_TEST(grant.user == "alice");
  BOOST_TEST((grant.expires == start + 1h));
}

BOOST_AUTO_TEST_CASE(task_ids_and_users_with_any_bytes_survive) {
  stream_signer signer{secret};
  const std::string odd_task = "12:34:task";
  const std::string user{"m\xc3\xbcller \"x\"\n.y:\0\xff", 17};
  auto checked = signer.verify(signer.sign(odd_task, user, start + 1s), odd_task, start);
  BOOST_REQUIRE(std::holds_alternative<stream_grant>(checked));
  BOOST_TEST(std::get<stream_grant>(checked).task_id == odd_task);
  BOOST_TEST(std::get<stream_grant>(checked).user == user);
  // The task id's length travels with it: no split of task and user reads as another.
  auto shifted = signer.sign("12:34:tas", "k" + user, start + 1s);
  BOOST_TEST(refusal(signer.verify(shifted, odd_task, start)) ==
             "stream token is for another task");
}

BOOST_AUTO_TEST_CASE(an_expired_token_is_refused_from_its_expiry_on) {
  stream_signer signer{secret};
  auto token = signer.sign(task, "alice", start + 10s);
  BOOST_TEST(std::holds_alternative<stream_grant>(signer.verify(token, task, start + 9s)));
  BOOST_TEST(refusal(signer.verify(token, task, start + 10s)) == "stream token expired");
  BOOST_TEST(refusal(signer.verify(token, task, start + 1h)) == "stream token expired");
}

BOOST_AUTO_TEST_CASE(a_token_for_another_task_is_refused) {
  stream_signer signer{secret};
  auto token = signer.sign(task, "alice", start + 1h);
  BOOST_TEST(refusal(signer.verify(token, "another-task", start)) ==
             "stream token is for another task");
  BOOST_TEST(refusal(signer.verify(token, "", start)) == "stream token is for another task");
}

BOOST_AUTO_TEST_CASE(every_changed_character_is_noticed) {
  stream_signer signer{secret};
  auto token = signer.sign(task, "alice", start + 1h);
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '.')
      continue;
    BOOST_TEST(refusal(signer.verify(flipped(token, i), task, start)) ==
                   "stream token is not valid",
               "at " << i);
  }
}

BOOST_AUTO_TEST_CASE(a_token_signed_with_another_secret_is_refused) {
  stream_signer mine{secret};
  stream_signer theirs{"another secret of at least 32 bytes!"};
  auto token = theirs.sign(task, "alice", start + 1h);
  BOOST_TEST(refusal(mine.verify(token, task, start)) == "stream token is not valid");
}

BOOST_AUTO_TEST_CASE(random_secrets_differ_between_signers) {
  stream_signer one{""};
  stream_signer two{""};
  auto token = one.sign(task, "alice", start + 1h);
  BOOST_TEST(std::holds_alternative<stream_grant>(one.verify(token, task, start)));
  BOOST_TEST(refusal(two.verify(token, task, start)) == "stream token is not valid");
}

BOOST_AUTO_TEST_CASE(malformed_tokens_are_refused) {
  stream_signer signer{secret};
  auto token = signer.sign(task, "alice", start + 1h);
  auto dot = token.rfind('.');
  for (std::string bad :
       {std::string{}, std::string{"v1"}, std::string{"v1."}, std::string{"v1.."},
        std::string{"v2"} + token.substr(2), token.substr(0, dot), token.substr(0, dot + 1),
        token + ".", token + "A", token.substr(0, dot) + "." + token.substr(0, dot),
        std::string{"v1.x."} + token.substr(3), token + "="}) {
    BOOST_TEST(refusal(signer.verify(bad, task, start)) == "stream token is not valid",
               "'" << bad << "'");
  }
  BOOST_TEST(refusal(signer.verify(std::string(100'000, 'A'), task, start)) ==
             "stream token is not valid");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(authenticator_checks)

BOOST_AUTO_TEST_CASE(an_api_key_is_taken_from_x_api_key_or_a_bearer_token) {
  authenticator a{settings(two_keys)};
  BOOST_TEST(a.enabled());
  BOOST_TEST(!a.required());
  auto by_header = check(a, verb::post, {{"X-API-Key", " alice-key-0123456789 "}});
  BOOST_REQUIRE(by_header.result == auth_outcome::kind::valid);
  BOOST_TEST(by_header.who->user == "alice");
  BOOST_TEST(by_header.who->groups == std::vector<std::string>{"ops"});
  BOOST_TEST(by_header.who->roles == std::vector<std::string>{"admin"});
  BOOST_TEST(by_header.who->scopes == std::vector<std::string>{"tasks:read"});
  BOOST_TEST(!by_header.who->expires.has_value());
  BOOST_TEST(by_header.who->stream_task.empty());
  BOOST_TEST(user_of(check(a, verb::post, {{"Authorization", "Bearer alice-key-0123456789"}})) ==
             "alice");
  BOOST_TEST(user_of(check(a, verb::delete_,
                           {{"Authorization", "bEaReR   alice-key-0123456789"}})) == "alice");
  // X-API-Key first: the Authorization header is then not read at all.
  BOOST_TEST(user_of(check(a, verb::post,
                           {{"X-API-Key", "alice-key-0123456789"},
                            {"Authorization", "Basic Ym9iOng="}})) == "alice");
}

BOOST_AUTO_TEST_CASE(a_verified_jwt_is_remembered_until_it_expires) {
  auto a_json = std::string{R"({"jwt": {"hs256_secret": ")"} + secret + R"(", "leeway_s": 5}})";
  authenticator a{settings(a_json)};
  // An HS256 token for ann, expiring 60 s after `start`.
  auto exp =
      std::chrono::duration_cast<std::chrono::seconds>(start.time_since_epoch()).count() + 60;
  auto input = base64url_encode(R"({"alg":"HS256","typ":"JWT"})") + "." +
               base64url_encode(R"({"sub":"ann","exp":)" + std::to_string(exp) + "}");
  auto mac = herald::app::hmac_sha256_key{secret}.sign(input);
  auto token =
      input + "." + base64url_encode({reinterpret_cast<const char*>(mac.data()), mac.size()});
  auto first = a.check_credential(token, start);
  BOOST_REQUIRE(first.result == auth_outcome::kind::valid);
  BOOST_TEST(first.who->user == "ann");
  auto again = a.check_credential(token, start + 30s);
  BOOST_REQUIRE(again.result == auth_outcome::kind::valid);
  BOOST_TEST(again.who == first.who); // the same identity: not verified twice
  BOOST_TEST((a.check_credential(token, start + 64s).result == auth_outcome::kind::valid)); // leeway
  auto late = a.check_credential(token, start + 66s);
  BOOST_TEST((late.result == auth_outcome::kind::invalid));
  BOOST_TEST(late.reason == "token expired");
  // Other bytes are other tokens: a changed signature is verified, and refused.
  auto forged = token;
  forged[forged.size() - 3] = forged[forged.size() - 3] == 'A' ? 'B' : 'A';
  BOOST_TEST((a.check_credential(forged, start).result == auth_outcome::kind::invalid));
}

BOOST_AUTO_TEST_CASE(no_credential_is_none) {
  authenticator a{settings(two_keys)};
  auto none = check(a, verb::get, {});
  BOOST_TEST((none.result == auth_outcome::kind::none));
  BOOST_TEST(!none.who);
  BOOST_TEST((check(a, verb::get, {{"X-API-Key", "  "}}).result == auth_outcome::kind::none));
  BOOST_TEST((a.check_credential("", start).result == auth_outcome::kind::none));
}

BOOST_AUTO_TEST_CASE(wrong_credentials_are_invalid_without_echoing_them) {
  authenticator a{settings(two_keys)};
  auto unknown = check(a, verb::get, {{"X-API-Key", "alice-key-0123456788"}});
  BOOST_TEST(reason_of(unknown) == "unknown API key");
  BOOST_TEST(!unknown.who);
  BOOST_TEST(reason_of(check(a, verb::get, {{"Authorization", "Bearer alice-key-012345678"}})) ==
             "unknown API key");
  BOOST_TEST(reason_of(check(a, verb::get, {{"Authorization", "Basic YWxpY2U6eA=="}})) ==
             "unsupported authorization scheme");
  BOOST_TEST(reason_of(check(a, verb::get, {{"Authorization", "alice-key-0123456789"}})) ==
             "unsupported authorization scheme");
  BOOST_TEST(reason_of(check(a, verb::get, {{"Authorization", "Bearer"}})) ==
             "bearer token is empty");
}

BOOST_AUTO_TEST_CASE(an_oversized_credential_is_refused_unread) {
  authenticator a{settings(two_keys)};
  std::string big(herald::app::max_credential_bytes + 1, 'k');
  BOOST_TEST(reason_of(check(a, verb::get, {{"X-API-Key", big}})) == "credential too large");
  BOOST_TEST(reason_of(check(a, verb::get, {{"Authorization", "Bearer " + big}})) ==
             "credential too large");
  BOOST_TEST(reason_of(a.check_stream_token(big, task, start)) == "credential too large");
  big.pop_back();
  BOOST_TEST(reason_of(check(a, verb::get, {{"X-API-Key", big}})) == "unknown API key");
}

BOOST_AUTO_TEST_CASE(the_cookie_counts_on_get_only) {
  authenticator a{settings(two_keys)};
  BOOST_TEST(user_of(check(a, verb::get, {{"Cookie", "herald_key=alice-key-0123456789"}})) ==
             "alice");
  BOOST_TEST(user_of(check(a, verb::get,
                           {{"Cookie", "theme=dark; herald_key_x=1; "
                                       "herald_key=\"alice-key-0123456789\"; z=2"}})) == "alice");
  BOOST_TEST(reason_of(check(a, verb::get, {{"Cookie", "herald_key=nope-0123456789abcdef"}})) ==
             "unknown API key");
  // A page elsewhere can make a browser send the cookie with a form: it must not act.
  for (auto method : {verb::post, verb::put, verb::delete_, verb::patch})
    BOOST_TEST((check(a, method, {{"Cookie", "herald_key=alice-key-0123456789"}}).result ==
                auth_outcome::kind::none));
  BOOST_TEST((check(a, verb::get, {{"Cookie", "other=alice-key-0123456789"}}).result ==
              auth_outcome::kind::none));
  // A header credential wins over the cookie.
  BOOST_TEST(user_of(check(a, verb::get,
                           {{"Cookie", "herald_key=alice-key-0123456789"},
                            {"X-API-Key", "bob.key.0123456789"}})) == "bob");
}

BOOST_AUTO_TEST_CASE(no_cookie_is_read_unless_configured) {
  authenticator a{settings(R"({"keys": [{"key": "alice-key-0123456789", "user": "alice"}]})")};
  BOOST_TEST((check(a, verb::get, {{"Cookie", "herald_key=alice-key-0123456789"}}).result ==
              auth_outcome::kind::none));
}

BOOST_AUTO_TEST_CASE(a_key_shaped_like_a_jwt_is_a_key_when_jwts_are_off) {
  authenticator a{settings(two_keys)};
  BOOST_TEST(user_of(check(a, verb::get, {{"X-API-Key", "bob.key.0123456789"}})) == "bob");
  BOOST_TEST(reason_of(check(a, verb::get, {{"Authorization", "Bearer eyJh.eyJz.c2ln"}})) ==
             "unknown API key");
}

BOOST_AUTO_TEST_CASE(required_and_enabled_follow_the_settings) {
  authenticator off{auth_settings{}};
  BOOST_TEST(!off.enabled());
  BOOST_TEST(!off.required());
  authenticator on{settings(R"({"required": true, "keys": [
    {"key_sha256": "7bafaa96aa2351e6b7fbc258246b08ee66ade6196c76850108303b1dd6d6eb62",
     "user": "alice"}]})")};
  BOOST_TEST(on.enabled());
  BOOST_TEST(on.required());
  // The digest of "alice-key-0123456789".
  BOOST_TEST(user_of(on.check_credential("alice-key-0123456789", start)) == "alice");
}

BOOST_AUTO_TEST_CASE(unusable_settings_are_refused_at_start) {
  auth_settings short_secret;
  short_secret.stream_secret = "too short";
  BOOST_CHECK_THROW(authenticator{short_secret}, auth_setup_error);
  auto twice = settings(two_keys);
  twice.keys.push_back(twice.keys.front());
  BOOST_CHECK_THROW(authenticator{twice}, auth_setup_error);
}

BOOST_AUTO_TEST_CASE(a_stream_token_stands_for_its_user_and_task_only) {
  auto s = settings(two_keys);
  s.stream_secret = secret;
  authenticator a{s};
  auto alice = check(a, verb::get, {{"X-API-Key", "alice-key-0123456789"}});
  BOOST_REQUIRE(alice.who);
  auto token = a.stream_token(task, *alice.who, start + 1h);
  auto checked = a.check_stream_token(token, task, start);
  BOOST_REQUIRE_MESSAGE(checked.result == auth_outcome::kind::valid, checked.reason);
  BOOST_TEST(checked.who->user == "alice");
  BOOST_TEST(checked.who->stream_task == task);
  BOOST_TEST((checked.who->expires == start + 1h));
  // Nothing else of the key's identity travels: the token reads one stream.
  BOOST_TEST(checked.who->groups.empty());
  BOOST_TEST(checked.who->roles.empty());
  BOOST_TEST(checked.who->scopes.empty());

  BOOST_TEST(reason_of(a.check_stream_token(token, "another-task", start)) ==
             "stream token is for another task");
  BOOST_TEST(reason_of(a.check_stream_token(token, task, start + 1h)) == "stream token expired");
  BOOST_TEST(reason_of(a.check_stream_token(flipped(token, 5), task, start)) ==
             "stream token is not valid");
  BOOST_TEST((a.check_stream_token("", task, start).result == auth_outcome::kind::none));
  // Not a credential for anything else.
  BOOST_TEST(reason_of(a.check_credential(token, start)) == "unknown API key");

  auto other = settings(two_keys);
  other.stream_secret = "another secret of at least 32 bytes!";
  authenticator b{other};
  BOOST_TEST(reason_of(b.check_stream_token(token, task, start)) == "stream token is not valid");
  // Without a configured secret every node makes its own.
  authenticator c{settings(two_keys)};
  authenticator d{settings(two_keys)};
  BOOST_TEST(reason_of(d.check_stream_token(c.stream_token(task, *alice.who, start + 1h), task,
                                            start)) == "stream token is not valid");
}

BOOST_AUTO_TEST_SUITE_END()
