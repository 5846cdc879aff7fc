// Fuzz target: bytes as an event stream through herald::net::sse_parser. Besides crashes and
// sanitizer reports, it aborts when:
//   - the stream fed in pieces (cut where a generator seeded by the input says) reads back
//     other events, comments, retries, last id or pending state than the stream fed whole;
//   - an event's type or last id holds CR or LF, its last id holds NUL, or its data holds CR;
//   - a parser with a small limit dispatches an event larger than the limit.

#include "net/sse_parser.hpp"
#include "tests/support/test_helpers.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

/// Everything the stream said, flattened to one string per item so two runs compare at once.
struct recorder : herald::net::sse_handler {
  std::vector<std::string> said;
  std::size_t largest_data = 0;

  void on_event(const herald::net::sse_message& e) override {
    FUZZ_CHECK(e.type.find_first_of("\r\n") == std::string_view::npos);
    FUZZ_CHECK(e.last_id.find_first_of(std::string_view{"\r\n\0", 3}) == std::string_view::npos);
    FUZZ_CHECK(e.data.find('\r') == std::string_view::npos);
    FUZZ_CHECK(!e.type.empty());
    largest_data = std::max(largest_data, e.data.size());
    said.push_back("event " + std::string{e.type} + '\0' + std::string{e.last_id} + '\0' +
                   std::string{e.data});
  }
  void on_comment(std::string_view text) override {
    FUZZ_CHECK(text.find_first_of("\r\n") == std::string_view::npos);
    said.push_back("comment " + std::string{text});
  }
  void on_retry(std::uint64_t ms) override { said.push_back("retry " + std::to_string(ms)); }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  std::string_view in{reinterpret_cast<const char*>(bytes), size};

  herald::net::sse_parser whole_parser;
  recorder whole;
  FUZZ_CHECK(whole_parser.feed(in, whole));

  herald::net::sse_parser piece_parser;
  recorder pieces;
  std::uint64_t seed = 0;
  for (char c : in.substr(0, 8))
    seed = seed * 131 + static_cast<unsigned char>(c);
  herald::test::rng r{seed};
  for (std::size_t at = 0; at < in.size();) {
    auto n = std::min(in.size() - at, r.below(r.chance(50) ? 4 : 64) + 1);
    FUZZ_CHECK(piece_parser.feed(in.substr(at, n), pieces));
    at += n;
  }
  FUZZ_CHECK(pieces.said == whole.said);
  FUZZ_CHECK(piece_parser.last_id() == whole_parser.last_id());
  FUZZ_CHECK(piece_parser.pending() == whole_parser.pending());

  constexpr std::size_t limit = 64;
  herald::net::sse_parser small{limit};
  recorder bounded;
  for (std::size_t at = 0; at < in.size(); at += 7)
    if (!small.feed(in.substr(at, 7), bounded))
      break;
  FUZZ_CHECK(bounded.largest_data <= limit);
  return 0;
}
