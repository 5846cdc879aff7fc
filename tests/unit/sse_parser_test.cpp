// The event stream parser every client of ours reads with: the same events however the bytes
// are cut, every line end, the spec's corners, and its limit.

#include "net/sse_parser.hpp"

#include <boost/test/unit_test.hpp>
#include <optional>
#include <string>
#include <vector>

using herald::net::sse_parser;
using namespace std::string_view_literals;

namespace {

struct event {
  std::string type, data, last_id;
  bool operator==(const event&) const = default;
};

std::ostream& operator<<(std::ostream& os, const event& e) {
  return os << '{' << e.type << '|' << e.data << '|' << e.last_id << '}';
}

struct collected : herald::net::sse_handler {
  std::vector<event> events;
  std::vector<std::string> comments;
  std::vector<std::uint64_t> retries;

  void on_event(const herald::net::sse_message& e) override {
    events.push_back({std::string{e.type}, std::string{e.data}, std::string{e.last_id}});
  }
  void on_comment(std::string_view text) override { comments.emplace_back(text); }
  void on_retry(std::uint64_t ms) override { retries.push_back(ms); }
};

/// Feeds `stream` in pieces of `step` bytes to a fresh parser.
collected read(std::string_view stream, std::size_t step = 1000) {
  sse_parser p;
  collected out;
  for (std::size_t i = 0; i < stream.size(); i += step)
    BOOST_REQUIRE(p.feed(stream.substr(i, step), out));
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(sse_parser_test)

BOOST_AUTO_TEST_CASE(the_same_events_come_out_however_the_bytes_are_cut) {
  constexpr auto stream = "retry: 3000\n\n"
                          "event: pode.open\r\ndata: {\"group\":\"G\"}\r\n\r\n"
                          ": ping\n\n"
                          "id: 1.1\rdata: a\rdata:  b\r\r"
                          "event: pode.close\ndata:\n\n"
                          "event: partial\ndata: never ended\n"sv;
  const std::vector<event> expected{{"pode.open", "{\"group\":\"G\"}", ""},
                                    {"message", "a\n b", "1.1"},
                                    {"pode.close", "", "1.1"}};
  for (std::size_t step : {1u, 2u, 3u, 5u, 7u, 64u, 1000u}) {
    auto got = read(stream, step);
    BOOST_TEST(got.events == expected, "step " << step);
    BOOST_TEST(got.comments == std::vector<std::string>{" ping"});
    BOOST_TEST(got.retries == std::vector<std::uint64_t>{3000});
  }
}

BOOST_AUTO_TEST_CASE(crlf_split_between_two_pieces_is_one_line_end) {
  sse_parser p;
  collected out;
  BOOST_TEST(p.feed("data: a\r", out));
  BOOST_TEST(p.feed("\ndata: b\r", out));
  BOOST_TEST(p.feed("\n\r", out));
  BOOST_TEST(p.feed("\n", out));
  BOOST_REQUIRE(out.events.size() == 1u);
  BOOST_TEST(out.events[0].data == "a\nb");
  BOOST_TEST(!p.pending());
}

BOOST_AUTO_TEST_CASE(a_leading_byte_order_mark_is_dropped_once_even_when_split) {
  const std::vector<event> x{{"message", "x", ""}};
  BOOST_TEST(read("\xEF\xBB\xBF"
                  "data: x\n\n",
                  1)
                 .events == x);
  // A second mark is not at the start of the stream: it makes the field name unknown.
  BOOST_TEST(read("\xEF\xBB\xBF\xEF\xBB\xBF"
                  "data: x\n\n")
                 .events.empty());
  // Bytes that only begin like a mark are kept.
  BOOST_TEST(read("\xEF\xBB"
                  "data: x\n\n\xEF\xBB\xBF"
                  "data: y\n\n")
                 .events.empty());
  const std::vector<event> mark{{"message", "\xEF\xBB\xBF", ""}};
  BOOST_TEST(read("data: \xEF\xBB\xBF\n\n", 2).events == mark);
}

BOOST_AUTO_TEST_CASE(fields_follow_the_spec_on_what_herald_never_writes) {
  auto got = read(": comment\r\nretry: 12x\nretry: -5\nretry:\nretry: 1500\nid: a\0b\n"
                  "data:no space\r\rdata\n\nevent: only\n\nid: 7\n\ndata: x"sv);
  BOOST_TEST(got.comments == std::vector<std::string>{" comment"});
  BOOST_TEST(got.retries == std::vector<std::uint64_t>{1500});
  BOOST_REQUIRE(got.events.size() == 2u);
  BOOST_TEST(got.events[0] == (event{"message", "no space", ""})); // the id with NUL is ignored
  BOOST_TEST(got.events[1] == (event{"message", "", ""}));         // `data` without colon
}

BOOST_AUTO_TEST_CASE(an_id_only_block_moves_the_last_id_without_an_event) {
  sse_parser p;
  collected out;
  p.feed("id: 7\n\n", out);
  BOOST_TEST(out.events.empty());
  BOOST_TEST(p.last_id() == "7");
  p.feed("data: a\n\n", out);
  BOOST_REQUIRE(out.events.size() == 1u);
  BOOST_TEST(out.events[0].last_id == "7"); // the id stays until another replaces it
  p.feed("id\ndata: b\n\n", out);           // `id` without colon: an empty id
  BOOST_TEST(out.events[1].last_id == "");
}

BOOST_AUTO_TEST_CASE(unknown_fields_and_the_space_after_the_colon) {
  auto got = read("foo: bar\ndata:  two spaces\nevent:bench\n\n"
                  "data: a:b\n\n");
  BOOST_REQUIRE(got.events.size() == 2u);
  BOOST_TEST(got.events[0] == (event{"bench", " two spaces", ""}));
  BOOST_TEST(got.events[1].data == "a:b");
}

BOOST_AUTO_TEST_CASE(an_event_type_without_data_dispatches_nothing_and_does_not_linger) {
  auto got = read("event: lonely\n\ndata: x\n\n");
  const std::vector<event> x{{"message", "x", ""}};
  BOOST_TEST(got.events == x);
}

BOOST_AUTO_TEST_CASE(pending_tells_an_unfinished_event) {
  sse_parser p;
  collected out;
  BOOST_TEST(!p.pending());
  p.feed("da", out);
  BOOST_TEST(p.pending());
  p.feed("ta: x\n", out);
  BOOST_TEST(p.pending());
  p.feed("\n", out);
  BOOST_TEST(!p.pending());
  p.feed("event: e\n", out);
  BOOST_TEST(p.pending());
}

BOOST_AUTO_TEST_CASE(an_event_past_the_limit_is_refused) {
  sse_parser p{64};
  collected out;
  BOOST_TEST(p.feed("data: " + std::string(50, 'x') + "\n\n", out));
  BOOST_TEST(out.events.size() == 1u);
  BOOST_TEST(!p.feed("data: " + std::string(100, 'x'), out)); // one line, unfinished
  sse_parser q{64};
  BOOST_TEST(q.feed("data: " + std::string(40, 'x') + "\n", out));
  BOOST_TEST(!q.feed("data: " + std::string(40, 'x') + "\n", out)); // the data gathered counts
  BOOST_TEST(out.events.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
