// The admin API and `/metrics` (SPEC §4.9), in-process nodes over real sockets: the admin
// listener and its key, each endpoint's answer as the actors give it, errors, and Prometheus
// series that parse and move as traffic flows.

#include "app/server.hpp"
#include "support/in_process_node.hpp"
#include "support/prometheus.hpp"
#include "support/sse_stream.hpp"
#include "support/task_client.hpp"

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <memory>
#include <thread>

using namespace herald::test;
using namespace std::chrono_literals;
namespace app = herald::app;
namespace net = herald::net;
namespace json = boost::json;
namespace actors = herald::actors;

namespace {

constexpr std::string_view admin_key = "admin-key-0123456789";
const std::string key_header = "X-API-Key: " + std::string{admin_key} + "\r\n";

app::config admin_config() {
  auto cfg = quiet_config();
  cfg.admin.key = std::string{admin_key};
  return cfg;
}

/// A body that runs until the test lets it finish (or it is cancelled).
struct gate {
  std::atomic<bool> open{false};
  bool wait(app::task_context& ctx) const {
    for (int i = 0; i < 2000 && !open.load(); ++i)
      if (!ctx.sleep_for(5ms))
        return false;
    return open.load();
  }
};

/// `POST /held` (max_concurrent 1, max_queued 1, group "held"): progress 40, an event `note`
/// with "hi", then waits for the gate; result {"done":true}.
void declare_held(app::server& node, std::shared_ptr<gate> g) {
  app::async_options o;
  o.max_concurrent = 1;
  o.max_queued = 1;
  o.sse = actors::sse_options{"held", true};
  node.async_route(net::verb::post, "/held", o, [g](app::task_context& ctx) -> json::value {
    ctx.set_progress(40);
    ctx.send_event(json::string{"hi"}, "note");
    if (!g->wait(ctx))
      return nullptr;
    return json::object{{"done", true}};
  });
}

/// `POST /quick`: completes at once with 7.
void declare_quick(app::server& node) {
  app::async_options o;
  o.sse = actors::sse_options{"quick", false};
  node.async_route(net::verb::post, "/quick", o,
                   [](app::task_context&) -> json::value { return 7; });
}

api_reply ask_admin(const app::server& node, std::string_view method, std::string_view target,
                    std::string_view extra = key_header) {
  return call(*node.admin_port(), method, target, "", extra);
}

std::string invoke(std::uint16_t port, std::string_view path) {
  auto r = call(port, "POST", path);
  BOOST_REQUIRE_EQUAL(r.status, 202u);
  return r.text("Id");
}

/// Polls `GET target` on the admin port until `ok` holds for its JSON (at most 10 s).
json::value admin_until(const app::server& node, std::string_view target,
                        const std::function<bool(const json::value&)>& ok) {
  json::value last;
  for (int i = 0; i < 500; ++i) {
    auto r = ask_admin(node, "GET", target);
    if (r.status == 200) {
      last = r.json;
      if (ok(last))
        return last;
    }
    std::this_thread::sleep_for(20ms);
  }
  BOOST_FAIL("admin " << target << " never reached the expected state; last: " << last);
  return last;
}

const json::object* route_named(const json::value& routes, std::string_view id) {
  for (const auto& r : routes.as_array())
    if (r.as_object().at("Id").as_string() == id)
      return &r.as_object();
  return nullptr;
}

std::int64_t num(const json::object& o, std::string_view key) {
  return o.at(key).to_number<std::int64_t>();
}

prometheus_scrape scrape(const app::server& node) {
  auto r = call(*node.admin_port(), "GET", "/metrics");
  BOOST_REQUIRE_EQUAL(r.status, 200u);
  BOOST_TEST(r.header("Content-Type").starts_with("text/plain; version=0.0.4"));
  auto parsed = parse_prometheus(r.raw.body());
  BOOST_REQUIRE_MESSAGE(parsed.error.empty(), parsed.error);
  return parsed;
}

} // namespace

BOOST_AUTO_TEST_SUITE(admin_api)

