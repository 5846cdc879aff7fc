// Server-Sent Events end to end (SPEC §4.5–§4.6), in-process nodes over real sockets: the
// wire format byte for byte, per-task and group streams, resume with Last-Event-ID, 204
// after the end, hub publishing, many subscribers, a stalled subscriber, heartbeats, the
// stream lifetime and shutdown.

#include "actors/task_stream.hpp"
#include "app/server.hpp"
#include "support/in_process_node.hpp"
#include "support/prometheus.hpp"
#include "support/sse_stream.hpp"
#include "support/task_client.hpp"

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <map>
#include <memory>
#include <thread>
#include <vector>

using namespace herald::test;
using namespace std::chrono_literals;
namespace app = herald::app;
namespace net = herald::net;
namespace json = boost::json;
namespace actors = herald::actors;

namespace {

constexpr std::string_view key = "publisher-key-0123456789";

app::config sse_config() {
  auto cfg = quiet_config();
  cfg.sse.publisher_key = std::string{key};
  return cfg;
}

/// A body that waits until the test lets it go on: `stage` counts the steps allowed.
struct gate {
  std::atomic<int> stage{0};
  /// Waits (interruptibly) for step `n`; false when cancelled or after 10 s.
  bool wait(app::task_context& ctx, int n) const {
    for (int i = 0; i < 2000 && stage.load() < n; ++i)
      if (!ctx.sleep_for(5ms))
        return false;
    return stage.load() >= n;
  }
};

/// `POST /job`: progress 50, a two-line `step` event, an object `message`, result {"n":1}
/// (with send_result), each part after the test opens its gate.
void declare_job(app::server& node, std::shared_ptr<gate> g, bool send_result = true) {
  app::async_options o;
  o.sse = actors::sse_options{{}, send_result};
  node.async_route(net::verb::post, "/job", o, [g](app::task_context& ctx) -> json::value {
    if (!g->wait(ctx, 1))
      return nullptr;
    ctx.set_progress(50);
    ctx.send_event(json::string{"line one\nline two"}, "step");
    ctx.send_event(json::object{{"k", "\xc3\xbc"}});
    if (!g->wait(ctx, 2))
      return nullptr;
    return json::object{{"n", 1}};
  });
}

std::string invoke(std::uint16_t port, std::string_view path, std::string_view body = "") {
  auto r = call(port, "POST", path, body);
  BOOST_REQUIRE_EQUAL(r.status, 202u);
  return r.text("Id");
}

/// The epoch of an id `<epoch>.<seq>`.
std::string epoch_of(std::string_view id) {
  return std::string{id.substr(0, id.find('.'))};
}

std::string publish_request(std::string_view group, std::string_view body,
                            std::string_view auth = "") {
  std::string extra = auth.empty() ? "X-API-Key: " + std::string{key} + "\r\n" : std::string{auth};
  return request_with_body("POST", "/sse/" + std::string{group}, body, extra);
}

api_reply publish(std::uint16_t port, std::string_view group, std::string_view body,
                  std::string_view auth = "") {
  connection c{port};
  api_reply r;
  r.raw = c.exchange(publish_request(group, body, auth));
  r.status = r.raw.result_int();
  boost::system::error_code ec;
  auto v = json::parse(r.raw.body(), ec);
  if (!ec)
    r.json = std::move(v);
  return r;
}

} // namespace

BOOST_AUTO_TEST_SUITE(sse)

