// Races on one task (SPEC §2: terminal states are final): completion, cancel, timeout and the
// node's shutdown, at random moments against each other, thousands of times over real
// sockets. Every subscriber of the task's stream and every `?wait=` sees exactly one terminal
// event, and the record agrees with it; after a shutdown, so does the store.

#include "actors/task_store.hpp"
#include "app/config.hpp"
#include "app/server.hpp"
#include "support/in_process_node.hpp"
#include "support/node_process.hpp"
#include "support/sse_stream.hpp"
#include "support/task_client.hpp"

#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace herald::test;
using namespace std::chrono_literals;
namespace app = herald::app;
namespace json = boost::json;

namespace {

/// `POST /race`: a blocking body that works 0–3 ms (waking on cancellation) and ends with
/// `{"done": true}`; its timeout is 2 ms, so completion, timeout and a client's cancel all
/// fall in the same few milliseconds.
void add_race_route(app::server& node) {
  app::async_options o;
  o.max_concurrent = 16;
  o.max_queued = 10'000;
  o.timeout = 2ms;
  o.sse = herald::actors::sse_options{"race", true};
  node.async_route(herald::net::verb::post, "/race", o, [](app::task_context& ctx) {
    thread_local std::mt19937 rng{std::random_device{}()};
    auto until = std::chrono::steady_clock::now() + std::chrono::microseconds{rng() % 3000};
    while (std::chrono::steady_clock::now() < until) {
      if (ctx.cancelled())
        return json::value{};
      std::this_thread::sleep_for(100us);
    }
    return json::value{json::object{{"done", true}}};
  });
}

app::config race_config() {
  auto cfg = quiet_config();
  // Timeouts are enforced at the registry's tick: 1 ms makes them race with the rest.
  cfg.tasks.registry.tick = 1ms;
  cfg.shutdown_grace = 500ms;
  return cfg;
}

bool terminal(std::string_view s) {
  return s == "Completed" || s == "Failed" || s == "Aborted";
}

/// What one client saw of one task.
struct observed {
  std::string id;
  std::size_t terminal_events = 0;
  std::string stream_state; ///< from `pode.taskCompleted`
  std::string wait_state;   ///< from `?wait=`
  std::string wait_error;
  unsigned cancel_status = 0;
};

/// The terminal events of a stream that ended: how many, and the state of the last one.
void read_terminal(const sse_stream& s, observed& o) {
  for (const auto& e : s.events())
    if (e.type == "pode.taskCompleted") {
      ++o.terminal_events;
      o.stream_state = json::parse(e.data).at("State").as_string().c_str();
    }
}

/// One task: started, watched by a stream and a `?wait=`, cancelled (or not) at a random
/// moment.
observed race_once(std::uint16_t port, std::mt19937& rng) {
  observed o;
  auto started = call(port, "POST", "/race", "{}");
  BOOST_REQUIRE_EQUAL(started.status, 202u);
  o.id = started.text("Id");
  std::thread waiter{[&] {
    auto r = call(port, "GET", "/tasks/" + o.id + "?wait=5", "", "", 10s);
    if (r.status == 200) {
      o.wait_state = r.text("State");
      o.wait_error = r.text("Error");
    }
  }};
  sse_stream stream{port, "/race_events?Id=" + o.id};
  if (rng() % 2 == 0) {
    std::this_thread::sleep_for(std::chrono::microseconds{rng() % 3000});
    o.cancel_status = call(port, "DELETE", "/tasks/" + o.id).status;
  }
  bool ended = stream.read_head() && stream.wait_closed(10s);
  waiter.join();
  BOOST_TEST_REQUIRE(ended, "the stream of " << o.id << " did not end: " << stream.body());
  read_terminal(stream, o);
  return o;
}

} // namespace

BOOST_AUTO_TEST_SUITE(races)