BOOST_AUTO_TEST_CASE(the_admin_api_has_its_own_listener_and_needs_its_key) {
  app::server node{admin_config()};
  in_process_node run{node};
  BOOST_REQUIRE(node.admin_port().has_value());
  BOOST_TEST(*node.admin_port() != node.port());
  // Nothing of it on the public listener.
  BOOST_TEST(call(node.port(), "GET", "/admin/routes", "", key_header).status == 404u);
  BOOST_TEST(call(node.port(), "GET", "/metrics").status == 404u);

  auto none = ask_admin(node, "GET", "/admin/routes", "");
  BOOST_TEST(none.status == 401u);
  BOOST_TEST(none.header("WWW-Authenticate") == "Bearer realm=\"herald-admin\"");
  BOOST_TEST(none.has("Error"));
  BOOST_TEST(ask_admin(node, "GET", "/admin/tasks", "X-API-Key: admin-key-0123456788\r\n").status ==
             401u);
  BOOST_TEST(ask_admin(node, "GET", "/admin/groups", "X-API-Key: admin-key-01234567\r\n").status ==
             401u);
  auto bearer = ask_admin(node, "GET", "/admin/routes",
                          "Authorization: Bearer " + std::string{admin_key} + "\r\n");
  BOOST_TEST(bearer.status == 200u);
  BOOST_TEST(bearer.json.is_array());
  // Metrics need no key.
  BOOST_TEST(call(*node.admin_port(), "GET", "/metrics").status == 200u);
  BOOST_TEST(ask_admin(node, "GET", "/admin/nothing").status == 404u);
}

BOOST_AUTO_TEST_CASE(without_a_key_the_admin_api_is_disabled_and_metrics_still_served) {
  app::server node{quiet_config()};
  in_process_node run{node};
  auto r = ask_admin(node, "GET", "/admin/routes");
  BOOST_TEST(r.status == 403u);
  BOOST_TEST(r.text("Error").find("admin.key") != std::string::npos);
  BOOST_TEST(call(*node.admin_port(), "GET", "/metrics").status == 200u);

  auto cfg = quiet_config();
  cfg.admin.enabled = false;
  app::server bare{cfg};
  in_process_node run_bare{bare};
  BOOST_TEST(!bare.admin_port().has_value());
}

BOOST_AUTO_TEST_CASE(routes_show_their_supervisors_state_and_outcomes) {
  auto g = std::make_shared<gate>();
  app::server node{admin_config()};
  declare_held(node, g);
  declare_quick(node);
  in_process_node run{node};
  auto first = invoke(node.port(), "/held");
  auto second = invoke(node.port(), "/held");
  BOOST_TEST(call(node.port(), "POST", "/held").status == 429u);

  auto routes = admin_until(node, "/admin/routes", [](const json::value& v) {
    auto* held = route_named(v, "[POST]/held");
    return held && num(*held, "Running") == 1 && num(*held, "Queued") == 1;
  });
  const auto& held = *route_named(routes, "[POST]/held");
  BOOST_TEST(held.at("Method").as_string() == "POST");
  BOOST_TEST(held.at("Path").as_string() == "/held");
  BOOST_TEST(num(held, "MaxConcurrent") == 1);
  BOOST_TEST(num(held, "MaxQueued") == 1);
  BOOST_TEST(num(held, "Admitted") == 2);
  BOOST_TEST(num(held, "Refused") == 1);
  BOOST_TEST(held.at("Sse").at("Group").as_string() == "held");
  BOOST_TEST(held.at("Sse").at("EventsUrl").as_string() == "/held_events");
  BOOST_TEST(route_named(routes, "[POST]/quick") != nullptr);
  // The queued task's position comes from its supervisor, in lists and alone.
  auto queued = admin_until(node, "/admin/tasks?state=NotStarted",
                            [](const json::value& v) { return v.as_array().size() == 1; });
  BOOST_TEST(queued.as_array()[0].at("Id").as_string() == second);
  BOOST_TEST(queued.as_array()[0].at("QueuePosition").to_number<int>() == 1);
  BOOST_TEST(ask_admin(node, "GET", "/admin/tasks/" + second).object().at("QueuePosition") == 1);
  BOOST_TEST(!ask_admin(node, "GET", "/admin/tasks/" + first).object().contains("QueuePosition"));

  BOOST_TEST(call(node.port(), "DELETE", "/tasks/" + second).status == 200u);
  g->open = true;
  await_terminal(node.port(), first);
  routes = admin_until(node, "/admin/routes", [](const json::value& v) {
    auto* held = route_named(v, "[POST]/held");
    return held && num(*held, "Running") == 0 &&
           num(held->at("Outcomes").as_object(), "Completed") == 1;
  });
  const auto& outcomes = route_named(routes, "[POST]/held")->at("Outcomes").as_object();
  BOOST_TEST(num(outcomes, "Aborted") == 1);
  BOOST_TEST(num(outcomes, "Failed") == 0);
}

