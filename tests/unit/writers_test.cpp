// Every writer that may carry client bytes to a client, on the bytes of the hardening issue
// (0x01, 0x0B, 0x0C, 0x1B, 0x7F, `%FF%FE` decoded) and on UTF-8's edge cases: JSON text, the
// `pode.open` event, YAML, XML, header field values, Prometheus label values; and the name
// check at the doors. Each output is read back by a checker that shares no code with it.

#include "actors/task_stream.hpp"
#include "app/sse_api.hpp"
#include "net/json_text.hpp"
#include "net/metrics.hpp"
#include "net/negotiate.hpp"
#include "net/responses.hpp"
#include "net/text.hpp"
#include "net/utf8.hpp"
#include "net/wire.hpp"
#include "support/format_checks.hpp"
#include "support/prometheus.hpp"
#include "support/test_helpers.hpp"
#include "support/yaml_subset.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <string>
#include <string_view>

namespace net = herald::net;
namespace json = boost::json;
using herald::test::well_formed_utf8;
using namespace std::string_view_literals;

namespace {

const std::string_view issue_controls = "\x01\x0b\x0c\x1b\x7f";
const std::string_view invalid = "\xff\xfe";
const std::string_view fffd = "\xEF\xBF\xBD";

std::string twice(std::string_view s) {
  return std::string{s} + std::string{s};
}

} // namespace

BOOST_AUTO_TEST_SUITE(writers)

BOOST_AUTO_TEST_CASE(utf8_validity_follows_rfc_3629) {
  BOOST_TEST(net::valid_utf8(""));
  BOOST_TEST(net::valid_utf8("plain ascii"));
  BOOST_TEST(net::valid_utf8("\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80"));
  BOOST_TEST(!net::valid_utf8(invalid));
  BOOST_TEST(!net::valid_utf8("\xC0\xAF"));         // overlong '/'
  BOOST_TEST(!net::valid_utf8("\xED\xA0\x80"));     // a surrogate
  BOOST_TEST(!net::valid_utf8("\xF4\x90\x80\x80")); // beyond U+10FFFF
  BOOST_TEST(!net::valid_utf8("\xE2\x82"));         // truncated
  BOOST_TEST(!net::valid_utf8("a\x80z"));           // stray continuation
  BOOST_TEST(net::repaired_utf8("a\xFF\xFEz") == "a" + twice(fffd) + "z");
  BOOST_TEST(net::repaired_utf8("\xE2\x82") == twice(fffd));
  BOOST_TEST(net::repaired_utf8("\xC3\xA9") == "\xC3\xA9");
}

BOOST_AUTO_TEST_CASE(names_refuse_control_characters_and_invalid_utf8) {
  BOOST_TEST(net::valid_name("DataProcess"));
  BOOST_TEST(net::valid_name("groupe \xC3\xA9t\xC3\xA9 / [POST]"));
  for (char c : issue_controls)
    BOOST_TEST(!net::valid_name("a" + std::string(1, c) + "b"), int(c));
  BOOST_TEST(!net::valid_name("tab\there"));
  BOOST_TEST(!net::valid_name(std::string_view{"nul\0", 4}));
  BOOST_TEST(!net::valid_name(invalid));
  BOOST_TEST(herald::app::valid_group_name("g"));
  BOOST_TEST(!herald::app::valid_group_name(""));
  BOOST_TEST(!herald::app::valid_group_name(std::string(257, 'g')));
  BOOST_TEST(!herald::app::valid_group_name("\x1b[31mred"));
  BOOST_TEST(!herald::app::valid_group_name(invalid));
}

