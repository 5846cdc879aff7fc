// Fuzz target: bytes as an `Accept` header, through herald::net::negotiate; and the same bytes
// as a JSON document, through herald::net::encode in all three representations. Besides
// crashes and sanitizer reports, it aborts when:
//   - negotiate throws, or its answer changes with surrounding whitespace or a trailing comma;
//   - JSON output does not parse back as the document (non-finite numbers aside: they have no
//     JSON form and are written as null; doubles within Boost.JSON's reading error, see
//     same_read_back), or a double's text is not exactly that double for std::from_chars;
//   - YAML or XML output holds a raw control character other than LF (or DEL);
//   - XML output does not start with the declaration and the root element;
//   - YAML output does not read back as the document (tests/support/yaml_subset.hpp).

#include "net/negotiate.hpp"
#include "tests/support/test_helpers.hpp"
#include "tests/support/yaml_subset.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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

/// Whether `a` and `b` are at most `n` representable doubles apart.
bool within_ulps(double a, double b, std::int64_t n) {
  if (a == b)
    return true;
  if (std::signbit(a) != std::signbit(b))
    return false;
  std::int64_t x = 0, y = 0;
  std::memcpy(&x, &a, sizeof x);
  std::memcpy(&y, &b, sizeof y);
  return (x > y ? x - y : y - x) <= n;
}

/// Whether `back`, Boost.JSON's reading of our JSON text for `value`, is `value`. Boost.JSON
/// 1.81 reads long decimals inexactly: 91 fives become a double 1 ulp off the nearest, whose
/// shortest form (what we write, exactly) it reads back 1 ulp off again; up to 2 ulps each
/// way in a sample of 2 million numbers. So doubles read back within 4 ulps here, and
/// `check_double_text` holds the text of each one to the exact value with std::from_chars.
bool same_read_back(const boost::json::value& back, const boost::json::value& value) {
  if (value.is_double())
    return back.is_double() && within_ulps(back.get_double(), value.get_double(), 4);
  if (value.is_array()) {
    if (!back.is_array() || back.get_array().size() != value.get_array().size())
      return false;
    for (std::size_t i = 0; i < value.get_array().size(); ++i)
      if (!same_read_back(back.get_array()[i], value.get_array()[i]))
        return false;
    return true;
  }
  if (value.is_object()) {
    if (!back.is_object() || back.get_object().size() != value.get_object().size())
      return false;
    for (const auto& [key, x] : value.get_object()) {
      const auto* y = back.get_object().if_contains(key);
      if (!y || !same_read_back(*y, x))
        return false;
    }
    return true;
  }
  return back == value;
}

/// Each finite double's JSON text reads back, with a correctly rounding reader, as that very
/// double (and as a double: a fraction or an exponent).
void check_double_text(const boost::json::value& v) {
  if (v.is_double() && std::isfinite(v.get_double())) {
    auto text = encode(v, media_type::json);
    FUZZ_CHECK(text.find_first_of(".e") != std::string::npos);
    double back = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), back);
    FUZZ_CHECK(ec == std::errc{} && end == text.data() + text.size());
    FUZZ_CHECK(back == v.get_double());
  }
  if (v.is_array())
    for (const auto& x : v.get_array())
      check_double_text(x);
  if (v.is_object())
    for (const auto& [k, x] : v.get_object())
      check_double_text(x);
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
      FUZZ_CHECK(same_read_back(back, value));
    check_double_text(value);
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
