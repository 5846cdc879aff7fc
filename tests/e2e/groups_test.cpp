// SSE groups under a hostile client (hardening issue, P3 and P6), in-process nodes over real
// sockets on 127.0.0.1: many one-off groups keep `/metrics` bounded, consistent on the first
// scrape and off the request path; `sse.max_groups` bounds the groups clients create (503
// with `Retry-After`, idle groups making room again); names with control characters or
// invalid UTF-8 are refused with 400 where they enter, and every echo of one is valid JSON.

#include "app/server.hpp"
#include "support/format_checks.hpp"
#include "support/in_process_node.hpp"
#include "support/prometheus.hpp"
#include "support/sse_stream.hpp"
#include "support/task_client.hpp"

#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <future>
#include <memory>
#include <thread>

using namespace herald::test;
using namespace std::chrono_literals;
namespace app = herald::app;
namespace net = herald::net;
namespace json = boost::json;
namespace actors = herald::actors;

namespace {

constexpr std::string_view publisher_key = "publisher-key-0123456789";
const std::string key_header = "X-API-Key: " + std::string{publisher_key} + "\r\n";
const std::string stream_header = "Accept: text/event-stream\r\n";

app::config groups_config(std::size_t max_groups, std::size_t top) {
  auto cfg = quiet_config();
  cfg.sse.publisher_key = std::string{publisher_key};
  cfg.sse.groups.max_groups = max_groups;
  cfg.admin.metrics_top_groups = top;
  return cfg;
}

/// `POST /quick` (group "declared"): completes at once with 7.
void declare_quick(app::server& node) {
  app::async_options o;
  o.sse = actors::sse_options{"declared", false};
  node.async_route(net::verb::post, "/quick", o,
                   [](app::task_context&) -> json::value { return 7; });
}

/// `POST /sse/{group}` over `c`, a keep-alive connection.
net::response publish_on(connection& c, std::string_view group, std::string_view data = "x") {
  std::string body = R"({"data":")" + std::string{data} + R"("})";
  return c.exchange(request_with_body("POST", "/sse/" + std::string{group}, body, key_header), 10s);
}

struct scrape_result {
  prometheus_scrape parsed;
  std::size_t bytes = 0;
  long long ms = 0;
};

scrape_result scrape(const app::server& node) {
  auto start = std::chrono::steady_clock::now();
  auto res = http_get(*node.admin_port(), "/metrics");
  scrape_result out;
  out.ms = ms_since(start);
  BOOST_REQUIRE_EQUAL(res.result_int(), 200u);
  out.bytes = res.body().size();
  out.parsed = parse_prometheus(res.body());
  BOOST_REQUIRE_MESSAGE(out.parsed.error.empty(), out.parsed.error);
  return out;
}

std::size_t series_count(const prometheus_scrape& m, std::string_view prefix) {
  std::size_t n = 0;
  for (const auto& [series, value] : m.samples)
    n += series.starts_with(prefix);
  return n;
}

/// The body is JSON (parsed by Boost.JSON) in well-formed UTF-8.
void require_valid_json(const api_reply& r) {
  BOOST_TEST(well_formed_utf8(r.raw.body()), r.raw.body());
  BOOST_TEST(r.json.is_object(), r.raw.body());
}

} // namespace

BOOST_AUTO_TEST_SUITE(groups)