BOOST_AUTO_TEST_CASE(json_text_escapes_controls_and_replaces_invalid_utf8) {
  json::object o;
  o["Group"] = issue_controls;
  o["Id"] = invalid;
  o[std::string{invalid}] = "key";
  auto text = net::json_text(o);
  BOOST_TEST(text.find(R"("Group":"\u0001\u000b\f\u001b\u007f")") != std::string::npos, text);
  BOOST_TEST(text.find("\"Id\":\"" + twice(fffd) + "\"") != std::string::npos, text);
  BOOST_TEST(text.find("\"" + twice(fffd) + "\":\"key\"") != std::string::npos, text);
  BOOST_TEST(well_formed_utf8(text));
  boost::system::error_code ec;
  auto back = json::parse(text, ec);
  BOOST_REQUIRE(!ec);
  BOOST_TEST(back.at("Group").as_string() == issue_controls);
}

BOOST_AUTO_TEST_CASE(json_strings_escape_every_byte_wherever_it_sits_in_a_run) {
  // Strings are scanned eight bytes at a time: each ASCII byte, at each offset of a run of
  // plain characters (both sides of every eight-byte boundary), gets the escape a byte-by-byte
  // writer gives it; a byte of 0x80 and above alone is ill-formed and becomes U+FFFD.
  auto expected_for = [](unsigned char c) -> std::string {
    static constexpr char hex[] = "0123456789abcdef";
    if (const char* escape = net::short_escape(c))
      return escape;
    if (c >= 0x20 && c < 0x7F)
      return std::string(1, static_cast<char>(c));
    if (c >= 0x80)
      return std::string{fffd};
    return std::string{"\\u00"} + hex[c >> 4] + hex[c & 0x0f];
  };
  int checked = 0;
  for (int c = 0; c < 256; ++c) {
    for (std::size_t at = 0; at < 20; ++at) {
      std::string in(20, 'a');
      in[at] = static_cast<char>(c);
      std::string out;
      net::append_json_string(out, in);
      auto want = "\"" + std::string(at, 'a') + expected_for(static_cast<unsigned char>(c)) +
                  std::string(19 - at, 'a') + "\"";
      BOOST_TEST(out == want, "byte " << c << " at " << at);
      ++checked;
    }
  }
  BOOST_TEST(checked == 256 * 20);
}

BOOST_AUTO_TEST_CASE(json_error_bodies_echoing_an_id_stay_json) {
  auto res = net::error_response(net::status::not_found, invalid);
  boost::system::error_code ec;
  auto back = json::parse(res.body(), ec);
  BOOST_TEST(!ec);
  BOOST_TEST(well_formed_utf8(res.body()));
}

BOOST_AUTO_TEST_CASE(pode_open_data_is_json_whatever_the_names_hold) {
  std::string frame;
  herald::actors::append_open_event(frame, "c1", twice(invalid), issue_controls, "t\xFF");
  auto at = frame.find("data: ");
  BOOST_REQUIRE(at != std::string::npos);
  auto data = frame.substr(at + 6, frame.find('\n', at) - at - 6);
  BOOST_TEST(well_formed_utf8(data));
  boost::system::error_code ec;
  auto back = json::parse(data, ec);
  BOOST_REQUIRE(!ec);
  BOOST_TEST(back.at("group").as_string() == twice(twice(fffd)));
  BOOST_TEST(back.at("name").as_string() == issue_controls);
  BOOST_TEST(back.at("asyncRouteTaskId").as_string() == "t" + std::string{fffd});
}

BOOST_AUTO_TEST_CASE(yaml_and_xml_carry_no_forbidden_characters) {
  json::value v = {{"Id", invalid}, {"Group", issue_controls}, {std::string{invalid}, 1}};
  auto yaml = net::encode(v, net::media_type::yaml);
  BOOST_TEST(well_formed_utf8(yaml));
  BOOST_TEST(!herald::test::has_raw_control(yaml));
  auto back = herald::test::read_yaml_subset(yaml);
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST(back->at("Group").as_string() == issue_controls);
  BOOST_TEST(back->at("Id").as_string() == twice(fffd));
  auto xml = net::encode(v, net::media_type::xml, "Task");
  std::string why;
  BOOST_TEST(herald::test::well_formed_xml(xml, &why), why << "\n" << xml);
  BOOST_TEST(xml.find("<Id>" + twice(fffd) + "</Id>") != std::string::npos, xml);
}

