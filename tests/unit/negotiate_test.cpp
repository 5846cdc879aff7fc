#include "net/json_text.hpp"
#include "net/negotiate.hpp"
#include "net/xml_text.hpp"
#include "net/yaml_text.hpp"
#include "tests/support/test_helpers.hpp"
#include "tests/support/yaml_subset.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using herald::net::content_type;
using herald::net::encode;
using herald::net::media_type;
using herald::net::negotiate;
using herald::test::read_yaml_subset;
using herald::test::same_value;

namespace json = boost::json;

namespace {

/// negotiate() as a word, so that a failed check shows what was chosen.
std::string pick(std::string_view accept) {
  auto m = negotiate(accept);
  if (!m)
    return "none";
  switch (*m) {
  case media_type::json:
    return "json";
  case media_type::yaml:
    return "yaml";
  case media_type::xml:
    return "xml";
  }
  return "?";
}

std::string yaml(const json::value& v) {
  return encode(v, media_type::yaml);
}

std::string xml(const json::value& v, std::string_view root = "Response") {
  return encode(v, media_type::xml, root);
}

const std::string xml_head = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";

/// Reads `v`'s YAML back and says what went wrong, if anything.
std::string yaml_round_trip_error(const json::value& v) {
  auto text = yaml(v);
  std::string error;
  auto back = read_yaml_subset(text, &error);
  if (!back)
    return error + " in:\n" + text;
  if (!same_value(*back, v))
    return "read back as " + json::serialize(*back) + " from:\n" + text;
  return {};
}

using herald::test::rng;

/// Pieces that YAML and XML treat specially, glued into keys and strings.
const std::vector<std::string> tricky_pieces = {"a",
                                                "B",
                                                " ",
                                                ":",
                                                ": ",
                                                "#",
                                                "-",
                                                "- ",
                                                "?",
                                                "\"",
                                                "'",
                                                "\\",
                                                "\n",
                                                "\t",
                                                "\r",
                                                "\x01",
                                                "\x7f",
                                                std::string(1, '\0'),
                                                "é",
                                                "日本",
                                                "😀",
                                                "\xC2\x85",
                                                "\xE2\x80\xA8",
                                                "\xEF\xBB\xBF",
                                                "1",
                                                "0x1F",
                                                "1e3",
                                                ".",
                                                "yes",
                                                "No",
                                                "null",
                                                "~",
                                                "true",
                                                "<<",
                                                "=",
                                                "[",
                                                "]",
                                                "{",
                                                "}",
                                                ",",
                                                "&",
                                                "*",
                                                "!",
                                                "|",
                                                ">",
                                                "%",
                                                "@",
                                                "`",
                                                "+",
                                                "<",
                                                "&amp;",
                                                "]]>",
                                                "2001-12-14",
                                                "...",
                                                "---",
                                                "\xEF\xBF\xBF"};

std::string tricky_string(rng& r) {
  std::string s;
  for (auto n = r.below(4); n > 0; --n)
    s += tricky_pieces[r.below(tricky_pieces.size())];
  return s;
}

json::value generated_value(rng& r, int depth) {
  switch (r.below(depth > 3 ? 6 : 8)) {
  case 0:
    return nullptr;
  case 1:
    return r.below(2) == 1;
  case 2:
    return static_cast<std::int64_t>(r.next()) >> r.below(64);
  case 3:
    return static_cast<double>(static_cast<std::int64_t>(r.next())) /
           static_cast<double>(std::uint64_t{1} << r.below(60));
  case 4:
  case 5:
    return json::string(tricky_string(r));
  case 6: {
    json::array a;
    for (auto n = r.below(4); n > 0; --n)
      a.push_back(generated_value(r, depth + 1));
    return a;
  }
  default: {
    json::object o;
    for (auto n = r.below(4); n > 0; --n)
      o[tricky_string(r)] = generated_value(r, depth + 1);
    return o;
  }
  }
}

using herald::test::has_raw_control;

bool is_xml_name(std::string_view name) {
  if (name.empty())
    return false;
  auto ascii_start = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  auto c0 = name[0];
  if (!ascii_start(c0) && static_cast<unsigned char>(c0) < 0x80)
    return false;
  for (char c : name)
    if (!ascii_start(c) && !(c >= '0' && c <= '9') && c != '-' && c != '.' &&
        static_cast<unsigned char>(c) < 0x80)
      return false;
  return true;
}

/// A small well-formedness check for what the XML encoder writes: declaration, balanced
/// elements with valid names, no raw markup characters in text, only the entities it uses.
std::string xml_shape_error(std::string_view s) {
  if (!s.starts_with(xml_head))
    return "no declaration";
  if (has_raw_control(s))
    return "raw control character";
  std::vector<std::string_view> open;
  bool root_seen = false;
  std::size_t i = xml_head.size();
  while (i < s.size()) {
    if (s[i] == '<') {
      auto end = s.find('>', i);
      if (end == std::string_view::npos)
        return "unterminated tag";
      auto tag = s.substr(i + 1, end - i - 1);
      i = end + 1;
      if (tag.starts_with("/")) {
        if (open.empty() || open.back() != tag.substr(1))
          return "mismatched end tag " + std::string{tag};
        open.pop_back();
        continue;
      }
      bool empty = tag.ends_with(" /");
      auto name = empty ? tag.substr(0, tag.size() - 2) : tag;
      if (!is_xml_name(name))
        return "bad element name " + std::string{name};
      if (open.empty() && root_seen)
        return "second root element";
      root_seen = true;
      if (!empty)
        open.push_back(name);
      continue;
    }
    if (s[i] == '>')
      return "raw '>'";
    if (s[i] == '&') {
      auto end = s.find(';', i);
      auto ref = s.substr(i, end == std::string_view::npos ? 0 : end - i + 1);
      if (ref != "&amp;" && ref != "&lt;" && ref != "&gt;" && ref != "&quot;" && ref != "&apos;" &&
          ref != "&#9;" && ref != "&#13;")
        return "unknown reference";
      i = end + 1;
      continue;
    }
    if (open.empty() && s[i] != '\n')
      return "text outside the root";
    ++i;
  }
  if (!open.empty() || !root_seen)
    return "unclosed element";
  return {};
}

} // namespace

