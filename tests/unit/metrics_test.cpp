// `/metrics` as pure functions: the histogram's buckets, the Prometheus text format (values,
// escaping, histogram samples) and every series rendered from inspection snapshots.

#include "actors/sse_directory.hpp"
#include "app/metrics.hpp"
#include "net/metrics.hpp"
#include "support/prometheus.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <cmath>

using namespace std::chrono_literals;
namespace net = herald::net;
namespace app = herald::app;

BOOST_AUTO_TEST_SUITE(metrics)

BOOST_AUTO_TEST_CASE(sample_values_are_written_as_prometheus_reads_them) {
  BOOST_TEST(net::format_sample_value(0) == "0");
  BOOST_TEST(net::format_sample_value(42) == "42");
  BOOST_TEST(net::format_sample_value(-3) == "-3");
  BOOST_TEST(net::format_sample_value(0.25) == "0.25");
  BOOST_TEST(net::format_sample_value(1e-4) == "0.0001");
  BOOST_TEST(net::format_sample_value(18446744073709551616.0) == "1.8446744073709552e+19");
  BOOST_TEST(net::format_sample_value(INFINITY) == "+Inf");
  BOOST_TEST(net::format_sample_value(-INFINITY) == "-Inf");
  BOOST_TEST(net::format_sample_value(NAN) == "NaN");
}

