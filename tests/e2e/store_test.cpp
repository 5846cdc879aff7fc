// The durable task store (SPEC §7, `tasks.store: "sqlite:PATH"`) end to end: nodes on
// 127.0.0.1 that stop (gracefully, or killed with SIGKILL) and start again on the same file;
// finished tasks, their per-task streams and their `Last-Event-ID` positions survive,
// unfinished ones end `Aborted`, retention and `max_retained` bound the file, a damaged or
// locked file stops start-up, and a full one is reported while the node keeps serving.

#include "actors/task_store.hpp"
#include "app/config.hpp"
#include "app/server.hpp"
#include "support/in_process_node.hpp"
#include "support/node_process.hpp"
#include "support/prometheus.hpp"
#include "support/sse_stream.hpp"
#include "support/task_client.hpp"

#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace herald::test;
using namespace std::chrono_literals;
namespace app = herald::app;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

app::config store_config(const fs::path& file) {
  auto cfg = quiet_config();
  cfg.tasks.store = "sqlite:" + file.string();
  cfg.shutdown_grace = 500ms;
  return cfg;
}

/// `POST /job`: a non-blocking task that reports 50 %, sends an event `step` and ends with
/// `{"n": <body's n>}` (or a result of `pad` bytes); `POST /slow`: a blocking task that waits
/// until it is cancelled.
void add_routes(app::server& node) {
  app::async_options job;
  job.blocking = false;
  job.max_concurrent = 4;
  job.sse = herald::actors::sse_options{"jobs", true};
  node.async_route(herald::net::verb::post, "/job", job, [](app::task_context& ctx) {
    ctx.set_progress(50);
    ctx.send_event(json::object{{"half", true}}, "step");
    const auto& body = ctx.body().as_object();
    if (const auto* pad = body.if_contains("pad"))
      return json::value{
          std::string(static_cast<std::size_t>(pad->to_number<std::int64_t>()), 'x')};
    return json::value{json::object{{"n", body.at("n")}}};
  });
  app::async_options slow;
  slow.max_concurrent = 2;
  node.async_route(herald::net::verb::post, "/slow", slow, [](app::task_context& ctx) {
    while (ctx.sleep_for(50ms)) {
    }
    return json::value{};
  });
}

std::string start(std::uint16_t port, const std::string& path, const std::string& body = "{}") {
  auto r = call(port, "POST", path, body);
  BOOST_REQUIRE_EQUAL(r.status, 202u);
  return r.text("Id");
}

/// The events of task `id`'s stream up to its close (`Last-Event-ID: last` when not empty).
std::vector<sse_message> stream_of(std::uint16_t port, const std::string& route,
                                   const std::string& id, const std::string& last = "") {
  sse_stream s{port, route + "_events?Id=" + id,
               last.empty() ? "" : "Last-Event-ID: " + last + "\r\n"};
  BOOST_REQUIRE(s.read_head());
  BOOST_REQUIRE_EQUAL(s.status(), 200);
  BOOST_REQUIRE(s.wait_closed(5s));
  return s.events();
}

