#include "actors/task_query.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <random>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

using herald::actors::no_expiry;
using herald::actors::parse_time;
using herald::actors::query_error;
using herald::actors::task_query;
using herald::actors::task_record;
using herald::actors::task_state;
using herald::actors::task_time;
using herald::actors::detail::like_matcher;

namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

task_time at(std::string_view text) {
  auto t = parse_time(text);
  BOOST_REQUIRE_MESSAGE(t.has_value(), "bad test time " << text);
  return *t;
}

/// Four tasks with different shapes: a - running, b - completed, c - failed, d - queued.
std::vector<task_record> sample() {
  std::vector<task_record> out(4);
  auto& a = out[0];
  a.id = "a-1";
  a.route_id = "[POST]/process-data";
  a.method = "POST";
  a.url = "/process-data";
  a.state = task_state::running;
  a.creation = at("2024-09-26T14:03:11.1234567Z");
  a.expire = a.creation + 8h;
  a.starting = a.creation + 1s;
  a.progress = 100.0 / 3;
  a.user = "Mindy021";

  auto& b = out[1];
  b.id = "b-2";
  b.route_id = "[GET]/generate-report";
  b.method = "GET";
  b.url = "/generate-report";
  b.state = task_state::completed;
  b.cancellable = false;
  b.creation = at("2024-09-26T15:00:00Z");
  b.expire = no_expiry();
  b.starting = at("2024-09-26T15:00:01Z");
  b.completed = at("2024-09-26T15:00:11Z");
  b.progress = 100;
  b.result = json::value(0);
  b.user = "M0R7Y302";

  auto& c = out[2];
  c.id = "c-3";
  c.route_id = "[POST]/process-data";
  c.method = "POST";
  c.url = "/process-data";
  c.state = task_state::failed;
  c.creation = at("2024-09-25T10:00:00Z");
  c.expire = c.creation + 8h;
  c.starting = at("2024-09-25T10:00:00.5Z");
  c.completed = at("2024-09-25T10:00:02Z");
  c.error = "boom: disk full";

  auto& d = out[3];
  d.id = "d-4";
  d.route_id = "[GET]/sse";
  d.method = "GET";
  d.url = "/sse";
  d.state = task_state::not_started;
  d.creation = at("2024-09-26T16:00:00Z");
  d.expire = d.creation + 10s;
  d.user = "Zo\xC3\xAB"; // Zoë
  d.queue_position = 0;
  return out;
}

task_query parse_ok(std::string_view filter) {
  auto parsed = task_query::parse(json::parse(filter));
  if (auto* e = std::get_if<query_error>(&parsed))
    BOOST_FAIL("rejected " << filter << ": " << e->message);
  return std::get<task_query>(std::move(parsed));
}

/// The ids of the sample tasks that `filter` matches, concatenated: "a-1 c-3".
std::string ids(std::string_view filter, const std::vector<task_record>& tasks = sample()) {
  auto q = parse_ok(filter);
  std::string out;
  for (const auto& t : tasks)
    if (q.matches(t))
      out += (out.empty() ? "" : " ") + t.id;
  return out;
}

/// The message `filter` is rejected with; fails the test when it is accepted.
std::string error_of_value(const json::value& filter) {
  auto parsed = task_query::parse(filter);
  auto* e = std::get_if<query_error>(&parsed);
  BOOST_REQUIRE_MESSAGE(e != nullptr, "accepted " << filter);
  BOOST_TEST(!e->message.empty());
  return e->message;
}

std::string error_of(std::string_view filter) {
  return error_of_value(json::parse(filter));
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

/// `{"<field>":{"op":"<op>","value":<value>}}`
std::string cond(std::string_view field, std::string_view op, std::string_view value) {
  return "{\"" + std::string{field} + "\":{\"op\":\"" + std::string{op} +
         "\",\"value\":" + std::string{value} + "}}";
}

} // namespace

BOOST_AUTO_TEST_SUITE(task_query_test)

// -- shape ------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(an_empty_filter_matches_every_task) {
  BOOST_TEST(ids("{}") == "a-1 b-2 c-3 d-4");
}

BOOST_AUTO_TEST_CASE(conditions_are_and_ed) {
  BOOST_TEST(
      ids(R"({"Cancellable":{"op":"EQ","value":true},"State":{"op":"EQ","value":"Running"}})") ==
      "a-1");
  BOOST_TEST(ids(R"({"Method":{"op":"EQ","value":"POST"},"Error":{"op":"NE","value":"x"}})") ==
             "a-1 c-3");
  BOOST_TEST(
      ids(R"({"State":{"op":"EQ","value":"Running"},"state":{"op":"EQ","value":"Failed"}})") == "");
}

BOOST_AUTO_TEST_CASE(field_names_are_case_insensitive) {
  BOOST_TEST(ids(cond("state", "EQ", "\"Failed\"")) == "c-3");
  BOOST_TEST(ids(cond("ASYNCROUTEID", "EQ", "\"[GET]/sse\"")) == "d-4");
  BOOST_TEST(ids(cond("cReAtIoNtImE", "LT", "\"2024-09-26T00:00:00Z\"")) == "c-3");
}

BOOST_AUTO_TEST_CASE(ops_are_case_insensitive) {
  BOOST_TEST(ids(cond("State", "eq", "\"Failed\"")) == "c-3");
  BOOST_TEST(ids(cond("State", "NotLike", "\"ed\"")) == "a-1");
  BOOST_TEST(ids(cond("Progress", "gE", "50")) == "b-2");
}

BOOST_AUTO_TEST_CASE(op_and_value_keys_are_case_insensitive) {
  BOOST_TEST(ids(R"({"State":{"OP":"EQ","Value":"Failed"}})") == "c-3");
  BOOST_TEST(ids(R"({"State":{"VALUE":"Failed","Op":"EQ"}})") == "c-3");
}