BOOST_AUTO_TEST_CASE(many_one_off_groups_keep_the_scrape_bounded_consistent_and_off_the_path) {
  constexpr std::size_t one_off = 3'000;
  constexpr std::size_t hot = 3;
  app::server node{groups_config(one_off + hot, 20)};
  declare_quick(node);
  in_process_node run{node};
  // Three groups with a subscriber each: the busiest.
  std::vector<std::unique_ptr<sse_stream>> hot_streams;
  for (std::size_t i = 0; i < hot; ++i) {
    hot_streams.push_back(
        std::make_unique<sse_stream>(run.port(), "/sse/hot-" + std::to_string(i)));
    BOOST_REQUIRE(hot_streams.back()->read_head());
    BOOST_REQUIRE_EQUAL(hot_streams.back()->status(), 200);
  }
  // The issue's one-off groups: anonymous `GET /sse/<unique>` streams opened and dropped
  // (a fifth of them), and publications into new groups over one keep-alive connection.
  auto burst_start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < one_off / 5; ++i) {
    sse_stream s{run.port(), "/sse/once-" + std::to_string(i)};
    BOOST_REQUIRE(s.read_head());
    BOOST_REQUIRE_EQUAL(s.status(), 200);
  }
  {
    connection c{run.port()};
    for (std::size_t i = one_off / 5; i < one_off; ++i)
      BOOST_REQUIRE_EQUAL(publish_on(c, "once-" + std::to_string(i)).result_int(), 202u);
  }
  BOOST_TEST_MESSAGE("created " << one_off << " groups in " << ms_since(burst_start) << " ms");

  // The first scrape after the burst already counts every group, and stays small.
  auto first = scrape(node);
  BOOST_TEST_MESSAGE("/metrics: " << first.bytes << " bytes in " << first.ms << " ms");
  BOOST_TEST(first.parsed.value("herald_sse_groups") == one_off + hot);
  BOOST_TEST(first.parsed.value("herald_sse_open_groups") == one_off + hot);
  BOOST_TEST(first.parsed.value("herald_sse_max_groups") == one_off + hot);
  BOOST_TEST(first.parsed.value("herald_sse_groups_shown") == 20);
  BOOST_TEST(series_count(first.parsed, "herald_sse_subscribers{") == 20u);
  BOOST_TEST(series_count(first.parsed, "herald_sse_ring_bytes{") == 20u);
  BOOST_TEST(first.bytes < 32'000u);
  // Ranked by subscribers first: the three hot groups lead; totals cover every group.
  for (std::size_t i = 0; i < hot; ++i)
    BOOST_TEST(
        first.parsed.value("herald_sse_subscribers{group=\"hot-" + std::to_string(i) + "\"}") == 1);
  BOOST_TEST(first.parsed.value("herald_sse_all_subscribers") == hot);
  BOOST_TEST(first.parsed.value("herald_sse_all_events_published_total") == one_off - one_off / 5);

  // Scrapes in a row while a client invokes a task route: the request path does not wait
  // for them.
  std::atomic<bool> scraping{true};
  std::atomic<long long> slowest_scrape{0};
  std::atomic<int> scrapes{0};
  auto scraper = std::async(std::launch::async, [&] {
    while (scraping.load() && scrapes.load() < 200) {
      auto s = scrape(node);
      slowest_scrape = std::max(slowest_scrape.load(), s.ms);
      ++scrapes;
    }
  });
  long long slowest_request = 0;
  for (int i = 0; i < 20; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto r = call(run.port(), "POST", "/quick");
    slowest_request = std::max(slowest_request, ms_since(start));
    BOOST_TEST(r.status == 202u);
  }
  scraping = false;
  scraper.get();
  BOOST_TEST_MESSAGE(scrapes.load() << " scrapes, slowest " << slowest_scrape.load()
                                    << " ms; slowest POST /quick " << slowest_request << " ms");
  BOOST_TEST(scrapes.load() > 0);
  BOOST_TEST(slowest_request < 250, slowest_request << " ms");
  BOOST_TEST(slowest_scrape.load() < 250, slowest_scrape.load() << " ms");

  // Full: a new group is refused, both ways, with a JSON error and Retry-After.
  auto refused_stream = call(run.port(), "GET", "/sse/one-too-many", "", stream_header);
  BOOST_TEST(refused_stream.status == 503u);
  BOOST_TEST(refused_stream.header("Retry-After") == "60");
  BOOST_TEST(refused_stream.text("Error").find("sse.max_groups") != std::string::npos);
  auto refused_publish =
      call(run.port(), "POST", "/sse/one-too-many", R"({"data":"x"})", key_header);
  BOOST_TEST(refused_publish.status == 503u);
  BOOST_TEST(!refused_publish.header("Retry-After").empty());
  // Existing groups keep working, and a route's group does not count.
  auto to_hot = call(run.port(), "POST", "/sse/hot-0", R"({"data":"still here"})", key_header);
  BOOST_TEST(to_hot.status == 202u);
  BOOST_TEST(to_hot.object().at("Subscribers").to_number<int>() == 1);
  BOOST_TEST(hot_streams[0]->wait_for([&] {
    return !hot_streams[0]->events().empty() &&
           hot_streams[0]->events().back().data == "still here";
  }));
  sse_stream route_stream{run.port(), "/quick_events"};
  BOOST_REQUIRE(route_stream.read_head());
  BOOST_TEST(route_stream.status() == 200);
  auto last = scrape(node);
  BOOST_TEST(last.parsed.value("herald_sse_groups") == one_off + hot + 1);
  BOOST_TEST(last.parsed.value("herald_sse_open_groups") == one_off + hot);
  BOOST_TEST(last.parsed.value("herald_sse_groups_refused_total") == 2);
}