BOOST_AUTO_TEST_SUITE(negotiate_test)

// -- content types ----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(content_types_are_the_canonical_mime_types) {
  BOOST_TEST(content_type(media_type::json) == "application/json");
  BOOST_TEST(content_type(media_type::yaml) == "application/yaml");
  BOOST_TEST(content_type(media_type::xml) == "application/xml");
}

// -- negotiate: the basics --------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(an_empty_or_blank_header_gives_json) {
  BOOST_TEST(pick("") == "json");
  BOOST_TEST(pick("   ") == "json");
  BOOST_TEST(pick("\t \t") == "json");
}

BOOST_AUTO_TEST_CASE(each_recognised_type_selects_its_representation) {
  BOOST_TEST(pick("application/json") == "json");
  BOOST_TEST(pick("application/yaml") == "yaml");
  BOOST_TEST(pick("application/x-yaml") == "yaml");
  BOOST_TEST(pick("text/yaml") == "yaml");
  BOOST_TEST(pick("application/xml") == "xml");
  BOOST_TEST(pick("text/xml") == "xml");
}

BOOST_AUTO_TEST_CASE(wildcards_give_json_then_yaml_by_the_fixed_order) {
  BOOST_TEST(pick("*/*") == "json");
  BOOST_TEST(pick("application/*") == "json");
  BOOST_TEST(pick("text/*") == "yaml");
}

BOOST_AUTO_TEST_CASE(type_subtype_and_q_are_case_insensitive) {
  BOOST_TEST(pick("APPLICATION/XML") == "xml");
  BOOST_TEST(pick("Text/YAML") == "yaml");
  BOOST_TEST(pick("Application/X-Yaml") == "yaml");
  BOOST_TEST(pick("TEXT/*") == "yaml");
  BOOST_TEST(pick("application/json;Q=0, application/xml") == "xml");
}

BOOST_AUTO_TEST_CASE(whitespace_around_separators_is_tolerated) {
  BOOST_TEST(pick("  application/xml  ;  q=0.5  ,  text/yaml ; q = 0.4 ") == "xml");
  BOOST_TEST(pick("\tapplication/yaml\t") == "yaml");
  BOOST_TEST(pick("application/json;q=0.1,application/xml;q=0.2") == "xml");
  BOOST_TEST(pick("application/json ;q=0.1 ,\tapplication/xml\t;\tq=0.2") == "xml");
}

BOOST_AUTO_TEST_CASE(whitespace_inside_a_type_makes_it_malformed) {
  BOOST_TEST(pick("application /xml, text/yaml;q=0.1") == "yaml");
  BOOST_TEST(pick("application/ xml, text/yaml;q=0.1") == "yaml");
}

// -- negotiate: q-values ----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(the_highest_q_wins) {
  BOOST_TEST(pick("application/json;q=0.5, application/xml;q=0.9, application/yaml;q=0.7") ==
             "xml");
  BOOST_TEST(pick("application/xml;q=0.001, application/yaml;q=0.002") == "yaml");
}

BOOST_AUTO_TEST_CASE(equal_q_goes_to_the_range_listed_first) {
  BOOST_TEST(pick("application/xml, application/json") == "xml");
  BOOST_TEST(pick("application/yaml;q=0.5, application/xml;q=0.5") == "yaml");
  BOOST_TEST(pick("text/xml;q=0.5, application/yaml;q=0.5, application/json;q=0.5") == "xml");
}

BOOST_AUTO_TEST_CASE(a_tie_within_one_range_goes_to_json_then_yaml_then_xml) {
  BOOST_TEST(pick("application/json;q=0, */*") == "yaml");
  BOOST_TEST(pick("application/json;q=0, application/yaml;q=0, */*") == "xml");
  BOOST_TEST(pick("application/json;q=0, application/*") == "yaml");
  BOOST_TEST(pick("text/yaml;q=0, text/*") == "xml");
}

BOOST_AUTO_TEST_CASE(a_more_specific_range_overrides_a_wildcard) {
  BOOST_TEST(pick("*/*;q=0.1, application/xml") == "xml");
  BOOST_TEST(pick("application/xml, */*;q=0.1") == "xml");
  // text/* names YAML and XML; YAML is pinned to 0.1 by its exact range, so XML wins at 0.9.
  BOOST_TEST(pick("text/*;q=0.9, text/yaml;q=0.1") == "xml");
  BOOST_TEST(pick("*/*;q=0.9, application/*;q=0.2, application/yaml") == "yaml");
  BOOST_TEST(pick("*/*;q=0.9, application/*;q=0.2") == "json");
}

