// Credentials (SPEC §4.8): base64url, signed stream tokens (app/stream_token.hpp) and the
// authenticator that turns a request's credential into an identity (app/authenticator.hpp).

#include "app/base64url.hpp"
#include "app/stream_token.hpp"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>
#include <variant>

using herald::app::base64url_decode;
using herald::app::base64url_encode;
using herald::app::stream_grant;
using herald::app::stream_refusal;
using herald::app::stream_signer;
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