BOOST_AUTO_TEST_CASE(label_values_are_escaped) {
  BOOST_TEST(net::escape_label_value(R"(a"b\c)") == R"(a\"b\\c)");
  BOOST_TEST(net::escape_label_value("line\nbreak") == R"(line\nbreak)");
  BOOST_TEST(net::escape_label_value("plain / [POST] ü") == "plain / [POST] ü");
}

BOOST_AUTO_TEST_CASE(families_samples_and_histograms_are_written_exactly) {
  net::prometheus_text out;
  out.family("x_total", "counter", "Things.\nCounted \\ here.");
  out.sample("x_total", {{"group", "a\"b"}, {"k", "v"}}, 3);
  out.sample("x_total", {}, 0.5);
  net::histogram_snapshot h;
  h.bounds = {0.1, 1};
  h.cumulative = {1, 3};
  h.count = 4;
  h.sum = 7.5;
  out.family("d_seconds", "histogram", "Durations.");
  out.histogram("d_seconds", {{"route", "[GET]/r"}}, h);
  BOOST_TEST(out.text() == "# HELP x_total Things.\\nCounted \\\\ here.\n"
                           "# TYPE x_total counter\n"
                           "x_total{group=\"a\\\"b\",k=\"v\"} 3\n"
                           "x_total 0.5\n"
                           "# HELP d_seconds Durations.\n"
                           "# TYPE d_seconds histogram\n"
                           "d_seconds_bucket{route=\"[GET]/r\",le=\"0.1\"} 1\n"
                           "d_seconds_bucket{route=\"[GET]/r\",le=\"1\"} 3\n"
                           "d_seconds_bucket{route=\"[GET]/r\",le=\"+Inf\"} 4\n"
                           "d_seconds_sum{route=\"[GET]/r\"} 7.5\n"
                           "d_seconds_count{route=\"[GET]/r\"} 4\n");
  auto parsed = herald::test::parse_prometheus(out.text());
  BOOST_TEST(parsed.error.empty(), parsed.error);
  BOOST_TEST(parsed.value("x_total{group=\"a\"b\",k=\"v\"}") == 3);
}

BOOST_AUTO_TEST_CASE(the_histogram_counts_each_observation_in_its_bucket) {
  net::histogram h;
  h.observe(50us);  // <= 0.0001
  h.observe(100us); // exactly on the first bound: still in it
  h.observe(300ms); // <= 0.5
  h.observe(1000s); // beyond every bound
  h.observe(-5ms);  // a clock that went back counts as 0
  auto s = h.snapshot();
  BOOST_REQUIRE_EQUAL(s.bounds.size(), net::histogram::bounds.size());
  BOOST_TEST(s.cumulative.front() == 3u);
  auto half = std::find(s.bounds.begin(), s.bounds.end(), 0.5) - s.bounds.begin();
  BOOST_TEST(s.cumulative[static_cast<std::size_t>(half) - 1] == 3u);
  BOOST_TEST(s.cumulative[static_cast<std::size_t>(half)] == 4u);
  BOOST_TEST(s.cumulative.back() == 4u);
  BOOST_TEST(s.count == 5u);
  BOOST_TEST(std::fabs(s.sum - (0.00005 + 0.0001 + 0.3 + 1000)) < 1e-9);
  for (std::size_t i = 1; i < s.cumulative.size(); ++i)
    BOOST_TEST(s.cumulative[i] >= s.cumulative[i - 1]);
}

BOOST_AUTO_TEST_CASE(every_series_is_rendered_from_the_snapshots) {
  app::metrics_input in;
  in.node.open_connections = 3;
  in.node.accepted = 10;
  in.node.refused = 1;
  in.node.responses = {0, 20, 0, 2, 1};
  in.node.uptime_seconds = 12.5;
  in.node.actors_running = 42;
  in.registry = boost::json::parse(R"({"[POST]/a": {
      "States": {"NotStarted": 1, "Running": 2, "Completed": 3, "Failed": 0, "Aborted": 1},
      "Outcomes": {"Completed": 30, "Failed": 4, "Aborted": 5},
      "Durations": {"Bounds": [0.1, 1], "Cumulative": [2, 3], "Count": 4, "Sum": 2.5}}})");
  in.groups = boost::json::parse(R"({"Groups": 3, "OpenGroups": 2, "MaxGroups": 10,
      "Refused": 6, "Totals": {"Subscribers": 9, "Published": 130, "Delivered": 700,
      "Dropped": 50, "SlowDisconnects": 2, "Waiting": 1, "RingEvents": 120, "RingBytes": 9900},
      "Top": [{"Name": "g\"1", "Subscribers": 7, "Published": 100,
      "Delivered": 650, "Dropped": 50, "SlowDisconnects": 2, "Waiting": 0,
      "Ring": {"Events": 100, "Bytes": 9000}}]})");
  in.routes = {boost::json::parse(R"({"Id": "[POST]/a", "Running": 2, "Queued": 1,
                   "MaxConcurrent": 2, "MaxQueued": 10, "Admitted": 40, "Refused": 3})"),
               boost::json::parse(R"({"Id": "[GET]/b", "Running": 0, "Queued": 0,
                   "MaxConcurrent": 1, "MaxQueued": 5, "Admitted": 0, "Refused": 0})"),
               boost::json::value{}}; // a supervisor that did not answer
  in.publish_latency = net::histogram{}.snapshot();
  in.publish_backlog = 4;
  auto text = app::render_metrics(in);
  auto m = herald::test::parse_prometheus(text);
  BOOST_REQUIRE_MESSAGE(m.error.empty(), m.error);
  BOOST_TEST(m.value("herald_connections") == 3);
  BOOST_TEST(m.value("herald_connections_accepted_total") == 10);
  BOOST_TEST(m.value("herald_connections_refused_total") == 1);
  BOOST_TEST(m.value("herald_http_responses_total{code=\"2xx\"}") == 20);
  BOOST_TEST(m.value("herald_http_responses_total{code=\"5xx\"}") == 1);
  BOOST_TEST(m.value("herald_uptime_seconds") == 12.5);
  BOOST_TEST(m.value("herald_actors") == 42);
  BOOST_TEST(m.value("herald_sse_groups") == 3);
  BOOST_TEST(m.value("herald_sse_open_groups") == 2);
  BOOST_TEST(m.value("herald_sse_max_groups") == 10);
  BOOST_TEST(m.value("herald_sse_groups_refused_total") == 6);
  BOOST_TEST(m.value("herald_sse_groups_shown") == 1);
  BOOST_TEST(m.value("herald_sse_all_subscribers") == 9);
  BOOST_TEST(m.value("herald_sse_all_events_published_total") == 130);
  BOOST_TEST(m.value("herald_sse_all_events_delivered_total") == 700);
  BOOST_TEST(m.value("herald_sse_all_ring_bytes") == 9900);
  BOOST_TEST(m.value("herald_sse_subscribers{group=\"g\"1\"}") == 7);
  BOOST_TEST(m.value("herald_sse_events_published_total{group=\"g\"1\"}") == 100);
  BOOST_TEST(m.value("herald_sse_events_delivered_total{group=\"g\"1\"}") == 650);
  BOOST_TEST(m.value("herald_sse_events_dropped_total{group=\"g\"1\"}") == 50);
  BOOST_TEST(m.value("herald_sse_slow_disconnects_total{group=\"g\"1\"}") == 2);
  BOOST_TEST(m.value("herald_sse_ring_bytes{group=\"g\"1\"}") == 9000);
  BOOST_TEST(m.value("herald_sse_publish_backlog") == 4);
  BOOST_TEST(m.types.at("herald_sse_publish_to_write_seconds") == "histogram");
  BOOST_TEST(m.value("herald_route_queue_depth{route=\"[POST]/a\"}") == 1);
  BOOST_TEST(m.value("herald_route_running_tasks{route=\"[POST]/a\"}") == 2);
  BOOST_TEST(m.value("herald_route_refused_total{route=\"[POST]/a\"}") == 3);
  BOOST_TEST(m.value("herald_tasks{route=\"[POST]/a\",state=\"Running\"}") == 2);
  BOOST_TEST(m.value("herald_tasks_finished_total{route=\"[POST]/a\",state=\"Failed\"}") == 4);
  BOOST_TEST(m.value("herald_task_duration_seconds_bucket{route=\"[POST]/a\",le=\"1\"}") == 3);
  BOOST_TEST(m.value("herald_task_duration_seconds_count{route=\"[POST]/a\"}") == 4);
  // A route without tasks yet has zero series, histogram included.
  BOOST_TEST(m.get("herald_tasks{route=\"[GET]/b\",state=\"NotStarted\"}").value_or(-1) == 0);
  BOOST_TEST(
      m.get("herald_tasks_finished_total{route=\"[GET]/b\",state=\"Completed\"}").value_or(-1) ==
      0);
  BOOST_TEST(
      m.get("herald_task_duration_seconds_bucket{route=\"[GET]/b\",le=\"+Inf\"}").value_or(-1) ==
      0);
  // No Running/Completed states in the finished counter.
  BOOST_TEST(!m.get("herald_tasks_finished_total{route=\"[POST]/a\",state=\"Running\"}"));
}

