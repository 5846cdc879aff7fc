// Async routes end to end (SPEC §4.1–§4.4), in-process nodes over real sockets: invoking,
// the supervisor's cap and queue, the task object, cancel, timeout, retention, queries,
// content negotiation, progress, and a thousand tasks that all finish.

#include "actors/task_record.hpp"
#include "actors/task_run.hpp"
#include "app/server.hpp"
#include "support/in_process_node.hpp"
#include "support/task_client.hpp"
#include "support/yaml_subset.hpp"

#include <algorithm>
#include <atomic>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>
#include <mutex>
#include <regex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace herald::test;
using namespace std::chrono_literals;
namespace app = herald::app;
namespace net = herald::net;
namespace json = boost::json;

namespace {

app::config task_config() {
  auto cfg = quiet_config();
  cfg.tasks.supervisor.cancel_grace = 300ms;
  return cfg;
}

/// Milliseconds from the request body's `ms` field (default `fallback`).
std::chrono::milliseconds body_ms(const app::task_context& ctx, long long fallback) {
  if (ctx.body().is_object())
    if (auto* v = ctx.body().as_object().if_contains("ms"))
      return std::chrono::milliseconds{v->to_number<long long>()};
  return std::chrono::milliseconds{fallback};
}

/// The routes most tests use:
/// - `POST /echo`: returns the body's `value` (null: no result);
/// - `POST /fail`: throws the body's `message`;
/// - `POST /hold`: sleeps the body's `ms` (default 10 s) unless cancelled, returns "held";
/// - `POST /once` (one slot): as /hold;
/// - `POST /fixed` (not cancellable): as /hold.
void declare_common(app::server& node) {
  node.async_route(net::verb::post, "/echo", {}, [](app::task_context& ctx) -> json::value {
    if (ctx.body().is_object())
      if (auto* v = ctx.body().as_object().if_contains("value"))
        return *v;
    return nullptr;
  });
  node.async_route(net::verb::post, "/fail", {}, [](app::task_context& ctx) -> json::value {
    throw std::runtime_error(std::string{ctx.body().at("message").as_string()});
  });
  auto hold = [](app::task_context& ctx) -> json::value {
    if (!ctx.sleep_for(body_ms(ctx, 10'000)))
      return "interrupted";
    return "held";
  };
  node.async_route(net::verb::post, "/hold", {}, hold);
  app::async_options one;
  one.max_concurrent = 1;
  node.async_route(net::verb::post, "/once", one, hold);
  app::async_options fixed;
  fixed.cancellable = false;
  node.async_route(net::verb::post, "/fixed", fixed, hold);
}

std::string start(std::uint16_t port, std::string_view route, std::string_view body = "{}") {
  auto r = call(port, "POST", route, body, "Content-Type: application/json\r\n");
  if (r.status != 202)
    throw std::runtime_error(std::string{route} + " answered " + std::to_string(r.status) + ": " +
                             r.raw.body());
  return r.text("Id");
}

api_reply query(std::uint16_t port, std::string_view filter, std::string_view extra = "",
                std::chrono::milliseconds timeout = 10s) {
  return call(port, "POST", "/tasks/query", filter,
              std::string{"Content-Type: application/json\r\n"} + std::string{extra}, timeout);
}

/// The ids of a query's answer, as a set.
std::set<std::string> ids_of(const api_reply& r) {
  std::set<std::string> out;
  for (const auto& t : r.json.as_array())
    out.insert(std::string{t.at("Id").as_string()});
  return out;
}

const std::regex time_format{R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$)"};
const std::regex guid_format{
    R"(^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$)"};

herald::actors::task_time time_of(const api_reply& r, std::string_view field) {
  return herald::actors::parse_time(r.text(field)).value();
}

long long ms_between(herald::actors::task_time a, herald::actors::task_time b) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}

struct common_node {
  app::server node{task_config()};
  std::optional<in_process_node> run;
  common_node() {
    declare_common(node);
    run.emplace(node);
  }
  std::uint16_t port() const { return run->port(); }
};

} // namespace

BOOST_AUTO_TEST_SUITE(tasks)

// -- invoking and the task object ----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(invoking_answers_202_with_location_and_the_pode_task_object) {
  common_node n;
  auto r = call(n.port(), "POST", "/echo", R"({"value": 7})", "Content-Type: application/json\r\n");
  BOOST_TEST(r.status == 202);
  BOOST_TEST(r.header("Content-Type") == "application/json");
  auto id = r.text("Id");
  BOOST_TEST(std::regex_match(id, guid_format));
  BOOST_TEST(r.header("Location") == "/tasks/" + id);
  BOOST_TEST(r.text("AsyncRouteId") == "[POST]/echo");
  BOOST_TEST((r.text("State") == "NotStarted"));
  BOOST_TEST(r.object().at("IsCompleted").as_bool() == false);
  BOOST_TEST(r.object().at("Cancellable").as_bool() == true);
  BOOST_TEST(std::regex_match(r.text("CreationTime"), time_format));
  BOOST_TEST(std::regex_match(r.text("ExpireTime"), time_format));
  // The default timeout is 8 hours, counted from creation.
  BOOST_TEST(ms_between(time_of(r, "CreationTime"), time_of(r, "ExpireTime")) == 8 * 3600 * 1000);
  BOOST_TEST(!r.has("StartingTime"));
  BOOST_TEST(!r.has("Result"));
  auto done = await_terminal(n.port(), id);
  BOOST_TEST(done.text("State") == "Completed");
  BOOST_TEST(done.object().at("Result").as_int64() == 7);
}

BOOST_AUTO_TEST_CASE(states_and_timestamps_follow_the_lifecycle) {
  common_node n;
  auto id = start(n.port(), "/hold", R"({"ms": 1000})");
  auto running = await_state(n.port(), id, "Running");
  BOOST_TEST(std::regex_match(running.text("StartingTime"), time_format));
  BOOST_TEST(!running.has("CompletedTime"));
  BOOST_TEST(running.object().at("IsCompleted").as_bool() == false);
  auto done = await_terminal(n.port(), id);
  BOOST_TEST(done.text("State") == "Completed");
  BOOST_TEST(done.object().at("IsCompleted").as_bool());
  BOOST_TEST(std::regex_match(done.text("CompletedTime"), time_format));
  auto created = time_of(done, "CreationTime");
  auto started = time_of(done, "StartingTime");
  auto completed = time_of(done, "CompletedTime");
  BOOST_TEST(ms_between(created, started) >= 0);
  BOOST_TEST(ms_between(started, completed) >= 990);
  BOOST_TEST(done.text("Result") == "held");
  BOOST_TEST(!done.has("Error"));
  BOOST_TEST(!done.has("QueuePosition"));
}

BOOST_AUTO_TEST_CASE(falsy_results_are_kept_and_null_means_no_result) {
  common_node n;
  const std::pair<const char*, json::value> cases[] = {
      {R"({"value": 0})", 0},
      {R"({"value": false})", false},
      {R"({"value": ""})", ""},
      {R"({"value": []})", json::array{}},
      {R"({"value": {"a": [1, 2]}})", {{"a", {1, 2}}}}};
  for (const auto& [body, expected] : cases) {
    auto done = await_terminal(n.port(), start(n.port(), "/echo", body));
    BOOST_TEST_CONTEXT(body) {
      BOOST_TEST(done.text("State") == "Completed");
      BOOST_REQUIRE(done.has("Result"));
      BOOST_TEST(done.object().at("Result") == expected);
    }
  }
  auto none = await_terminal(n.port(), start(n.port(), "/echo", "{}"));
  BOOST_TEST(none.text("State") == "Completed");
  BOOST_TEST(!none.has("Result"));
}

BOOST_AUTO_TEST_CASE(a_thrown_error_fails_the_task_with_its_message) {
  common_node n;
  auto done =
      await_terminal(n.port(), start(n.port(), "/fail", R"({"message": "boom: disk full"})"));
  BOOST_TEST(done.text("State") == "Failed");
  BOOST_TEST(done.text("Error") == "boom: disk full");
  BOOST_TEST(done.object().at("IsCompleted").as_bool());
  BOOST_TEST(!done.has("Result"));
  BOOST_TEST(done.has("CompletedTime"));
}

BOOST_AUTO_TEST_CASE(a_body_that_is_not_json_is_refused_and_creates_nothing) {
  common_node n;
  auto r = call(n.port(), "POST", "/echo", "{not json", "Content-Type: application/json\r\n");
  BOOST_TEST(r.status == 400);
  BOOST_TEST(r.text("Error").find("not valid JSON") != std::string::npos);
  BOOST_TEST(query(n.port(), "{}").json.as_array().empty());
  // And the node keeps serving.
  BOOST_TEST(call(n.port(), "POST", "/echo", "").status == 202);
}

BOOST_AUTO_TEST_CASE(path_and_query_parameters_and_body_reach_the_task) {
  app::server node{task_config()};
  node.async_route(net::verb::put, "/jobs/{kind}", {}, [](app::task_context& ctx) -> json::value {
    return {{"kind", ctx.param("kind")},
            {"mode", ctx.query("mode").value_or("none")},
            {"body", ctx.body()},
            {"id", ctx.id()}};
  });
  in_process_node run{node};
  auto r = call(run.port(), "PUT", "/jobs/re%20index?mode=fast", R"({"n": 3})");
  BOOST_TEST(r.status == 202);
  BOOST_TEST(r.text("AsyncRouteId") == "[PUT]/jobs/{kind}");
  auto done = await_terminal(run.port(), r.text("Id"));
  auto& result = done.object().at("Result").as_object();
  BOOST_TEST(result.at("kind").as_string() == "re index");
  BOOST_TEST(result.at("mode").as_string() == "fast");
  BOOST_TEST(result.at("body").at("n").as_int64() == 3);
  BOOST_TEST(result.at("id").as_string() == r.text("Id"));
}

BOOST_AUTO_TEST_CASE(a_custom_id_generator_names_the_tasks) {
  app::server node{task_config()};
  std::atomic<int> counter{0};
  app::async_options o;
  o.id_generator = [&counter] {
    return "job-" + std::to_string(++counter) + "-custom";
  };
  node.async_route(net::verb::post, "/custom", o,
                   [](app::task_context&) -> json::value { return 1; });
  app::async_options clash;
  clash.id_generator = [] {
    return std::string{"same id/1"};
  };
  node.async_route(net::verb::post, "/clash", clash,
                   [](app::task_context&) -> json::value { return 1; });
  in_process_node run{node};
  auto r = call(run.port(), "POST", "/custom");
  BOOST_TEST(r.text("Id") == "job-1-custom");
  BOOST_TEST(get_task(run.port(), "job-1-custom").status == 200);
  // An id with characters that need escaping gets an escaped Location that reads back.
  auto first = call(run.port(), "POST", "/clash");
  BOOST_TEST(first.status == 202);
  BOOST_TEST(first.header("Location") == "/tasks/same%20id%2F1");
  BOOST_TEST(call(run.port(), "GET", first.header("Location")).text("Id") == "same id/1");
  // Ids are unique: the generator repeating itself is refused, the first task untouched.
  auto second = call(run.port(), "POST", "/clash");
  BOOST_TEST(second.status == 409);
  BOOST_TEST(await_terminal(run.port(), "same%20id%2F1").text("State") == "Completed");
}

BOOST_AUTO_TEST_CASE(no_timeout_expires_at_the_end_of_time) {
  app::server node{task_config()};
  app::async_options o;
  o.timeout = std::nullopt;
  node.async_route(net::verb::post, "/forever", o,
                   [](app::task_context&) -> json::value { return 1; });
  in_process_node run{node};
  auto r = call(run.port(), "POST", "/forever");
  BOOST_TEST(r.text("ExpireTime") == "9999-12-31T23:59:59.9999999Z");
}

// -- the supervisor: cap, queue, refusals -------------------------------------------------------

BOOST_AUTO_TEST_CASE(with_one_slot_the_second_task_waits_first_in_the_queue) {
  common_node n;
  auto first = start(n.port(), "/once", R"({"ms": 1000})");
  auto second_reply = call(n.port(), "POST", "/once", R"({"ms": 10})");
  auto second = second_reply.text("Id");
  BOOST_TEST(second_reply.text("State") == "NotStarted");
  BOOST_TEST(second_reply.object().at("QueuePosition").as_int64() == 1);
  await_state(n.port(), first, "Running");
  auto waiting = get_task(n.port(), second);
  BOOST_TEST(waiting.text("State") == "NotStarted");
  BOOST_TEST(waiting.object().at("QueuePosition").as_int64() == 1);
  BOOST_TEST(!waiting.has("StartingTime"));
  auto first_done = await_terminal(n.port(), first);
  auto second_done = await_terminal(n.port(), second);
  BOOST_TEST(second_done.text("State") == "Completed");
  BOOST_TEST(!second_done.has("QueuePosition"));
  // It started only once the first had ended.
  BOOST_TEST(
      ms_between(time_of(first_done, "CompletedTime"), time_of(second_done, "StartingTime")) >= 0);
}

BOOST_AUTO_TEST_CASE(a_full_queue_is_refused_with_429_and_retry_after) {
  app::server node{task_config()};
  app::async_options o;
  o.max_concurrent = 1;
  o.max_queued = 2;
  node.async_route(net::verb::post, "/small", o, [](app::task_context& ctx) -> json::value {
    ctx.sleep_for(10s);
    return nullptr;
  });
  in_process_node run{node};
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i)
    ids.push_back(start(run.port(), "/small"));
  auto refused = call(run.port(), "POST", "/small");
  BOOST_TEST(refused.status == 429);
  BOOST_TEST(!refused.header("Retry-After").empty());
  BOOST_TEST(!refused.text("Error").empty());
  // Nothing was created for the refused call.
  BOOST_TEST(query(run.port(), "{}").json.as_array().size() == 3u);
  // Cancelling a queued task makes room again.
  BOOST_TEST(call(run.port(), "DELETE", "/tasks/" + ids[2]).status == 200);
  BOOST_TEST(call(run.port(), "POST", "/small").status == 202);
  for (const auto& id : ids)
    call(run.port(), "DELETE", "/tasks/" + id);
}

