#include "app/command_protocol.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

namespace json = boost::json;
using herald::app::command_directive;
using herald::app::command_protocol;
using herald::app::line_splitter;
using herald::app::parse_directive;
namespace directive = herald::app::directive;

namespace {

std::vector<std::string> split(const std::vector<std::string>& chunks, std::size_t max_line,
                               int* oversized = nullptr) {
  line_splitter s{max_line};
  std::vector<std::string> lines;
  auto on_line = [&](std::string_view l) {
    lines.emplace_back(l);
  };
  auto on_over = [&] {
    lines.emplace_back("<oversized>");
    if (oversized)
      ++*oversized;
  };
  for (const auto& c : chunks)
    s.feed(c, on_line, on_over);
  s.finish(on_line, on_over);
  return lines;
}

/// Directives accepted, in order, as text; everything else left to the protocol.
struct recorder {
  std::vector<std::string> seen;
  bool accept = true;
  command_protocol::directive_sink sink() {
    return [this](const command_directive& d) {
      if (auto* p = std::get_if<directive::progress>(&d))
        seen.push_back("progress " + std::to_string(p->value));
      else if (auto* r = std::get_if<directive::progress_range>(&d))
        seen.push_back("range " + std::to_string(r->start) + " " + std::to_string(r->end) + " " +
                       std::to_string(r->steps));
      else if (std::holds_alternative<directive::tick>(d))
        seen.push_back("tick");
      else if (auto* o = std::get_if<directive::progress_over>(&d))
        seen.push_back("over " + std::to_string(o->seconds) + " " + std::to_string(o->interval));
      else if (auto* e = std::get_if<directive::event>(&d))
        seen.push_back("event " + e->type + " " + json::serialize(e->data));
      return accept;
    };
  }
};

/// The result of a whole stdout fed in one piece.
command_protocol::outcome run(std::string_view out, std::size_t max = 1024 * 1024) {
  command_protocol p{max};
  recorder r;
  p.feed_stdout(out, r.sink());
  p.end_stdout(r.sink());
  return p.result();
}

std::string result_text(std::string_view out) {
  auto o = run(out);
  BOOST_REQUIRE_MESSAGE(o.result.has_value(), "failed: " + o.error);
  return json::serialize(*o.result);
}

} // namespace

BOOST_AUTO_TEST_SUITE(command_protocol_test)

// -- lines ------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(lines_split_across_reads_are_joined) {
  auto lines = split({"ab", "c\nde", "f\n", "\n", "g"}, 100);
  BOOST_TEST(lines == (std::vector<std::string>{"abc", "def", "", "g"}));
}

BOOST_AUTO_TEST_CASE(a_cr_before_lf_is_dropped_even_when_the_lf_comes_in_the_next_read) {
  auto lines = split({"one\r", "\ntwo\r\nthree\rx\n"}, 100);
  BOOST_TEST(lines == (std::vector<std::string>{"one", "two", "three\rx"}));
}

BOOST_AUTO_TEST_CASE(nul_bytes_stay_in_their_line) {
  std::string chunk{"a\0b\n\0\n", 6};
  auto lines = split({chunk}, 100);
  BOOST_REQUIRE(lines.size() == 2u);
  BOOST_TEST(lines[0] == std::string("a\0b", 3));
  BOOST_TEST(lines[1] == std::string("\0", 1));
}

BOOST_AUTO_TEST_CASE(a_line_past_the_bound_is_reported_once_and_the_next_line_is_whole) {
  int over = 0;
  auto lines = split({"12345", "6789", "0\nok\n", "abcdefghijk"}, 8, &over);
  BOOST_TEST(lines == (std::vector<std::string>{"<oversized>", "ok", "<oversized>"}));
  BOOST_TEST(over == 2);
}

BOOST_AUTO_TEST_CASE(a_line_exactly_at_the_bound_is_kept_with_or_without_cr) {
  auto lines = split({"12345678\n", "12345678\r\n", "12345678"}, 8);
  BOOST_TEST(lines == (std::vector<std::string>{"12345678", "12345678", "12345678"}));
}