BOOST_AUTO_TEST_CASE(blocking_bodies_reuse_the_threads_of_their_route) {
  app::server node{admin_config()};
  declare_quick(node); // blocking (the default), max_concurrent 2
  in_process_node run{node};
  constexpr int rounds = 20;
  for (int i = 0; i < rounds; ++i) {
    auto a = invoke(node.port(), "/quick");
    auto b = invoke(node.port(), "/quick");
    await_terminal(node.port(), a);
    await_terminal(node.port(), b);
  }
  // A thread per task would have started 40. A thread that has not gone back to waiting yet
  // when the next task comes makes the pool start one more, so allow for a few.
  auto routes = admin_until(node, "/admin/routes", [](const json::value& v) {
    auto* quick = route_named(v, "[POST]/quick");
    return quick && num(*quick, "Running") == 0 &&
           num(quick->at("Threads").as_object(), "Alive") <= 2;
  });
  const auto& threads = route_named(routes, "[POST]/quick")->at("Threads").as_object();
  BOOST_TEST(num(threads, "Started") < rounds);
  BOOST_TEST(num(threads, "Idle") == num(threads, "Alive"));
  BOOST_TEST(num(route_named(routes, "[POST]/quick")->at("Outcomes").as_object(), "Completed") ==
             2 * rounds);
}

BOOST_AUTO_TEST_CASE(tasks_are_listed_filtered_and_shown_with_their_event_log) {
  auto g = std::make_shared<gate>();
  app::server node{admin_config()};
  declare_held(node, g);
  declare_quick(node);
  in_process_node run{node};
  auto held = invoke(node.port(), "/held");
  std::vector<std::string> quick;
  for (int i = 0; i < 3; ++i) {
    quick.push_back(invoke(node.port(), "/quick"));
    await_terminal(node.port(), quick.back());
  }
  admin_until(node, "/admin/tasks?state=Running", [&](const json::value& v) {
    return v.as_array().size() == 1 && v.as_array()[0].at("Id").as_string() == held &&
           num(v.as_array()[0].as_object(), "EventCount") >= 2;
  });
  auto all = ask_admin(node, "GET", "/admin/tasks");
  BOOST_REQUIRE_EQUAL(all.status, 200u);
  BOOST_TEST(all.json.as_array().size() == 4u);
  auto done = ask_admin(node, "GET", "/admin/tasks?state=completed&route=/quick");
  BOOST_TEST(done.json.as_array().size() == 3u);
  auto by_id = ask_admin(node, "GET", "/admin/tasks?route=%5BPOST%5D%2Fquick&limit=2");
  BOOST_REQUIRE_EQUAL(by_id.json.as_array().size(), 2u);
  // The newest two, oldest first.
  BOOST_TEST(by_id.json.as_array()[0].at("Id").as_string() == quick[1]);
  BOOST_TEST(by_id.json.as_array()[1].at("Id").as_string() == quick[2]);
  BOOST_TEST(ask_admin(node, "GET", "/admin/tasks?route=/nowhere").json.as_array().empty());
  BOOST_TEST(ask_admin(node, "GET", "/admin/tasks?state=Sleeping").status == 400u);
  BOOST_TEST(ask_admin(node, "GET", "/admin/tasks?limit=0").status == 400u);
  BOOST_TEST(ask_admin(node, "GET", "/admin/tasks?limit=ten").status == 400u);

  g->open = true;
  await_terminal(node.port(), held);
  auto detail = admin_until(node, "/admin/tasks/" + held, [](const json::value& v) {
    return v.at("State").as_string() == "Completed";
  });
  const auto& events = detail.at("Events").as_array();
  BOOST_REQUIRE(events.size() >= 3u);
  BOOST_TEST(events.front().at("Event").as_string() == "pode.progress");
  bool note = false;
  for (const auto& e : events)
    note = note || (e.at("Event").as_string() == "note" && e.at("Data").as_string() == "hi");
  BOOST_TEST(note);
  BOOST_TEST(events.back().at("Event").as_string() == "pode.taskCompleted");
  BOOST_TEST(events.back().at("Data").at("State").as_string() == "Completed");
  BOOST_TEST(events.back().at("Seq").to_number<int>() == static_cast<int>(events.size()));
  BOOST_TEST(detail.at("Result").at("done").as_bool());

  auto unknown = ask_admin(node, "GET", "/admin/tasks/no-such-task");
  BOOST_TEST(unknown.status == 404u);
  BOOST_TEST(unknown.text("Id") == "no-such-task");
}

