// The demo app of SPEC §6 as the `herald` binary serves it, with short durations from its
// configuration file: every route runs to its result, the caps hold, and SIGTERM aborts what
// still runs.

#include "support/node_process.hpp"
#include "support/task_client.hpp"

#include <boost/test/unit_test.hpp>
#include <csignal>
#include <vector>

using namespace herald::test;
using namespace std::chrono_literals;

namespace {

const std::string fast_demo =
    R"({"log_level": "warn", "demo": {"tick_ms": 50, "report_ms": 300, "event_gap_ms": 100}})";

std::string invoke(std::uint16_t port, std::string_view method, std::string_view path) {
  auto r = call(port, method, path);
  if (r.status != 202)
    throw std::runtime_error(std::string{path} + " answered " + std::to_string(r.status));
  return r.text("Id");
}

} // namespace

BOOST_AUTO_TEST_SUITE(demo)

BOOST_AUTO_TEST_CASE(the_three_demo_routes_run_to_their_results) {
  node_process node{fast_demo};
  auto process = invoke(node.port(), "POST", "/process-data");
  auto report = invoke(node.port(), "GET", "/generate-report");
  auto sse = invoke(node.port(), "GET", "/sse");
  auto p = await_terminal(node.port(), process);
  BOOST_TEST(p.text("AsyncRouteId") == "[POST]/process-data");
  BOOST_TEST(p.text("State") == "Completed");
  BOOST_TEST(p.object().at("Progress").to_number<double>() == 100);
  BOOST_TEST(p.object().at("Result").at("message").as_string() == "Processing completed");
  auto r = await_terminal(node.port(), report);
  BOOST_TEST(r.text("AsyncRouteId") == "[GET]/generate-report");
  BOOST_TEST(r.object().at("Result").at("report").as_string() == "Report generation completed");
  BOOST_TEST(r.object().at("Progress").to_number<double>() == 100);
  auto s = await_terminal(node.port(), sse);
  BOOST_TEST(s.object().at("Result").at("message").as_string() == "Done");
}

BOOST_AUTO_TEST_CASE(process_data_runs_two_at_once_and_queues_the_third) {
  node_process node{fast_demo};
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i)
    ids.push_back(invoke(node.port(), "POST", "/process-data"));
  auto third = get_task(node.port(), ids[2]);
  BOOST_TEST(third.text("State") == "NotStarted");
  BOOST_TEST(third.object().at("QueuePosition").as_int64() == 1);
  for (const auto& id : ids)
    BOOST_TEST(await_terminal(node.port(), id).text("State") == "Completed");
}

BOOST_AUTO_TEST_CASE(sigterm_aborts_running_tasks_and_exits_0) {
  node_process node{R"({"log_level": "warn", "demo": {"tick_ms": 10000}})"};
  auto id = invoke(node.port(), "POST", "/process-data");
  await_state(node.port(), id, "Running");
  auto begin = std::chrono::steady_clock::now();
  BOOST_TEST(node.stop(SIGTERM, 10s).value_or(-1) == 0);
  BOOST_TEST(ms_since(begin) < 5000); // the body woke from its 10 s sleep at once
}

BOOST_AUTO_TEST_CASE(disabling_the_demo_removes_its_routes) {
  node_process node{R"({"demo": {"enabled": false}})"};
  BOOST_TEST(call(node.port(), "POST", "/process-data").status == 404);
  BOOST_TEST(call(node.port(), "GET", "/health").status == 200);
}

BOOST_AUTO_TEST_SUITE_END()
