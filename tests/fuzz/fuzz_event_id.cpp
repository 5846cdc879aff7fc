// Fuzz target: bytes as a `Last-Event-ID` through herald::actors::parse_event_id. Besides
// crashes and sanitizer reports, it aborts when a parsed id does not format back to exactly
// the input (ids are digits, one dot, digits: nothing else may be accepted), or when
// formatting a parsed position and parsing it again changes it.

#include "actors/task_stream.hpp"
#include "tests/support/test_helpers.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  std::string_view in{reinterpret_cast<const char*>(bytes), size};
  auto p = herald::actors::parse_event_id(in);
  if (!p)
    return 0;
  auto text = herald::actors::format_event_id(*p);
  auto again = herald::actors::parse_event_id(text);
  FUZZ_CHECK(again.has_value() && again->epoch == p->epoch && again->seq == p->seq);
  // Leading zeros are the one way two texts name the same position.
  bool leading_zero =
      (in.size() > 1 && in[0] == '0' && in[1] != '.') || in.find(".0") != std::string_view::npos;
  FUZZ_CHECK(leading_zero || text == in);
  return 0;
}