BOOST_AUTO_TEST_CASE(a_parsed_query_can_be_copied_and_reused) {
  auto q = parse_ok(cond("State", "EQ", "\"Running\""));
  auto copy = q;
  auto tasks = sample();
  for (int i = 0; i < 3; ++i) {
    BOOST_TEST(q.matches(tasks[0]));
    BOOST_TEST(!copy.matches(tasks[1]));
  }
}

BOOST_AUTO_TEST_CASE(a_filter_that_is_not_an_object_is_rejected) {
  for (std::string_view text :
       {"[]", R"([{"State":{"op":"EQ","value":"Running"}}])", "null", "\"State\"", "42", "true"})
    BOOST_TEST(contains(error_of(text), "must be a JSON object"), text);
}

BOOST_AUTO_TEST_CASE(an_unknown_field_is_rejected_by_name) {
  auto e = error_of(cond("Name", "EQ", "\"x\""));
  BOOST_TEST(contains(e, "'Name'"), e);
  BOOST_TEST(contains(e, "not a queryable field"), e);
  BOOST_TEST(contains(e, "AsyncRouteId"), e); // lists the fields
}

BOOST_AUTO_TEST_CASE(fields_outside_the_contract_are_rejected) {
  for (std::string_view field : std::initializer_list<std::string_view>{
           "CallbackSettings", "Result", "IsCompleted", "QueuePosition", "Sse", "Permission",
           "Output", "Timeout", "", "State ", " Id", "Ids", std::string_view{"Id\0", 3}}) {
    auto e = error_of_value(json::value{{field, {{"op", "EQ"}, {"value", "x"}}}});
    BOOST_TEST(contains(e, "not a queryable field"), e);
  }
}

BOOST_AUTO_TEST_CASE(an_unknown_field_is_rejected_even_after_valid_ones) {
  auto e = error_of(R"({"State":{"op":"EQ","value":"Running"},"Nope":{"op":"EQ","value":"x"}})");
  BOOST_TEST(contains(e, "'Nope'"), e);
}

BOOST_AUTO_TEST_CASE(a_long_field_name_is_cut_short_in_the_message) {
  std::string name(5000, 'x');
  auto e = error_of_value(json::value{{name, {{"op", "EQ"}, {"value", "x"}}}});
  BOOST_TEST(e.size() < 400u);
  BOOST_TEST(contains(e, "xxx..."), e);
}

BOOST_AUTO_TEST_CASE(control_characters_do_not_reach_the_message) {
  auto e = error_of_value(json::value{{"a\nb\rc", {{"op", "EQ"}, {"value", "x"}}}});
  BOOST_TEST(!contains(e, "\n"));
  BOOST_TEST(!contains(e, "\r"));
  BOOST_TEST(contains(e, "'a?b?c'"), e);
}

BOOST_AUTO_TEST_CASE(a_condition_that_is_not_an_object_is_rejected) {
  for (std::string_view text : {R"({"State":"Running"})", R"({"State":["EQ","Running"]})",
                                R"({"State":null})", R"({"State":1})"}) {
    auto e = error_of(text);
    BOOST_TEST(contains(e, "State"), e);
    BOOST_TEST(contains(e, "must be an object"), e);
  }
}

BOOST_AUTO_TEST_CASE(a_condition_without_op_is_rejected) {
  auto e = error_of(R"({"State":{"value":"Running"}})");
  BOOST_TEST(contains(e, "State"), e);
  BOOST_TEST(contains(e, "no 'op'"), e);
}

BOOST_AUTO_TEST_CASE(a_condition_without_value_is_rejected) {
  auto e = error_of(R"({"State":{"op":"EQ"}})");
  BOOST_TEST(contains(e, "State"), e);
  BOOST_TEST(contains(e, "no 'value'"), e);
  BOOST_TEST(contains(error_of(R"({"Error":{}})"), "no 'op'"));
}

BOOST_AUTO_TEST_CASE(a_condition_with_another_key_is_rejected) {
  auto e = error_of(R"({"State":{"op":"EQ","value":"Running","and":"more"}})");
  BOOST_TEST(contains(e, "State"), e);
  BOOST_TEST(contains(e, "'and'"), e);
  BOOST_TEST(contains(error_of(R"({"State":{"operator":"EQ","value":"Running"}})"), "'operator'"));
}

BOOST_AUTO_TEST_CASE(op_or_value_given_twice_in_different_cases_is_rejected) {
  BOOST_TEST(contains(error_of(R"({"State":{"op":"EQ","OP":"NE","value":"Running"}})"), "twice"));
  BOOST_TEST(
      contains(error_of(R"({"State":{"op":"EQ","value":"Running","Value":"Failed"}})"), "twice"));
}

BOOST_AUTO_TEST_CASE(an_op_that_is_not_a_string_is_rejected) {
  for (std::string_view op : {"1", "null", "true", "[\"EQ\"]", "{\"EQ\":1}"}) {
    auto e = error_of(R"({"State":{"op":)" + std::string{op} + R"(,"value":"Running"}})");
    BOOST_TEST(contains(e, "'op' must be a string"), e);
  }
}

BOOST_AUTO_TEST_CASE(an_unknown_op_is_rejected_by_name) {
  for (std::string_view op :
       {"XX", "", "=", "==", "EQUALS", "NOT LIKE", "NOT_LIKE", "MATCH", " EQ"}) {
    auto e = error_of(cond("State", op, "\"Running\""));
    BOOST_TEST(contains(e, "State"), e);
    BOOST_TEST(contains(e, "unknown op '" + std::string{op} + "'"), e);
    BOOST_TEST(contains(e, "NOTLIKE"), e); // lists the ops
  }
}

// -- strings ----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(string_eq_ignores_case) {
  BOOST_TEST(ids(cond("AsyncRouteId", "EQ", "\"[post]/PROCESS-DATA\"")) == "a-1 c-3");
  BOOST_TEST(ids(cond("Id", "EQ", "\"B-2\"")) == "b-2");
  BOOST_TEST(ids(cond("User", "EQ", "\"mindy021\"")) == "a-1");
  BOOST_TEST(ids(cond("Url", "EQ", "\"/SSE\"")) == "d-4");
}

