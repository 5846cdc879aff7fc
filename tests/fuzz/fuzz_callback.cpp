// Fuzz target: bytes through the parsers of completion callbacks (SPEC §4.7), which read what
// clients and operators write: the callback URL of a request body (herald::net::parse_http_url),
// an entry of `callbacks.allow` with an address checked against it (herald::net::allow_list),
// and a receiver's `Retry-After` (herald::app::parse_retry_after). The first byte picks the
// parser. Besides crashes and sanitizer reports, it aborts when an accepted URL has no host, a
// port of 0, a target not starting with `/`, or does not parse again to the same parts; when an
// accepted list does not parse again from its own normal form to the same decisions; or when
// a Retry-After delay is negative.

#include "app/callback_retry.hpp"
#include "net/allow_list.hpp"
#include "net/http_url.hpp"
#include "tests/support/test_helpers.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

void url(std::string_view in) {
  std::string error;
  auto u = herald::net::parse_http_url(in, error);
  if (!u) {
    FUZZ_CHECK(!error.empty());
    return;
  }
  FUZZ_CHECK(!u->host.empty());
  FUZZ_CHECK(u->port != 0);
  FUZZ_CHECK(!u->target.empty() && u->target.front() == '/');
  FUZZ_CHECK(u->text.size() <= herald::net::max_http_url_size);
  auto again = herald::net::parse_http_url(u->text, error);
  FUZZ_CHECK(again && again->host == u->host && again->port == u->port &&
             again->target == u->target && again->tls == u->tls);
  FUZZ_CHECK(!herald::net::host_header(*u).empty());
}

/// Lines: the entries of a list, the last one an address to check for the host `h.example`.
void allow(std::string_view in) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= in.size() && lines.size() < 64) {
    auto end = in.find('\n', start);
    if (end == std::string_view::npos)
      end = in.size();
    lines.emplace_back(in.substr(start, end - start));
    start = end + 1;
  }
  auto address = lines.back();
  lines.pop_back();
  std::string error;
  auto list = herald::net::allow_list::parse(lines, error);
  if (!list) {
    FUZZ_CHECK(!error.empty());
    return;
  }
  auto normal = herald::net::allow_list::parse(list->entries(), error);
  FUZZ_CHECK(normal.has_value());
  FUZZ_CHECK(normal->entries() == list->entries());
  for (std::string_view host : {std::string_view{"h.example"}, std::string_view{address}}) {
    auto a = list->refusal(host, address);
    auto b = normal->refusal(host, address);
    FUZZ_CHECK(a.has_value() == b.has_value());
    // A host that cannot be allowed has no address that is.
    if (!list->could_allow(host))
      FUZZ_CHECK(a.has_value());
  }
}

void retry_after(std::string_view in) {
  auto now = std::chrono::system_clock::time_point{std::chrono::seconds{1'800'000'000}};
  auto d = herald::app::parse_retry_after(in, now);
  if (d)
    FUZZ_CHECK(d->count() >= 0);
  herald::app::retry_policy p;
  for (int attempt = 1; attempt <= 8; ++attempt) {
    auto delay = herald::app::retry_delay(p, attempt, d, 0.5);
    FUZZ_CHECK(delay.count() >= 0);
    FUZZ_CHECK(delay <= std::max(p.max_delay, p.max_retry_after));
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size == 0)
    return 0;
  std::string_view in{reinterpret_cast<const char*>(bytes) + 1, size - 1};
  switch (bytes[0] % 3) {
  case 0:
    url(in);
    break;
  case 1:
    allow(in);
    break;
  default:
    retry_after(in);
    break;
  }
  return 0;
}