BOOST_AUTO_TEST_CASE(q_zero_excludes_a_type) {
  BOOST_TEST(pick("application/json;q=0") == "none");
  BOOST_TEST(pick("application/json;q=0, application/xml") == "xml");
  BOOST_TEST(pick("*/*;q=0") == "none");
  BOOST_TEST(pick("*/*;q=0, application/yaml") == "yaml");
  BOOST_TEST(pick("application/xml;q=0.000") == "none");
  BOOST_TEST(pick("application/xml;q=0.") == "none");
}

BOOST_AUTO_TEST_CASE(an_exact_q_zero_is_not_undone_by_a_wildcard) {
  BOOST_TEST(pick("*/*, application/json;q=0, application/yaml;q=0, application/xml;q=0") ==
             "none");
  BOOST_TEST(pick("application/xml;q=0, */*;q=1") == "json");
}

BOOST_AUTO_TEST_CASE(aliases_count_as_one_representation) {
  // An exact refusal of one alias is overridden by an exact acceptance of another.
  BOOST_TEST(pick("application/yaml;q=0, text/yaml;q=0.5") == "yaml");
  BOOST_TEST(pick("text/xml;q=0.3, application/xml;q=0.8, application/json;q=0.5") == "xml");
  // But a wildcard does not bring back an alias of a representation refused exactly.
  BOOST_TEST(pick("application/yaml;q=0, */*") == "json");
  BOOST_TEST(pick("application/yaml;q=0, text/*") == "xml");
}

BOOST_AUTO_TEST_CASE(equally_specific_duplicates_take_the_highest_q) {
  BOOST_TEST(pick("application/json;q=0.1, application/xml;q=0.5, application/json;q=0.9") ==
             "json");
  BOOST_TEST(pick("application/json, application/json;q=0") == "json");
}

BOOST_AUTO_TEST_CASE(q_values_have_at_most_three_decimals) {
  BOOST_TEST(pick("application/json;q=0.001, application/xml;q=0.002") == "xml");
  BOOST_TEST(pick("application/xml;q=0.999, application/json;q=1.000") == "json");
  BOOST_TEST(pick("application/xml;q=1., application/json") == "xml");
  BOOST_TEST(pick("application/xml;q=0.5, application/json;q=0.50") == "xml");
  BOOST_TEST(pick("application/xml;q=0.49, application/json;q=0.5") == "json");
}

BOOST_AUTO_TEST_CASE(an_invalid_q_makes_its_range_malformed) {
  for (std::string bad : {"", "1.5", "2", "-1", "0.1234", "1.001", "1.0000", ".5", "abc", "1e0",
                          "0.5x", "+0.5", "0x1", "\"0.5\"", "0.5\"", "1 0"}) {
    auto header = "application/xml;q=" + bad + ", application/yaml;q=0.1";
    BOOST_TEST(pick(header) == "yaml", header);
  }
}

BOOST_AUTO_TEST_CASE(a_repeated_q_makes_its_range_malformed) {
  BOOST_TEST(pick("application/xml;q=0.5;q=0.9, application/yaml;q=0.1") == "yaml");
  BOOST_TEST(pick("application/xml;q=0.5;Q=0.5, application/yaml;q=0.1") == "yaml");
}

// -- negotiate: parameters --------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(other_parameters_are_ignored_for_matching) {
  BOOST_TEST(pick("application/json; charset=utf-8;q=0.5, application/xml;q=0.4") == "json");
  BOOST_TEST(pick("application/xml;charset=\"utf-8\"") == "xml");
  BOOST_TEST(pick("application/yaml; version=1.2; q=0.9, application/json;q=0.8") == "yaml");
  // Parameters do not make a range more specific either: the higher q of the two counts.
  BOOST_TEST(pick("application/json;charset=utf-8;q=0.2, application/json;q=0.9, "
                  "application/xml;q=0.5") == "json");
}

BOOST_AUTO_TEST_CASE(q_may_come_before_other_parameters) {
  BOOST_TEST(pick("application/xml;q=0.9;charset=utf-8, application/json;q=0.8") == "xml");
}

BOOST_AUTO_TEST_CASE(empty_parameters_and_list_elements_are_allowed) {
  BOOST_TEST(pick("application/xml;;q=0.5;, , application/json;q=0.4") == "xml");
  BOOST_TEST(pick(", ,application/yaml,,") == "yaml");
  BOOST_TEST(pick("application/xml ; ; ") == "xml");
}

BOOST_AUTO_TEST_CASE(quoted_parameter_values_may_hold_commas_semicolons_and_escapes) {
  BOOST_TEST(pick("application/xml;x=\"a,b;q=0\", application/json;q=0.5") == "xml");
  BOOST_TEST(pick("application/xml;x=\"a\\\"b,c\", application/json;q=0.5") == "xml");
  BOOST_TEST(pick("application/xml;x=\"\", application/json;q=0.5") == "xml");
}

BOOST_AUTO_TEST_CASE(an_unterminated_quoted_value_swallows_the_rest_of_the_header) {
  BOOST_TEST(pick("application/yaml;q=0.1, application/xml;x=\"a, application/json") == "yaml");
  BOOST_TEST(pick("application/xml;x=\"a\\") == "json");
}

