// The C++ route API, in-process, over real sockets: a user declares routes on
// herald::app::server and reaches them with a plain HTTP client.

#include "app/server.hpp"
#include "support/http_client.hpp"
#include "support/in_process_node.hpp"

#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>
#include <mutex>
#include <stdexcept>
#include <thread>

using namespace herald::test;
namespace net = herald::net;
namespace json = boost::json;

namespace {

herald::app::config test_config() {
  return quiet_config();
}

using running_node = in_process_node;

} // namespace

BOOST_AUTO_TEST_SUITE(routes)

BOOST_AUTO_TEST_CASE(path_parameters_query_and_body_reach_the_handler) {
  herald::app::server node{test_config()};
  node.get("/hello/{name}", [](const net::request_context& rq) {
    json::object o;
    o["name"] = rq.param("name");
    o["greeting"] = rq.query("greeting").value_or("hello");
    return net::json_response(net::status::ok, o);
  });
  node.post("/items/{id}/notes", [](const net::request_context& rq) {
    json::object o;
    o["id"] = rq.param("id");
    o["body"] = rq.body();
    o["type"] = rq.header("Content-Type");
    return net::json_response(net::status::created, o);
  });
  running_node run{node};
  connection c{run.port()};
  auto hello = c.exchange(get_request("/hello/J%C3%BCrgen%20K?greeting=good%20day"));
  BOOST_TEST(hello.result_int() == 200);
  auto v = json::parse(hello.body());
  BOOST_TEST(v.at("name").as_string() == "J\xC3\xBCrgen K");
  BOOST_TEST(v.at("greeting").as_string() == "good day");
  auto note = c.exchange(request_with_body("POST", "/items/42/notes", R"({"a":1})",
                                           "Content-Type: application/json\r\n"));
  BOOST_TEST(note.result_int() == 201);
  auto n = json::parse(note.body());
  BOOST_TEST(n.at("id").as_string() == "42");
  BOOST_TEST(n.at("body").as_string() == R"({"a":1})");
  BOOST_TEST(n.at("type").as_string() == "application/json");
}

BOOST_AUTO_TEST_CASE(a_literal_route_wins_over_a_parameter) {
  herald::app::server node{test_config()};
  node.get("/users/{id}", [](const net::request_context& rq) {
    return net::make_response(net::status::ok, "user " + std::string{rq.param("id")});
  });
  node.get("/users/me",
           [](const net::request_context&) { return net::make_response(net::status::ok, "me"); });
  running_node run{node};
  BOOST_TEST(http_get(run.port(), "/users/me").body() == "me");
  BOOST_TEST(http_get(run.port(), "/users/7").body() == "user 7");
  BOOST_TEST(http_get(run.port(), "/users").result_int() == 404);
  BOOST_TEST(http_get(run.port(), "/users/7/x").result_int() == 404);
}

BOOST_AUTO_TEST_CASE(a_throwing_handler_answers_500_and_the_node_keeps_serving) {
  herald::app::server node{test_config()};
  node.get("/boom", [](const net::request_context&) -> net::response {
    throw std::runtime_error("secret detail");
  });
  node.get("/int", [](const net::request_context&) -> net::response { throw 42; });
  running_node run{node};
  connection c{run.port()};
  for (auto target : {"/boom", "/int"}) {
    auto res = c.exchange(get_request(target));
    BOOST_TEST(res.result_int() == 500);
    auto body = json::parse(res.body());
    BOOST_TEST(body.at("Error").as_string() == "Internal server error");
    BOOST_TEST(res.body().find("secret") == std::string::npos);
  }
  BOOST_TEST(c.exchange(get_request("/health")).result_int() == 200);
}