BOOST_AUTO_TEST_CASE(a_task_stream_is_byte_exact_from_open_to_close) {
  auto g = std::make_shared<gate>();
  app::server node{sse_config()};
  declare_job(node, g);
  in_process_node run{node};
  auto invoked = call(run.port(), "POST", "/job");
  BOOST_REQUIRE_EQUAL(invoked.status, 202u);
  auto id = invoked.text("Id");
  auto sse = invoked.object().at("Sse").as_object();
  BOOST_TEST(sse.at("Name").as_string() == "/job_events");
  BOOST_TEST(sse.at("Group").as_string() == "/job");
  BOOST_TEST(sse.at("Url").as_string() == "/job_events?Id=" + id);

  sse_stream s{run.port(), "/job_events?Id=" + id};
  BOOST_REQUIRE(s.read_head());
  BOOST_TEST(s.status() == 200);
  BOOST_TEST(s.header("Content-Type") == "text/event-stream; charset=utf-8");
  BOOST_TEST(s.header("Cache-Control") == "no-cache, no-store, no-transform");
  BOOST_TEST(s.header("X-Accel-Buffering") == "no");
  BOOST_TEST(s.header("X-Pode-Sse-Name") == "/job_events");
  BOOST_TEST(s.header("X-Pode-Sse-Group") == "/job");
  BOOST_TEST(s.header("Content-Length").empty());
  auto client = s.header("X-Pode-Sse-Client-Id");
  BOOST_TEST(client.size() == 36u);
  BOOST_REQUIRE(s.wait_events(1)); // pode.open: subscribed before the task moves on
  g->stage = 2;
  BOOST_REQUIRE(s.wait_closed(5s));
  BOOST_REQUIRE(s.events().size() >= 2);
  auto epoch = epoch_of(s.events()[1].last_id);
  auto expected = "retry: 3000\n\n"
                  "event: pode.open\n"
                  "data: {\"clientId\":\"" +
                  client +
                  "\",\"group\":\"/job\",\"name\":\"/job_events\",\"asyncRouteTaskId\":\"" + id +
                  "\"}\n\n"
                  "id: " +
                  epoch +
                  ".1\nevent: pode.progress\ndata: 50\n\n"
                  "id: " +
                  epoch +
                  ".2\nevent: step\ndata: line one\ndata: line two\n\n"
                  "id: " +
                  epoch +
                  ".3\ndata: {\"k\":\"\xc3\xbc\"}\n\n"
                  "id: " +
                  epoch +
                  ".4\nevent: pode.progress\ndata: 100\n\n"
                  "id: " +
                  epoch + ".5\nevent: pode.taskCompleted\ndata: {\"Id\":\"" + id +
                  "\",\"State\":\"Completed\",\"Result\":{\"n\":1}}\n\n"
                  "id: " +
                  epoch + ".6\nevent: pode.close\ndata:\n\n";
  BOOST_TEST(s.body() == expected);
  // A browser reads the same.
  BOOST_TEST(s.events()[2].type == "step");
  BOOST_TEST(s.events()[2].data == "line one\nline two");
  BOOST_TEST(s.reader().retry().value_or(-1) == 3000);
}

BOOST_AUTO_TEST_CASE(a_group_stream_wraps_task_events_and_stays_open) {
  auto g = std::make_shared<gate>();
  app::server node{sse_config()};
  declare_job(node, g, false);
  in_process_node run{node};
  sse_stream group{run.port(), "/job_events"};
  BOOST_REQUIRE(group.wait_events(1));
  BOOST_TEST(group.events()[0].data == R"({"clientId":")" + group.header("X-Pode-Sse-Client-Id") +
                                           R"(","group":"/job","name":"/job_events"})");
  auto id = invoke(run.port(), "/job");
  g->stage = 2;
  BOOST_REQUIRE(group.wait_events(6));
  const auto& ev = group.events();
  BOOST_TEST(ev[1].type == "pode.progress");
  BOOST_TEST(ev[1].data == R"({"Id":")" + id + R"(","Progress":50})");
  BOOST_TEST(ev[2].type == "step");
  BOOST_TEST(ev[2].data == R"({"Id":")" + id + R"(","Data":"line one\nline two"})");
  BOOST_TEST(ev[3].type == "message");
  BOOST_TEST(ev[3].data == R"({"Id":")" + id + R"(","Data":{"k":"ü"}})");
  BOOST_TEST(ev[4].data == R"({"Id":")" + id + R"(","Progress":100})");
  BOOST_TEST(ev[5].type == "pode.taskCompleted");
  // Without send_result the result stays out of the stream.
  BOOST_TEST(ev[5].data == R"({"Id":")" + id + R"(","State":"Completed"})");
  BOOST_TEST(!group.wait_closed(300ms));
  // The same group by name.
  sse_stream by_name{run.port(), "/sse/%2Fjob", "Last-Event-ID: " + ev[4].last_id + "\r\n"};
  BOOST_REQUIRE(by_name.wait_events(2));
  BOOST_TEST(by_name.events()[1].type == "pode.taskCompleted");
  BOOST_TEST(by_name.events()[1].last_id == ev[5].last_id);
}

