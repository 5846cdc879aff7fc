// Graceful shutdown: stop accepting, finish what is in flight, close the rest, exit 0.

#include "app/server.hpp"
#include "support/http_client.hpp"
#include "support/in_process_node.hpp"
#include "support/node_process.hpp"
#include "support/task_client.hpp"

#include <boost/test/unit_test.hpp>
#include <csignal>
#include <future>
#include <thread>

using namespace herald::test;
namespace net = herald::net;
using std::chrono::steady_clock;

BOOST_AUTO_TEST_SUITE(shutdown)

BOOST_AUTO_TEST_CASE(sigterm_closes_idle_connections_and_exits_0) {
  node_process node;
  connection idle{node.port()};
  BOOST_REQUIRE(idle.exchange(get_request("/health")).result_int() == 200);
  auto start = steady_clock::now();
  BOOST_TEST(node.stop(SIGTERM, 10s).value_or(-1) == 0, node.log());
  // Nothing was in flight, so no grace period was needed.
  BOOST_TEST(ms_since(start) < 3000);
  BOOST_TEST(idle.wait_closed(2s));
  BOOST_TEST(connection_refused(node.port()));
  BOOST_TEST(node.log().find("received SIGTERM") != std::string::npos, node.log());
}

BOOST_AUTO_TEST_CASE(a_wait_answered_by_the_shutdown_says_connection_close) {
  // The shutdown aborts the task, which answers the `?wait=`: that answer is the connection's
  // last, and says so, rather than promising a keep-alive the node then breaks.
  node_process node{R"({"demo": {"tick_ms": 60000}, "shutdown_grace_ms": 2000})"};
  auto task = call(node.port(), "POST", "/process-data");
  BOOST_REQUIRE(task.status == 202);
  auto id = task.text("Id");
  await_state(node.port(), id, "Running");
  connection waiting{node.port()};
  BOOST_REQUIRE(waiting.send(get_request("/tasks/" + id + "?wait=30")));
  std::this_thread::sleep_for(200ms); // the wait is held
  std::thread stopper{[&] {
    node.stop(SIGTERM, 10s);
  }};
  auto res = waiting.read_response(5s);
  stopper.join();
  BOOST_TEST(res.result_int() == 200);
  BOOST_TEST(res.body().find(R"("Error":"Aborted by System")") != std::string::npos, res.body());
  BOOST_TEST(res[boost::beast::http::field::connection] == "close");
  BOOST_TEST(waiting.wait_closed(3s));
}

BOOST_AUTO_TEST_CASE(sigint_exits_0_too) {
  node_process node;
  BOOST_TEST(node.stop(SIGINT, 10s).value_or(-1) == 0, node.log());
}

BOOST_AUTO_TEST_CASE(a_stalled_client_cannot_hold_shutdown_past_the_grace_period) {
  node_process node{R"({"shutdown_grace_ms": 500})"};
  connection partial{node.port()};
  BOOST_REQUIRE(partial.send("GET /health HTTP/1.1\r\nHost: x\r\n")); // never finished
  std::this_thread::sleep_for(100ms);
  auto start = steady_clock::now();
  BOOST_TEST(node.stop(SIGTERM, 10s).value_or(-1) == 0, node.log());
  BOOST_TEST(ms_since(start) < 4000);
  BOOST_TEST(partial.wait_closed(2s));
}

BOOST_AUTO_TEST_CASE(an_in_flight_response_is_finished_before_the_node_stops) {
  herald::app::server node{quiet_config()};
  std::promise<void> entered;
  node.get("/slow", [&entered](const net::request_context&) {
    entered.set_value();
    // Deliberately blocks its connection's strand: a response that takes a while.
    std::this_thread::sleep_for(400ms);
    return net::make_response(net::status::ok, "finished");
  });
  in_process_node running{node};

  connection busy{node.port()};
  connection late{node.port()};
  BOOST_REQUIRE(late.send("GET /ready HTTP/1.1\r\n")); // a request still arriving
  std::this_thread::sleep_for(100ms); // ... and already begun when the shutdown starts
  BOOST_REQUIRE(busy.send(get_request("/slow")));
  entered.get_future().wait();
  node.stop();
  BOOST_TEST(node.draining());

  auto res = busy.read_response(5s);
  BOOST_TEST(res.result_int() == 200);
  BOOST_TEST(res.body() == "finished");
  BOOST_TEST(res[boost::beast::http::field::connection] == "close");
  BOOST_TEST(busy.wait_closed(2s));

  // The request that was still arriving is answered as the node drains: not ready.
  BOOST_REQUIRE(late.send("Host: x\r\n\r\n"));
  auto ready = late.read_response(5s);
  BOOST_TEST(ready.result_int() == 503);
  BOOST_TEST(ready[boost::beast::http::field::connection] == "close");

  running.join();
  BOOST_TEST(connection_refused(node.port()));
}

BOOST_AUTO_TEST_SUITE_END()