BOOST_AUTO_TEST_CASE(a_quoted_q_or_a_malformed_parameter_makes_the_range_malformed) {
  BOOST_TEST(pick("application/xml;q=\"0.5\", application/yaml;q=0.1") == "yaml");
  BOOST_TEST(pick("application/xml;charset, application/yaml;q=0.1") == "yaml");
  BOOST_TEST(pick("application/xml;=1, application/yaml;q=0.1") == "yaml");
  BOOST_TEST(pick("application/xml;a=, application/yaml;q=0.1") == "yaml");
  BOOST_TEST(pick("application/xml;a=b c, application/yaml;q=0.1") == "yaml");
  BOOST_TEST(pick("application/xml;a=\"b\"c, application/yaml;q=0.1") == "yaml");
  BOOST_TEST(pick("application/xml;a=\"\x01\", application/yaml;q=0.1") == "yaml");
}

// -- negotiate: nothing acceptable, and garbage -----------------------------------------------

BOOST_AUTO_TEST_CASE(only_unknown_types_give_nullopt) {
  BOOST_TEST(pick("text/html") == "none");
  BOOST_TEST(pick("text/html, image/png;q=0.5") == "none");
  BOOST_TEST(pick("text/event-stream") == "none");
  BOOST_TEST(pick("image/*") == "none");
  BOOST_TEST(pick("application/vnd.api+json") == "none");
  BOOST_TEST(pick("application/problem+xml") == "none");
  BOOST_TEST(pick("application/jsonx, application/xmlfoo, textyaml/yaml") == "none");
}

BOOST_AUTO_TEST_CASE(unknown_types_do_not_hide_known_ones) {
  // A typical browser header.
  BOOST_TEST(pick("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8") == "xml");
  BOOST_TEST(pick("text/html, application/json;q=0.1") == "json");
}

BOOST_AUTO_TEST_CASE(a_header_with_no_well_formed_range_counts_as_absent) {
  for (const auto& garbage : std::vector<std::string>{
           ";;,,q=", ",,,", ";", "/", "application", "application/", "/json", "*/json", "*/*/",
           "q=1", "=", "\"application/xml\"", "application/xml;q=2", "application/xml;q=abc",
           "\x01\x02", "applicätion/xml", std::string("\0", 1)})
    BOOST_TEST(pick(garbage) == "json", garbage);
}

BOOST_AUTO_TEST_CASE(malformed_ranges_are_skipped_and_the_rest_still_count) {
  BOOST_TEST(pick(";;,,q=, application/xml") == "xml");
  BOOST_TEST(pick("app lication/json, application/xml") == "xml");
  BOOST_TEST(pick("application/xml/extra, text/yaml") == "yaml");
  BOOST_TEST(pick("*/json, application/xml") == "xml");
  BOOST_TEST(pick("application/x\x01ml, text/yaml") == "yaml");
  BOOST_TEST(pick("applicätion/xml, text/yaml") == "yaml");
  BOOST_TEST(pick(std::string("application/xml\0, text/yaml", 27)) == "yaml");
  BOOST_TEST(pick("\"a,b\", application/xml") == "xml");
  // Only a quote after '=' opens a quoted string: a stray one elsewhere does not swallow
  // the rest.
  BOOST_TEST(pick("app\"lication/json, application/xml") == "xml");
}

