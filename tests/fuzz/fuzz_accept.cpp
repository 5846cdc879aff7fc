// Fuzz target: bytes as an `Accept` header, through herald::net::negotiate; and the same bytes
// as a JSON document, through herald::net::encode in all three representations. Besides
// crashes and sanitizer reports, it aborts when:
//   - negotiate throws, or its answer changes with surrounding whitespace or a trailing comma;
//   - JSON output does not parse back as the document (non-finite numbers aside: they have no
//     JSON form and are written as null);
//   - YAML or XML output holds a raw control character other than LF (or DEL);
//   - XML output does not start with the declaration and the root element;
//   - YAML output does not read back as the document (tests/support/yaml_subset.hpp).

#include "net/negotiate.hpp"
#include "tests/support/test_helpers.hpp"
#include "tests/support/yaml_subset.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cmath>
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

bool has_non_finite(const boost::json::value& v) {
  if (v.is_double())
    return !std::isfinite(v.get_double());
  if (v.is_array()) {
    for (const auto& x : v.get_array())
      if (has_non_finite(x))
        return true;
  }
  if (v.is_object()) {
    for (const auto& [k, x] : v.get_object())
      if (has_non_finite(x))
        return true;
  }
  return false;
}

void check_encode(std::string_view text) {
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec);
  if (ec)
    return;
  {
    boost::system::error_code back_ec;
    auto back = boost::json::parse(encode(value, media_type::json), back_ec);
    FUZZ_CHECK(!back_ec);
    if (!has_non_finite(value))
      FUZZ_CHECK(back == value);
  }

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
