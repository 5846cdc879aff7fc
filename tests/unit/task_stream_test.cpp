#include "actors/task_record.hpp"
#include "actors/task_stream.hpp"
#include "app/config.hpp"
#include "app/sse_api.hpp"
#include "net/negotiate.hpp"
#include "net/wire.hpp"
#include "tests/support/sse_reader.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

using namespace herald::actors;
namespace app = herald::app;
namespace net = herald::net;
namespace json = boost::json;

namespace {

std::string frame(const task_stream_event& ev, stream_form form, std::string_view id = "9.4") {
  std::string out;
  append_task_event(out, ev, "t-1", form, id);
  return out;
}

/// As the registry publishes it: rounded, whole values as integers.
task_stream_event progress(double v) {
  return {4, task_stream_kind::progress, {}, progress_value(v)};
}

task_stream_event custom(std::string type, json::value data) {
  return {4, task_stream_kind::custom, std::move(type), std::move(data)};
}

} // namespace

BOOST_AUTO_TEST_SUITE(task_stream_test)

BOOST_AUTO_TEST_CASE(event_ids_carry_an_epoch_and_read_back) {
  BOOST_TEST(format_event_id({1795486953781134, 42}) == "1795486953781134.42");
  auto p = parse_event_id("1795486953781134.42");
  BOOST_REQUIRE(p.has_value());
  BOOST_TEST(p->epoch == 1795486953781134u);
  BOOST_TEST(p->seq == 42u);
  for (auto bad : {"", ".", "1.", ".1", "1", "a.1", "1.b", "1.2.3", " 1.2", "1.2 ", "-1.2", "1.+2",
                   "99999999999999999999999.1"})
    BOOST_TEST(!parse_event_id(bad).has_value(), bad);
}

BOOST_AUTO_TEST_CASE(progress_is_a_bare_number_on_a_task_stream_and_wrapped_on_a_group) {
  BOOST_TEST(frame(progress(45), stream_form::task) ==
             "id: 9.4\nevent: pode.progress\ndata: 45\n\n");
  BOOST_TEST(frame(progress(42.5), stream_form::task) ==
             "id: 9.4\nevent: pode.progress\ndata: 42.5\n\n");
  BOOST_TEST(frame(progress(45), stream_form::group) ==
             "id: 9.4\nevent: pode.progress\ndata: {\"Id\":\"t-1\",\"Progress\":45}\n\n");
}

BOOST_AUTO_TEST_CASE(custom_data_goes_as_sent_and_a_string_as_its_text) {
  BOOST_TEST(frame(custom("step", json::string{"two\nlines"}), stream_form::task) ==
             "id: 9.4\nevent: step\ndata: two\ndata: lines\n\n");
  // `message` is the client's default: no `event:` line.
  BOOST_TEST(frame(custom("message", json::parse(R"({"a":[1,"ü"]})")), stream_form::task) ==
             "id: 9.4\ndata: {\"a\":[1,\"ü\"]}\n\n");
  BOOST_TEST(frame(custom("message", json::string{"x"}), stream_form::group) ==
             "id: 9.4\ndata: {\"Id\":\"t-1\",\"Data\":\"x\"}\n\n");
  // What a browser reads back.
  herald::test::sse_reader r;
  r.feed(frame(custom("step", json::string{"a\r\nb"}), stream_form::task));
  BOOST_REQUIRE(r.events().size() == 1u);
  BOOST_TEST(r.events()[0].data == "a\nb");
  BOOST_TEST(r.events()[0].last_id == "9.4");
}

BOOST_AUTO_TEST_CASE(completion_carries_result_or_error_and_is_the_same_on_both_streams) {
  auto done = completion_data("t-1", "Completed", json::value(0), std::nullopt);
  task_stream_event ev{7, task_stream_kind::completed, {}, done};
  auto expected = "id: 9.4\nevent: pode.taskCompleted\ndata: "
                  "{\"Id\":\"t-1\",\"State\":\"Completed\",\"Result\":0}\n\n";
  BOOST_TEST(frame(ev, stream_form::task) == expected);
  BOOST_TEST(frame(ev, stream_form::group) == expected);
  auto failed = completion_data("t-1", "Failed", std::nullopt, std::string{"boom"});
  BOOST_TEST(json::serialize(failed) == R"({"Id":"t-1","State":"Failed","Error":"boom"})");
}