BOOST_AUTO_TEST_CASE(cancel_through_the_admin_api) {
  auto g = std::make_shared<gate>();
  app::server node{admin_config()};
  declare_held(node, g);
  in_process_node run{node};
  auto id = invoke(node.port(), "/held");
  auto cancelled = ask_admin(node, "DELETE", "/admin/tasks/" + id);
  BOOST_REQUIRE_EQUAL(cancelled.status, 200u);
  BOOST_TEST(cancelled.text("State") == "Aborted");
  BOOST_TEST(cancelled.text("Error") == "Aborted by the user");
  BOOST_TEST(ask_admin(node, "DELETE", "/admin/tasks/" + id).status == 410u);
  BOOST_TEST(ask_admin(node, "DELETE", "/admin/tasks/nope").status == 404u);
  BOOST_TEST(ask_admin(node, "DELETE", "/admin/tasks/" + id, "").status == 401u);
}

BOOST_AUTO_TEST_CASE(groups_and_connections_show_subscribers_and_their_lag) {
  auto g = std::make_shared<gate>();
  app::server node{admin_config()};
  declare_held(node, g);
  in_process_node run{node};
  // The group stream is open before the task starts: it receives the task's events live.
  sse_stream group{node.port(), "/sse/held"};
  BOOST_REQUIRE(group.read_head());
  auto id = invoke(node.port(), "/held");
  BOOST_REQUIRE(group.wait_events(3)); // open, progress, note
  sse_stream task{node.port(), "/held_events?Id=" + id};
  BOOST_REQUIRE(task.read_head());
  BOOST_REQUIRE(task.wait_events(3)); // open, progress, note
  connection plain{node.port()};
  BOOST_REQUIRE(plain.exchange(get_request("/health")).result_int() == 200);
  BOOST_REQUIRE(plain.exchange(get_request("/health")).result_int() == 200);

  auto groups = admin_until(node, "/admin/groups", [](const json::value& v) {
    for (const auto& x : v.as_array())
      if (x.at("Name").as_string() == "held" && num(x.as_object(), "Subscribers") == 2)
        return true;
    return false;
  });
  const json::object* held = nullptr;
  for (const auto& x : groups.as_array())
    if (x.at("Name").as_string() == "held")
      held = &x.as_object();
  BOOST_REQUIRE(held);
  BOOST_TEST(num(*held, "GroupSubscribers") == 1);
  BOOST_TEST(num(*held, "TaskSubscribers") == 1);
  BOOST_TEST(num(*held, "Published") >= 2);
  BOOST_TEST(num(held->at("Ring").as_object(), "Events") >= 2);
  BOOST_TEST(num(*held, "Epoch") > 0);

  auto one = ask_admin(node, "GET", "/admin/groups/held");
  BOOST_REQUIRE_EQUAL(one.status, 200u);
  const auto& subs = one.object().at("SubscriberList").as_array();
  BOOST_REQUIRE_EQUAL(subs.size(), 2u);
  std::set<std::int64_t> sub_connections;
  for (const auto& s : subs)
    sub_connections.insert(s.at("Connection").to_number<std::int64_t>());
  BOOST_TEST((subs[0].at("Task").is_null() != subs[1].at("Task").is_null()));
  auto missing = ask_admin(node, "GET", "/admin/groups/never-seen");
  BOOST_TEST(missing.status == 404u);
  // Looking at a group does not create it.
  BOOST_TEST(ask_admin(node, "GET", "/admin/groups/never-seen").status == 404u);

  auto conns = ask_admin(node, "GET", "/admin/connections");
  BOOST_REQUIRE_EQUAL(conns.status, 200u);
  int sse = 0;
  int plain_seen = 0;
  for (const auto& c : conns.json.as_array()) {
    const auto& o = c.as_object();
    BOOST_TEST(o.at("Peer").as_string().starts_with("127.0.0.1:"));
    BOOST_TEST(o.at("AgeSeconds").to_number<double>() >= 0);
    if (o.at("Kind").as_string() == "sse") {
      ++sse;
      BOOST_TEST(o.at("Subscription").at("Group").as_string() == "held");
      BOOST_TEST(sub_connections.count(num(o, "Id")) == 1u);
      BOOST_TEST(num(o, "LagBytes") == 0); // both read everything
      // Live events went to the group stream; the task stream got its log with its head.
      if (o.at("Subscription").at("Task").is_null())
        BOOST_TEST(num(o, "WrittenBytes") > 0);
      else
        BOOST_TEST(o.at("Subscription").at("Task").as_string() == id);
    } else if (num(o, "Requests") == 2) {
      ++plain_seen;
      BOOST_TEST(o.at("Subscription").is_null());
    }
  }
  BOOST_TEST(sse == 2);
  BOOST_TEST(plain_seen == 1);

  // The admin port streams a group too (with the key), here the task's completion.
  sse_stream watch{*node.admin_port(), "/admin/groups/held/events", key_header};
  BOOST_REQUIRE(watch.read_head());
  BOOST_TEST(watch.status() == 200);
  BOOST_TEST(watch.header("X-Pode-Sse-Group") == "held");
  BOOST_REQUIRE(watch.wait_events(1));
  g->open = true;
  BOOST_TEST(watch.wait_for([&] {
    for (const auto& e : watch.events())
      if (e.type == "pode.taskCompleted")
        return true;
    return false;
  }));
  sse_stream refused{*node.admin_port(), "/admin/groups/held/events"};
  BOOST_REQUIRE(refused.read_head());
  BOOST_TEST(refused.status() == 401);
}