BOOST_AUTO_TEST_CASE(completion_cancel_and_timeout_end_a_task_once) {
  app::server node{race_config()};
  add_race_route(node);
  in_process_node running{node};
  const auto port = running.port();
  std::mutex mutex;
  std::vector<observed> seen;
  auto deadline = std::chrono::steady_clock::now() + 25s;
  std::vector<std::thread> workers;
  for (unsigned w = 0; w < 4; ++w)
    workers.emplace_back([&, w] {
      std::mt19937 rng{20261203u + w};
      for (int i = 0; i < 750 && std::chrono::steady_clock::now() < deadline; ++i) {
        auto o = race_once(port, rng);
        std::lock_guard guard{mutex};
        seen.push_back(std::move(o));
      }
    });
  for (auto& t : workers)
    t.join();
  std::size_t completed = 0;
  std::size_t cancelled = 0;
  std::size_t timed_out = 0;
  for (const auto& o : seen) {
    BOOST_TEST_REQUIRE(o.terminal_events == 1u,
                       "task " << o.id << ": " << o.terminal_events << " terminal events");
    auto record = get_task(port, o.id);
    BOOST_REQUIRE_EQUAL(record.status, 200u);
    auto state = record.text("State");
    auto error = record.text("Error");
    BOOST_TEST_REQUIRE(terminal(state));
    BOOST_TEST(o.stream_state == state, "task " << o.id);
    BOOST_TEST(o.wait_state == state, "task " << o.id);
    BOOST_TEST(o.wait_error == error, "task " << o.id);
    // A cancel answered 200 is the one that ended it; one that came too late was told so.
    if (o.cancel_status == 200u)
      BOOST_TEST((state == "Aborted" && error == "Aborted by the user"), "task " << o.id);
    else if (o.cancel_status != 0u)
      BOOST_TEST(o.cancel_status == 410u, "task " << o.id);
    if (state == "Completed")
      ++completed;
    else if (error == "Timeout")
      ++timed_out;
    else if (error == "Aborted by the user")
      ++cancelled;
  }
  BOOST_TEST_MESSAGE("races: " << seen.size() << " tasks: " << completed << " completed, "
                               << cancelled << " cancelled, " << timed_out << " timed out");
  BOOST_TEST(seen.size() >= 500u);
  // Each ending won some of the races, or the test raced nothing.
  BOOST_TEST(completed > 0u);
  BOOST_TEST(cancelled > 0u);
  BOOST_TEST(timed_out > 0u);
}

BOOST_AUTO_TEST_CASE(shutdown_in_the_middle_ends_every_task_once_and_the_store_agrees) {
  auto dir = make_temp_dir();
  auto cfg = race_config();
  cfg.tasks.store = "sqlite:" + (dir / "tasks.db").string();
  std::mt19937 rng{42};
  std::size_t rounds = 0;
  std::size_t tasks = 0;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  for (int round = 0; round < 10 && std::chrono::steady_clock::now() < deadline; ++round) {
    std::vector<observed> seen(24);
    {
      app::server node{cfg};
      add_race_route(node);
      in_process_node running{node};
      auto port = running.port();
      std::vector<std::unique_ptr<sse_stream>> streams;
      std::vector<std::thread> waiters;
      for (auto& o : seen) {
        auto started = call(port, "POST", "/race", "{}");
        BOOST_REQUIRE_EQUAL(started.status, 202u);
        o.id = started.text("Id");
        streams.push_back(std::make_unique<sse_stream>(port, "/race_events?Id=" + o.id));
      }
      for (auto& o : seen)
        waiters.emplace_back([port, &o] {
          try {
            auto r = call(port, "GET", "/tasks/" + o.id + "?wait=5", "", "", 10s);
            if (r.status == 200) {
              o.wait_state = r.text("State");
              o.wait_error = r.text("Error");
            }
          } catch (const std::exception&) {
            // refused: the node stopped before this request was read
          }
        });
      std::this_thread::sleep_for(std::chrono::microseconds{rng() % 4000});
      node.stop(); // races with the bodies, their timeouts and the waits
      for (std::size_t i = 0; i < seen.size(); ++i) {
        if (streams[i]->read_head(2s))
          streams[i]->wait_closed(5s);
        read_terminal(*streams[i], seen[i]);
      }
      for (auto& t : waiters)
        t.join();
    }
    // The node that stopped wrote what its clients saw.
    app::server node{cfg};
    add_race_route(node);
    in_process_node running{node};
    for (const auto& o : seen) {
      // A stream that opened saw the end once; one the stopping node refused saw nothing.
      BOOST_TEST(o.terminal_events <= 1u, "task " << o.id);
      auto record = get_task(running.port(), o.id);
      BOOST_REQUIRE_EQUAL(record.status, 200u);
      auto state = record.text("State");
      BOOST_TEST_REQUIRE(terminal(state));
      if (o.terminal_events == 1u)
        BOOST_TEST(o.stream_state == state, "task " << o.id);
      if (!o.wait_state.empty()) {
        BOOST_TEST(o.wait_state == state, "task " << o.id);
        BOOST_TEST(o.wait_error == record.text("Error"), "task " << o.id);
      }
      BOOST_TEST(record.text("Error") != herald::actors::restart_error);
      ++tasks;
    }
    ++rounds;
  }
  BOOST_TEST_MESSAGE("shutdown races: " << rounds << " rounds, " << tasks << " tasks");
  BOOST_TEST(rounds >= 3u);
}

BOOST_AUTO_TEST_SUITE_END()