BOOST_AUTO_TEST_CASE(open_and_close_events) {
  std::string out;
  append_open_event(out, "c-1", "G \"q\"", "/p_events", "t-1");
  BOOST_TEST(out == "event: pode.open\ndata: {\"clientId\":\"c-1\",\"group\":\"G \\\"q\\\"\","
                    "\"name\":\"/p_events\",\"asyncRouteTaskId\":\"t-1\"}\n\n");
  out.clear();
  append_open_event(out, "c-1", "g", "/sse/g", "");
  BOOST_TEST(
      out ==
      "event: pode.open\ndata: {\"clientId\":\"c-1\",\"group\":\"g\",\"name\":\"/sse/g\"}\n\n");
  out.clear();
  append_close_event(out, "9.5");
  BOOST_TEST(out == "id: 9.5\nevent: pode.close\ndata:\n\n");
}

BOOST_AUTO_TEST_CASE(events_endpoints_follow_the_route_path) {
  BOOST_TEST(app::events_pattern("/process-data") == "/process-data_events");
  BOOST_TEST(app::events_pattern("/sse") == "/sse_events");
  BOOST_TEST(app::events_pattern("/jobs/") == "/jobs_events");
  BOOST_TEST(app::events_pattern("/items/{id}") == "/items/{id}/_events");
  BOOST_TEST(app::events_pattern("/a/{x}/b") == "/a/{x}/b_events");
  BOOST_TEST(app::events_path("/items/{id}/_events", {{"id", "a b/c"}}) ==
             "/items/a%20b%2Fc/_events");
  BOOST_TEST(app::events_path("/process-data_events", {}) == "/process-data_events");
  BOOST_TEST(app::valid_group_name("Test events"));
  BOOST_TEST(!app::valid_group_name(""));
  BOOST_TEST(!app::valid_group_name("a\nb"));
  BOOST_TEST(!app::valid_group_name(std::string(257, 'g')));
}

BOOST_AUTO_TEST_CASE(only_clients_that_accept_event_streams_get_one) {
  BOOST_TEST(net::accepts_event_stream("text/event-stream"));
  BOOST_TEST(net::accepts_event_stream("TEXT/Event-Stream; charset=utf-8"));
  BOOST_TEST(net::accepts_event_stream("*/*"));
  BOOST_TEST(net::accepts_event_stream("text/*;q=0.5, application/json"));
  BOOST_TEST(!net::accepts_event_stream(""));
  BOOST_TEST(!net::accepts_event_stream("application/json"));
  BOOST_TEST(!net::accepts_event_stream("text/event-stream;q=0"));
  BOOST_TEST(!net::accepts_event_stream("*/*, text/event-stream;q=0"));
}

BOOST_AUTO_TEST_CASE(a_stream_head_has_no_length_and_closes) {
  net::response res{net::status::ok, 11};
  res.set(net::http::field::content_type, "text/event-stream");
  res.set("X-Evil", "a\r\nInjected: 1");
  res.body() = "never written";
  std::string out;
  net::serialize_stream_head(res, 11, out);
  BOOST_TEST(out.starts_with("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"));
  BOOST_TEST(out.find("Content-Length") == std::string::npos);
  BOOST_TEST(out.find("\r\nInjected") == std::string::npos);
  BOOST_TEST(out.ends_with("\r\nConnection: close\r\n\r\n"));
}

BOOST_AUTO_TEST_CASE(sse_configuration_keys) {
  auto r = app::parse_config(R"({"sse":{"retry_ms":0,"heartbeat_ms":500,"max_lag_bytes":65536,
    "ring_events":10,"ring_bytes":4096,"group_idle_ms":100,"stream_lifetime_ms":0,
    "publisher_key":"0123456789abcdef","publish_backlog":5}})");
  BOOST_REQUIRE(r.value.has_value());
  BOOST_TEST(r.value->sse.heartbeat.count() == 500);
  BOOST_TEST(r.value->sse.groups.max_lag_bytes == 65536u);
  BOOST_TEST(r.value->sse.publisher_key == "0123456789abcdef");
  BOOST_TEST(r.value->sse.publish_backlog == 5u);
  auto short_key = app::parse_config(R"({"sse":{"publisher_key":"short"}})");
  BOOST_TEST(short_key.error.find("sse.publisher_key") != std::string::npos);
  auto unknown = app::parse_config(R"({"sse":{"pings":1}})");
  BOOST_TEST(unknown.error == "sse.pings: unknown key");
  auto tiny = app::parse_config(R"({"sse":{"heartbeat_ms":1}})");
  BOOST_TEST(tiny.error.find("sse.heartbeat_ms") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