BOOST_AUTO_TEST_CASE(string_eq_is_whole_value_not_substring) {
  BOOST_TEST(ids(cond("AsyncRouteId", "EQ", "\"process-data\"")) == "");
  BOOST_TEST(ids(cond("Id", "EQ", "\"b-2 \"")) == "");
  BOOST_TEST(ids(cond("Id", "EQ", "\"\"")) == "");
}

BOOST_AUTO_TEST_CASE(method_compares_whatever_its_case) {
  // Pode stores the method in lower case, herald in upper case: both spellings match.
  BOOST_TEST(ids(cond("Method", "EQ", "\"post\"")) == "a-1 c-3");
  BOOST_TEST(ids(cond("Method", "EQ", "\"GET\"")) == "b-2 d-4");
}

BOOST_AUTO_TEST_CASE(string_ne_ignores_case) {
  BOOST_TEST(ids(cond("AsyncRouteId", "NE", "\"[post]/process-data\"")) == "b-2 d-4");
  BOOST_TEST(ids(cond("Id", "NE", "\"A-1\"")) == "b-2 c-3 d-4");
}

BOOST_AUTO_TEST_CASE(string_ordering_is_ordinal_ignoring_case) {
  BOOST_TEST(ids(cond("Id", "GT", "\"B-2\"")) == "c-3 d-4");
  BOOST_TEST(ids(cond("Id", "GE", "\"b-2\"")) == "b-2 c-3 d-4");
  BOOST_TEST(ids(cond("Id", "LT", "\"B\"")) == "a-1");
  BOOST_TEST(ids(cond("Id", "LE", "\"B-2\"")) == "a-1 b-2");
  BOOST_TEST(ids(cond("Id", "LT", "\"b-2\"")) == "a-1");
  BOOST_TEST(ids(cond("Id", "GT", "\"d-4\"")) == "");
}

BOOST_AUTO_TEST_CASE(string_ordering_agrees_with_eq_on_case) {
  // "mindy021" equals "Mindy021", so it is neither greater nor less.
  BOOST_TEST(ids(cond("User", "GE", "\"MINDY021\"")) == "a-1 d-4");
  BOOST_TEST(ids(cond("User", "LE", "\"mindy021\"")) == "a-1 b-2");
  BOOST_TEST(ids(cond("User", "GT", "\"mindy021\"")) == "d-4");
  BOOST_TEST(ids(cond("User", "LT", "\"MINDY021\"")) == "b-2");
}

BOOST_AUTO_TEST_CASE(string_ordering_is_not_numeric_or_cultural) {
  std::vector<task_record> tasks(1);
  tasks[0].id = "10";
  BOOST_TEST(ids(cond("Id", "LT", "\"9\""), tasks) == "10");
  // Upper-cased code units, as .NET's OrdinalIgnoreCase: 'A' (0x41) sorts before '_' (0x5F).
  tasks[0].id = "a";
  BOOST_TEST(ids(cond("Id", "LT", "\"_\""), tasks) == "a");
  // A prefix sorts first.
  tasks[0].id = "abc";
  BOOST_TEST(ids(cond("Id", "GT", "\"ab\""), tasks) == "abc");
  BOOST_TEST(ids(cond("Id", "GT", "\"\""), tasks) == "abc");
}

BOOST_AUTO_TEST_CASE(non_ascii_text_orders_by_code_point) {
  // "Zoë" vs "Zoe": ë (U+00EB) sorts after every ASCII letter.
  BOOST_TEST(ids(cond("User", "GT", "\"Zoz\"")) == "d-4");
  BOOST_TEST(ids(cond("User", "EQ", "\"ZO\u00EB\"")) == "d-4");
  BOOST_TEST(ids(cond("User", "EQ", "\"ZO\u00CB\"")) == ""); // non-ASCII case is not folded
}

BOOST_AUTO_TEST_CASE(like_finds_the_pattern_anywhere_as_pode_does) {
  BOOST_TEST(ids(cond("AsyncRouteId", "LIKE", "\"process\"")) == "a-1 c-3");
  BOOST_TEST(ids(cond("AsyncRouteId", "LIKE", "\"/sse\"")) == "d-4");
  BOOST_TEST(ids(cond("Url", "LIKE", "\"report\"")) == "b-2");
}

BOOST_AUTO_TEST_CASE(like_ignores_case) {
  BOOST_TEST(ids(cond("AsyncRouteId", "LIKE", "\"PROCESS-DATA\"")) == "a-1 c-3");
  BOOST_TEST(ids(cond("Error", "LIKE", "\"BOOM\"")) == "c-3");
}

BOOST_AUTO_TEST_CASE(like_star_matches_any_run) {
  BOOST_TEST(ids(cond("AsyncRouteId", "LIKE", "\"[POST]*data\"")) == "a-1 c-3");
  BOOST_TEST(ids(cond("AsyncRouteId", "LIKE", "\"[GET]*r*t\"")) == "b-2");
  BOOST_TEST(ids(cond("AsyncRouteId", "LIKE", "\"[GET]/*\"")) == "b-2 d-4");
  BOOST_TEST(ids(cond("Error", "LIKE", "\"boom*full\"")) == "c-3");
  BOOST_TEST(ids(cond("Error", "LIKE", "\"full*boom\"")) == "");
}

BOOST_AUTO_TEST_CASE(like_question_mark_matches_one_character) {
  BOOST_TEST(ids(cond("Id", "LIKE", "\"?-?\"")) == "a-1 b-2 c-3 d-4");
  BOOST_TEST(ids(cond("Url", "LIKE", "\"/s?e\"")) == "d-4");
  BOOST_TEST(ids(cond("Url", "LIKE", "\"/s??e\"")) == "");
  BOOST_TEST(ids(cond("Id", "LIKE", "\"???\"")) == "a-1 b-2 c-3 d-4");
  BOOST_TEST(ids(cond("Id", "LIKE", "\"????\"")) == "");
}