BOOST_AUTO_TEST_CASE(a_task_actor_that_dies_fails_its_task_and_frees_its_slot) {
  app::server node{task_config()};
  app::async_options o;
  o.max_concurrent = 1;
  node.async_route(net::verb::post, "/crash", o, [](app::task_context& ctx) -> json::value {
    if (ctx.body().is_object() && ctx.body().as_object().contains("crash"))
      throw 42; // not a std::exception: it escapes the body and kills the actor
    return "fine";
  });
  in_process_node run{node};
  auto crashed = start(run.port(), "/crash", R"({"crash": true})");
  auto next = start(run.port(), "/crash", "{}");
  auto c = await_terminal(run.port(), crashed);
  BOOST_TEST(c.text("State") == "Failed");
  BOOST_TEST(c.text("Error").find("terminated unexpectedly") != std::string::npos, c.text("Error"));
  BOOST_TEST(c.text("Error").find("not a std::exception") != std::string::npos, c.text("Error"));
  BOOST_TEST(await_terminal(run.port(), next).text("Result") == "fine");
}

// -- cancel ---------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(cancelling_a_running_task_aborts_it_and_stops_its_body) {
  common_node n;
  auto id = start(n.port(), "/hold");
  await_state(n.port(), id, "Running");
  auto r = call(n.port(), "DELETE", "/tasks/" + id);
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.text("State") == "Aborted");
  BOOST_TEST(r.text("Error") == "Aborted by the user");
  BOOST_TEST(r.object().at("IsCompleted").as_bool());
  BOOST_TEST(r.has("CompletedTime"));
  // The body woke from its sleep; its late result does not change the record.
  std::this_thread::sleep_for(100ms);
  auto later = get_task(n.port(), id);
  BOOST_TEST(later.text("State") == "Aborted");
  BOOST_TEST(!later.has("Result"));
}