BOOST_AUTO_TEST_CASE(metrics_parse_and_move_as_traffic_flows) {
  app::server node{admin_config()};
  declare_quick(node);
  in_process_node run{node};
  auto before = scrape(node);
  const std::string route = "{route=\"[POST]/quick\"}";
  const std::string completed = "{route=\"[POST]/quick\",state=\"Completed\"}";
  BOOST_TEST(before.types.at("herald_tasks_finished_total") == "counter");
  BOOST_TEST(before.types.at("herald_task_duration_seconds") == "histogram");
  BOOST_TEST(before.types.at("herald_sse_publish_to_write_seconds") == "histogram");
  // Every declared route has its series from the start.
  BOOST_TEST(before.get("herald_tasks_finished_total" + completed).value_or(-1) == 0);
  BOOST_TEST(before.get("herald_route_queue_depth" + route).value_or(-1) == 0);
  BOOST_TEST(before.get("herald_task_duration_seconds_bucket{route=\"[POST]/quick\",le=\"+Inf\"}")
                 .value_or(-1) == 0);

  sse_stream group{node.port(), "/sse/quick"};
  BOOST_REQUIRE(group.read_head());
  for (int i = 0; i < 5; ++i)
    await_terminal(node.port(), invoke(node.port(), "/quick"));
  BOOST_REQUIRE(group.wait_for([&] {
    std::size_t done = 0;
    for (const auto& e : group.events())
      done += e.type == "pode.taskCompleted";
    return done == 5;
  }));
  BOOST_TEST(call(node.port(), "GET", "/no/such/path").status == 404u);

  prometheus_scrape after;
  for (int i = 0; i < 100; ++i) { // delivery counts are taken as the group flushes
    after = scrape(node);
    if (after.value("herald_tasks_finished_total" + completed) >= 5 &&
        after.value("herald_sse_events_delivered_total{group=\"quick\"}") >= 5)
      break;
    std::this_thread::sleep_for(20ms);
  }
  BOOST_TEST(after.value("herald_tasks_finished_total" + completed) == 5);
  BOOST_TEST(after.value("herald_task_duration_seconds_count" + route) == 5);
  BOOST_TEST(
      after.value("herald_task_duration_seconds_bucket{route=\"[POST]/quick\",le=\"+Inf\"}") == 5);
  BOOST_TEST(after.value("herald_tasks{route=\"[POST]/quick\",state=\"Completed\"}") == 5);
  BOOST_TEST(after.value("herald_route_admitted_total" + route) == 5);
  BOOST_TEST(after.value("herald_sse_subscribers{group=\"quick\"}") == 1);
  // One event per task (its completion: it reported no progress), each to one stream.
  BOOST_TEST(after.value("herald_sse_events_published_total{group=\"quick\"}") == 5);
  BOOST_TEST(after.value("herald_sse_events_delivered_total{group=\"quick\"}") == 5);
  BOOST_TEST(after.value("herald_sse_publish_to_write_seconds_count") >
             before.value("herald_sse_publish_to_write_seconds_count"));
  BOOST_TEST(after.value("herald_http_responses_total{code=\"2xx\"}") >=
             before.value("herald_http_responses_total{code=\"2xx\"}") + 10);
  BOOST_TEST(after.value("herald_http_responses_total{code=\"4xx\"}") ==
             before.value("herald_http_responses_total{code=\"4xx\"}") + 1);
  BOOST_TEST(after.value("herald_connections_accepted_total") >=
             before.value("herald_connections_accepted_total") + 11);
  BOOST_TEST(after.value("herald_connections") >= 1);
  BOOST_TEST(after.value("herald_uptime_seconds") >= before.value("herald_uptime_seconds"));
  BOOST_TEST(after.value("herald_sse_slow_disconnects_total{group=\"quick\"}") == 0);
}