BOOST_AUTO_TEST_CASE(refusals_406_404_and_204_after_the_end) {
  auto g = std::make_shared<gate>();
  g->stage = 2;
  app::server node{sse_config()};
  declare_job(node, g);
  node.async_route(net::verb::post, "/other", {},
                   [](app::task_context&) -> json::value { return nullptr; });
  in_process_node run{node};
  auto id = invoke(run.port(), "/job");
  await_terminal(run.port(), id);

  auto plain = call(run.port(), "GET", "/job_events?Id=" + id, "", "Accept: application/json\r\n");
  BOOST_TEST(plain.status == 406u);
  auto none = call(run.port(), "GET", "/job_events?Id=" + id);
  BOOST_TEST(none.status == 406u); // no Accept at all: not an event-stream client
  auto unknown =
      call(run.port(), "GET", "/job_events?Id=nope", "", "Accept: text/event-stream\r\n");
  BOOST_TEST(unknown.status == 404u);
  BOOST_TEST(unknown.text("Id") == "nope");
  BOOST_TEST(unknown.text("Error") == "No Async Route operation Found");
  // A task of another route is not this route's.
  auto other = invoke(run.port(), "/other");
  await_terminal(run.port(), other);
  auto wrong =
      call(run.port(), "GET", "/job_events?Id=" + other, "", "Accept: text/event-stream\r\n");
  BOOST_TEST(wrong.status == 404u);

  // A late subscriber gets the events kept, the terminal one, and the end.
  sse_stream late{run.port(), "/job_events?Id=" + id};
  BOOST_REQUIRE(late.wait_closed());
  const auto& ev = late.events();
  BOOST_REQUIRE(ev.size() == 6u);
  BOOST_TEST(ev[1].type == "step");
  BOOST_TEST(ev[3].data == "100"); // only the newest progress value is replayed
  BOOST_TEST(ev[4].type == "pode.taskCompleted");
  BOOST_TEST(ev[5].type == "pode.close");
  // Reconnecting from the close, or from the terminal event: 204, browsers stop.
  for (const auto& from : {ev[5].last_id, ev[4].last_id}) {
    auto again = call(run.port(), "GET", "/job_events?Id=" + id, "",
                      "Accept: text/event-stream\r\nLast-Event-ID: " + from + "\r\n");
    BOOST_TEST(again.status == 204u);
  }
  auto by_query = call(run.port(), "GET", "/job_events?Id=" + id + "&lastEventId=" + ev[5].last_id,
                       "", "Accept: text/event-stream\r\n");
  BOOST_TEST(by_query.status == 204u);
  // From before the terminal event: the rest of it.
  sse_stream resume{run.port(), "/job_events?Id=" + id, "Last-Event-ID: " + ev[2].last_id + "\r\n"};
  BOOST_REQUIRE(resume.wait_closed());
  BOOST_REQUIRE(resume.events().size() == 4u);
  BOOST_TEST(resume.events()[1].data == "100");
  BOOST_TEST(resume.events()[2].type == "pode.taskCompleted");
}