BOOST_AUTO_TEST_CASE(cancelling_a_queued_task_takes_it_out_of_the_queue) {
  common_node n;
  auto first = start(n.port(), "/once", R"({"ms": 2000})");
  auto second = start(n.port(), "/once", R"({"ms": 10})");
  auto third = start(n.port(), "/once", R"({"ms": 10})");
  BOOST_TEST(get_task(n.port(), third).object().at("QueuePosition").as_int64() == 2);
  auto r = call(n.port(), "DELETE", "/tasks/" + second);
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.text("State") == "Aborted");
  BOOST_TEST(!r.has("StartingTime"));
  BOOST_TEST(get_task(n.port(), third).object().at("QueuePosition").as_int64() == 1);
  await_terminal(n.port(), first);
  BOOST_TEST(await_terminal(n.port(), third).text("State") == "Completed");
  auto cancelled = get_task(n.port(), second);
  BOOST_TEST(cancelled.text("State") == "Aborted");
  BOOST_TEST(!cancelled.has("StartingTime")); // it never ran
}

BOOST_AUTO_TEST_CASE(cancel_answers_423_404_and_410_with_pode_messages) {
  common_node n;
  auto fixed = start(n.port(), "/fixed", R"({"ms": 1500})");
  auto locked = call(n.port(), "DELETE", "/tasks/" + fixed);
  BOOST_TEST(locked.status == 423);
  BOOST_TEST(locked.text("Id") == fixed);
  BOOST_TEST(locked.text("Error") == "The task has the 'NonCancellable' flag.");
  auto missing = call(n.port(), "DELETE", "/tasks/no-such-task");
  BOOST_TEST(missing.status == 404);
  BOOST_TEST(missing.text("Id") == "no-such-task");
  BOOST_TEST(missing.text("Error") == "No Async Route operation Found");
  BOOST_TEST(await_terminal(n.port(), fixed).text("State") == "Completed");
  auto gone = call(n.port(), "DELETE", "/tasks/" + fixed);
  BOOST_TEST(gone.status == 410);
  BOOST_TEST(gone.text("Error") == "The Task is already completed.");
  auto unknown = get_task(n.port(), "no-such-task");
  BOOST_TEST(unknown.status == 404);
  BOOST_TEST(unknown.text("Id") == "no-such-task");
}

BOOST_AUTO_TEST_CASE(a_body_that_ignores_cancellation_is_aborted_and_its_slot_released) {
  app::server node{task_config()}; // cancel grace 300 ms
  app::async_options o;
  o.max_concurrent = 1;
  std::atomic<bool> body_returned{false};
  node.async_route(net::verb::post, "/stubborn", o, [&](app::task_context& ctx) -> json::value {
    if (ctx.body().is_object() && ctx.body().as_object().contains("quick"))
      return "quick";
    std::this_thread::sleep_for(3000ms); // never looks at cancellation
    body_returned = true;
    return "too late";
  });
  in_process_node run{node};
  auto stubborn = start(run.port(), "/stubborn");
  auto next = start(run.port(), "/stubborn", R"({"quick": true})");
  await_state(run.port(), stubborn, "Running");
  auto cancelled_at = std::chrono::steady_clock::now();
  BOOST_TEST(call(run.port(), "DELETE", "/tasks/" + stubborn).text("State") == "Aborted");
  // The slot goes to the next task after the grace period, not after the body returns.
  auto n2 = await_terminal(run.port(), next);
  BOOST_TEST(n2.text("Result") == "quick");
  BOOST_TEST(ms_since(cancelled_at) >= 250);
  BOOST_TEST(!body_returned.load());
  // When the body finally returns, the task stays Aborted.
  for (int i = 0; i < 600 && !body_returned; ++i)
    std::this_thread::sleep_for(10ms);
  BOOST_TEST(body_returned.load());
  std::this_thread::sleep_for(50ms);
  auto s = get_task(run.port(), stubborn);
  BOOST_TEST(s.text("State") == "Aborted");
  BOOST_TEST(s.text("Error") == "Aborted by the user");
  BOOST_TEST(!s.has("Result"));
}

// -- timeout and retention ----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_task_past_its_timeout_is_aborted_within_a_second) {
  app::server node{task_config()};
  app::async_options o;
  o.timeout = 300ms;
  o.cancellable = false; // the timeout applies all the same
  o.max_concurrent = 1;
  node.async_route(net::verb::post, "/slow", o, [](app::task_context& ctx) -> json::value {
    ctx.sleep_for(10s);
    return "done";
  });
  in_process_node run{node};
  auto running = start(run.port(), "/slow");
  auto queued = start(run.port(), "/slow"); // times out while waiting its turn
  for (const auto& id : {running, queued}) {
    auto done = await_terminal(run.port(), id);
    BOOST_TEST(done.text("State") == "Aborted");
    BOOST_TEST(done.text("Error") == "Timeout");
    auto late = ms_between(time_of(done, "ExpireTime"), time_of(done, "CompletedTime"));
    BOOST_TEST(late >= 0);
    BOOST_TEST(late < 1000);
    BOOST_TEST(ms_between(time_of(done, "CreationTime"), time_of(done, "ExpireTime")) == 300);
  }
}