BOOST_AUTO_TEST_CASE(like_question_mark_takes_a_whole_non_ascii_character) {
  BOOST_TEST(ids(cond("User", "LIKE", "\"Zo?\"")) == "d-4");
  BOOST_TEST(ids(cond("User", "LIKE", "\"Zo??\"")) == "");
  BOOST_TEST(ids(cond("User", "LIKE", "\"zO\u00EB\"")) == "d-4");
}

BOOST_AUTO_TEST_CASE(like_brackets_and_other_characters_are_literal) {
  BOOST_TEST(ids(cond("AsyncRouteId", "LIKE", "\"[GET]\"")) == "b-2 d-4");
  BOOST_TEST(ids(cond("AsyncRouteId", "LIKE", "\"[PG]\"")) == "");
  BOOST_TEST(ids(cond("Error", "LIKE", "\"boom: \"")) == "c-3");
  BOOST_TEST(ids(cond("Error", "LIKE", "\".*\"")) == "");
  BOOST_TEST(ids(cond("Error", "LIKE", "\"boom\\\\\"")) == "");
}

BOOST_AUTO_TEST_CASE(like_with_an_empty_or_star_pattern_matches_every_present_value) {
  BOOST_TEST(ids(cond("User", "LIKE", "\"\"")) == "a-1 b-2 d-4");
  BOOST_TEST(ids(cond("User", "LIKE", "\"***\"")) == "a-1 b-2 d-4");
  BOOST_TEST(ids(cond("User", "NOTLIKE", "\"*\"")) == "c-3");
}

BOOST_AUTO_TEST_CASE(notlike_is_the_complement_of_like) {
  BOOST_TEST(ids(cond("AsyncRouteId", "NOTLIKE", "\"process\"")) == "b-2 d-4");
  BOOST_TEST(ids(cond("Id", "NOTLIKE", "\"?-?\"")) == "");
  BOOST_TEST(ids(cond("Url", "NOTLIKE", "\"/S*E\"")) == "a-1 b-2 c-3");
}

BOOST_AUTO_TEST_CASE(a_missing_string_matches_only_ne_and_notlike) {
  // c-3 has no User; a-1, b-2 and d-4 have no Error.
  BOOST_TEST(ids(cond("User", "NE", "\"anyone\"")) == "a-1 b-2 c-3 d-4");
  BOOST_TEST(ids(cond("User", "NOTLIKE", "\"mindy\"")) == "b-2 c-3 d-4");
  BOOST_TEST(ids(cond("Error", "EQ", "\"boom: disk full\"")) == "c-3");
  BOOST_TEST(ids(cond("Error", "NE", "\"boom: disk full\"")) == "a-1 b-2 d-4");
  for (std::string_view op : {"GT", "LT", "GE", "LE"})
    BOOST_TEST(ids(cond("Error", op, "\"\"")) == (op == "GT" || op == "GE" ? "c-3" : ""), op);
  BOOST_TEST(ids(cond("Error", "LIKE", "\"\"")) == "c-3");
}

BOOST_AUTO_TEST_CASE(like_takes_linear_time_on_adversarial_patterns) {
  std::vector<task_record> tasks(1);
  tasks[0].id = "x";
  tasks[0].error = std::string(20000, 'a');
  std::string pattern;
  for (int i = 0; i < 30; ++i)
    pattern += "a*";
  pattern += "b";
  auto start = std::chrono::steady_clock::now();
  BOOST_TEST(ids(cond("Error", "LIKE", "\"" + pattern + "\""), tasks) == "");
  BOOST_TEST(ids(cond("Error", "LIKE", "\"*?*?*?*?*?*?*?*?*?*?*?*?b\""), tasks) == "");
  BOOST_TEST(ids(cond("Error", "LIKE", "\"" + std::string(3000, '?') + "\""), tasks) == "x");
  BOOST_TEST(ids(cond("Error", "LIKE", "\"" + std::string(30000, '?') + "\""), tasks) == "");
  auto elapsed = std::chrono::steady_clock::now() - start;
  BOOST_TEST(elapsed < 2s);
}

BOOST_AUTO_TEST_CASE(like_is_linear_on_the_shape_of_a_stalled_registry) {
  // The shape that once held the registry for seconds: a long field of one letter and a long
  // pattern of it that almost matches everywhere (quadratic for a backtracking matcher).
  const std::string field(15000, 'a');
  const std::string near = std::string(7000, 'a') + "b";
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    BOOST_TEST(!like_matcher{near}.matches(field));
    BOOST_TEST(!like_matcher{std::string(7000, 'A') + "?b"}.matches(field));
    BOOST_TEST(!like_matcher{"a*" + std::string(3000, 'a') + "*" + near}.matches(field));
    BOOST_TEST(like_matcher{std::string(7000, 'a')}.matches(field));
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  // About 80 matches over 15,000 characters: milliseconds when linear, minutes when not.
  BOOST_TEST(elapsed < 2s, std::chrono::duration<double>(elapsed).count() << " s");
}

BOOST_AUTO_TEST_CASE(like_is_linear_with_many_segments_and_question_marks) {
  const std::string field(20000, 'a');
  std::string segments;
  for (int i = 0; i < 500; ++i)
    segments += "a?*";
  segments += "b";
  std::string wide;
  for (int i = 0; i < 500; ++i)
    wide += "a?";
  wide += "b";
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    BOOST_TEST(!like_matcher{segments}.matches(field));
    BOOST_TEST(!like_matcher{wide}.matches(field)); // one segment of 1001 characters
    BOOST_TEST(like_matcher{wide.substr(0, 1000)}.matches(field));
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  BOOST_TEST(elapsed < 2s, std::chrono::duration<double>(elapsed).count() << " s");
}