BOOST_AUTO_TEST_CASE(resume_after_a_forced_disconnect_mid_task_loses_and_repeats_nothing) {
  constexpr int total = 40;
  auto step = std::make_shared<std::atomic<int>>(0);
  app::server node{sse_config()};
  node.async_route(net::verb::post, "/count", {}, [step](app::task_context& ctx) -> json::value {
    // Event i goes out once the test allows it.
    for (int i = 1; i <= total; ++i) {
      for (int w = 0; w < 2000 && step->load() < i; ++w)
        if (!ctx.sleep_for(2ms))
          return nullptr;
      ctx.send_event(i, "n");
    }
    return nullptr;
  });
  in_process_node run{node};
  auto id = invoke(run.port(), "/count");
  std::vector<std::string> seen;
  std::string last;
  auto collect = [&](const sse_stream& s) {
    for (const auto& e : s.events())
      if (e.type == "n") {
        seen.push_back(e.data);
      }
  };
  {
    sse_stream first{run.port(), "/count_events?Id=" + id};
    BOOST_REQUIRE(first.wait_events(1));
    step->store(10);
    BOOST_REQUIRE(first.wait_events(11));
    collect(first);
    last = first.events().back().last_id;
    first.drop();
  }
  // Published while nobody listens.
  step->store(25);
  std::this_thread::sleep_for(100ms);
  sse_stream second{run.port(), "/count_events?Id=" + id, "Last-Event-ID: " + last + "\r\n"};
  BOOST_REQUIRE(second.wait_events(1));
  // And while the replay is being prepared and after it.
  step->store(total);
  BOOST_REQUIRE(second.wait_closed(10s));
  collect(second);
  BOOST_REQUIRE_EQUAL(seen.size(), std::size_t{total});
  for (int i = 0; i < total; ++i)
    BOOST_TEST(seen[static_cast<std::size_t>(i)] == std::to_string(i + 1));
  BOOST_TEST(second.events().back().type == "pode.close");
}

BOOST_AUTO_TEST_CASE(subscribers_joining_during_a_burst_miss_nothing_and_see_nothing_twice) {
  // A body publishing as fast as it can while streams open one after another: each new
  // stream's replay from the task's log and the live events held while it is prepared must
  // join without a gap or a repeat.
  constexpr int total = 900; // under the task log's 1000 events: all replayable
  constexpr int joiners = 12;
  auto go = std::make_shared<std::atomic<bool>>(false);
  app::server node{sse_config()};
  node.async_route(net::verb::post, "/burst", {}, [go](app::task_context& ctx) -> json::value {
    for (int w = 0; w < 2000 && !go->load(); ++w)
      if (!ctx.sleep_for(2ms))
        return nullptr;
    for (int i = 1; i <= total; ++i) {
      ctx.send_event(i, "n");
      if (i % 50 == 0 && !ctx.sleep_for(1ms)) // spread the burst over the joins
        return nullptr;
    }
    return nullptr;
  });
  in_process_node run{node};
  auto id = invoke(run.port(), "/burst");
  std::vector<std::unique_ptr<sse_stream>> streams;
  go->store(true);
  for (int j = 0; j < joiners; ++j) {
    streams.push_back(std::make_unique<sse_stream>(run.port(), "/burst_events?Id=" + id));
    std::this_thread::sleep_for(2ms);
  }
  std::vector<sse_stream*> all;
  for (auto& s : streams)
    all.push_back(s.get());
  BOOST_REQUIRE(sse_stream::pump_all(
      all, [&] { return std::all_of(all.begin(), all.end(), [](auto* s) { return s->closed(); }); },
      20s));
  for (auto* s : all) {
    std::vector<int> got;
    for (const auto& e : s->events())
      if (e.type == "n")
        got.push_back(std::stoi(e.data));
    BOOST_REQUIRE_EQUAL(got.size(), std::size_t{total});
    for (int i = 0; i < total; ++i)
      BOOST_TEST(got[static_cast<std::size_t>(i)] == i + 1);
    BOOST_TEST(s->events().back().type == "pode.close");
  }
}