BOOST_AUTO_TEST_CASE(a_zero_timeout_is_accepted_then_aborted_at_once) {
  app::server node{task_config()};
  app::async_options o;
  o.timeout = 0ms;
  o.max_concurrent = 1;
  node.async_route(net::verb::post, "/instant", o, [](app::task_context& ctx) -> json::value {
    ctx.sleep_for(10s);
    return "done";
  });
  in_process_node run{node};
  std::vector<std::string> ids; // invoked back to back: the running one and queued ones
  for (int i = 0; i < 20; ++i) {
    auto r = call(run.port(), "POST", "/instant");
    BOOST_REQUIRE(r.status == 202);
    ids.push_back(r.text("Id"));
  }
  for (const auto& id : ids) {
    auto done = await_terminal(run.port(), id);
    BOOST_TEST(done.text("State") == "Aborted");
    BOOST_TEST(done.text("Error") == "Timeout");
  }
}

BOOST_AUTO_TEST_CASE(finished_tasks_are_forgotten_after_the_retention_period) {
  auto cfg = task_config();
  cfg.tasks.registry.retention = 1000ms;
  app::server node{cfg};
  declare_common(node);
  in_process_node run{node};
  auto id = start(run.port(), "/echo", R"({"value": 1})");
  auto done = await_terminal(run.port(), id);
  auto completed = time_of(done, "CompletedTime");
  auto since_completed = [&] {
    return ms_between(completed, herald::actors::task_clock::now());
  };
  auto first = get_task(run.port(), id);
  BOOST_TEST((first.status == 200 || since_completed() >= 1000));
  int status = 200;
  long long gone_after = 0;
  while (status == 200 && since_completed() < 6000) {
    gone_after = since_completed(); // a lower bound of when it was forgotten
    std::this_thread::sleep_for(20ms);
    status = static_cast<int>(get_task(run.port(), id).status);
  }
  BOOST_TEST(status == 404);
  BOOST_TEST(gone_after >= 950); // still there shortly before its retention ended
  BOOST_TEST(query(run.port(), "{}").json.as_array().empty());
}

BOOST_AUTO_TEST_CASE(beyond_max_retained_the_oldest_finished_tasks_are_forgotten_first) {
  auto cfg = task_config();
  cfg.tasks.registry.max_retained = 3;
  app::server node{cfg};
  declare_common(node);
  in_process_node run{node};
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(await_terminal(run.port(), start(run.port(), "/echo", "{}")).text("Id"));
  BOOST_TEST(get_task(run.port(), ids[0]).status == 404);
  BOOST_TEST(get_task(run.port(), ids[1]).status == 404);
  for (int i = 2; i < 5; ++i)
    BOOST_TEST(get_task(run.port(), ids[static_cast<std::size_t>(i)]).status == 200);
  // Unfinished tasks do not count and are never forgotten.
  auto held = start(run.port(), "/hold");
  BOOST_TEST(get_task(run.port(), held).status == 200);
  BOOST_TEST(query(run.port(), "{}").json.as_array().size() == 4u);
  call(run.port(), "DELETE", "/tasks/" + held);
}

// -- waiting ------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(wait_holds_the_answer_until_the_task_ends) {
  common_node n;
  auto id = start(n.port(), "/hold", R"({"ms": 300})");
  auto begin = std::chrono::steady_clock::now();
  auto r = call(n.port(), "GET", "/tasks/" + id + "?wait=10");
  BOOST_TEST(r.text("State") == "Completed");
  BOOST_TEST(ms_since(begin) < 5000);
  // A wait that ends first answers with the task as it is.
  auto long_one = start(n.port(), "/hold");
  begin = std::chrono::steady_clock::now();
  auto held = call(n.port(), "GET", "/tasks/" + long_one + "?wait=0.3");
  BOOST_TEST(held.status == 200);
  BOOST_TEST(held.object().at("IsCompleted").as_bool() == false);
  BOOST_TEST(ms_since(begin) >= 250);
  BOOST_TEST(ms_since(begin) < 3000);
  // Cancelling releases a waiter at once.
  std::thread canceller{[&] {
    std::this_thread::sleep_for(100ms);
    call(n.port(), "DELETE", "/tasks/" + long_one);
  }};
  auto released = call(n.port(), "GET", "/tasks/" + long_one + "?wait=30");
  canceller.join();
  BOOST_TEST(released.text("State") == "Aborted");
  for (const char* bad : {"?wait=61", "?wait=-1", "?wait=abc", "?wait="}) {
    BOOST_TEST_CONTEXT(bad) {
      BOOST_TEST(call(n.port(), "GET", "/tasks/" + id + bad).status == 400);
    }
  }
}

// -- progress -----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(range_progress_moves_in_steps_and_reaches_100_only_on_completion) {
  app::server node{task_config()};
  std::atomic<int> step{0};
  std::atomic<int> allowed{0};
  node.async_route(net::verb::post, "/steps", {}, [&](app::task_context& ctx) -> json::value {
    ctx.progress_range(0, 100, 5);
    for (int i = 0; i < 21; ++i) { // one more tick than the range has: it clamps
      while (allowed.load() <= i && !ctx.cancelled())
        ctx.sleep_for(2ms);
      ctx.progress_tick();
      step = i + 1;
    }
    while (allowed.load() <= 21)
      ctx.sleep_for(2ms);
    return nullptr;
  });
  in_process_node run{node};
  auto id = start(run.port(), "/steps");
  for (int i = 1; i <= 21; ++i) {
    allowed = i;
    for (int wait = 0; wait < 5000 && step.load() < i; ++wait)
      std::this_thread::sleep_for(1ms);
    BOOST_REQUIRE(step.load() >= i);
    // The registry hears of the change shortly after.
    double expected = std::min(5.0 * i, 99.99);
    double seen = -1;
    for (int tries = 0; tries < 200 && seen != expected; ++tries) {
      seen = get_task(run.port(), id).object().at("Progress").to_number<double>();
      if (seen != expected)
        std::this_thread::sleep_for(2ms);
    }
    BOOST_TEST(seen == expected);
  }
  allowed = 22;
  auto done = await_terminal(run.port(), id);
  BOOST_TEST(done.object().at("Progress").to_number<double>() == 100);
}