BOOST_AUTO_TEST_CASE(held_task_counts_follow_every_transition_and_forgetting) {
  auto cfg = admin_config();
  cfg.tasks.registry.retention = 300ms;
  auto g = std::make_shared<gate>();
  app::server node{cfg};
  declare_held(node, g);
  in_process_node run{node};
  auto series = [](std::string_view state) {
    return "herald_tasks{route=\"[POST]/held\",state=\"" + std::string{state} + "\"}";
  };
  auto first = invoke(node.port(), "/held");
  auto second = invoke(node.port(), "/held");
  prometheus_scrape m;
  for (int i = 0; i < 250; ++i) {
    m = scrape(node);
    if (m.value(series("Running")) == 1)
      break;
    std::this_thread::sleep_for(20ms);
  }
  BOOST_TEST(m.value(series("Running")) == 1);
  BOOST_TEST(m.value(series("NotStarted")) == 1);
  BOOST_TEST(call(node.port(), "DELETE", "/tasks/" + second).status == 200u);
  g->open = true;
  await_terminal(node.port(), first);
  // Both finished, then forgotten after the retention: the gauge falls, the counters stay.
  for (int i = 0; i < 250; ++i) {
    m = scrape(node);
    if (m.value(series("Completed")) == 0 && m.value(series("Aborted")) == 0)
      break;
    std::this_thread::sleep_for(20ms);
  }
  for (auto state : {"NotStarted", "Running", "Completed", "Failed", "Aborted"})
    BOOST_TEST(m.value(series(state)) == 0, state);
  BOOST_TEST(m.value("herald_tasks_finished_total{route=\"[POST]/held\",state=\"Completed\"}") ==
             1);
  BOOST_TEST(m.value("herald_tasks_finished_total{route=\"[POST]/held\",state=\"Aborted\"}") == 1);
  BOOST_TEST(ask_admin(node, "GET", "/admin/tasks/" + first).status == 404u);
}

BOOST_AUTO_TEST_SUITE_END()