BOOST_AUTO_TEST_CASE(a_very_long_header_is_read_in_linear_time) {
  auto seconds_for = [](const std::string& header, std::string expected) {
    auto start = std::chrono::steady_clock::now();
    BOOST_TEST(pick(header) == expected);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  std::string many;
  for (int i = 0; i < 200'000; ++i)
    many += "text/html;level=1;q=0.5, ";
  many += "application/xml;q=0.6";
  double total = seconds_for(many, "xml");
  total += seconds_for(std::string(4'000'000, ';'), "json");
  total += seconds_for(std::string(4'000'000, ','), "json");
  total += seconds_for("a/b;x=" + std::string(4'000'000, '"'), "json");
  std::string recover = "a b";
  for (int i = 0; i < 1'000'000; ++i)
    recover += "=\"=";
  total += seconds_for(recover, "json");
  std::string escapes = "a/b;x=\"";
  for (int i = 0; i < 1'000'000; ++i)
    escapes += "\\\"";
  total += seconds_for(escapes + ", text/yaml", "json");
  // Linear work is milliseconds; quadratic work on these sizes would take hours.
  BOOST_TEST(total < 10.0);
}

BOOST_AUTO_TEST_CASE(arbitrary_bytes_never_throw_and_keep_the_invariants) {
  static const std::vector<std::string> pieces = {
      "application", "text", "*",       "/",    "json", "yaml", "x-yaml", "xml", ";",
      ",",           "q",    "=",       "0",    "1",    ".",    "5",      "\"",  "\\",
      " ",           "\t",   "charset", "\x01", "\xff", "Q",    "*/*",    "\0"};
  rng r{7};
  for (int n = 0; n < 20'000; ++n) {
    std::string header;
    for (auto k = r.below(12); k > 0; --k)
      header += pieces[r.below(pieces.size())];
    std::string got;
    BOOST_CHECK_NO_THROW(got = pick(header));
    // Surrounding whitespace and an extra empty list element change nothing.
    if (pick(" " + header + "\t") != got || pick(header + ",") != got) {
      BOOST_TEST(false, "invariant broken for '" << header << "'");
      break;
    }
  }
}

// -- YAML -------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(yaml_writes_scalars_as_json_does) {
  BOOST_TEST(yaml(nullptr) == "null\n");
  BOOST_TEST(yaml(true) == "true\n");
  BOOST_TEST(yaml(false) == "false\n");
  BOOST_TEST(yaml(42) == "42\n");
  BOOST_TEST(yaml(-7) == "-7\n");
  BOOST_TEST(yaml(std::numeric_limits<std::uint64_t>::max()) == "18446744073709551615\n");
  BOOST_TEST(yaml(1.5) == "1.5\n");
  BOOST_TEST(yaml(-0.0) == "-0.0\n");
  BOOST_TEST(yaml("hello") == "hello\n");
}

BOOST_AUTO_TEST_CASE(yaml_spells_non_finite_doubles_the_yaml_way) {
  BOOST_TEST(yaml(std::numeric_limits<double>::infinity()) == ".inf\n");
  BOOST_TEST(yaml(-std::numeric_limits<double>::infinity()) == "-.inf\n");
  BOOST_TEST(yaml(std::numeric_limits<double>::quiet_NaN()) == ".nan\n");
}

BOOST_AUTO_TEST_CASE(yaml_writes_empty_collections_in_flow_style) {
  BOOST_TEST(yaml(json::object{}) == "{}\n");
  BOOST_TEST(yaml(json::array{}) == "[]\n");
  BOOST_TEST(yaml(json::object{{"a", json::object{}}, {"b", json::array{}}}) == "a: {}\nb: []\n");
  BOOST_TEST(yaml(json::array{json::object{}, json::array{}}) == "- {}\n- []\n");
}

BOOST_AUTO_TEST_CASE(yaml_writes_a_task_in_block_style) {
  json::value task = {{"Id", "e5a3c2b1-0d4f-4e8a-9b7c-1a2b3c4d5e6f"},
                      {"State", "Completed"},
                      {"Cancellable", true},
                      {"Progress", 100},
                      {"Error", nullptr},
                      {"CreationTime", "2024-05-01T10:00:00.0000000Z"},
                      {"Result", {{"InnerValue", "coming from using"}, {"Count", 3}}},
                      {"Tags", json::array{"a", "b"}}};
  BOOST_TEST(yaml(task) == "Id: e5a3c2b1-0d4f-4e8a-9b7c-1a2b3c4d5e6f\n"
                           "State: Completed\n"
                           "Cancellable: true\n"
                           "Progress: 100\n"
                           "Error: null\n"
                           "CreationTime: \"2024-05-01T10:00:00.0000000Z\"\n"
                           "Result:\n"
                           "  InnerValue: coming from using\n"
                           "  Count: 3\n"
                           "Tags:\n"
                           "  - a\n"
                           "  - b\n");
}

BOOST_AUTO_TEST_CASE(yaml_indents_each_level_by_two_spaces) {
  json::value v = {{"a", {{"b", {{"c", json::array{1, json::array{2, 3}}}}}}}};
  BOOST_TEST(yaml(v) == "a:\n"
                        "  b:\n"
                        "    c:\n"
                        "      - 1\n"
                        "      - - 2\n"
                        "        - 3\n");
}

BOOST_AUTO_TEST_CASE(yaml_starts_collections_inside_a_sequence_on_the_dash_line) {
  json::value v = json::array{json::object{{"a", 1}, {"b", json::object{{"c", 2}}}},
                              json::array{1, 2}, nullptr, "x"};
  BOOST_TEST(yaml(v) == "- a: 1\n"
                        "  b:\n"
                        "    c: 2\n"
                        "- - 1\n"
                        "  - 2\n"
                        "- null\n"
                        "- x\n");
}

BOOST_AUTO_TEST_CASE(yaml_quotes_strings_that_plain_style_would_misread) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", R"("")"},
      {" a", R"(" a")"},
      {"a ", R"("a ")"},
      {"true", R"("true")"},
      {"False", R"("False")"},
      {"yes", R"("yes")"},
      {"No", R"("No")"},
      {"on", R"("on")"},
      {"OFF", R"("OFF")"},
      {"y", R"("y")"},
      {"n", R"("n")"},
      {"null", R"("null")"},
      {"Null", R"("Null")"},
      {"~", R"("~")"},
      {"<<", R"("<<")"},
      {"=", R"("=")"},
      {"123", R"("123")"},
      {"-1", R"("-1")"},
      {"+1", R"("+1")"},
      {"1.5", R"("1.5")"},
      {".5", R"(".5")"},
      {".inf", R"(".inf")"},
      {"0x1F", R"("0x1F")"},
      {"1e3", R"("1e3")"},
      {"2001-12-14", R"("2001-12-14")"},
      {"1.2.3", R"("1.2.3")"},
      {"a: b", R"("a: b")"},
      {"a:", R"("a:")"},
      {"a #b", R"("a #b")"},
      {"a#b", R"("a#b")"},
      {"#a", R"("#a")"},
      {"- a", R"("- a")"},
      {"-", R"("-")"},
      {"-a", R"("-a")"},
      {"?", R"("?")"},
      {":", R"(":")"},
      {",a", R"(",a")"},
      {"[a]", R"("[a]")"},
      {"{a}", R"("{a}")"},
      {"&a", R"("&a")"},
      {"*a", R"("*a")"},
      {"!a", R"("!a")"},
      {"|", R"("|")"},
      {">", R"(">")"},
      {"'a'", R"("'a'")"},
      {"\"a\"", R"("\"a\"")"},
      {"%a", R"("%a")"},
      {"@a", R"("@a")"},
      {"`a`", R"("`a`")"},
      {"...", R"("...")"},
      {"---", R"("---")"},
      {"a\nb", R"("a\nb")"},
      {"a\tb", R"("a\tb")"},
      {"a\rb", R"("a\rb")"},
      {"a\bb\fc", R"("a\bb\fc")"},
      {"\x01", R"("\u0001")"},
      {std::string("\0", 1), R"("\u0000")"},
      {"\x7f", R"("\u007f")"},
      {"\xC2\x85", R"("\u0085")"},
      {"\xE2\x80\xA8", R"("\u2028")"},
      {"\xE2\x80\xA9", R"("\u2029")"},
      {"\xEF\xBB\xBF", R"("\ufeff")"},
      {"\xEF\xBF\xBF", R"("\uffff")"},
      {"back\\slash\t", R"("back\\slash\t")"},
  };
  for (const auto& [in, out] : cases)
    BOOST_TEST(yaml(json::string(in)) == out + "\n", json::serialize(json::string(in)));
}

BOOST_AUTO_TEST_CASE(yaml_leaves_ordinary_strings_plain) {
  for (std::string s : {"hello",
                        "hello world",
                        "Aborted by the user",
                        "http://host:8080/a?b=c",
                        "a:b",
                        "a-b",
                        "e5",
                        "don't",
                        "say \"hi\"",
                        "back\\slash",
                        "x=1",
                        "é日本😀",
                        "Größe",
                        "c3b1-not-a-number?",
                        "a - b",
                        "a ? b",
                        "yes!",
                        "nullable",
                        "~user",
                        "a,b",
                        "x50%"})
    BOOST_TEST(yaml(json::string(s)) == s + "\n", s);
}

BOOST_AUTO_TEST_CASE(yaml_replaces_invalid_utf8_with_the_replacement_character) {
  BOOST_TEST(yaml(json::string("a\xff"
                               "b")) == "\"a\xEF\xBF\xBD"
                                        "b\"\n");
  BOOST_TEST(yaml(json::string("\xC0\x80")) == "\"\xEF\xBF\xBD\xEF\xBF\xBD\"\n");
  BOOST_TEST(yaml(json::string("\xED\xA0\x80")) ==
             "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"\n");                       // a surrogate
  BOOST_TEST(yaml(json::string("\xE6\x97")) == "\"\xEF\xBF\xBD\xEF\xBF\xBD\"\n"); // truncated
}

BOOST_AUTO_TEST_CASE(yaml_quotes_keys_by_the_same_rules) {
  json::value v = {{"", 1}, {"true", 2}, {"a: b", 3}, {"n", 4}, {"plain key", 5}, {"1", 6}};
  BOOST_TEST(yaml(v) == "\"\": 1\n"
                        "\"true\": 2\n"
                        "\"a: b\": 3\n"
                        "\"n\": 4\n"
                        "plain key: 5\n"
                        "\"1\": 6\n");
}

BOOST_AUTO_TEST_CASE(yaml_writes_a_key_over_1000_bytes_as_an_explicit_key) {
  std::string at_limit(1000, 'k');
  std::string over(1001, 'k');
  BOOST_TEST(yaml(json::object{{at_limit, 1}}) == at_limit + ": 1\n");
  BOOST_TEST(yaml(json::object{{over, 1}}) == "? " + over + "\n: 1\n");
  BOOST_TEST(yaml(json::object{{over, json::object{{"a", 1}}}}) == "? " + over + "\n:\n  a: 1\n");
  BOOST_TEST(yaml(json::array{json::object{{over, json::array{1}}}}) ==
             "- ? " + over + "\n  :\n    - 1\n");
  // Quoting counts: 999 characters that need a backslash each are over the limit.
  std::string quoted(999, '"');
  BOOST_TEST(yaml(json::object{{quoted, 1}}).starts_with("? \""));
}

BOOST_AUTO_TEST_CASE(yaml_reads_back_as_the_same_value_for_tricky_strings) {
  std::vector<std::string> strings;
  for (const auto& p : tricky_pieces) {
    strings.push_back(p);
    strings.push_back("x" + p);
    strings.push_back(p + "x");
    strings.push_back(" " + p);
  }
  for (const auto& s : strings) {
    json::string js(s);
    for (const json::value& v : {json::value(js), json::value(json::object{{js, js}}),
                                 json::value(json::array{js, json::object{{js, nullptr}}})}) {
      auto error = yaml_round_trip_error(v);
      BOOST_TEST(error.empty(), json::serialize(v) << ": " << error);
    }
  }
}

BOOST_AUTO_TEST_CASE(yaml_reads_back_as_the_same_value_for_generated_documents) {
  rng r{42};
  int failures = 0;
  for (int n = 0; n < 3'000 && failures < 5; ++n) {
    auto v = generated_value(r, 0);
    auto error = yaml_round_trip_error(v);
    if (!error.empty()) {
      ++failures;
      BOOST_TEST(error.empty(), json::serialize(v) << ": " << error);
    }
    BOOST_TEST(!has_raw_control(yaml(v)));
  }
}

BOOST_AUTO_TEST_CASE(yaml_reads_back_non_finite_doubles_and_long_keys) {
  std::string long_key(3000, 'k');
  json::value v = {{"inf", std::numeric_limits<double>::infinity()},
                   {"-inf", -std::numeric_limits<double>::infinity()},
                   {"nan", std::numeric_limits<double>::quiet_NaN()},
                   {long_key, {{long_key, json::array{1, 2}}}},
                   {"list", json::array{json::object{{long_key, 1}, {"b", 2}}}}};
  BOOST_TEST(yaml_round_trip_error(v).empty(), yaml_round_trip_error(v));
}

BOOST_AUTO_TEST_CASE(the_yaml_subset_reader_rejects_what_yaml_would_misread) {
  // The round-trip tests are only as good as this reader's strictness.
  for (std::string bad : {"a: yes\n", "a: b #c\n", "a: 0x1F\n", "a: b:\n", "a: +1\n",
                          "a: 2001-12-14\n", "- a\n - b\n", "a: 1\na: 2\n", "a:  b\n", "a: 1",
                          "true: 1\n", "a: \"x\n", "a: - b\n", "a:\n- b\n", "a: 1\n  b: 2\n"})
    BOOST_TEST(!read_yaml_subset(bad), bad);
  BOOST_TEST(same_value(*read_yaml_subset("a:\n  - 1\n  - b: x\n    c: \"\\n\"\n"),
                        json::value{{"a", json::array{1, {{"b", "x"}, {"c", "\n"}}}}}));
}

// -- XML --------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(xml_has_a_declaration_and_the_root_element) {
  BOOST_TEST(xml(json::object{{"Id", "x"}}) == xml_head + "<Response>\n"
                                                          "  <Id>x</Id>\n"
                                                          "</Response>\n");
}

BOOST_AUTO_TEST_CASE(xml_writes_scalars_as_text) {
  BOOST_TEST(xml(42) == xml_head + "<Response>42</Response>\n");
  BOOST_TEST(xml(-7) == xml_head + "<Response>-7</Response>\n");
  BOOST_TEST(xml(1.5) == xml_head + "<Response>1.5</Response>\n");
  BOOST_TEST(xml(true) == xml_head + "<Response>true</Response>\n");
  BOOST_TEST(xml(false) == xml_head + "<Response>false</Response>\n");
  BOOST_TEST(xml("text") == xml_head + "<Response>text</Response>\n");
  BOOST_TEST(xml("") == xml_head + "<Response></Response>\n");
}

BOOST_AUTO_TEST_CASE(xml_spells_non_finite_doubles_as_xml_schema_does) {
  BOOST_TEST(xml(std::numeric_limits<double>::infinity()) ==
             xml_head + "<Response>INF</Response>\n");
  BOOST_TEST(xml(-std::numeric_limits<double>::infinity()) ==
             xml_head + "<Response>-INF</Response>\n");
  BOOST_TEST(xml(std::numeric_limits<double>::quiet_NaN()) ==
             xml_head + "<Response>NaN</Response>\n");
}

BOOST_AUTO_TEST_CASE(xml_writes_null_and_empty_collections_as_empty_elements) {
  BOOST_TEST(xml(nullptr) == xml_head + "<Response />\n");
  BOOST_TEST(xml(json::object{}) == xml_head + "<Response />\n");
  BOOST_TEST(xml(json::array{}) == xml_head + "<Response />\n");
  BOOST_TEST(xml(json::object{{"Error", nullptr}, {"List", json::array{}}}) == xml_head +
                                                                                   "<Response>\n"
                                                                                   "  <Error />\n"
                                                                                   "  <List />\n"
                                                                                   "</Response>\n");
}

BOOST_AUTO_TEST_CASE(xml_writes_arrays_as_repeated_item_elements) {
  BOOST_TEST(xml(json::object{{"Tags", json::array{"a", nullptr, json::array{1, 2}}}}) ==
             xml_head + "<Response>\n"
                        "  <Tags>\n"
                        "    <Item>a</Item>\n"
                        "    <Item />\n"
                        "    <Item>\n"
                        "      <Item>1</Item>\n"
                        "      <Item>2</Item>\n"
                        "    </Item>\n"
                        "  </Tags>\n"
                        "</Response>\n");
  BOOST_TEST(xml(json::array{json::object{{"Id", 1}}, json::object{{"Id", 2}}}) ==
             xml_head + "<Response>\n"
                        "  <Item>\n"
                        "    <Id>1</Id>\n"
                        "  </Item>\n"
                        "  <Item>\n"
                        "    <Id>2</Id>\n"
                        "  </Item>\n"
                        "</Response>\n");
}

BOOST_AUTO_TEST_CASE(xml_uses_the_given_root_name_made_valid) {
  BOOST_TEST(xml(1, "Task") == xml_head + "<Task>1</Task>\n");
  BOOST_TEST(xml(1, "1 bad") == xml_head + "<_1_bad>1</_1_bad>\n");
  BOOST_TEST(xml(1, "") == xml_head + "<_>1</_>\n");
}

BOOST_AUTO_TEST_CASE(xml_escapes_markup_characters) {
  BOOST_TEST(xml("<a href=\"x\">&'</a>") ==
             xml_head + "<Response>&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;</Response>\n");
  BOOST_TEST(xml("]]>") == xml_head + "<Response>]]&gt;</Response>\n");
}

BOOST_AUTO_TEST_CASE(xml_keeps_tab_newline_and_cr_and_drops_other_controls) {
  BOOST_TEST(xml("a\tb\nc\rd") == xml_head + "<Response>a&#9;b\nc&#13;d</Response>\n");
  BOOST_TEST(xml(json::string(std::string("a\x01"
                                          "b\x7f"
                                          "c\xC2\x85"
                                          "d\x1F"
                                          "e\0f",
                                          12))) == xml_head + "<Response>abcdef</Response>\n");
  BOOST_TEST(xml("a\xEF\xBF\xBE"
                 "b\xEF\xBF\xBF"
                 "c") == xml_head + "<Response>abc</Response>\n"); // U+FFFE, U+FFFF
  BOOST_TEST(xml("\xE2\x80\xA8\xEF\xBB\xBF") ==
             xml_head + "<Response>\xE2\x80\xA8\xEF\xBB\xBF</Response>\n"); // legal in XML
}

BOOST_AUTO_TEST_CASE(xml_replaces_invalid_utf8_with_the_replacement_character) {
  BOOST_TEST(xml("a\xff"
                 "b") == xml_head + "<Response>a\xEF\xBF\xBD"
                                    "b</Response>\n");
}

BOOST_AUTO_TEST_CASE(xml_makes_keys_into_valid_element_names) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"Id", "Id"},
      {"_ok-1.2", "_ok-1.2"},
      {"task id", "task_id"},
      {"1st", "_1st"},
      {"-x", "_-x"},
      {".x", "_.x"},
      {"", "_"},
      {"a:b", "a_b"},
      {":", "_"},
      {"a/b<c>", "a_b_c_"},
      {"Größe", "Größe"},
      {"日本", "日本"},
      {"Ωμέγα", "Ωμ_γα"}, // accented Greek is outside the portable letters
      {"😀", "_"},
      {"a\xff"
       "b",
       "a_b"},
      {"xml", "xml"},
      {"a\x01", "a_"},
  };
  for (const auto& [key, name] : cases)
    BOOST_TEST(xml(json::object{{key, 1}}) ==
                   xml_head + "<Response>\n  <" + name + ">1</" + name + ">\n</Response>\n",
               key);
}