BOOST_AUTO_TEST_CASE(set_progress_is_clamped_and_failure_keeps_the_last_value) {
  app::server node{task_config()};
  node.async_route(net::verb::post, "/set", {}, [](app::task_context& ctx) -> json::value {
    ctx.set_progress(ctx.body().at("value").to_number<double>());
    if (ctx.body().as_object().contains("fail"))
      throw std::runtime_error("failed at " + std::to_string(*ctx.progress()));
    ctx.sleep_for(body_ms(ctx, 10'000));
    return nullptr;
  });
  node.async_route(net::verb::post, "/timed", {}, [](app::task_context& ctx) -> json::value {
    ctx.progress_over(2000ms, 200ms);
    ctx.sleep_for(10s);
    return nullptr;
  });
  in_process_node run{node};
  auto half = start(run.port(), "/set", R"({"value": 42.5})");
  auto r = await_state(run.port(), half, "Running");
  for (int i = 0; i < 200 && !r.has("Progress"); ++i)
    r = get_task(run.port(), half);
  BOOST_TEST(r.object().at("Progress").to_number<double>() == 42.5);
  // Written as a plain decimal, not in exponent form.
  BOOST_TEST(r.raw.body().find(R"("Progress":42.5)") != std::string::npos, r.raw.body());
  call(run.port(), "DELETE", "/tasks/" + half);
  auto over = start(run.port(), "/set", R"({"value": 250, "ms": 200})");
  BOOST_TEST(await_terminal(run.port(), over).object().at("Progress").to_number<double>() == 100);
  auto under = start(run.port(), "/set", R"({"value": -3, "ms": 1})");
  await_terminal(run.port(), under);
  auto failed =
      await_terminal(run.port(), start(run.port(), "/set", R"({"value": 250, "fail": 1})"));
  BOOST_TEST(failed.text("State") == "Failed");
  BOOST_TEST(failed.object().at("Progress").to_number<double>() == 99.99);
  // Time-based: rises by itself, stops below 100, and the task is aborted keeping it.
  auto timed = start(run.port(), "/timed");
  auto progress_of = [&] {
    auto t = get_task(run.port(), timed);
    auto* p = t.object().if_contains("Progress");
    return p ? p->to_number<double>() : -1.0;
  };
  // It rises by itself through values between 0 and the clamp...
  std::set<double> seen;
  double end = -1;
  for (int i = 0; i < 200 && end < 99.99; ++i) {
    std::this_thread::sleep_for(25ms);
    end = progress_of();
    seen.insert(end);
  }
  BOOST_TEST(std::any_of(seen.begin(), seen.end(), [](double v) { return v > 0 && v < 99.99; }));
  BOOST_TEST(end == 99.99); // the clamp: only completion reaches 100
  auto aborted = call(run.port(), "DELETE", "/tasks/" + timed);
  BOOST_TEST(aborted.object().at("Progress").to_number<double>() == 99.99);
}

// -- queries ------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(queries_filter_with_every_operator_and_field_type) {
  common_node n;
  auto p = n.port();
  auto before = herald::actors::format_time(herald::actors::task_clock::now());
  auto ok = start(p, "/echo", R"({"value": 1})");
  auto failed = start(p, "/fail", R"({"message": "bad input"})");
  await_terminal(p, ok);
  await_terminal(p, failed);
  auto held = start(p, "/hold", R"({"ms": 10000})");
  auto fixed = start(p, "/fixed", R"({"ms": 10000})");
  await_state(p, held, "Running");
  await_state(p, fixed, "Running");
  auto after = herald::actors::format_time(herald::actors::task_clock::now() + 1h);
  auto q = [&](const std::string& filter) {
    auto r = query(p, filter);
    BOOST_TEST_REQUIRE(r.status == 200);
    BOOST_TEST_REQUIRE(r.json.is_array());
    return ids_of(r);
  };
  using set = std::set<std::string>;
  // Strings.
  BOOST_TEST((q(R"({"State":{"op":"EQ","value":"completed"}})") == set{ok}));
  BOOST_TEST((q(R"({"State":{"op":"NE","value":"Running"}})") == set{ok, failed}));
  BOOST_TEST((q(R"({"AsyncRouteId":{"op":"LIKE","value":"ECH"}})") == set{ok}));
  BOOST_TEST((q(R"({"AsyncRouteId":{"op":"NOTLIKE","value":"/?o"}})") == set{ok, failed, fixed}));
  BOOST_TEST((q(R"({"Error":{"op":"EQ","value":"bad input"}})") == set{failed}));
  BOOST_TEST((q(R"({"Id":{"op":"EQ","value":")" + ok + R"("}})") == set{ok}));
  BOOST_TEST((q(R"({"AsyncRouteId":{"op":"GT","value":"[POST]/f"}})") == set{failed, held, fixed}));
  BOOST_TEST((q(R"({"AsyncRouteId":{"op":"LT","value":"[POST]/f"}})") == set{ok}));
  BOOST_TEST((q(R"({"AsyncRouteId":{"op":"GE","value":"[POST]/hold"}})") == set{held}));
  BOOST_TEST((q(R"({"AsyncRouteId":{"op":"LE","value":"[POST]/echo"}})") == set{ok}));
  BOOST_TEST((q(R"({"Method":{"op":"EQ","value":"post"}})").size() == 4u));
  BOOST_TEST((q(R"({"Url":{"op":"LIKE","value":"/hold"}})") == set{held}));
  // Dates.
  BOOST_TEST((q(R"({"CreationTime":{"op":"GT","value":")" + before + R"("}})").size() == 4u));
  BOOST_TEST((q(R"({"CreationTime":{"op":"LT","value":")" + before + R"("}})").empty()));
  BOOST_TEST(
      (q(R"({"CompletedTime":{"op":"GE","value":")" + before + R"("}})") == set{ok, failed}));
  BOOST_TEST((q(R"({"StartingTime":{"op":"LE","value":")" + after + R"("}})").size() == 4u));
  BOOST_TEST(
      (q(R"({"ExpireTime":{"op":"NE","value":"9999-12-31T23:59:59.9999999Z"}})").size() == 4u));
  auto created = get_task(p, ok).text("CreationTime");
  BOOST_TEST((q(R"({"CreationTime":{"op":"EQ","value":")" + created + R"("}})") == set{ok}));
  // Numbers.
  BOOST_TEST((q(R"({"Progress":{"op":"GE","value":0}})").empty())); // nobody reported any
  // Booleans; conditions are AND-ed.
  BOOST_TEST((q(R"({"Cancellable":{"op":"EQ","value":false}})") == set{fixed}));
  BOOST_TEST(
      (q(R"({"Cancellable":{"op":"NE","value":false},"State":{"op":"EQ","value":"Running"}})") ==
       set{held}));
  // Nothing matches: an empty array, not an error.
  auto none = query(p, R"({"State":{"op":"EQ","value":"Aborted"}})");
  BOOST_TEST(none.status == 200);
  BOOST_TEST(none.raw.body() == "[]");
  call(p, "DELETE", "/tasks/" + held);
}

BOOST_AUTO_TEST_CASE(queries_compare_progress_as_a_number_with_every_operator) {
  app::server node{task_config()};
  node.async_route(net::verb::post, "/p", {}, [](app::task_context& ctx) -> json::value {
    ctx.set_progress(ctx.body().at("p").to_number<double>());
    if (ctx.body().as_object().contains("fail")) // a failed task keeps its last value
      throw std::runtime_error("stopped");
    return nullptr;
  });
  in_process_node run{node};
  auto p = run.port();
  auto low = await_terminal(p, start(p, "/p", R"({"p": 10, "fail": 1})")).text("Id");
  auto high = await_terminal(p, start(p, "/p", R"({"p": 60.5, "fail": 1})")).text("Id");
  auto done = await_terminal(p, start(p, "/p", R"({"p": 30})")).text("Id"); // Completed: 100
  auto q = [&](std::string_view op, std::string_view value) {
    return ids_of(query(p, R"({"Progress":{"op":")" + std::string{op} + R"(","value":)" +
                               std::string{value} + "}}"));
  };
  using set = std::set<std::string>;
  BOOST_TEST((q("EQ", "10") == set{low}));
  BOOST_TEST((q("NE", "10") == set{high, done}));
  BOOST_TEST((q("GT", "60") == set{high, done}));
  BOOST_TEST((q("GE", "60.5") == set{high, done}));
  BOOST_TEST((q("LT", "60.5") == set{low}));
  BOOST_TEST((q("LE", "60.5") == set{low, high}));
  BOOST_TEST((q("EQ", "100") == set{done}));
}

BOOST_AUTO_TEST_CASE(bad_queries_are_answered_400_naming_the_fault) {
  common_node n;
  const std::pair<const char*, const char*> cases[] = {
      {R"({"Name":{"op":"EQ","value":"x"}})", "Name"},
      {R"({"State":{"op":"XX","value":"Running"}})", "XX"},
      {R"({"State":{"value":"Running"}})", "op"},
      {R"({"State":{"op":"EQ"}})", "value"},
      {R"({"State":"Running"})", "State"},
      {R"([1,2])", "object"},
      {R"({"Cancellable":{"op":"GT","value":true}})", "GT"},
      {R"({"CreationTime":{"op":"GT","value":"yesterday"}})", "yesterday"},
  };
  for (const auto& [filter, named] : cases) {
    BOOST_TEST_CONTEXT(filter) {
      auto r = query(n.port(), filter);
      BOOST_TEST(r.status == 400);
      BOOST_TEST(r.text("Error").find(named) != std::string::npos, r.text("Error"));
    }
  }
  auto broken = query(n.port(), "{oops");
  BOOST_TEST(broken.status == 400);
  BOOST_TEST(broken.text("Error").find("not valid JSON") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_value_past_the_bound_or_too_many_conditions_are_answered_400) {
  auto cfg = task_config();
  cfg.tasks.query_max_value_bytes = 100;
  app::server node{cfg};
  declare_common(node);
  in_process_node run{node};
  // The issue's query, at the bound's scale: refused before it reaches the registry.
  auto too_long =
      query(run.port(), R"({"Url":{"op":"LIKE","value":")" + std::string(100, 'a') + R"(b"}})");
  BOOST_TEST(too_long.status == 400);
  BOOST_TEST(too_long.text("Error").find("Url: 'value' is 101 bytes long; at most 100") !=
                 std::string::npos,
             too_long.text("Error"));
  auto at_bound =
      query(run.port(), R"({"Url":{"op":"LIKE","value":")" + std::string(100, 'a') + R"("}})");
  BOOST_TEST(at_bound.status == 200);
  std::string many = "{";
  for (std::string_view f : {"Id", "id", "ID", "iD", "Url", "url", "URL", "uRL", "UrL", "urL",
                             "URl", "uRl", "Method", "method"})
    many += std::string{many.size() > 1 ? "," : ""} + "\"" + std::string{f} +
            R"(":{"op":"LIKE","value":"a"})";
  many += "}";
  auto crowded = query(run.port(), many);
  BOOST_TEST(crowded.status == 400);
  BOOST_TEST(crowded.text("Error").find("14 conditions; at most 13") != std::string::npos,
             crowded.text("Error"));
}

BOOST_AUTO_TEST_CASE(an_expensive_query_never_holds_up_lookups_and_answers_in_creation_order) {
  // The stalled-registry repro at a smaller scale: tasks with long query strings and a query
  // that is as costly as the rules allow (thirteen conditions on one field, patterns at the
  // bound, seven of them with `?`). Lookups sent meanwhile are answered between its slices.
  auto cfg = task_config();
  cfg.limits.header_limit = 32 * 1024;
  cfg.tasks.query_max_value_bytes = 2048;
  app::server node{cfg};
  node.async_route(net::verb::post, "/long", {},
                   [](app::task_context&) -> json::value { return nullptr; });
  in_process_node run{node};
  auto p = run.port();
  constexpr int tasks = 300;
  constexpr std::size_t run_of_a = 12'000;
  // Even tasks: only `a`; odd tasks: a `b` after the run (they are the ones that match).
  auto target = [&](int i) {
    return "/long?x=" + std::string(run_of_a, 'a') + (i % 2 == 1 ? "b" : "");
  };
  std::vector<std::string> ids;
  {
    connection conn{p};
    for (int i = 0; i < tasks; ++i) {
      auto res = conn.exchange(request_with_body("POST", target(i), "{}"));
      BOOST_TEST_REQUIRE(res.result_int() == 202u);
      ids.emplace_back(json::parse(res.body()).at("Id").as_string());
    }
  }
  await_terminal(p, ids.back());
  std::string wide; // 2000 characters, half of them `?`: matches a run of `a`
  for (int i = 0; i < 1000; ++i)
    wide += "a?";
  std::string filter = "{";
  for (std::string_view f : {"Url", "url", "URL", "uRL", "UrL", "urL", "URl"})
    filter += "\"" + std::string{f} + R"(":{"op":"LIKE","value":")" + wide + "\"},";
  filter += R"("uRl":{"op":"LIKE","value":")" + std::string(2000, 'a') + "b\"}}";

  std::atomic<bool> answered{false};
  api_reply result;
  auto sent = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration took{};
  std::thread asker{[&] {
    result = query(p, filter, "", 60s);
    took = std::chrono::steady_clock::now() - sent;
    answered = true;
  }};
  // Lookups while the query is in progress, and new tasks (created after it started: read at
  // most once, if at all).
  std::vector<double> waits_ms; // lookups and invocations answered while the query runs
  std::vector<std::string> added;
  connection conn{p};
  auto give_up = std::chrono::steady_clock::now() + 60s;
  while (!answered && std::chrono::steady_clock::now() < give_up) {
    auto t0 = std::chrono::steady_clock::now();
    auto res = conn.exchange(request_with_body("GET", "/tasks/" + ids.front(), ""), 10s);
    auto wait = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0);
    BOOST_TEST_REQUIRE(res.result_int() == 200u);
    if (!answered)
      waits_ms.push_back(wait.count());
    if (added.size() < 20) {
      auto t1 = std::chrono::steady_clock::now();
      auto made = conn.exchange(request_with_body("POST", target(1), "{}"));
      auto made_in =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1);
      BOOST_TEST_REQUIRE(made.result_int() == 202u);
      if (!answered)
        waits_ms.push_back(made_in.count());
      added.emplace_back(json::parse(made.body()).at("Id").as_string());
    }
    std::this_thread::sleep_for(5ms);
  }
  asker.join();
  BOOST_TEST_REQUIRE(result.status == 200);
  auto slowest = waits_ms.empty() ? 0.0 : *std::max_element(waits_ms.begin(), waits_ms.end());
  auto took_ms = std::chrono::duration<double, std::milli>(took).count();
  BOOST_TEST_MESSAGE("query took " << took_ms << " ms; " << waits_ms.size()
                                   << " lookups and invocations meanwhile, the slowest " << slowest
                                   << " ms");
  // The query took a while, lookups went on meanwhile, none waited for it.
  BOOST_TEST(waits_ms.size() >= 3u);
  BOOST_TEST(slowest < 200.0);
  // Its answer: every odd task, in creation order, then perhaps some added meanwhile, once each.
  std::vector<std::string> got;
  for (const auto& t : result.json.as_array())
    got.emplace_back(t.at("Id").as_string());
  std::vector<std::string> odd;
  for (int i = 1; i < tasks; i += 2)
    odd.push_back(ids[static_cast<std::size_t>(i)]);
  BOOST_TEST_REQUIRE(got.size() >= odd.size());
  BOOST_TEST((std::vector<std::string>(
                  got.begin(), got.begin() + static_cast<std::ptrdiff_t>(odd.size())) == odd));
  std::vector<std::string> rest(got.begin() + static_cast<std::ptrdiff_t>(odd.size()), got.end());
  BOOST_TEST(rest.size() <= added.size());
  for (std::size_t i = 0; i < rest.size(); ++i)
    BOOST_TEST((std::find(added.begin(), added.end(), rest[i]) != added.end()), rest[i]);
  BOOST_TEST(std::set<std::string>(got.begin(), got.end()).size() == got.size());
  const auto& all = result.json.as_array();
  for (std::size_t i = 1; i < all.size(); ++i)
    BOOST_TEST(all[i - 1].at("CreationTime").as_string() <= all[i].at("CreationTime").as_string());
}