std::vector<std::string> types_of(const std::vector<sse_message>& events) {
  std::vector<std::string> out;
  for (const auto& e : events)
    out.push_back(e.type);
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(store)

BOOST_AUTO_TEST_CASE(finished_tasks_and_their_streams_survive_a_restart) {
  auto dir = make_temp_dir();
  auto cfg = store_config(dir / "tasks.db");
  std::string id;
  json::value before;
  std::vector<sse_message> first_events;
  {
    app::server node{cfg};
    add_routes(node);
    in_process_node running{node};
    id = start(running.port(), "/job", R"({"n": 7})");
    before = await_terminal(running.port(), id).json;
    BOOST_TEST(before.at("State").as_string() == "Completed");
    first_events = stream_of(running.port(), "/job", id);
  }
  // The stream as it was: open, progress, the custom event, the terminal event, close.
  BOOST_REQUIRE_GE(first_events.size(), 4u);
  BOOST_TEST(first_events[first_events.size() - 2].type == "pode.taskCompleted");
  app::server node{cfg};
  add_routes(node);
  in_process_node running{node};
  auto after = get_task(running.port(), id);
  BOOST_REQUIRE_EQUAL(after.status, 200u);
  // The same task object, byte for byte.
  BOOST_TEST(json::serialize(after.json) == json::serialize(before));
  // Its stream replays the same events under the same ids.
  auto again = stream_of(running.port(), "/job", id);
  BOOST_TEST(types_of(again) == types_of(first_events));
  BOOST_REQUIRE_EQUAL(again.size(), first_events.size());
  for (std::size_t i = 1; i + 1 < again.size(); ++i) {
    BOOST_TEST(again[i].last_id == first_events[i].last_id);
    BOOST_TEST(again[i].data == first_events[i].data);
  }
  // A client that saw the custom event resumes after it, across the restart: nothing again
  // but what came after.
  std::string seen;
  for (const auto& e : first_events)
    if (e.type == "step")
      seen = e.last_id;
  BOOST_REQUIRE(!seen.empty());
  auto resumed = stream_of(running.port(), "/job", id, seen);
  auto types = types_of(resumed);
  BOOST_TEST((std::find(types.begin(), types.end(), "step") == types.end()));
  BOOST_TEST((std::find(types.begin(), types.end(), "pode.taskCompleted") != types.end()));
  // Queries find it once.
  auto found = call(running.port(), "POST", "/tasks/query", "{}");
  BOOST_REQUIRE_EQUAL(found.status, 200u);
  BOOST_TEST(found.json.as_array().size() == 1u);
}

BOOST_AUTO_TEST_CASE(unfinished_tasks_of_a_killed_node_end_aborted) {
  auto dir = make_temp_dir();
  auto file = dir / "tasks.db";
  std::string config = R"({"tasks": {"store": "sqlite:)" + file.string() +
                       R"("}, "demo": {"enabled": true, "tick_ms": 5000}})";
  std::string running_id;
  std::string queued_id;
  std::string done_id;
  {
    node_process node{config};
    // `/process-data` runs two at once: the third waits in the queue.
    running_id = start(node.port(), "/process-data");
    start(node.port(), "/process-data");
    queued_id = start(node.port(), "/process-data");
    auto r = call(node.port(), "GET", "/tasks/" + queued_id);
    BOOST_TEST(r.text("State") == "NotStarted");
    done_id = start(node.port(), "/process-data");
    BOOST_REQUIRE_EQUAL(call(node.port(), "DELETE", "/tasks/" + done_id).status, 200u);
    node.stop(SIGKILL, 5s);
  }
  node_process node{config};
  for (const auto& id : {running_id, queued_id}) {
    auto r = get_task(node.port(), id);
    BOOST_REQUIRE_EQUAL(r.status, 200u);
    BOOST_TEST(r.text("State") == "Aborted");
    BOOST_TEST(r.text("Error") == herald::actors::restart_error);
    BOOST_TEST(r.has("CompletedTime"));
    // Its terminal event is replayable.
    auto events = stream_of(node.port(), "/process-data", id);
    BOOST_REQUIRE_GE(events.size(), 3u);
    const auto& last = events[events.size() - 2];
    BOOST_TEST(last.type == "pode.taskCompleted");
    BOOST_TEST(last.data.find(herald::actors::restart_error) != std::string::npos);
  }
  // What a client saw (its cancel answered 200) is what it finds.
  auto cancelled = get_task(node.port(), done_id);
  BOOST_TEST(cancelled.text("State") == "Aborted");
  BOOST_TEST(cancelled.text("Error") == "Aborted by the user");
  BOOST_TEST(node.log().find("aborted (unfinished when the node stopped)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_graceful_stop_writes_every_abort_before_it_exits) {
  auto dir = make_temp_dir();
  auto cfg = store_config(dir / "tasks.db");
  std::string id;
  {
    app::server node{cfg};
    add_routes(node);
    in_process_node running{node};
    id = start(running.port(), "/slow");
  }
  app::server node{cfg};
  add_routes(node);
  in_process_node running{node};
  auto r = get_task(running.port(), id);
  BOOST_REQUIRE_EQUAL(r.status, 200u);
  BOOST_TEST(r.text("State") == "Aborted");
  BOOST_TEST(r.text("Error") == "Aborted by System");
}

BOOST_AUTO_TEST_CASE(retention_and_max_retained_bound_the_store) {
  auto dir = make_temp_dir();
  auto cfg = store_config(dir / "tasks.db");
  cfg.tasks.registry.max_retained = 3;
  std::vector<std::string> ids;
  {
    app::server node{cfg};
    add_routes(node);
    in_process_node running{node};
    for (int i = 0; i < 6; ++i) {
      ids.push_back(start(running.port(), "/job", R"({"n": )" + std::to_string(i) + "}"));
      await_terminal(running.port(), ids.back());
    }
  }
  {
    app::server node{cfg};
    add_routes(node);
    in_process_node running{node};
    // The three that finished last, and none of the others.
    for (std::size_t i = 0; i < ids.size(); ++i)
      BOOST_TEST(get_task(running.port(), ids[i]).status == (i < 3 ? 404u : 200u));
  }
  // With a retention that has passed, nothing comes back.
  cfg.tasks.registry.retention = 200ms;
  std::this_thread::sleep_for(300ms);
  {
    app::server node{cfg};
    add_routes(node);
    in_process_node running{node};
    for (const auto& id : ids)
      BOOST_TEST(get_task(running.port(), id).status == 404u);
  }
  // ... nor on the next start: forgotten tasks left the file.
  cfg.tasks.registry.retention = std::chrono::hours{1};
  app::server node{cfg};
  add_routes(node);
  in_process_node running{node};
  auto all = call(running.port(), "POST", "/tasks/query", "{}");
  BOOST_TEST(all.json.as_array().size() == 0u);
}

BOOST_AUTO_TEST_CASE(a_damaged_or_locked_store_stops_start_up) {
  auto dir = make_temp_dir();
  {
    std::ofstream bad{dir / "bad.db", std::ios::binary};
    bad << "this is not a database, it only has a name like one" << std::string(8192, '\x07');
  }
  auto write_config = [&](const std::string& name, const std::string& store) {
    auto path = dir / name;
    std::ofstream out{path};
    out << R"({"tasks": {"store": ")" << store << R"("}})";
    return path.string();
  };
  auto bad = run_herald({"--port", "0", "--admin-port", "0", "--config",
                         write_config("bad.json", "sqlite:" + (dir / "bad.db").string())},
                        10s);
  BOOST_TEST(bad.exit_code.value_or(-1) != 0);
  BOOST_TEST(bad.err.find("tasks.store") != std::string::npos);
  BOOST_TEST(bad.err.find("not a database") != std::string::npos);
  auto missing =
      run_herald({"--port", "0", "--admin-port", "0", "--config",
                  write_config("missing.json", "sqlite:" + (dir / "no/such/dir.db").string())},
                 10s);
  BOOST_TEST(missing.exit_code.value_or(-1) != 0);
  BOOST_TEST(missing.err.find("cannot open") != std::string::npos);
  // A second node on a file in use is refused: each would abort the other's tasks.
  auto shared = (dir / "shared.db").string();
  node_process first{R"({"tasks": {"store": "sqlite:)" + shared + "\"}}"};
  auto second = run_herald({"--port", "0", "--admin-port", "0", "--config",
                            write_config("second.json", "sqlite:" + shared)},
                           10s);
  BOOST_TEST(second.exit_code.value_or(-1) != 0);
  BOOST_TEST(second.err.find("another process") != std::string::npos);
  // Not a store at all: a configuration error naming the key.
  auto wrong = run_herald({"--port", "0", "--config", write_config("wrong.json", "sqlite:")}, 10s);
  BOOST_TEST(wrong.exit_code.value_or(-1) == 2);
  BOOST_TEST(wrong.err.find("tasks.store") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_full_store_is_reported_and_the_node_keeps_serving) {
  auto dir = make_temp_dir();
  auto cfg = store_config(dir / "tasks.db");
  cfg.tasks.store_max_bytes = 256 * 1024;
  app::server node{cfg};
  add_routes(node);
  in_process_node running{node};
  auto admin = node.admin_port().value();
  BOOST_TEST(call(running.port(), "GET", "/ready").status == 200u);
  // Results of 64 KiB each fill a file of 256 KiB quickly.
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) {
    ids.push_back(start(running.port(), "/job", R"({"pad": 65536})"));
    BOOST_TEST(await_terminal(running.port(), ids.back()).text("State") == "Completed");
  }
  auto ready = call(running.port(), "GET", "/ready");
  BOOST_TEST(ready.status == 503u);
  BOOST_TEST(ready.text("reason").find("task store failing") != std::string::npos);
  auto scrape = parse_prometheus(call(admin, "GET", "/metrics").raw.body());
  BOOST_TEST(scrape.value("herald_store_failing") == 1.0);
  BOOST_TEST(scrape.value("herald_store_errors_total") >= 1.0);
  // Still serving, from memory: every task is readable, new ones are taken.
  for (const auto& id : ids)
    BOOST_TEST(get_task(running.port(), id).status == 200u);
  auto more = start(running.port(), "/job", R"({"n": 1})");
  BOOST_TEST(await_terminal(running.port(), more).text("State") == "Completed");
}