BOOST_AUTO_TEST_CASE(like_edge_cases) {
  // Empty pattern and stars only: anything, the empty text too.
  for (std::string_view p : {"", "*", "**", "***"}) {
    BOOST_TEST(like_matcher{p}.matches(""), p);
    BOOST_TEST(like_matcher{p}.matches("abc"), p);
  }
  // `?` takes exactly one character, also at either end.
  BOOST_TEST(!like_matcher{"?"}.matches(""));
  BOOST_TEST(like_matcher{"?"}.matches("x"));
  BOOST_TEST(like_matcher{"?b"}.matches("ab"));
  BOOST_TEST(!like_matcher{"?b"}.matches("b"));
  BOOST_TEST(like_matcher{"b?"}.matches("abc"));
  BOOST_TEST(!like_matcher{"b?"}.matches("ab"));
  BOOST_TEST(like_matcher{"?b?"}.matches("abc"));
  BOOST_TEST(!like_matcher{"?b?"}.matches("bc"));
  // Consecutive stars are one; order of segments matters; segments may not overlap.
  BOOST_TEST(like_matcher{"a***c"}.matches("abc"));
  BOOST_TEST(!like_matcher{"c**a"}.matches("abc"));
  BOOST_TEST(!like_matcher{"aba*aba"}.matches("ababa"));
  BOOST_TEST(like_matcher{"aba*aba"}.matches("abaaba"));
  BOOST_TEST(like_matcher{"ab*?a"}.matches("abxa"));
  BOOST_TEST(!like_matcher{"ab*?a"}.matches("aba"));
  // ASCII case is folded on both sides, other letters are not.
  BOOST_TEST(like_matcher{"HeLLo"}.matches("say hello!"));
  BOOST_TEST(like_matcher{"hello"}.matches("SAY HELLO!"));
  BOOST_TEST(like_matcher{"zo\xC3\xAB"}.matches("ZO\xC3\xAB"));
  BOOST_TEST(!like_matcher{"zo\xC3\xAB"}.matches("ZO\xC3\x8B")); // Ë is not ë
  // `?` takes a whole code point; a stray byte is one unit matching itself or `?`.
  BOOST_TEST(like_matcher{"o?!"}.matches("Zo\xC3\xAB!"));
  BOOST_TEST(!like_matcher{"o?"
                           "?!"}
                  .matches("Zo\xC3\xAB!"));
  BOOST_TEST(like_matcher{"a?b"}.matches("a\xFF"
                                         "b"));
  BOOST_TEST(like_matcher{"a\xFF"}.matches("xa\xFF"));
  BOOST_TEST(!like_matcher{"a\xFE"}.matches("xa\xFF"));
  // A question mark or star in the text is just a character.
  BOOST_TEST(like_matcher{"what?"}.matches("what?"));
  BOOST_TEST(!like_matcher{"a?c"}.matches("a?"));
  // Segments with `?` longer than a machine word.
  std::string long_text(150, 'x');
  long_text[70] = 'y';
  BOOST_TEST(like_matcher{std::string(70, '?') + "y" + std::string(79, '?')}.matches(long_text));
  BOOST_TEST(!like_matcher{std::string(70, '?') + "y" + std::string(80, '?')}.matches(long_text));
  BOOST_TEST(like_matcher{"x" + std::string(68, '?') + "xy"}.matches(long_text));
  BOOST_TEST(!like_matcher{"y" + std::string(68, '?') + "y"}.matches(long_text));
}