BOOST_AUTO_TEST_CASE(xml_is_well_formed_for_generated_documents) {
  rng r{43};
  int failures = 0;
  for (int n = 0; n < 3'000 && failures < 5; ++n) {
    auto v = generated_value(r, 0);
    auto text = xml(v);
    auto error = xml_shape_error(text);
    if (!error.empty()) {
      ++failures;
      BOOST_TEST(error.empty(), json::serialize(v) << ": " << error << " in:\n" << text);
    }
  }
}

// -- JSON -------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(json_is_compact_with_plain_decimal_doubles) {
  json::value v = {{"a", json::array{1, "x", nullptr}}, {"b", {{"c", 1.5}}}};
  BOOST_TEST(encode(v, media_type::json, "Ignored") == R"({"a":[1,"x",null],"b":{"c":1.5}})");
  const std::pair<double, const char*> doubles[] = {
      {42.5, "42.5"}, {99.99, "99.99"},  {33.33, "33.33"},      {0.1, "0.1"},     {2.0, "2.0"},
      {-0.0, "-0.0"}, {1e300, "1e+300"}, {-2.5e-8, "-2.5e-08"}, {100.0, "100.0"}, {1e21, "1e+21"}};
  for (const auto& [d, text] : doubles) {
    BOOST_TEST_CONTEXT(text) {
      BOOST_TEST(encode(json::value(d), media_type::json) == text);
      // It reads back as the same double.
      auto back = json::parse(encode(json::value(d), media_type::json));
      BOOST_TEST(back.is_double());
      BOOST_TEST(back.as_double() == d);
    }
  }
  // Non-finite numbers have no JSON form.
  BOOST_TEST(encode(json::value(std::numeric_limits<double>::infinity()), media_type::json) ==
             "null");
  BOOST_TEST(encode(json::value(std::numeric_limits<double>::quiet_NaN()), media_type::json) ==
             "null");
}