BOOST_AUTO_TEST_CASE(hub_publishing_needs_the_key_and_reaches_streams_as_published) {
  app::server node{sse_config()};
  in_process_node run{node};
  sse_stream s{run.port(), "/sse/news"};
  BOOST_REQUIRE(s.wait_events(1));
  auto ok = publish(run.port(), "news", R"({"event":"headline","data":"a\nb"})");
  BOOST_TEST(ok.status == 202u);
  BOOST_TEST(ok.text("Group") == "news");
  BOOST_TEST(ok.object().at("Subscribers").as_int64() == 1);
  auto bearer = publish(run.port(), "news", R"({"data":{"x":[1,2.5]},"id":"k-1"})",
                        "Authorization: Bearer " + std::string{key} + "\r\n");
  BOOST_TEST(bearer.status == 202u);
  auto again = publish(run.port(), "news", R"({"data":"ignored","id":"k-1"})");
  BOOST_TEST(again.status == 202u);
  BOOST_TEST(again.object().at("Duplicate").as_bool());
  BOOST_TEST(again.text("Id") == bearer.text("Id"));
  BOOST_TEST(node.publish("news", "from-cpp", "hello"));

  BOOST_REQUIRE(s.wait_events(4));
  const auto& ev = s.events();
  BOOST_TEST(ev[1].type == "headline");
  BOOST_TEST(ev[1].data == "a\nb");
  BOOST_TEST(ev[1].last_id == ok.text("Id"));
  BOOST_TEST(ev[2].type == "message");
  BOOST_TEST(ev[2].data == R"({"x":[1,2.5]})");
  BOOST_TEST(ev[3].type == "from-cpp");
  BOOST_TEST(ev[3].data == "hello");
  BOOST_TEST(!s.wait_events(5, 200ms)); // the duplicate was not delivered

  auto wrong = publish(run.port(), "news", R"({"data":1})", "X-API-Key: nope\r\n");
  BOOST_TEST(wrong.status == 401u);
  BOOST_TEST(wrong.header("WWW-Authenticate") == "Bearer realm=\"herald\"");
  auto missing = publish(run.port(), "news", R"({"data":1})", "X-Other: 1\r\n");
  BOOST_TEST(missing.status == 401u);
  BOOST_TEST(publish(run.port(), "news", R"({"event":1,"data":1})").status == 400u);
  BOOST_TEST(publish(run.port(), "news", R"({"event":"a\nb","data":1})").status == 400u);
  BOOST_TEST(publish(run.port(), "news", R"({"event":"x"})").status == 400u);
  BOOST_TEST(publish(run.port(), "news", R"({"data":1,"extra":2})").status == 400u);
  BOOST_TEST(publish(run.port(), "news", "not json").status == 400u);
  BOOST_TEST(!node.publish("news", "bad\nname", "x"));
  BOOST_TEST(!node.publish("", "x", "x"));
}

BOOST_AUTO_TEST_CASE(publishing_over_http_is_off_without_a_key) {
  app::server node{quiet_config()};
  in_process_node run{node};
  auto r = publish(run.port(), "news", R"({"data":1})");
  BOOST_TEST(r.status == 403u);
}

BOOST_AUTO_TEST_CASE(a_group_name_that_cannot_be_framed_is_refused) {
  app::server node{sse_config()};
  in_process_node run{node};
  // A LF would end the X-Pode-Sse-Group header and the `pode.open` line; an over-long name
  // is refused too. Both for streaming and for publishing; the node keeps serving.
  const std::string too_long(300, 'g');
  for (const auto& group : std::vector<std::string>{"a%0Ab", "a%00b", too_long}) {
    auto stream = call(run.port(), "GET", "/sse/" + group, "", "Accept: text/event-stream\r\n");
    BOOST_TEST(stream.status == 400u, group);
    BOOST_TEST(stream.text("Error").find("group name") != std::string::npos);
    BOOST_TEST(publish(run.port(), group, R"({"data":1})").status == 400u, group);
  }
  BOOST_TEST(publish(run.port(), "fine", R"({"data":1})").status == 202u);
}

BOOST_AUTO_TEST_CASE(a_group_resumes_from_its_ring_and_a_new_epoch_replays_it_all) {
  app::server node{sse_config()};
  node.sse_route("/feed", "feed");
  in_process_node run{node};
  std::vector<std::string> ids;
  for (int i = 1; i <= 10; ++i) {
    auto r = publish(run.port(), "feed", R"({"event":"e","data":")" + std::to_string(i) + "\"}");
    BOOST_REQUIRE_EQUAL(r.status, 202u);
    ids.push_back(r.text("Id"));
  }
  sse_stream from5{run.port(), "/feed", "Last-Event-ID: " + ids[4] + "\r\n"};
  BOOST_REQUIRE(from5.wait_events(6));
  BOOST_TEST(from5.events()[1].data == "6");
  BOOST_TEST(from5.events()[5].data == "10");
  BOOST_TEST(!from5.wait_events(7, 200ms));
  sse_stream other_epoch{run.port(), "/sse/feed", "Last-Event-ID: 1.3\r\n"};
  BOOST_REQUIRE(other_epoch.wait_events(11));
  BOOST_TEST(other_epoch.events()[1].data == "1");
  sse_stream fresh{run.port(), "/feed"};
  BOOST_REQUIRE(fresh.wait_events(1));
  BOOST_TEST(!fresh.wait_events(2, 200ms)); // a new client starts with what comes next
  BOOST_TEST(fresh.header("X-Pode-Sse-Name") == "/feed");
}