namespace {

/// The matcher the node used before (greedy with one backtrack point, O(n * m)): correct,
/// kept here as the reference the linear one is checked against.
bool reference_like(std::u32string_view s, std::u32string_view p) {
  std::size_t i = 0;
  std::size_t j = 0;
  std::size_t star = std::u32string_view::npos;
  std::size_t mark = 0;
  while (i < s.size()) {
    if (j < p.size() && p[j] != U'*' && (p[j] == U'?' || p[j] == s[i])) {
      ++i;
      ++j;
    } else if (j < p.size() && p[j] == U'*') {
      star = j++;
      mark = i;
    } else if (star != std::u32string_view::npos) {
      j = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (j < p.size() && p[j] == U'*')
    ++j;
  return j == p.size();
}

/// ASCII-only version of the node's folding, for the reference.
std::u32string folded(std::string_view s) {
  std::u32string out;
  for (char c : s)
    out += static_cast<char32_t>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
  return out;
}

} // namespace

BOOST_AUTO_TEST_CASE(like_agrees_with_the_reference_matcher_on_random_inputs) {
  std::mt19937 rng{12345};
  const std::string text_alphabet = "abAB?*";
  const std::string pattern_alphabet = "abAB?**";
  auto pick = [&](const std::string& alphabet, std::size_t max_len) {
    std::string out(std::uniform_int_distribution<std::size_t>{0, max_len}(rng), ' ');
    for (auto& c : out)
      c = alphabet[std::uniform_int_distribution<std::size_t>{0, alphabet.size() - 1}(rng)];
    return out;
  };
  int disagreements = 0;
  for (int round = 0; round < 20000 && disagreements < 5; ++round) {
    auto text = pick(text_alphabet, round % 3 == 0 ? 90 : 12);
    auto pattern = pick(pattern_alphabet, round % 3 == 0 ? 80 : 6);
    bool expected = reference_like(folded(text), U"*" + folded(pattern) + U"*");
    if (like_matcher{pattern}.matches(text) != expected) {
      ++disagreements;
      BOOST_ERROR("'" << pattern << "' on '" << text << "': expected " << expected);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_value_longer_than_the_bound_is_refused_naming_the_field) {
  auto parse_with = [](std::string_view filter, std::size_t bound) {
    return task_query::parse(json::parse(filter), bound);
  };
  auto long_value = "\"" + std::string(1025, 'a') + "\"";
  for (std::string_view op : {"LIKE", "NOTLIKE", "EQ", "GT"}) {
    auto parsed = parse_with(cond("Url", op, long_value), 1024);
    auto* e = std::get_if<query_error>(&parsed);
    BOOST_REQUIRE(e != nullptr);
    BOOST_TEST(contains(e->message, "Url:"), e->message);
    BOOST_TEST(contains(e->message, "1025 bytes"), e->message);
    BOOST_TEST(contains(e->message, "at most 1024"), e->message);
  }
  auto state = parse_with(cond("State", "EQ", long_value), 1024);
  BOOST_TEST(contains(std::get<query_error>(state).message, "State:"));
  // At the bound, accepted; the bound counts bytes, not characters.
  auto at_bound = "\"" + std::string(1024, 'a') + "\"";
  BOOST_TEST(std::holds_alternative<task_query>(parse_with(cond("Url", "LIKE", at_bound), 1024)));
  BOOST_TEST(
      std::holds_alternative<query_error>(parse_with(cond("User", "EQ", "\"\u00EB\u00EB\""), 3)));
  // The C++ default is no bound (the node passes `tasks.query_max_value_bytes`).
  BOOST_TEST(ids(cond("Url", "LIKE", "\"" + std::string(5000, '*') + "sse\"")) == "d-4");
}

BOOST_AUTO_TEST_CASE(more_conditions_than_fields_are_refused) {
  // Thirteen fields; a field may come twice under two spellings, but not the count past 13.
  std::string many = "{";
  const char* spellings[] = {"url", "Url", "URL", "uRL", "UrL", "urL",    "URl",
                             "uRl", "Id",  "id",  "ID",  "iD",  "Method", "method"};
  for (std::size_t i = 0; i < 14; ++i)
    many += std::string{i == 0 ? "" : ","} + "\"" + spellings[i] +
            "\":{\"op\":\"LIKE\",\"value\":\"a\"}";
  many += "}";
  auto e = error_of(many);
  BOOST_TEST(contains(e, "14 conditions"), e);
  BOOST_TEST(contains(e, "at most 13"), e);
  // Thirteen are fine.
  auto thirteen = many.substr(0, many.rfind(",\"method\"")) + "}";
  BOOST_TEST(ids(thirteen) == "");
}

BOOST_AUTO_TEST_CASE(a_string_field_needs_a_string_value) {
  for (std::string_view field : {"Id", "AsyncRouteId", "Error", "User", "Method", "Url"}) {
    for (std::string_view value : {"1", "1.5", "true", "null", "[]", "{}", "[\"a\"]"}) {
      auto e = error_of(cond(field, "EQ", value));
      BOOST_TEST(contains(e, std::string{field} + ":"), e);
      BOOST_TEST(contains(e, "must be a string"), e);
    }
    BOOST_TEST(contains(error_of(cond(field, "LIKE", "7")), "must be a string"));
  }
}

// -- State ------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(state_eq_compares_by_name_whatever_the_case) {
  BOOST_TEST(ids(cond("State", "EQ", "\"Running\"")) == "a-1");
  BOOST_TEST(ids(cond("State", "EQ", "\"completed\"")) == "b-2");
  BOOST_TEST(ids(cond("State", "EQ", "\"FAILED\"")) == "c-3");
  BOOST_TEST(ids(cond("State", "EQ", "\"NotStarted\"")) == "d-4");
  BOOST_TEST(ids(cond("State", "EQ", "\"Aborted\"")) == "");
}

BOOST_AUTO_TEST_CASE(state_ne_excludes_that_state) {
  BOOST_TEST(ids(cond("State", "NE", "\"Completed\"")) == "a-1 c-3 d-4");
  BOOST_TEST(ids(cond("State", "NE", "\"aborted\"")) == "a-1 b-2 c-3 d-4");
}

BOOST_AUTO_TEST_CASE(state_like_matches_the_name) {
  BOOST_TEST(ids(cond("State", "LIKE", "\"run\"")) == "a-1");
  BOOST_TEST(ids(cond("State", "LIKE", "\"*ed\"")) == "b-2 c-3 d-4");
  BOOST_TEST(ids(cond("State", "LIKE", "\"not*\"")) == "d-4");
  BOOST_TEST(ids(cond("State", "LIKE", "\"Runing\"")) == "");
}

BOOST_AUTO_TEST_CASE(state_notlike_excludes_matching_names) {
  BOOST_TEST(ids(cond("State", "NOTLIKE", "\"start\"")) == "a-1 b-2 c-3");
  BOOST_TEST(ids(cond("State", "NOTLIKE", "\"ed\"")) == "a-1");
}

BOOST_AUTO_TEST_CASE(state_eq_and_ne_need_a_real_state_name) {
  for (std::string_view op : {"EQ", "NE"}) {
    auto e = error_of(cond("State", op, "\"Done\""));
    BOOST_TEST(contains(e, "State:"), e);
    BOOST_TEST(contains(e, "'Done' is not a state"), e);
    BOOST_TEST(contains(e, "NotStarted"), e);
    BOOST_TEST(contains(error_of(cond("State", op, "\"\"")), "is not a state"));
    BOOST_TEST(contains(error_of(cond("State", op, "\"Running*\"")), "is not a state"));
  }
}

BOOST_AUTO_TEST_CASE(state_refuses_ordering_ops) {
  for (std::string_view op : {"GT", "LT", "GE", "LE"}) {
    auto e = error_of(cond("State", op, "\"Running\""));
    BOOST_TEST(contains(e, "State:"), e);
    BOOST_TEST(contains(e, std::string{op} + " does not apply"), e);
  }
}

BOOST_AUTO_TEST_CASE(state_needs_a_string_value) {
  for (std::string_view value : {"1", "true", "null", "[\"Running\"]"}) {
    BOOST_TEST(contains(error_of(cond("State", "EQ", value)), "must be a string"));
    BOOST_TEST(contains(error_of(cond("State", "LIKE", value)), "must be a string"));
  }
}

// -- Cancellable ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(cancellable_eq_and_ne_compare_booleans) {
  BOOST_TEST(ids(cond("Cancellable", "EQ", "true")) == "a-1 c-3 d-4");
  BOOST_TEST(ids(cond("Cancellable", "EQ", "false")) == "b-2");
  BOOST_TEST(ids(cond("Cancellable", "NE", "true")) == "b-2");
  BOOST_TEST(ids(cond("Cancellable", "NE", "false")) == "a-1 c-3 d-4");
}

BOOST_AUTO_TEST_CASE(cancellable_refuses_every_other_op) {
  for (std::string_view op : {"GT", "LT", "GE", "LE", "LIKE", "NOTLIKE"}) {
    auto e = error_of(cond("Cancellable", op, "true"));
    BOOST_TEST(contains(e, "Cancellable:"), e);
    BOOST_TEST(contains(e, std::string{op} + " does not apply"), e);
  }
}

BOOST_AUTO_TEST_CASE(cancellable_needs_a_boolean_value) {
  for (std::string_view value : {"\"true\"", "\"false\"", "1", "0", "null", "[true]"}) {
    auto e = error_of(cond("Cancellable", "EQ", value));
    BOOST_TEST(contains(e, "Cancellable:"), e);
    BOOST_TEST(contains(e, "true or false"), e);
  }
}

// -- Progress ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(progress_compares_as_exported_with_two_decimals) {
  // a-1 is at 33.333..., shown as 33.33.
  BOOST_TEST(ids(cond("Progress", "EQ", "33.33")) == "a-1");
  BOOST_TEST(ids(cond("Progress", "EQ", "33.333333")) == "");
  BOOST_TEST(ids(cond("Progress", "LE", "33.33")) == "a-1");
  BOOST_TEST(ids(cond("Progress", "GT", "33.33")) == "b-2");
}

BOOST_AUTO_TEST_CASE(progress_supports_every_ordering_op) {
  BOOST_TEST(ids(cond("Progress", "GT", "50")) == "b-2");
  BOOST_TEST(ids(cond("Progress", "LT", "50")) == "a-1");
  BOOST_TEST(ids(cond("Progress", "GE", "100")) == "b-2");
  BOOST_TEST(ids(cond("Progress", "LE", "100")) == "a-1 b-2");
  BOOST_TEST(ids(cond("Progress", "GT", "100")) == "");
  BOOST_TEST(ids(cond("Progress", "LT", "0")) == "");
  BOOST_TEST(ids(cond("Progress", "GE", "-1")) == "a-1 b-2");
}

BOOST_AUTO_TEST_CASE(progress_eq_accepts_integers_and_decimals) {
  BOOST_TEST(ids(cond("Progress", "EQ", "100")) == "b-2");
  BOOST_TEST(ids(cond("Progress", "EQ", "100.0")) == "b-2");
  BOOST_TEST(ids(cond("Progress", "EQ", "1e2")) == "b-2");
  BOOST_TEST(ids(cond("Progress", "LT", "18446744073709551615")) == "a-1 b-2");
  BOOST_TEST(ids(cond("Progress", "GT", "-9223372036854775808")) == "a-1 b-2");
}

BOOST_AUTO_TEST_CASE(a_task_without_progress_matches_only_ne) {
  BOOST_TEST(ids(cond("Progress", "NE", "100")) == "a-1 c-3 d-4");
  BOOST_TEST(ids(cond("Progress", "NE", "0")) == "a-1 b-2 c-3 d-4");
  BOOST_TEST(ids(cond("Progress", "EQ", "0")) == "");
  BOOST_TEST(ids(cond("Progress", "LT", "1000")) == "a-1 b-2");
}

BOOST_AUTO_TEST_CASE(progress_needs_a_number_value) {
  for (std::string_view value : {"\"50\"", "true", "null", "[50]", "{}"}) {
    auto e = error_of(cond("Progress", "GT", value));
    BOOST_TEST(contains(e, "Progress:"), e);
    BOOST_TEST(contains(e, "must be a number"), e);
  }
}

BOOST_AUTO_TEST_CASE(progress_refuses_like) {
  for (std::string_view op : {"LIKE", "NOTLIKE"}) {
    auto e = error_of(cond("Progress", op, "50"));
    BOOST_TEST(contains(e, "Progress:"), e);
    BOOST_TEST(contains(e, std::string{op} + " does not apply"), e);
  }
}

// -- times ------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(times_compare_as_times) {
  BOOST_TEST(ids(cond("CreationTime", "GT", "\"2024-09-26T00:00:00Z\"")) == "a-1 b-2 d-4");
  BOOST_TEST(ids(cond("CreationTime", "LT", "\"2024-09-26T15:00:00Z\"")) == "a-1 c-3");
  BOOST_TEST(ids(cond("CreationTime", "GE", "\"2024-09-26T15:00:00Z\"")) == "b-2 d-4");
  BOOST_TEST(ids(cond("CreationTime", "LE", "\"2024-09-26T15:00:00Z\"")) == "a-1 b-2 c-3");
  BOOST_TEST(ids(cond("CreationTime", "EQ", "\"2024-09-26T15:00:00Z\"")) == "b-2");
  BOOST_TEST(ids(cond("CreationTime", "NE", "\"2024-09-26T15:00:00Z\"")) == "a-1 c-3 d-4");
}