// -- directives -------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(each_directive_parses_with_its_arguments) {
  auto p = parse_directive("::progress 42.5");
  BOOST_REQUIRE(p.has_value());
  BOOST_TEST(std::get<directive::progress>(*p).value == 42.5);
  auto r = parse_directive("::progress-range 0 100 5");
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(std::get<directive::progress_range>(*r).end == 100);
  BOOST_TEST(std::get<directive::progress_range>(*r).steps == 5);
  auto r2 = parse_directive("::progress-range\t10  20");
  BOOST_REQUIRE(r2.has_value());
  BOOST_TEST(std::get<directive::progress_range>(*r2).steps == 1);
  BOOST_TEST(parse_directive("::tick").has_value());
  BOOST_TEST(parse_directive("::tick  ").has_value());
  auto o = parse_directive("::progress-over 30");
  BOOST_REQUIRE(o.has_value());
  BOOST_TEST(std::get<directive::progress_over>(*o).seconds == 30);
  BOOST_TEST(std::get<directive::progress_over>(*o).interval == 1);
  auto o2 = parse_directive("::progress-over 0.5");
  BOOST_REQUIRE(o2.has_value());
  BOOST_TEST(std::get<directive::progress_over>(*o2).interval == 0.5);
}

BOOST_AUTO_TEST_CASE(malformed_or_unknown_directives_are_not_directives) {
  for (const char* line : {"::progress abc",
                           "::progress",
                           "::progress 1 2",
                           "::progress nan",
                           "::progress inf",
                           "::progress 1e999",
                           "::progress-range 1",
                           "::progress-range 0 10 0",
                           "::progress-range a b",
                           "::tick 3",
                           "::ticks",
                           "::progress-over 0",
                           "::progress-over 5 10",
                           "::progress-over -1",
                           "::event",
                           "::event   ",
                           "::event pode.taskCompleted {}",
                           "::unknown",
                           "::",
                           "progress 5",
                           " ::progress 5",
                           "::progress42"})
    BOOST_TEST(!parse_directive(line).has_value(), line);
}

BOOST_AUTO_TEST_CASE(event_data_is_json_when_it_parses_and_text_otherwise) {
  auto e = std::get<directive::event>(*parse_directive(R"(::event stage {"step": 2})"));
  BOOST_TEST(e.type == "stage");
  BOOST_TEST(json::serialize(e.data) == R"({"step":2})");
  auto t = std::get<directive::event>(*parse_directive("::event log hello world  "));
  BOOST_TEST(t.data.as_string() == "hello world");
  auto n = std::get<directive::event>(*parse_directive("::event ping"));
  BOOST_TEST(n.data.is_null());
  auto bad = std::get<directive::event>(*parse_directive("::event log \xff\xfe"));
  BOOST_TEST(bad.data.as_string() == "\xEF\xBF\xBD\xEF\xBF\xBD");
}

BOOST_AUTO_TEST_CASE(an_event_type_with_control_characters_is_no_directive) {
  BOOST_TEST(!parse_directive(std::string{"::event a\x01"
                                          "b 1"})
                  .has_value());
  BOOST_TEST(!parse_directive(std::string("::event a\0b 1", 13)).has_value());
}

// -- the protocol -----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(directives_reach_the_sink_in_order_and_are_not_output) {
  command_protocol p{1024};
  recorder r;
  p.feed_stdout("::progress-range 0 100 10\n::ti", r.sink());
  p.feed_stdout("ck\nhello\n::event stage \"two\"\n::progress 50\n", r.sink());
  p.end_stdout(r.sink());
  BOOST_TEST(r.seen == (std::vector<std::string>{"range 0.000000 100.000000 10.000000", "tick",
                                                 R"(event stage "two")", "progress 50.000000"}),
             boost::test_tools::per_element());
  BOOST_TEST(json::serialize(*p.result().result) == R"("hello")");
}

BOOST_AUTO_TEST_CASE(a_directive_the_task_refuses_becomes_output) {
  command_protocol p{1024};
  recorder r;
  r.accept = false;
  p.feed_stdout("::progress-range 10 0\n", r.sink());
  p.end_stdout(r.sink());
  BOOST_TEST(json::serialize(*p.result().result) == R"("::progress-range 10 0")");
}

BOOST_AUTO_TEST_CASE(output_that_parses_as_json_is_the_result_as_json) {
  BOOST_TEST(result_text("{\"a\": 1,\n \"b\": [2, 3]}\n") == R"({"a":1,"b":[2,3]})");
  BOOST_TEST(result_text("::progress 5\n42\n") == "42");
}

