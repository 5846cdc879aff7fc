// `heraldctl watch` without a terminal or a node: the SSE reader fed in pieces, the watch
// model fed a group stream and polled task objects, and the bytes of in-place redraws.

#include "tools/heraldctl/event_reader.hpp"
#include "tools/heraldctl/exit_code.hpp"
#include "tools/heraldctl/screen.hpp"
#include "tools/heraldctl/watch_model.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

using namespace herald::ctl;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

using clock_type = watch_model::clock;
const clock_type::time_point t0{};

/// Feeds a whole stream to a parser in pieces of `step` bytes.
std::vector<sse_event> read_in_pieces(std::string_view stream, std::size_t step) {
  event_reader p;
  std::vector<sse_event> all;
  for (std::size_t i = 0; i < stream.size(); i += step)
    for (auto& e : p.feed(stream.substr(i, step)))
      all.push_back(std::move(e));
  return all;
}

/// The lines of all rows.
std::vector<std::string> lines(const watch_model& m) {
  std::vector<std::string> out;
  for (const auto& r : m.rows())
    out.push_back(m.line(r));
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(heraldctl_watch_test)

BOOST_AUTO_TEST_CASE(the_sse_reader_gives_the_same_events_however_the_bytes_are_split) {
  const std::string stream = "retry: 3000\n\n"
                             "event: pode.open\r\ndata: {\"group\":\"G\"}\r\n\r\n"
                             ": ping\n\n"
                             "id: 1.1\rdata: a\rdata:  b\r\r"
                             "event: pode.close\ndata:\n\n"
                             "event: partial\ndata: never ended\n";
  for (std::size_t step : {1u, 2u, 3u, 7u, 1000u}) {
    auto events = read_in_pieces(stream, step);
    BOOST_TEST_REQUIRE(events.size() == 3u, "step " << step);
    BOOST_TEST(events[0].type == "pode.open");
    BOOST_TEST(events[0].data == "{\"group\":\"G\"}");
    BOOST_TEST(events[1].type == "message");
    BOOST_TEST(events[1].data == "a\n b");
    BOOST_TEST(events[2].type == "pode.close");
    BOOST_TEST(events[2].data == "");
  }
}

BOOST_AUTO_TEST_CASE(the_sse_reader_refuses_an_endless_event) {
  event_reader p{64};
  BOOST_CHECK_NO_THROW(p.feed("data: " + std::string(50, 'x') + "\n\n"));
  try {
    p.feed("data: " + std::string(100, 'x'));
    BOOST_FAIL("no error");
  } catch (const ctl_error& e) {
    BOOST_TEST((e.code() == exit_code::unexpected));
  }
}

BOOST_AUTO_TEST_CASE(a_group_stream_becomes_one_row_per_task) {
  watch_model m;
  BOOST_TEST(!m.apply_event("pode.open", R"({"clientId":"c","group":"DataProcess"})", t0));
  BOOST_TEST(m.apply_event("pode.progress", R"({"Id":"task-a","Progress":25})", t0));
  BOOST_TEST(m.apply_event("pode.progress", R"({"Id":"b","Progress":5})", t0));
  BOOST_TEST(m.apply_event("message", R"({"Id":"task-a","Data":"hello"})", t0));
  BOOST_TEST(m.apply_event("pode.progress", R"({"Id":"task-a","Progress":50})", t0));
  BOOST_TEST(!m.apply_event("pode.progress", R"({"Id":"task-a","Progress":50})", t0)); // no change
  BOOST_TEST(m.apply_event("stage", R"({"Id":"b","Data":{"n":1}})", t0));
  BOOST_TEST(!m.apply_event("headline", R"("hub news, no task")", t0));
  BOOST_TEST(!m.apply_event("headline", "not json", t0));
  BOOST_TEST(lines(m) ==
             (std::vector<std::string>{
                 "task-a  [##########----------]  50.00%  Running     message: hello",
                 "b       [#-------------------]   5.00%  Running     stage: {\"n\":1}"}));
  BOOST_TEST(m.events() == 9u);

  BOOST_TEST(m.apply_event("pode.progress", R"({"Id":"task-a","Progress":99.99})", t0));
  BOOST_TEST(m.apply_event("pode.taskCompleted",
                           R"({"Id":"task-a","State":"Completed","Result":{"ok":true}})", t0));
  BOOST_TEST(m.apply_event("pode.taskCompleted",
                           R"({"Id":"b","State":"Failed","Error":"disk full"})", t0));
  BOOST_TEST(lines(m) ==
             (std::vector<std::string>{
                 "task-a  [####################] 100.00%  Completed   result: {\"ok\":true}",
                 "b       [#-------------------]   5.00%  Failed      disk full"}));
  // A finished task stays as it ended: late events do not move it.
  BOOST_TEST(!m.apply_event("pode.progress", R"({"Id":"b","Progress":60})", t0));
}

BOOST_AUTO_TEST_CASE(finished_rows_linger_then_go_and_do_not_come_back) {
  watch_model m{10s};
  m.apply_event("pode.progress", R"({"Id":"a","Progress":10})", t0);
  m.apply_event("pode.taskCompleted",
                R"({"Id":"a","State":"Aborted","Error":"Aborted by the user"})", t0 + 1s);
  m.apply_event("pode.progress", R"({"Id":"b","Progress":10})", t0);
  BOOST_TEST(!m.expire(t0 + 10s));
  BOOST_TEST(m.rows().size() == 2u);
  BOOST_TEST(m.expire(t0 + 11s));
  BOOST_REQUIRE(m.rows().size() == 1u);
  BOOST_TEST(m.rows()[0].id == "b");
  BOOST_TEST(!m.apply_event("pode.taskCompleted", R"({"Id":"a","State":"Aborted"})", t0 + 12s));
  BOOST_TEST(!m.apply_task(json::parse(R"({"Id":"a","State":"Aborted"})"), t0 + 12s));
  BOOST_TEST(m.rows().size() == 1u);
}

BOOST_AUTO_TEST_CASE(polled_tasks_update_rows_and_old_news_is_skipped) {
  watch_model m;
  auto task = [](std::string_view text) {
    return json::parse(text);
  };
  // The first poll: what already ended is not shown.
  BOOST_TEST(!m.apply_task(task(R"({"Id":"old","State":"Completed","Progress":100})"), t0, false));
  BOOST_TEST(m.apply_task(task(R"({"Id":"q","State":"NotStarted","QueuePosition":1})"), t0, false));
  BOOST_TEST(m.apply_task(task(R"({"Id":"r","State":"Running","Progress":40})"), t0, false));
  BOOST_TEST(!m.apply_task(task(R"({"Id":"r","State":"Running","Progress":40})"), t0));
  BOOST_TEST(lines(m) == (std::vector<std::string>{"q  [--------------------]   0.00%  NotStarted",
                                                   "r  [########------------]  40.00%  Running"}));
  // Later polls: changes, and tasks that started and ended between two polls.
  BOOST_TEST(m.apply_task(task(R"({"Id":"q","State":"Running","Progress":5})"), t0 + 1s));
  BOOST_TEST(
      m.apply_task(task(R"({"Id":"r","State":"Failed","Progress":40,"Error":"boom"})"), t0 + 1s));
  BOOST_TEST(m.apply_task(task(R"({"Id":"fast","State":"Completed","Progress":100})"), t0 + 1s));
  BOOST_TEST(!m.apply_task(task(R"({"Id":"old","State":"Completed","Progress":100})"), t0 + 1s));
  BOOST_TEST(lines(m) ==
             (std::vector<std::string>{"q     [#-------------------]   5.00%  Running",
                                       "r     [########------------]  40.00%  Failed      boom",
                                       "fast  [####################] 100.00%  Completed"}));
  BOOST_TEST(!m.apply_task(task(R"({"Id":"r","State":"Running","Progress":50})"), t0 + 2s));
  // Ids the node no longer lists are forgotten.
  m.keep_retired_only({"q"});
  BOOST_TEST(m.apply_task(task(R"({"Id":"old","State":"Completed","Progress":100})"), t0 + 3s));
}

BOOST_AUTO_TEST_CASE(a_frame_has_a_status_line_and_fits_the_screen) {
  watch_model m;
  for (int i = 0; i < 10; ++i)
    m.apply_event("pode.progress", R"({"Id":"t)" + std::to_string(i) + R"(","Progress":50})", t0);
  m.apply_event("pode.taskCompleted", R"({"Id":"t0","State":"Completed"})", t0);
  auto big = m.frame("group G", 200, 50);
  BOOST_TEST(big.size() == 11u);
  BOOST_TEST(big[0] == "group G: 9 running, 0 queued, 1 finished, 11 events");
  BOOST_TEST(big[1] == "t0  [####################] 100.00%  Completed");
  auto small = m.frame("group G", 30, 6); // room for 4 lines below the status line
  BOOST_TEST(small.size() == 5u);
  BOOST_TEST(small[0] == "group G: 9 running, 0 queued,…");
  BOOST_TEST(small[1] == "t0  [####################] 10…");
  BOOST_TEST(small[4] == "… and 7 more");
}

BOOST_AUTO_TEST_CASE(rows_as_json_lines_for_scripts) {
  task_row r;
  r.id = "a";
  r.state = "Running";
  r.progress = 42.5;
  r.last_event = "message: hi";
  BOOST_TEST(watch_model::json_line(r) ==
             R"({"Id":"a","State":"Running","Progress":42.5,"Event":"message: hi"})");
}

BOOST_AUTO_TEST_CASE(a_terminal_frame_is_redrawn_in_place) {
  BOOST_TEST(screen::redraw(0, {"a", "b"}) == "\r\x1b[2Ka\n\r\x1b[2Kb\n\x1b[J");
  BOOST_TEST(screen::redraw(2, {"c"}) == "\x1b[2A\r\x1b[2Kc\n\x1b[J");
  std::string out;
  {
    screen s{[&](std::string_view bytes) {
      out += bytes;
    }};
    s.draw({"one"});
    s.draw({"one"}); // unchanged: nothing written
    s.draw({"two", "three"});
  }
  BOOST_TEST(out == "\x1b[?25l\r\x1b[2Kone\n\x1b[J"
                    "\x1b[1A\r\x1b[2Ktwo\n\r\x1b[2Kthree\n\x1b[J"
                    "\x1b[?25h");
}

BOOST_AUTO_TEST_SUITE_END()