BOOST_AUTO_TEST_CASE(field_values_percent_encode_what_rfc_9110_forbids) {
  BOOST_TEST(net::field_value("DataProcess") == "DataProcess");
  BOOST_TEST(net::field_value("caf\xC3\xA9 au lait") == "caf\xC3\xA9 au lait");
  BOOST_TEST(net::field_value(issue_controls) == "%01%0B%0C%1B%7F");
  BOOST_TEST(net::field_value(invalid) == invalid); // obs-text: allowed, echoed as it came
  BOOST_TEST(net::field_value("a\r\nSet-Cookie: x") == "a%0D%0ASet-Cookie: x");
  BOOST_TEST(net::field_value(" padded\t") == "%20padded%09");
  BOOST_TEST(net::field_value("in\tside") == "in\tside");
  BOOST_TEST(net::field_value("") == "");
  for (auto s : {issue_controls, invalid, " x "sv, "\t"sv})
    BOOST_TEST(herald::test::field_value_grammar(net::field_value(s)));
}

BOOST_AUTO_TEST_CASE(every_response_header_value_is_a_field_value) {
  auto res = net::make_response(net::status::ok, "");
  res.set("X-Pode-Sse-Group", std::string{issue_controls} + std::string{invalid});
  std::string wire;
  net::serialize_response(res, {}, wire);
  auto at = wire.find("X-Pode-Sse-Group: ");
  BOOST_REQUIRE(at != std::string::npos);
  auto value = wire.substr(at + 18, wire.find("\r\n", at) - at - 18);
  BOOST_TEST(value == "%01%0B%0C%1B%7F\xFF\xFE");
  BOOST_TEST(herald::test::field_value_grammar(value));
}

BOOST_AUTO_TEST_CASE(label_values_escape_or_replace_what_the_format_forbids) {
  std::string five;
  for (int i = 0; i < 5; ++i)
    five += fffd;
  BOOST_TEST(net::escape_label_value(issue_controls) == five);
  BOOST_TEST(net::escape_label_value(invalid) == twice(fffd));
  BOOST_TEST(net::escape_label_value("a\nb\"c\\") == R"(a\nb\"c\\)");
  BOOST_TEST(net::escape_label_value("tab\t") == "tab" + std::string{fffd});
  net::prometheus_text out;
  out.family("x", "gauge", "X.");
  out.sample("x", {{"group", std::string{issue_controls} + std::string{invalid}}}, 1);
  auto m = herald::test::parse_prometheus(out.text());
  BOOST_TEST(m.error.empty(), m.error);
  BOOST_TEST(m.samples.size() == 1u);
}

BOOST_AUTO_TEST_CASE(the_strict_readers_catch_what_the_old_writers_let_through) {
  // The checks themselves: raw bytes as the issue saw them are refused.
  BOOST_TEST(!herald::test::parse_prometheus("# HELP x X.\n# TYPE x gauge\nx{g=\"\x01\"} 1\n")
                  .error.empty());
  BOOST_TEST(!herald::test::parse_prometheus("# HELP x X.\n# TYPE x gauge\nx{g=\"\xFF\"} 1\n")
                  .error.empty());
  BOOST_TEST(!herald::test::field_value_grammar("a\x1b"));
  BOOST_TEST(!herald::test::field_value_grammar("a\x7f"));
  BOOST_TEST(
      !herald::test::well_formed_xml("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<R>\x01</R>\n"));
  BOOST_TEST(
      !herald::test::well_formed_xml("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<R>&#1;</R>\n"));
  BOOST_TEST(herald::test::well_formed_xml(
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<R><A>&amp;&#9;</A><B /></R>\n"));
  BOOST_TEST(!well_formed_utf8(invalid));
}

BOOST_AUTO_TEST_SUITE_END()
