// Fuzz target: bytes as a stream token (the `?token=` of a stream URL) through
// herald::app::stream_signer::verify, and as a task id and a user (split at the first newline)
// through sign. Besides crashes and sanitizer reports, it aborts when:
//   - a refusal's reason is not one of the three sentences;
//   - a token is accepted for another task than asked, or at or after its expiry;
//   - an accepted token is not exactly what signing its grant gives (only this node's tokens
//     are accepted, and they have one form);
//   - a token this node signs is not base64url and dots, or does not verify to what was signed;
//   - a token verifies for another task, after its expiry, or under another secret.

#include "app/stream_token.hpp"
#include "tests/support/test_helpers.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace {

using herald::app::stream_grant;
using herald::app::stream_refusal;
using herald::app::stream_signer;
using namespace std::chrono_literals;

/// The secret the seeds of corpus/stream_token were signed with.
const stream_signer signer{"fuzz-stream-secret-0123456789abcdef"};
const stream_signer other{"another-stream-secret-0123456789abcdef"};
/// The task the seeds were signed for, and a time before their expiry (2030-01-01).
constexpr std::string_view seed_task = "3f2b8c1e-5a4d-4e6f-9a7b-1c2d3e4f5a6b";
const std::chrono::system_clock::time_point now{std::chrono::seconds{1'800'000'000}};

bool known_reason(const std::string& reason) {
  return reason == "stream token is not valid" || reason == "stream token expired" ||
         reason == "stream token is for another task";
}

std::string reason(const std::variant<stream_grant, stream_refusal>& v) {
  const auto* r = std::get_if<stream_refusal>(&v);
  return r ? r->reason : std::string{};
}

void check_presented(std::string_view token) {
  auto checked = signer.verify(token, seed_task, now);
  if (const auto* r = std::get_if<stream_refusal>(&checked)) {
    FUZZ_CHECK(known_reason(r->reason));
    return;
  }
  const auto& grant = std::get<stream_grant>(checked);
  FUZZ_CHECK(grant.task_id == seed_task);
  FUZZ_CHECK(now < grant.expires);
  FUZZ_CHECK(signer.sign(grant.task_id, grant.user, grant.expires) == token);
  FUZZ_CHECK(reason(other.verify(token, seed_task, now)) == "stream token is not valid");
}

void check_signed(std::string_view input) {
  auto newline = input.find('\n');
  auto task = input.substr(0, newline);
  auto user = newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);
  auto expires = now + 1h;
  auto token = signer.sign(task, user, expires);
  FUZZ_CHECK(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                     "0123456789-_.") == std::string::npos);
  auto checked = signer.verify(token, task, now);
  if (token.size() > 8 * 1024) { // past the length verify reads at all
    FUZZ_CHECK(reason(checked) == "stream token is not valid");
    return;
  }
  const auto* grant = std::get_if<stream_grant>(&checked);
  FUZZ_CHECK(grant != nullptr);
  FUZZ_CHECK(grant->task_id == task && grant->user == user && grant->expires == expires);
  FUZZ_CHECK(reason(signer.verify(token, std::string{task} + "x", now)) ==
             "stream token is for another task");
  FUZZ_CHECK(reason(signer.verify(token, task, expires)) == "stream token expired");
  FUZZ_CHECK(reason(other.verify(token, task, now)) == "stream token is not valid");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input{reinterpret_cast<const char*>(data), size};
  check_presented(input);
  check_signed(input);
  return 0;
}