// -- content negotiation ------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(task_endpoints_speak_json_yaml_or_xml_by_accept) {
  common_node n;
  auto id = await_terminal(n.port(), start(n.port(), "/echo", R"({"value": "x"})")).text("Id");
  auto as_json = get_task(n.port(), id, "Accept: */*\r\n");
  BOOST_TEST(as_json.header("Content-Type") == "application/json");
  auto yaml = get_task(n.port(), id, "Accept: application/xml;q=0.5, application/yaml\r\n");
  BOOST_TEST(yaml.status == 200);
  BOOST_TEST(yaml.header("Content-Type") == "application/yaml");
  auto doc = read_yaml_subset(yaml.raw.body());
  BOOST_TEST_REQUIRE(doc.has_value());
  BOOST_TEST(doc->at("Id").as_string() == id);
  BOOST_TEST(doc->at("State").as_string() == "Completed");
  auto xml = get_task(n.port(), id, "Accept: application/json;q=0.1, text/xml\r\n");
  BOOST_TEST(xml.header("Content-Type") == "application/xml");
  BOOST_TEST(xml.raw.body().find("<Id>" + id + "</Id>") != std::string::npos);
  BOOST_TEST(xml.raw.body().find("<State>Completed</State>") != std::string::npos);
  // Errors and queries are negotiated too.
  auto missing = get_task(n.port(), "nope", "Accept: application/yaml\r\n");
  BOOST_TEST(missing.status == 404);
  BOOST_TEST(missing.header("Content-Type") == "application/yaml");
  auto list = query(n.port(), "{}", "Accept: application/xml\r\n");
  BOOST_TEST(list.header("Content-Type") == "application/xml");
  BOOST_TEST(list.raw.body().find("<Id>" + id + "</Id>") != std::string::npos);
  auto refused = get_task(n.port(), id, "Accept: text/html\r\n");
  BOOST_TEST(refused.status == 406);
}