BOOST_AUTO_TEST_CASE(json_strings_and_integers_are_written_as_boost_json_writes_them) {
  // Every ASCII byte but DEL: Boost.JSON copies DEL and bytes of invalid UTF-8 as they are,
  // where json_text escapes DEL and writes U+FFFD (see writers_test).
  std::string every_byte;
  for (int c = 1; c < 0x7F; ++c)
    every_byte += static_cast<char>(c);
  json::value v = {{"s", every_byte},
                   {"quote\"back\\slash", "\u00e9\xE2\x82\xAC"},
                   {"i", std::int64_t{-9'223'372'036'854'775'807} - 1},
                   {"u", std::uint64_t{18'446'744'073'709'551'615u}},
                   {"t", true},
                   {"f", false},
                   {"empty", json::object{}},
                   {"list", json::array{}}};
  BOOST_TEST(encode(v, media_type::json) == json::serialize(v));
}

// -- dispatch ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(encode_gives_each_representation_to_its_writer) {
  json::value v = {{"a", json::array{1, "x", nullptr}}, {"b", {{"c", 1.5}}}, {"d", "yes"}};
  BOOST_TEST(encode(v, media_type::json, "Task") == herald::net::json_text(v));
  BOOST_TEST(encode(v, media_type::yaml, "Task") == herald::net::yaml_text(v));
  BOOST_TEST(encode(v, media_type::xml, "Task") == herald::net::xml_text(v, "Task"));
  BOOST_TEST(herald::net::yaml_text(v) == "a:\n  - 1\n  - x\n  - null\nb:\n  c: 1.5\nd: \"yes\"\n");
  BOOST_TEST(herald::net::xml_text(json::value("a<b"), "R") ==
             "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<R>a&lt;b</R>\n");
}

BOOST_AUTO_TEST_SUITE_END()