BOOST_AUTO_TEST_CASE(time_eq_matches_the_exported_text_exactly) {
  BOOST_TEST(ids(cond("CreationTime", "EQ", "\"2024-09-26T14:03:11.1234567Z\"")) == "a-1");
  BOOST_TEST(ids(cond("CreationTime", "EQ", "\"2024-09-26T14:03:11.1234568Z\"")) == "");
  BOOST_TEST(ids(cond("CreationTime", "EQ", "\"2024-09-26T14:03:11Z\"")) == "");
  BOOST_TEST(ids(cond("CreationTime", "EQ", "\"2024-09-26T15:00:00.000Z\"")) == "b-2");
  BOOST_TEST(ids(cond("StartingTime", "EQ", "\"2024-09-25T10:00:00.5Z\"")) == "c-3");
}

BOOST_AUTO_TEST_CASE(time_eq_ignores_digits_the_export_does_not_show) {
  std::vector<task_record> tasks(1);
  tasks[0].id = "x";
  tasks[0].creation = at("2024-09-26T14:03:11.1234567Z") + 42ns;
  BOOST_TEST(ids(cond("CreationTime", "EQ", "\"2024-09-26T14:03:11.1234567Z\""), tasks) == "x");
  BOOST_TEST(ids(cond("CreationTime", "GT", "\"2024-09-26T14:03:11.1234567Z\""), tasks) == "");
}