BOOST_AUTO_TEST_CASE(a_group_stream_that_drops_before_its_first_event_resumes_without_a_gap) {
  // A group stream starts by saying where the group stands (an `id:` block without data:
  // no event, but the client's last event id). A client whose stream drops before any event
  // then reconnects with that id, and gets what was published while it was away.
  app::server node{sse_config()};
  in_process_node run{node};
  BOOST_REQUIRE_EQUAL(publish(run.port(), "gap", R"({"data":"before"})").status, 202u);
  std::string position;
  {
    sse_stream first{run.port(), "/sse/gap"};
    BOOST_REQUIRE(first.wait_for([&] { return !first.reader().last_id().empty(); }, 5s));
    BOOST_TEST(first.events().size() == 1u); // pode.open alone: the position fires nothing
    position = first.reader().last_id();
    BOOST_TEST(position.ends_with(".1"), position);
    first.drop();
  }
  BOOST_REQUIRE_EQUAL(publish(run.port(), "gap", R"({"data":"while away"})").status, 202u);
  sse_stream again{run.port(), "/sse/gap", "Last-Event-ID: " + position + "\r\n"};
  BOOST_REQUIRE(again.wait_events(2));
  BOOST_TEST(again.events()[1].data == "while away");
  BOOST_TEST(!again.wait_events(3, 200ms)); // "before" is not sent again
  // A group with no event yet has a position too: its first event is after it.
  sse_stream empty{run.port(), "/sse/empty"};
  BOOST_REQUIRE(empty.wait_for([&] { return !empty.reader().last_id().empty(); }, 5s));
  BOOST_TEST(empty.reader().last_id().ends_with(".0"), empty.reader().last_id());
}

BOOST_AUTO_TEST_CASE(an_idle_group_stops_and_comes_back_with_a_new_epoch) {
  auto cfg = sse_config();
  cfg.sse.groups.idle_timeout = 100ms;
  app::server node{cfg};
  in_process_node run{node};
  auto first = publish(run.port(), "quiet", R"({"data":1})");
  BOOST_REQUIRE_EQUAL(first.status, 202u);
  std::this_thread::sleep_for(600ms);
  auto second = publish(run.port(), "quiet", R"({"data":2})");
  BOOST_REQUIRE_EQUAL(second.status, 202u);
  BOOST_TEST(epoch_of(second.text("Id")) != epoch_of(first.text("Id")));
  BOOST_TEST(second.text("Id").ends_with(".1"));
}