// -- volume -------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_thousand_tasks_over_four_routes_all_finish_and_none_is_lost) {
  app::server node{task_config()};
  for (int r = 0; r < 4; ++r) {
    app::async_options o;
    o.max_concurrent = static_cast<std::size_t>(r + 1);
    o.blocking = r % 2 == 0; // detached threads and actor workers alike
    node.async_route(net::verb::post, "/bulk" + std::to_string(r), o,
                     [r](app::task_context& ctx) -> json::value {
                       ctx.set_progress(50);
                       if (ctx.body().at("n").as_int64() % 7 == 0)
                         throw std::runtime_error("unlucky");
                       return ctx.body().at("n").as_int64() * 10 + r;
                     });
  }
  in_process_node run{node};
  constexpr int total = 1000;
  std::vector<std::string> ids(total);
  std::vector<std::thread> clients;
  std::atomic<int> refused{0};
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      connection conn{run.port()};
      for (int i = c; i < total; i += 4) {
        auto res = conn.exchange(request_with_body("POST", "/bulk" + std::to_string(i % 4),
                                                   R"({"n":)" + std::to_string(i) + "}"));
        if (res.result_int() != 202) {
          ++refused;
          continue;
        }
        ids[static_cast<std::size_t>(i)] =
            std::string{json::parse(res.body()).at("Id").as_string()};
      }
    });
  }
  for (auto& t : clients)
    t.join();
  BOOST_TEST(refused.load() == 0);
  int completed = 0;
  int failed = 0;
  for (int i = 0; i < total; ++i) {
    auto done = await_terminal(run.port(), ids[static_cast<std::size_t>(i)]);
    if (i % 7 == 0) {
      failed += done.text("State") == "Failed" && done.text("Error") == "unlucky";
    } else {
      completed += done.text("State") == "Completed" &&
                   done.object().at("Result").as_int64() == i * 10 + i % 4;
    }
  }
  BOOST_TEST(failed == (total + 6) / 7);
  BOOST_TEST(completed == total - (total + 6) / 7);
  BOOST_TEST(query(run.port(), "{}").json.as_array().size() == std::size_t{total});
}

BOOST_AUTO_TEST_CASE(a_repeated_id_is_refused_while_the_first_task_is_held) {
  app::server node{task_config()};
  app::async_options o;
  o.max_concurrent = 1;
  std::atomic<int> calls{0};
  // The same id three times, then fresh ones.
  o.id_generator = [&calls] {
    int n = ++calls;
    return n <= 3 ? std::string{"fixed-id"} : "fresh-" + std::to_string(n);
  };
  std::atomic<int> running{0};
  std::atomic<int> most{0};
  node.async_route(net::verb::post, "/same", o, [&](app::task_context& ctx) -> json::value {
    int now = ++running;
    most = std::max(most.load(), now);
    ctx.sleep_for(body_ms(ctx, 400));
    --running;
    return "first";
  });
  app::async_options other;
  other.max_concurrent = 1;
  node.async_route(net::verb::post, "/other", other, [](app::task_context& ctx) -> json::value {
    ctx.sleep_for(body_ms(ctx, 10));
    return "other";
  });
  in_process_node run{node};
  BOOST_TEST(call(run.port(), "POST", "/same", R"({"ms": 400})").status == 202);
  auto again = call(run.port(), "POST", "/same", R"({"ms": 400})");
  BOOST_TEST(again.status == 409);
  BOOST_TEST(again.text("Id") == "fixed-id");
  auto done = await_terminal(run.port(), "fixed-id");
  BOOST_TEST(done.text("Result") == "first");
  BOOST_TEST(most.load() == 1);
  // Once finished the id is still retained: refused by the registry this time.
  BOOST_TEST(call(run.port(), "POST", "/same").status == 409);
  // No refusal cost the route its slot: a fresh task runs, and the other route is untouched.
  BOOST_TEST(
      await_terminal(run.port(), start(run.port(), "/same", R"({"ms": 1})")).text("Result") ==
      "first");
  BOOST_TEST(await_terminal(run.port(), start(run.port(), "/other")).text("Result") == "other");
}

