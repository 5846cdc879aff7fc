// Fuzz target: bytes as an `Accept` header, through herald::net::negotiate; and the same bytes
// as a JSON document, through herald::net::encode in all three representations. Besides
// crashes and sanitizer reports, it aborts when:
//   - negotiate throws, or its answer changes with surrounding whitespace or a trailing comma;
//   - JSON output is not boost::json::serialize's;
//   - YAML or XML output holds a raw control character other than LF (or DEL);
//   - XML output does not start with the declaration and the root element;
//   - YAML output does not read back as the document (tests/support/yaml_subset.hpp).

#include "net/negotiate.hpp"
#include "tests/support/test_helpers.hpp"
#include "tests/support/yaml_subset.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using herald::net::encode;
using herald::net::media_type;
using herald::net::negotiate;

std::optional<media_type> negotiate_or_abort(std::string_view accept) {
  try {
    return negotiate(accept);
  } catch (...) {
    FUZZ_CHECK(!"negotiate threw");
  }
  return std::nullopt;
}

using herald::test::has_raw_control;

void check_negotiate(std::string_view accept) {
  auto m = negotiate_or_abort(accept);
  std::string text{accept};
  FUZZ_CHECK(negotiate_or_abort(" " + text + "\t") == m);
  FUZZ_CHECK(negotiate_or_abort(text + ",") == m);
}

void check_encode(std::string_view text) {
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec);
  if (ec)
    return;
  FUZZ_CHECK(encode(value, media_type::json) == boost::json::serialize(value));

  auto yaml = encode(value, media_type::yaml);
  FUZZ_CHECK(!has_raw_control(yaml));
  std::string error;
  auto back = herald::test::read_yaml_subset(yaml, &error);
  if (!back)
    std::fprintf(stderr, "fuzz_accept: YAML does not read back: %s\n%s\n", error.c_str(),
                 yaml.c_str());
  FUZZ_CHECK(back.has_value());
  FUZZ_CHECK(herald::test::same_value(*back, value));

  auto xml = encode(value, media_type::xml, "Response");
  FUZZ_CHECK(!has_raw_control(xml));
  std::string_view head = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Response";
  FUZZ_CHECK(std::string_view{xml}.starts_with(head));
  FUZZ_CHECK(std::string_view{xml}.ends_with("</Response>\n") ||
             std::string_view{xml}.ends_with("<Response />\n"));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  check_negotiate(text);
  check_encode(text);
  return 0;
}