BOOST_AUTO_TEST_CASE(a_hundred_subscribers_see_fifty_tasks_in_order_with_nothing_lost) {
  constexpr int subscribers = 100;
  constexpr int tasks = 50;
  constexpr int events_per_task = 5;
  app::server node{sse_config()};
  app::async_options o;
  o.max_concurrent = 8;
  o.blocking = false;
  node.async_route(net::verb::post, "/many", o, [](app::task_context& ctx) -> json::value {
    for (int i = 1; i <= events_per_task; ++i)
      ctx.send_event(i, "step");
    return nullptr;
  });
  in_process_node run{node};
  std::vector<std::unique_ptr<sse_stream>> streams;
  std::vector<sse_stream*> all;
  for (int i = 0; i < subscribers; ++i) {
    streams.push_back(std::make_unique<sse_stream>(run.port(), "/many_events"));
    all.push_back(streams.back().get());
  }
  BOOST_REQUIRE(sse_stream::pump_all(
      all,
      [&] {
        return std::all_of(all.begin(), all.end(), [](auto* s) { return !s->events().empty(); });
      },
      10s));
  std::vector<std::string> ids;
  for (int t = 0; t < tasks; ++t)
    ids.push_back(invoke(run.port(), "/many"));
  const std::size_t expected = 1 + tasks * (events_per_task + 1);
  bool complete = sse_stream::pump_all(
      all,
      [&] {
        return std::all_of(all.begin(), all.end(),
                           [&](auto* s) { return s->events().size() >= expected; });
      },
      30s);
  BOOST_REQUIRE(complete);
  for (auto* s : all) {
    BOOST_TEST(s->events().size() == expected);
    std::map<std::string, int> next; // per task: the next step expected
    std::set<std::string> done;
    std::string previous_id;
    for (std::size_t i = 1; i < s->events().size(); ++i) {
      const auto& e = s->events()[i];
      auto data = json::parse(e.data).as_object();
      std::string id{data.at("Id").as_string()};
      if (e.type == "step") {
        BOOST_TEST(data.at("Data").as_int64() == ++next[id]);
        BOOST_TEST(!done.contains(id));
      } else if (e.type == "pode.taskCompleted") {
        BOOST_TEST(next[id] == events_per_task);
        done.insert(id);
      }
      // Group ids strictly increase.
      auto seq = std::stoull(e.last_id.substr(e.last_id.find('.') + 1));
      if (!previous_id.empty())
        BOOST_TEST(seq > std::stoull(previous_id.substr(previous_id.find('.') + 1)));
      previous_id = e.last_id;
    }
    BOOST_TEST(done.size() == std::size_t{tasks});
  }
}

