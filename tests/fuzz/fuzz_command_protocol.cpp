// Fuzz target: bytes as a command's stdout and stderr through herald::app::command_protocol,
// fed in chunks whose sizes the input's first byte picks. Besides crashes and sanitizer
// reports, it aborts when the same bytes fed whole and in chunks give different results (the
// protocol must not care where reads end), when an outcome has neither a result nor an error,
// when a kept result string or the stderr tail is not valid UTF-8, or when the stderr tail
// exceeds its bound.

#include "app/command_protocol.hpp"
#include "net/utf8.hpp"
#include "tests/support/test_helpers.hpp"

#include <boost/json/serialize.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

std::string run(std::string_view in, std::size_t chunk, std::size_t max, std::string& tail) {
  herald::app::command_protocol p{max};
  int directives = 0;
  auto sink = [&](const herald::app::command_directive&) {
    return ++directives % 3 != 0;
  };
  for (std::size_t i = 0; i < in.size(); i += chunk) {
    auto part = in.substr(i, chunk);
    p.feed_stdout(part, sink);
    p.feed_stderr(part);
  }
  p.end_stdout(sink);
  auto o = p.result();
  FUZZ_CHECK(o.result.has_value() != !o.error.empty());
  if (o.result && o.result->is_string())
    FUZZ_CHECK(herald::net::valid_utf8(o.result->as_string()));
  tail = p.stderr_tail();
  FUZZ_CHECK(herald::net::valid_utf8(tail));
  FUZZ_CHECK(tail.size() <= herald::app::command_protocol::stderr_tail_bytes * 3);
  return o.result ? "ok " + boost::json::serialize(*o.result) + " " + std::to_string(directives)
                  : "error " + o.error + " " + std::to_string(directives);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size == 0)
    return 0;
  std::string_view in{reinterpret_cast<const char*>(bytes) + 1, size - 1};
  std::size_t chunk = 1 + bytes[0] % 17;
  // A small output bound, so that the bound is reached too.
  std::size_t max = 64 + bytes[0];
  std::string whole_tail;
  std::string split_tail;
  auto whole = run(in, in.size() + 1, max, whole_tail);
  auto split = run(in, chunk, max, split_tail);
  FUZZ_CHECK(whole == split);
  FUZZ_CHECK(whole_tail == split_tail);
  return 0;
}
