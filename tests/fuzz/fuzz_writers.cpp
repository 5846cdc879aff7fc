// Fuzz target: arbitrary bytes, as a string value and as an object key, through every writer
// that may carry client bytes to a client, each checked by a reader that shares no code with
// it. Besides crashes and sanitizer reports, it aborts when:
//   - JSON text (net::json_text, and the `pode.open` event's data) does not parse with
//     Boost.JSON's parser, is not UTF-8 (tests/support/format_checks.hpp), or does not read
//     back as the input when the input was UTF-8;
//   - YAML does not read back (tests/support/yaml_subset.hpp) as the value, with ill-formed
//     UTF-8 read back as U+FFFD, or holds a raw control character;
//   - XML is not a well-formed XML 1.0 document of XML characters;
//   - a header field value does not match RFC 9110's field-value grammar, or changes a value
//     without control characters or outer whitespace;
//   - a Prometheus label value does not parse with the strict exposition-format reader
//     (tests/support/prometheus.hpp), or does not read back when it was UTF-8 without
//     control characters other than LF.

#include "actors/task_stream.hpp"
#include "net/json_text.hpp"
#include "net/metrics.hpp"
#include "net/negotiate.hpp"
#include "net/utf8.hpp"
#include "tests/support/format_checks.hpp"
#include "tests/support/prometheus.hpp"
#include "tests/support/test_helpers.hpp"
#include "tests/support/yaml_subset.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace {

namespace json = boost::json;
using herald::test::well_formed_utf8;

/// Whether `s` holds a C0 control character or DEL.
bool has_control(std::string_view s, bool except_lf = false) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && !(except_lf && u == '\n')) || u == 0x7F)
      return true;
  }
  return false;
}

/// What a reader of repaired text sees: each byte of ill-formed UTF-8 as U+FFFD. Written
/// here by the independent check (one byte at a time with the RFC 3629 table).
std::string expected_repair(std::string_view s) {
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    // The longest prefix from i, up to four bytes, that is one well-formed sequence.
    std::size_t len = 0;
    for (std::size_t n = 1; n <= 4 && i + n <= s.size(); ++n)
      if (well_formed_utf8(s.substr(i, n))) {
        len = n;
        break;
      }
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  return out;
}

void check_json(const json::value& value, const std::string& repaired) {
  auto text = herald::net::json_text(value);
  FUZZ_CHECK(well_formed_utf8(text));
  boost::system::error_code ec;
  auto back = json::parse(text, ec);
  FUZZ_CHECK(!ec);
  const auto& s = back.at("v").at(0).as_string();
  FUZZ_CHECK(std::string_view{s} == repaired);
  FUZZ_CHECK(back.at("v").at(1).as_object().contains(repaired));
}

void check_open_event(std::string_view bytes, const std::string& repaired) {
  std::string frame;
  herald::actors::append_open_event(frame, "client", bytes, "/sse/x", bytes);
  // `event: pode.open\ndata: {...}\n\n`: the data line is the JSON.
  auto at = frame.find("\ndata: ");
  FUZZ_CHECK(at != std::string::npos);
  auto end = frame.find('\n', at + 7);
  FUZZ_CHECK(end != std::string::npos);
  auto data = std::string_view{frame}.substr(at + 7, end - at - 7);
  FUZZ_CHECK(well_formed_utf8(data));
  boost::system::error_code ec;
  auto back = json::parse(data, ec);
  FUZZ_CHECK(!ec);
  FUZZ_CHECK(std::string_view{back.at("group").as_string()} == repaired);
}

void check_yaml(const json::value& value, const std::string& repaired) {
  auto yaml = herald::net::encode(value, herald::net::media_type::yaml);
  FUZZ_CHECK(well_formed_utf8(yaml));
  FUZZ_CHECK(!herald::test::has_raw_control(yaml));
  std::string error;
  auto back = herald::test::read_yaml_subset(yaml, &error);
  if (!back)
    std::fprintf(stderr, "fuzz_writers: YAML does not read back: %s\n%s\n", error.c_str(),
                 yaml.c_str());
  FUZZ_CHECK(back.has_value());
  json::value expected = {{"v", json::array{json::string(repaired), json::object{{repaired, 1}}}}};
  FUZZ_CHECK(herald::test::same_value(*back, expected));
}

void check_xml(const json::value& value) {
  auto xml = herald::net::encode(value, herald::net::media_type::xml, "Response");
  std::string why;
  bool ok = herald::test::well_formed_xml(xml, &why);
  if (!ok)
    std::fprintf(stderr, "fuzz_writers: XML not well-formed: %s\n%s\n", why.c_str(), xml.c_str());
  FUZZ_CHECK(ok);
}

void check_field_value(std::string_view bytes) {
  auto v = herald::net::field_value(bytes);
  FUZZ_CHECK(herald::test::field_value_grammar(v));
  // Bytes from 0x80 are obs-text, which the grammar allows: they pass as they are.
  bool plain =
      !has_control(bytes) && (bytes.empty() || (bytes.front() != ' ' && bytes.back() != ' '));
  if (plain)
    FUZZ_CHECK(v == bytes);
}

void check_label(std::string_view bytes) {
  herald::net::prometheus_text out;
  out.family("x_total", "counter", "A counter.");
  out.sample("x_total", {{"group", bytes}}, 1);
  auto m = herald::test::parse_prometheus(out.text());
  if (!m.error.empty())
    std::fprintf(stderr, "fuzz_writers: exposition text rejected: %s\n", m.error.c_str());
  FUZZ_CHECK(m.error.empty());
  FUZZ_CHECK(m.samples.size() == 1);
  if (well_formed_utf8(bytes) && !has_control(bytes, true))
    FUZZ_CHECK(m.get("x_total{group=\"" + std::string{bytes} + "\"}") == 1.0);
}

} // namespace

/// The writers work character by character: longer inputs only cost time.
constexpr std::size_t max_input = 4096;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes{reinterpret_cast<const char*>(data), std::min(size, max_input)};
  // The bytes as a string and as a key (JSON, YAML and XML element names all see keys).
  json::value value = {{"v", json::array{json::string(bytes), json::object{{bytes, 1}}}}};
  auto repaired = expected_repair(bytes);
  check_json(value, repaired);
  check_open_event(bytes, repaired);
  check_yaml(value, repaired);
  check_xml(value);
  check_field_value(bytes);
  check_label(bytes);
  return 0;
}