BOOST_AUTO_TEST_CASE(the_test_reader_refuses_malformed_text) {
  using herald::test::parse_prometheus;
  BOOST_TEST(!parse_prometheus("x 1\n").error.empty()); // no HELP/TYPE
  BOOST_TEST(!parse_prometheus("# HELP x h\n# TYPE x gauge\nx{a=\"1} 1\n").error.empty());
  BOOST_TEST(!parse_prometheus("# HELP x h\n# TYPE x gauge\nx 1").error.empty());
  BOOST_TEST(!parse_prometheus("# HELP x h\n# TYPE x gauge\nx one\n").error.empty());
  BOOST_TEST(parse_prometheus("# HELP x h\n# TYPE x gauge\nx{a=\"\\n\"} 1\n").error.empty());
}

BOOST_AUTO_TEST_CASE(group_figures_are_left_out_when_the_directory_did_not_answer) {
  // A missing answer must not read as "no groups" (the issue's `herald_sse_groups 0`).
  app::metrics_input in;
  in.publish_latency = net::histogram{}.snapshot();
  auto m = herald::test::parse_prometheus(app::render_metrics(in));
  BOOST_REQUIRE_MESSAGE(m.error.empty(), m.error);
  BOOST_TEST(!m.get("herald_sse_groups").has_value());
  BOOST_TEST(!m.get("herald_sse_all_subscribers").has_value());
  BOOST_TEST(m.types.at("herald_sse_groups") == "gauge");
}

BOOST_AUTO_TEST_CASE(busiest_groups_rank_by_subscribers_then_events_then_name) {
  using herald::actors::busier_group;
  using herald::actors::group_rank;
  BOOST_TEST(busier_group(group_rank{"b", 2, 0}, group_rank{"a", 1, 1000}));
  BOOST_TEST(busier_group(group_rank{"b", 1, 5}, group_rank{"a", 1, 4}));
  BOOST_TEST(busier_group(group_rank{"a", 1, 5}, group_rank{"b", 1, 5}));
  BOOST_TEST(!busier_group(group_rank{"a", 1, 5}, group_rank{"a", 1, 5}));
}

BOOST_AUTO_TEST_SUITE_END()