namespace {

/// What clients saw of one task: acknowledged (202), and the last state an answer showed
/// (a terminal one is final, so a later answer of another client cannot take it back).
struct sighting {
  std::string state;
  std::string error;
};

struct witness {
  std::mutex mutex;
  std::map<std::string, sighting> tasks;

  void saw(const std::string& id, const api_reply& r) {
    std::lock_guard guard{mutex};
    auto& s = tasks[id];
    if (s.state == "Completed" || s.state == "Failed" || s.state == "Aborted")
      return;
    s.state = r.text("State");
    s.error = r.text("Error");
  }
  std::string any(std::mt19937& rng) {
    std::lock_guard guard{mutex};
    if (tasks.empty())
      return {};
    auto it = tasks.begin();
    std::advance(it, static_cast<long>(rng() % tasks.size()));
    return it->first;
  }
};

bool terminal(const std::string& state) {
  return state == "Completed" || state == "Failed" || state == "Aborted";
}

/// Load on a node until `stop`: tasks started on the demo's three routes, cancelled and read
/// at random. Requests cut by the kill are not sightings.
void client_load(std::uint16_t port, witness& seen, const std::atomic<bool>& stop, unsigned seed) {
  std::mt19937 rng{seed};
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"POST", "/process-data"}, {"GET", "/generate-report"}, {"GET", "/sse"}};
  for (int i = 0; i < 100'000 && !stop.load(); ++i) {
    try {
      auto pick = rng() % 10;
      if (pick < 6) {
        const auto& [method, path] = routes[rng() % routes.size()];
        auto r = call(port, method, path, method == "POST" ? "{}" : "", "", 2s);
        if (r.status == 202)
          seen.saw(r.text("Id"), r);
      } else if (auto id = seen.any(rng); !id.empty()) {
        auto r = call(port, pick < 8 ? "DELETE" : "GET", "/tasks/" + id, "", "", 2s);
        if (r.status == 200)
          seen.saw(id, r);
      }
    } catch (const std::exception&) {
      // the node was killed under this request
    }
  }
}

} // namespace