BOOST_AUTO_TEST_CASE(a_subscriber_that_never_reads_is_dropped_and_slows_nobody) {
  constexpr int healthy_count = 100;
  constexpr int events = 3000;
  auto cfg = sse_config();
  cfg.sse.groups.max_lag_bytes = 256 * 1024;
  app::server node{cfg};
  in_process_node run{node};
  // A tiny receive window and no reads: the node's socket queue fills, then its lag grows.
  sse_stream stalled{run.port(), "/sse/firehose", "", 4096};
  BOOST_REQUIRE(stalled.wait_events(1));
  std::vector<std::unique_ptr<sse_stream>> streams;
  std::vector<sse_stream*> healthy;
  for (int i = 0; i < healthy_count; ++i) {
    streams.push_back(std::make_unique<sse_stream>(run.port(), "/sse/firehose"));
    healthy.push_back(streams.back().get());
  }
  BOOST_REQUIRE(sse_stream::pump_all(
      healthy,
      [&] {
        return std::all_of(healthy.begin(), healthy.end(),
                           [](auto* s) { return !s->events().empty(); });
      },
      10s));
  const std::string payload(1000, 'x');
  int published = 0;
  auto start = std::chrono::steady_clock::now();
  // Published from another thread while the healthy clients read.
  std::thread publisher{[&] {
    for (int i = 0; i < events && ms_since(start) < 20'000; ++i) {
      while (!node.publish("firehose", "p", std::to_string(i) + ":" + payload) &&
             ms_since(start) < 20'000)
        std::this_thread::sleep_for(1ms);
      ++published;
    }
  }};
  bool all_delivered = sse_stream::pump_all(
      healthy,
      [&] {
        return std::all_of(healthy.begin(), healthy.end(),
                           [&](auto* s) { return s->events().size() >= 1 + std::size_t{events}; });
      },
      30s);
  publisher.join();
  BOOST_TEST(published == events);
  BOOST_REQUIRE(all_delivered);
  for (auto* s : healthy) {
    BOOST_TEST(!s->closed());
    BOOST_TEST(s->events().back().data == std::to_string(events - 1) + ":" + payload);
  }
  // 3 MB were published; the stalled client was cut off once 256 KiB were pending for it.
  BOOST_TEST(stalled.wait_closed(10s));
  BOOST_TEST(stalled.events().size() < std::size_t{events});
  // `/metrics` counts the disconnect and the deliveries it did not make.
  auto m = call(*node.admin_port(), "GET", "/metrics");
  auto scrape = parse_prometheus(m.raw.body());
  BOOST_REQUIRE_MESSAGE(scrape.error.empty(), scrape.error);
  BOOST_TEST(scrape.value("herald_sse_slow_disconnects_total{group=\"firehose\"}") == 1);
  BOOST_TEST(scrape.value("herald_sse_events_dropped_total{group=\"firehose\"}") > 0);
  BOOST_TEST(scrape.value("herald_sse_events_delivered_total{group=\"firehose\"}") >=
             healthy_count * (events + 1.0));
  BOOST_TEST(scrape.value("herald_sse_subscribers{group=\"firehose\"}") == healthy_count);
}

BOOST_AUTO_TEST_CASE(an_unpaced_publisher_is_held_back_by_the_backlog_bound) {
  auto cfg = sse_config();
  cfg.sse.publish_backlog = 100;
  app::server node{cfg};
  in_process_node run{node};
  int refused = 0;
  for (int i = 0; i < 200'000 && refused == 0; ++i)
    if (!node.publish("flood", "e", "x"))
      ++refused;
  BOOST_TEST(refused == 1);
  // Once the group catches up, publishing works again.
  bool again = false;
  for (int i = 0; i < 200 && !again; ++i) {
    std::this_thread::sleep_for(10ms);
    again = node.publish("flood", "e", "y");
  }
  BOOST_TEST(again);
}

BOOST_AUTO_TEST_CASE(idle_streams_get_heartbeats_and_end_after_their_lifetime) {
  auto cfg = sse_config();
  cfg.sse.heartbeat = 100ms;
  cfg.sse.stream_lifetime = 700ms;
  app::server node{cfg};
  in_process_node run{node};
  sse_stream s{run.port(), "/sse/quiet"};
  BOOST_REQUIRE(s.wait_events(1));
  BOOST_TEST(s.wait_for([&] { return s.reader().comments() >= 2; }, 2s));
  BOOST_TEST(s.body().find(": ping\n\n") != std::string::npos);
  auto start = std::chrono::steady_clock::now();
  BOOST_TEST(s.wait_closed(3s));
  BOOST_TEST(ms_since(start) < 1500);
  BOOST_TEST(s.body().find("pode.close") == std::string::npos); // a drop, not an end
}

BOOST_AUTO_TEST_CASE(stopping_the_node_ends_every_stream_with_pode_close) {
  auto g = std::make_shared<gate>();
  app::server node{sse_config()};
  declare_job(node, g);
  auto run = std::make_unique<in_process_node>(node);
  auto port = run->port();
  auto id = invoke(port, "/job");
  sse_stream task{port, "/job_events?Id=" + id};
  sse_stream group{port, "/job_events"};
  BOOST_REQUIRE(task.wait_events(1));
  BOOST_REQUIRE(group.wait_events(1));
  node.stop();
  BOOST_REQUIRE(task.wait_closed(5s));
  BOOST_REQUIRE(group.wait_closed(5s));
  BOOST_REQUIRE(task.events().size() >= 3);
  auto n = task.events().size();
  BOOST_TEST(task.events()[n - 2].data ==
             R"({"Id":")" + id + R"(","State":"Aborted","Error":"Aborted by System"})");
  BOOST_TEST(task.events()[n - 1].type == "pode.close");
  BOOST_REQUIRE(group.events().size() >= 3);
  auto m = group.events().size();
  BOOST_TEST(group.events()[m - 2].type == "pode.taskCompleted");
  BOOST_TEST(group.events()[m - 1].type == "pode.close");
  // The task's own stream ends with its `pode.close`, an event of its log with an id; a
  // group stream's farewell at shutdown has none, so that a client reconnecting elsewhere
  // resumes from the last real event.
  auto close_at = task.body().rfind("\nevent: pode.close\n");
  BOOST_REQUIRE(close_at != std::string::npos);
  auto line_at = task.body().rfind('\n', close_at - 1);
  BOOST_TEST(task.body().substr(line_at + 1, 4) == "id: ", task.body());
  BOOST_TEST(group.body().ends_with("\n\nevent: pode.close\ndata:\n\n"), group.body());
  BOOST_TEST(group.events()[m - 1].last_id == group.events()[m - 2].last_id);
  run.reset();
}

BOOST_AUTO_TEST_SUITE_END()