BOOST_AUTO_TEST_CASE(methods_share_a_path_and_405_lists_them) {
  herald::app::server node{test_config()};
  auto say = [](std::string what) {
    return [what](const net::request_context&) {
      return net::make_response(net::status::ok, what);
    };
  };
  node.get("/thing", say("get")).put("/thing", say("put")).del("/thing", say("delete"));
  running_node run{node};
  connection c{run.port()};
  BOOST_TEST(c.exchange(request_with_body("PUT", "/thing", "x")).body() == "put");
  BOOST_TEST(c.exchange(request_with_body("DELETE", "/thing", "")).body() == "delete");
  auto res = c.exchange(request_with_body("PATCH", "/thing", "x"));
  BOOST_TEST(res.result_int() == 405);
  BOOST_TEST(res[boost::beast::http::field::allow] == "DELETE, GET, HEAD, PUT");
}

BOOST_AUTO_TEST_CASE(declaring_a_bad_or_duplicate_route_fails_at_once) {
  herald::app::server node{test_config()};
  auto ok = [](const net::request_context&) {
    return net::make_response(net::status::ok, "");
  };
  BOOST_CHECK_THROW(node.get("no-slash", ok), std::invalid_argument);
  BOOST_CHECK_THROW(node.get("/health", ok), std::invalid_argument);
  BOOST_CHECK_THROW(node.get("/a/{b", ok), std::invalid_argument);
  node.get("/a/{b}", ok);
  BOOST_CHECK_THROW(node.get("/a/{c}", ok), std::invalid_argument);
  running_node run{node};
  BOOST_CHECK_THROW(node.get("/late", ok), std::logic_error);
}

BOOST_AUTO_TEST_CASE(two_io_threads_serve_concurrent_clients) {
  auto cfg = test_config();
  cfg.io_threads = 2;
  cfg.scheduler_threads = 2;
  herald::app::server node{cfg};
  node.get("/echo/{n}", [](const net::request_context& rq) {
    return net::make_response(net::status::ok, std::string{rq.param("n")});
  });
  running_node run{node};
  std::vector<std::thread> clients;
  std::atomic<int> good{0};
  for (int t = 0; t < 4; ++t)
    clients.emplace_back([&, t] {
      connection c{run.port()};
      for (int i = 0; i < 250; ++i) {
        auto n = std::to_string(t * 1000 + i);
        if (c.exchange(get_request("/echo/" + n)).body() == n)
          ++good;
      }
    });
  for (auto& t : clients)
    t.join();
  BOOST_TEST(good.load() == 1000);
}

BOOST_AUTO_TEST_CASE(a_deferred_route_is_answered_from_another_thread) {
  herald::app::server node{test_config()};
  std::vector<std::thread> workers;
  std::mutex m;
  node.deferred(net::verb::get, "/slow/{n}",
                [&](const net::request_context& rq, net::responder answer) {
                  std::string n{rq.param("n")};
                  std::lock_guard guard{m};
                  workers.emplace_back([n, answer = std::move(answer)]() mutable {
                    std::this_thread::sleep_for(100ms);
                    answer(net::make_response(net::status::ok, "slow " + n));
                  });
                });
  node.deferred(net::verb::get, "/dropped", [](const net::request_context&, net::responder) {});
  node.deferred(net::verb::get, "/throws", [](const net::request_context&, net::responder) {
    throw std::runtime_error("no");
  });
  {
    running_node run{node};
    connection c{run.port()};
    // Pipelined behind a deferred answer, the next request waits its turn: order is kept.
    BOOST_REQUIRE(c.send(get_request("/slow/1") + get_request("/health") + get_request("/slow/2")));
    BOOST_TEST(c.read_response().body() == "slow 1");
    BOOST_TEST(c.read_response().result_int() == 200);
    BOOST_TEST(c.read_response().body() == "slow 2");
    // Dropped or thrown: one 500 each, and the connection goes on.
    BOOST_TEST(c.exchange(get_request("/dropped")).result_int() == 500);
    BOOST_TEST(c.exchange(get_request("/throws")).result_int() == 500);
    BOOST_TEST(c.exchange(get_request("/health")).result_int() == 200);
  }
  for (auto& w : workers)
    w.join();
}

BOOST_AUTO_TEST_SUITE_END()