BOOST_AUTO_TEST_CASE(idle_groups_stopping_make_room_for_new_ones) {
  auto cfg = groups_config(2, 50);
  cfg.sse.groups.idle_timeout = 200ms;
  app::server node{cfg};
  in_process_node run{node};
  connection c{run.port()};
  BOOST_TEST(publish_on(c, "a").result_int() == 202u);
  BOOST_TEST(publish_on(c, "b").result_int() == 202u);
  auto full = publish_on(c, "c");
  BOOST_TEST(full.result_int() == 503u);
  BOOST_TEST(full[net::http::field::retry_after] == "1");
  BOOST_TEST(publish_on(c, "a").result_int() == 202u); // an existing group still takes events
  unsigned status = 0;
  for (int i = 0; i < 100 && status != 202u; ++i) {
    std::this_thread::sleep_for(50ms);
    status = publish_on(c, "c").result_int();
  }
  BOOST_TEST(status == 202u);
  auto m = scrape(node);
  BOOST_TEST(m.parsed.value("herald_sse_groups_refused_total") >= 1);
  BOOST_TEST(m.parsed.value("herald_sse_groups") <= 2);
}

BOOST_AUTO_TEST_CASE(names_with_control_characters_or_invalid_utf8_are_refused_where_they_enter) {
  auto cfg = groups_config(100, 50);
  cfg.admin.key = "admin-key-0123456789";
  app::server node{cfg};
  declare_quick(node);
  in_process_node run{node};
  const std::string admin = "X-API-Key: admin-key-0123456789\r\n";
  for (std::string_view name : {"%01", "%7F", "%FF%FE", "a%0Bb", "%1B%5B31m", "%0C"}) {
    BOOST_TEST_CONTEXT(name) {
      std::string n{name};
      auto sub = call(run.port(), "GET", "/sse/" + n, "", stream_header);
      BOOST_TEST(sub.status == 400u);
      require_valid_json(sub);
      auto pub = call(run.port(), "POST", "/sse/" + n, R"({"data":"x"})", key_header);
      BOOST_TEST(pub.status == 400u);
      require_valid_json(pub);
      auto task = call(run.port(), "GET", "/tasks/" + n);
      BOOST_TEST(task.status == 400u);
      require_valid_json(task);
      auto cancel = call(run.port(), "DELETE", "/tasks/" + n);
      BOOST_TEST(cancel.status == 400u);
      require_valid_json(cancel);
      auto events = call(run.port(), "GET", "/quick_events?Id=" + n, "", stream_header);
      BOOST_TEST(events.status == 400u);
      require_valid_json(events);
      for (std::string_view path : {"/admin/groups/", "/admin/tasks/"}) {
        auto a = call(*node.admin_port(), "GET", std::string{path} + n, "", admin);
        BOOST_TEST(a.status == 400u, a.raw.body());
        require_valid_json(a);
      }
    }
  }
  // An event name or key with control characters is refused too.
  auto bad_event =
      call(run.port(), "POST", "/sse/fine", "{\"event\":\"a\\u001bb\",\"data\":1}", key_header);
  BOOST_TEST(bad_event.status == 400u);
  auto bad_key =
      call(run.port(), "POST", "/sse/fine", "{\"id\":\"\\u0001\",\"data\":1}", key_header);
  BOOST_TEST(bad_key.status == 400u);
  // UTF-8 names are welcome, and echoed as valid JSON, header and label.
  auto accented = call(run.port(), "POST", "/sse/caf%C3%A9", R"({"data":"x"})", key_header);
  BOOST_TEST(accented.status == 202u);
  require_valid_json(accented);
  BOOST_TEST(accented.text("Group") == "caf\xC3\xA9");
  sse_stream s{run.port(), "/sse/caf%C3%A9"};
  BOOST_REQUIRE(s.read_head());
  BOOST_TEST(s.header("X-Pode-Sse-Group") == "caf\xC3\xA9");
  BOOST_TEST(field_value_grammar(s.header("X-Pode-Sse-Group")));
  BOOST_REQUIRE(s.wait_events(1));
  auto open = json::parse(s.events().front().data);
  BOOST_TEST(open.at("group").as_string() == "caf\xC3\xA9");
  auto unknown = call(run.port(), "GET", "/tasks/%C3%A9t%C3%A9");
  BOOST_TEST(unknown.status == 404u);
  require_valid_json(unknown);
  BOOST_TEST(unknown.text("Id") == "\xC3\xA9t\xC3\xA9");
  auto m = scrape(node); // the strict reader refuses raw control bytes and invalid UTF-8
  BOOST_TEST(m.parsed.value("herald_sse_subscribers{group=\"caf\xC3\xA9\"}") == 1);
}

BOOST_AUTO_TEST_SUITE_END()