BOOST_AUTO_TEST_CASE(waits_of_every_length_end_on_time_together) {
  // Holds with different deadlines arriving together: each ends by its own deadline, whatever
  // the order in which the registry's wake-ups were armed.
  common_node n;
  auto id = start(n.port(), "/hold", R"({"ms": 20000})");
  const double waits[] = {0.2, 5, 0.4, 3, 0.6, 4, 0.3, 2, 0.5, 1};
  std::vector<long long> took(std::size(waits));
  std::vector<std::thread> clients;
  for (std::size_t i = 0; i < std::size(waits); ++i)
    clients.emplace_back([&, i] {
      auto begin = std::chrono::steady_clock::now();
      auto r =
          call(n.port(), "GET", "/tasks/" + id + "?wait=" + std::to_string(waits[i]), "", "", 15s);
      took[i] = r.status == 200 ? ms_since(begin) : -1;
    });
  for (auto& t : clients)
    t.join();
  for (std::size_t i = 0; i < std::size(waits); ++i) {
    BOOST_TEST_CONTEXT("wait " << waits[i]) {
      BOOST_TEST(took[i] >= static_cast<long long>(waits[i] * 1000) - 50);
      BOOST_TEST(took[i] <= static_cast<long long>(waits[i] * 1000) + 1000);
    }
  }
  call(n.port(), "DELETE", "/tasks/" + id);
}

BOOST_AUTO_TEST_CASE(a_route_may_take_any_body_as_text) {
  app::server node{task_config()};
  app::async_options o;
  o.json_body = false;
  node.async_route(net::verb::post, "/text", o,
                   [](app::task_context& ctx) -> json::value { return ctx.body(); });
  in_process_node run{node};
  auto r = call(run.port(), "POST", "/text", "not { json", "Content-Type: text/plain\r\n");
  BOOST_TEST(r.status == 202);
  BOOST_TEST(await_terminal(run.port(), r.text("Id")).text("Result") == "not { json");
}

BOOST_AUTO_TEST_CASE(stopping_the_node_never_starts_queued_tasks) {
  app::server node{task_config()};
  app::async_options o;
  o.max_concurrent = 1;
  std::atomic<int> bodies{0};
  node.async_route(net::verb::post, "/line", o, [&](app::task_context& ctx) -> json::value {
    ++bodies;
    ctx.sleep_for(30s);
    return nullptr;
  });
  {
    in_process_node run{node};
    auto first = start(run.port(), "/line");
    for (int i = 0; i < 5; ++i)
      start(run.port(), "/line");
    await_state(run.port(), first, "Running");
  } // stops the node
  BOOST_TEST(bodies.load() == 1);
}

// -- declaring ----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(bad_async_route_declarations_are_refused) {
  app::server node{task_config()};
  auto body = [](app::task_context&) -> json::value {
    return nullptr;
  };
  app::async_options zero;
  zero.max_concurrent = 0;
  BOOST_CHECK_THROW(node.async_route(net::verb::post, "/a", zero, body), std::invalid_argument);
  app::async_options negative;
  negative.timeout = -1ms;
  BOOST_CHECK_THROW(node.async_route(net::verb::post, "/a", negative, body), std::invalid_argument);
  BOOST_CHECK_THROW(node.async_route(net::verb::post, "/a", {}, app::task_body{}),
                    std::invalid_argument);
  BOOST_CHECK_THROW(node.async_route(net::verb::post, "/a", {}, herald::actors::task_starter{}),
                    std::invalid_argument);
  node.async_route(net::verb::post, "/a", {}, body);
  BOOST_CHECK_THROW(node.async_route(net::verb::post, "/a", {}, body), std::invalid_argument);
  BOOST_CHECK_THROW(node.async_route(net::verb::get, "/tasks/{id}", {}, body),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(stopping_the_node_aborts_running_tasks_promptly) {
  app::server node{task_config()};
  std::atomic<bool> saw_cancel{false};
  node.async_route(net::verb::post, "/long", {}, [&](app::task_context& ctx) -> json::value {
    if (!ctx.sleep_for(30s))
      saw_cancel = true;
    return nullptr;
  });
  auto begin = std::chrono::steady_clock::now();
  {
    in_process_node run{node};
    auto id = start(run.port(), "/long");
    await_state(run.port(), id, "Running");
    begin = std::chrono::steady_clock::now();
  } // stops the node
  BOOST_TEST(saw_cancel.load());
  BOOST_TEST(ms_since(begin) < 5000);
}

BOOST_AUTO_TEST_CASE(work_started_elsewhere_holds_its_slot_until_it_finishes_or_is_cancelled) {
  app::server node{task_config()};
  // The work runs on threads of its own (as a child process's pipes run on the I/O
  // threads): the starter returns at once, the work reports and finishes later.
  std::vector<std::thread> workers;
  std::mutex m;
  std::atomic<int> cancels{0};
  app::async_options one;
  one.max_concurrent = 1;
  node.async_route(
      net::verb::post, "/elsewhere", one, [&](std::shared_ptr<herald::actors::task_run> run) {
        auto hold = std::make_shared<std::atomic<bool>>(false);
        run->on_cancel([&cancels, run, hold] {
          ++cancels;
          hold->store(true);
          run->finish({}); // dropped: the task is Aborted already; frees the slot
        });
        std::lock_guard guard{m};
        workers.emplace_back([run, hold] {
          if (run->input().body.is_object() && run->input().body.as_object().contains("wait")) {
            for (int i = 0; i < 500 && !hold->load(); ++i)
              std::this_thread::sleep_for(10ms);
            return;
          }
          run->context().set_progress(50);
          std::this_thread::sleep_for(100ms);
          herald::actors::task_outcome out;
          out.result = json::value("done elsewhere");
          out.at = herald::actors::task_clock::now();
          run->finish(std::move(out));
        });
      });
  {
    in_process_node run{node};
    auto p = run.port();
    auto first = start(p, "/elsewhere");
    auto second = start(p, "/elsewhere"); // queued behind the first: one slot
    BOOST_TEST(get_task(p, second).text("State") == "NotStarted");
    auto done = await_terminal(p, first);
    BOOST_TEST(done.text("State") == "Completed");
    BOOST_TEST(done.object().at("Result").as_string() == "done elsewhere");
    BOOST_TEST(done.object().at("Progress").to_number<double>() == 100.0);
    BOOST_TEST(await_terminal(p, second).text("State") == "Completed");
    auto held = call(p, "POST", "/elsewhere", R"({"wait": true})");
    BOOST_REQUIRE(held.status == 202u);
    await_state(p, held.text("Id"), "Running");
    BOOST_TEST(call(p, "DELETE", "/tasks/" + held.text("Id")).status == 200u);
    BOOST_TEST(cancels.load() == 1);
    // The cancel freed the slot: the next one runs to the end.
    BOOST_TEST(await_terminal(p, start(p, "/elsewhere")).text("State") == "Completed");
  }
  std::lock_guard guard{m};
  for (auto& t : workers)
    t.join();
}

BOOST_AUTO_TEST_SUITE_END()