BOOST_AUTO_TEST_CASE(twenty_kills_under_load_lose_no_acknowledged_task) {
  auto dir = make_temp_dir();
  auto file = dir / "tasks.db";
  // Fast demo tasks: `/process-data` ends in about 100 ms (two at once, the rest queue),
  // `/generate-report` in 60 ms, `/sse` in 40 ms.
  std::string config = R"({"tasks": {"store": "sqlite:)" + file.string() +
                       R"("}, "demo": {"enabled": true, "tick_ms": 10, "report_ms": 60,
                            "event_gap_ms": 40}})";
  witness seen;
  std::mt19937 rng{20261203};
  std::size_t restarts = 0;
  std::size_t checked_streams = 0;
  auto deadline = std::chrono::steady_clock::now() + 120s;
  for (int round = 0; round < 20 && std::chrono::steady_clock::now() < deadline; ++round) {
    node_process node{config};
    auto port = node.port();
    // Every task any client saw acknowledged so far is here, consistent with what was seen,
    // once, and ended (the node that ran it is gone).
    {
      auto all = call(port, "POST", "/tasks/query", "{}", "", 20s);
      BOOST_REQUIRE_EQUAL(all.status, 200u);
      std::map<std::string, json::object> found;
      for (const auto& v : all.json.as_array()) {
        const auto& task = v.as_object();
        std::string id{task.at("Id").as_string()};
        BOOST_TEST_REQUIRE(found.count(id) == 0u, "task " << id << " found twice");
        found.emplace(id, task);
      }
      std::lock_guard guard{seen.mutex};
      for (const auto& [id, saw] : seen.tasks) {
        auto it = found.find(id);
        BOOST_TEST_REQUIRE((it != found.end()),
                           "acknowledged task " << id << " lost in round " << round);
        const auto& task = it->second;
        std::string state{task.at("State").as_string()};
        std::string error = task.contains("Error") ? std::string{task.at("Error").as_string()} : "";
        BOOST_TEST_REQUIRE(terminal(state), "task " << id << " is " << state << " after a restart");
        BOOST_TEST(task.at("IsCompleted").as_bool());
        BOOST_TEST(task.contains("CompletedTime"));
        if (terminal(saw.state)) {
          BOOST_TEST(state == saw.state,
                     "task " << id << " was seen " << saw.state << ", is " << state);
          BOOST_TEST(error == saw.error);
        } else if (state == "Aborted") {
          BOOST_TEST((error == herald::actors::restart_error || error == "Aborted by the user" ||
                      error == "Timeout"),
                     "task " << id << ": " << error);
        }
        if (state == "Completed")
          BOOST_TEST(!task.contains("Error"));
        if (task.contains("StartingTime"))
          BOOST_TEST(task.at("StartingTime").as_string() >= task.at("CreationTime").as_string());
        BOOST_TEST(task.at("CompletedTime").as_string() >= task.at("CreationTime").as_string());
      }
      // The terminal event of a few of them replays, and agrees with the record.
      for (int k = 0; k < 3 && !seen.tasks.empty(); ++k) {
        auto it = seen.tasks.begin();
        std::advance(it, static_cast<long>(rng() % seen.tasks.size()));
        const auto& task = found.at(it->first);
        std::string route = task.at("Sse").at("Name").as_string().c_str();
        route.resize(route.size() - std::string{"_events"}.size());
        sse_stream stream{port, route + "_events?Id=" + it->first};
        bool whole = stream.read_head() && stream.wait_closed(5s);
        BOOST_TEST_REQUIRE(whole, "round " << round << ": the stream of " << it->first
                                           << " did not end: " << stream.body() << "; task "
                                           << json::serialize(json::value(task)) << "\n"
                                           << node.log());
        auto events = stream.events();
        BOOST_REQUIRE_GE(events.size(), 3u);
        const auto& last = events[events.size() - 2];
        BOOST_TEST(last.type == "pode.taskCompleted");
        auto data = json::parse(last.data).as_object();
        BOOST_TEST(data.at("State") == task.at("State"));
        ++checked_streams;
      }
    }
    // Load from three clients, killed at a random moment.
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (unsigned c = 0; c < 3; ++c)
      clients.emplace_back(client_load, port, std::ref(seen), std::cref(stop), rng());
    std::this_thread::sleep_for(std::chrono::milliseconds{100 + rng() % 500});
    node.stop(SIGKILL, 5s);
    stop = true;
    for (auto& t : clients)
      t.join();
    ++restarts;
  }
  BOOST_TEST_MESSAGE("crash loop: " << restarts << " kills, " << seen.tasks.size()
                                    << " acknowledged tasks checked after each, " << checked_streams
                                    << " streams replayed");
  BOOST_TEST(restarts >= 10u);
  BOOST_TEST(seen.tasks.size() >= 100u);
}

BOOST_AUTO_TEST_SUITE_END()