BOOST_AUTO_TEST_CASE(output_that_does_not_parse_is_a_string_without_its_last_newline) {
  BOOST_TEST(result_text("hello\nworld\n") == R"("hello\nworld")");
  BOOST_TEST(result_text("no newline at the end") == R"("no newline at the end")");
  BOOST_TEST(result_text("windows\r\nlines\r\n") == R"("windows\nlines")");
}

BOOST_AUTO_TEST_CASE(no_output_is_null) {
  BOOST_TEST(result_text("") == "null");
  BOOST_TEST(result_text("::progress 10\n::tick\n") == "null");
}

BOOST_AUTO_TEST_CASE(the_last_result_directive_wins_over_the_output) {
  BOOST_TEST(result_text("noise\n::result {\"x\": 1}\nmore\n::result [1, 2]\n") == "[1,2]");
  BOOST_TEST(result_text("::result \"text\"") == R"("text")");
}

BOOST_AUTO_TEST_CASE(a_result_directive_that_is_not_json_fails_the_task) {
  auto o = run("::result {oops\n");
  BOOST_TEST(!o.result.has_value());
  BOOST_TEST(o.error.starts_with("::result is not JSON: "), o.error);
  BOOST_TEST(!run("::result\n").result.has_value());
}

BOOST_AUTO_TEST_CASE(invalid_utf8_and_nul_bytes_become_a_valid_json_string) {
  std::string out{"caf\xC3\xA9 \xff\xfe bad\0end\n", 17};
  auto o = run(out);
  BOOST_REQUIRE(o.result.has_value());
  BOOST_TEST(o.result->as_string() ==
             std::string("caf\xC3\xA9 \xEF\xBF\xBD\xEF\xBF\xBD bad\0end", 20));
}

BOOST_AUTO_TEST_CASE(output_past_the_bound_fails_with_the_bound_named) {
  auto o = run("0123456789\n0123456789\n", 15);
  BOOST_TEST(!o.result.has_value());
  BOOST_TEST(o.error == "output over max_output_bytes (15 bytes)");
  // Exactly at the bound: the LF between the lines counts, the last one does not.
  BOOST_TEST(run("0123456\n0123456\n", 15).result.has_value());
  BOOST_TEST(!run("0123456\n01234567\n", 15).result.has_value());
}

BOOST_AUTO_TEST_CASE(a_flood_is_counted_but_not_kept) {
  command_protocol p{1000};
  recorder r;
  std::string line(999, 'x');
  line += '\n';
  for (int i = 0; i < 1000; ++i)
    p.feed_stdout(line, r.sink());
  p.end_stdout(r.sink());
  BOOST_TEST(p.stdout_bytes() == 1'000'000u);
  BOOST_TEST(p.result().error == "output over max_output_bytes (1000 bytes)");
}

BOOST_AUTO_TEST_CASE(one_endless_line_fails_as_a_line_over_its_bound) {
  command_protocol p{10};
  recorder r;
  std::string chunk(10000, 'y');
  for (int i = 0; i < 100; ++i)
    p.feed_stdout(chunk, r.sink());
  p.end_stdout(r.sink());
  BOOST_TEST(p.result().error == "stdout line over " + std::to_string(p.line_limit()) + " bytes");
}

BOOST_AUTO_TEST_CASE(stderr_keeps_its_last_4_kib_from_a_line_start) {
  command_protocol p{100};
  for (int i = 0; i < 1000; ++i)
    p.feed_stderr("line " + std::to_string(i) + "\n");
  auto tail = p.stderr_tail();
  BOOST_TEST(tail.size() <= command_protocol::stderr_tail_bytes);
  BOOST_TEST(tail.starts_with("line "));
  BOOST_TEST(tail.ends_with("line 999"));
  command_protocol small{100};
  small.feed_stderr("  oops: \xff\n\n");
  BOOST_TEST(small.stderr_tail() == "oops: \xEF\xBF\xBD");
  command_protocol big{100};
  big.feed_stderr(std::string(10000, 'z'));
  BOOST_TEST(big.stderr_tail().size() == command_protocol::stderr_tail_bytes);
}

BOOST_AUTO_TEST_SUITE_END()