BOOST_AUTO_TEST_CASE(a_missing_time_matches_only_ne) {
  // Pode's example: CompletedTime GT an old date leaves out the unfinished tasks.
  BOOST_TEST(ids(cond("CompletedTime", "GT", "\"2000-01-01T00:00:00Z\"")) == "b-2 c-3");
  BOOST_TEST(ids(cond("CompletedTime", "LT", "\"3000-01-01T00:00:00Z\"")) == "b-2 c-3");
  BOOST_TEST(ids(cond("CompletedTime", "NE", "\"2024-09-26T15:00:11Z\"")) == "a-1 c-3 d-4");
  BOOST_TEST(ids(cond("StartingTime", "GE", "\"1970-01-01T00:00:00Z\"")) == "a-1 b-2 c-3");
  BOOST_TEST(ids(cond("StartingTime", "NE", "\"1970-01-01T00:00:00Z\"")) == "a-1 b-2 c-3 d-4");
}

BOOST_AUTO_TEST_CASE(no_expiry_compares_as_podes_maximum_date) {
  BOOST_TEST(ids(cond("ExpireTime", "EQ", "\"9999-12-31T23:59:59.9999999Z\"")) == "b-2");
  BOOST_TEST(ids(cond("ExpireTime", "LT", "\"9999-12-31T23:59:59.9999999Z\"")) == "a-1 c-3 d-4");
  BOOST_TEST(ids(cond("ExpireTime", "GE", "\"2024-09-26T22:03:11.1234567Z\"")) == "a-1 b-2");
}

BOOST_AUTO_TEST_CASE(times_beyond_the_clocks_range_still_compare) {
  BOOST_TEST(ids(cond("ExpireTime", "GT", "\"3000-01-01T00:00:00Z\"")) == "b-2");
  BOOST_TEST(ids(cond("ExpireTime", "LT", "\"3000-01-01T00:00:00Z\"")) == "a-1 c-3 d-4");
  BOOST_TEST(ids(cond("ExpireTime", "EQ", "\"9999-12-31T23:59:59Z\"")) == "");
  BOOST_TEST(ids(cond("CreationTime", "GT", "\"0001-01-01T00:00:00Z\"")) == "a-1 b-2 c-3 d-4");
}

BOOST_AUTO_TEST_CASE(a_time_field_needs_a_time_value) {
  for (std::string_view field : {"CreationTime", "StartingTime", "CompletedTime", "ExpireTime"}) {
    for (std::string_view value : {"\"yesterday\"", "\"2024-09-26\"", "\"2024-09-26T14:03:11\"",
                                   "\"2024-09-26T14:03:11+02:00\"", "\"2024-02-30T00:00:00Z\"",
                                   "\"\"", "\"2024-09-26T14:03:11.12345678Z\""}) {
      auto e = error_of(cond(field, "GT", value));
      BOOST_TEST(contains(e, std::string{field} + ":"), e);
      BOOST_TEST(contains(e, "is not a time"), e);
    }
    for (std::string_view value : {"1727359391", "true", "null", "{}"}) {
      auto e = error_of(cond(field, "EQ", value));
      BOOST_TEST(contains(e, "must be a string"), e);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_time_field_refuses_like) {
  for (std::string_view op : {"LIKE", "NOTLIKE"}) {
    auto e = error_of(cond("CreationTime", op, "\"2024*\""));
    BOOST_TEST(contains(e, "CreationTime:"), e);
    BOOST_TEST(contains(e, std::string{op} + " does not apply"), e);
  }
}

// -- Pode's own examples ----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(podes_documented_example_filter_works) {
  BOOST_TEST(ids(R"({"State":{"op":"EQ","value":"Completed"},)"
                 R"("CreationTime":{"op":"GT","value":"2024-07-05T20:20:00Z"},)"
                 R"("AsyncRouteId":{"op":"LIKE","value":"report"}})") == "b-2");
}

BOOST_AUTO_TEST_CASE(podes_route_id_ne_and_eq_filters_split_the_tasks) {
  BOOST_TEST(ids(cond("AsyncRouteId", "NE", "\"[GET]/sse\"")) == "a-1 b-2 c-3");
  BOOST_TEST(ids(cond("AsyncRouteId", "EQ", "\"[GET]/sse\"")) == "d-4");
}

BOOST_AUTO_TEST_CASE(every_field_is_queryable) {
  for (std::string_view field : {"Id", "AsyncRouteId", "Error", "User", "Method", "Url"})
    BOOST_TEST(ids(cond(field, "LIKE", "\"\"")) != "", field);
  BOOST_TEST(ids(cond("State", "LIKE", "\"\"")) == "a-1 b-2 c-3 d-4");
  BOOST_TEST(ids(cond("Cancellable", "NE", "true")) == "b-2");
  BOOST_TEST(ids(cond("Progress", "GE", "0")) == "a-1 b-2");
  for (std::string_view field : {"CreationTime", "StartingTime", "CompletedTime", "ExpireTime"})
    BOOST_TEST(ids(cond(field, "GT", "\"1970-01-01T00:00:00Z\"")) != "", field);
}

BOOST_AUTO_TEST_SUITE_END()
