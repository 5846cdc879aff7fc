// The `herald` binary over real sockets: built-in routes, keep-alive, pipelining, many
// connections, and its command line.

#include "support/http_client.hpp"
#include "support/node_process.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

using namespace herald::test;
namespace http = boost::beast::http;

BOOST_AUTO_TEST_SUITE(binary)

BOOST_AUTO_TEST_CASE(health_and_ready_answer_json) {
  node_process node;
  auto health = http_get(node.port(), "/health");
  BOOST_TEST(health.result_int() == 200);
  BOOST_TEST(health[http::field::content_type] == "application/json");
  BOOST_TEST(boost::json::parse(health.body()).at("status").as_string() == "ok");
  BOOST_TEST(!health[http::field::date].empty());
  auto ready = http_get(node.port(), "/ready");
  BOOST_TEST(ready.result_int() == 200);
  BOOST_TEST(boost::json::parse(ready.body()).at("status").as_string() == "ready");
}

BOOST_AUTO_TEST_CASE(a_keep_alive_connection_serves_many_requests) {
  node_process node;
  connection c{node.port()};
  for (int i = 0; i < 200; ++i) {
    auto res = c.exchange(get_request("/health"));
    BOOST_REQUIRE(res.result_int() == 200);
    BOOST_REQUIRE(res.keep_alive());
  }
}

BOOST_AUTO_TEST_CASE(connection_close_is_honoured) {
  node_process node;
  connection c{node.port()};
  auto res = c.exchange(get_request("/health", "Connection: close\r\n"));
  BOOST_TEST(res.result_int() == 200);
  BOOST_TEST(res[http::field::connection] == "close");
  BOOST_TEST(c.wait_closed(2s));
}

BOOST_AUTO_TEST_CASE(http_1_0_closes_unless_keep_alive_is_asked) {
  node_process node;
  {
    connection c{node.port()};
    auto res = c.exchange("GET /health HTTP/1.0\r\n\r\n");
    BOOST_TEST(res.result_int() == 200);
    BOOST_TEST(res.version() == 10);
    BOOST_TEST(c.wait_closed(2s));
  }
  connection c{node.port()};
  auto res = c.exchange("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  BOOST_TEST(res[http::field::connection] == "keep-alive");
  BOOST_TEST(c.exchange("GET /ready HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").result_int() ==
             200);
}

BOOST_AUTO_TEST_CASE(pipelined_requests_are_answered_in_order) {
  node_process node;
  connection c{node.port()};
  BOOST_REQUIRE(c.send(get_request("/health") + get_request("/nope") + get_request("/ready")));
  BOOST_TEST(c.read_response().result_int() == 200);
  BOOST_TEST(c.read_response().result_int() == 404);
  auto third = c.read_response();
  BOOST_TEST(third.result_int() == 200);
  BOOST_TEST(third.body().find("ready") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(two_hundred_concurrent_connections_are_all_served) {
  node_process node;
  std::vector<std::unique_ptr<connection>> conns;
  for (int i = 0; i < 200; ++i)
    conns.push_back(std::make_unique<connection>(node.port()));
  // Every connection is open at once and has a request in flight before any is read.
  for (auto& c : conns)
    BOOST_REQUIRE(c->send(get_request("/health")));
  int ok = 0;
  for (auto& c : conns)
    ok += c->read_response().result_int() == 200 ? 1 : 0;
  BOOST_TEST(ok == 200);
  // And each is still usable.
  for (auto& c : conns)
    BOOST_REQUIRE(c->exchange(get_request("/ready")).result_int() == 200);
}

BOOST_AUTO_TEST_CASE(unknown_path_is_404_and_wrong_method_is_405_with_allow) {
  node_process node;
  connection c{node.port()};
  auto missing = c.exchange(get_request("/no/such/path"));
  BOOST_TEST(missing.result_int() == 404);
  BOOST_TEST(boost::json::parse(missing.body()).at("Error").as_string() == "Not found");
  auto wrong = c.exchange(request_with_body("DELETE", "/health", ""));
  BOOST_TEST(wrong.result_int() == 405);
  BOOST_TEST(wrong[http::field::allow] == "GET, HEAD");
  BOOST_TEST(boost::json::parse(wrong.body()).at("Error").is_string());
  // Neither closes the connection.
  BOOST_TEST(c.exchange(get_request("/health")).result_int() == 200);
}

BOOST_AUTO_TEST_CASE(head_gets_the_length_without_a_body) {
  node_process node;
  connection c{node.port()};
  BOOST_REQUIRE(c.send("HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto res = c.read_response(5s, true);
  BOOST_TEST(res.result_int() == 200);
  BOOST_TEST(res[http::field::content_length] == "15");
  BOOST_TEST(res.body().empty());
  // Nothing stray follows: the next response parses cleanly.
  BOOST_TEST(c.exchange(get_request("/health")).body() == R"({"status":"ok"})");
}

BOOST_AUTO_TEST_CASE(help_prints_usage_and_exits_0) {
  auto r = run_herald({"--help"}, 10s);
  BOOST_TEST(r.exit_code.value_or(-1) == 0);
  BOOST_TEST(r.out.find("usage: herald") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_unknown_config_key_stops_start_up_naming_it) {
  auto dir = make_temp_dir();
  auto file = (dir / "c.json").string();
  { std::ofstream{file} << R"({"port": 0, "limits": {"body_limit_bytes": 10, "bogus": 1}})"; }
  auto r = run_herald({"--config", file}, 10s);
  BOOST_TEST(r.exit_code.value_or(-1) == 2);
  BOOST_TEST(r.err.find("limits.bogus") != std::string::npos, r.err);
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(an_unusable_auth_key_file_stops_start_up_naming_the_key) {
  auto dir = make_temp_dir();
  auto file = (dir / "c.json").string();
  {
    std::ofstream{file} << R"({"port": 0, "auth": {"jwt": {"jwks_file": ")"
                        << (dir / "none.json").string() << R"("}}})";
  }
  auto r = run_herald({"--config", file}, 10s);
  BOOST_TEST(r.exit_code.value_or(-1) == 2);
  BOOST_TEST(r.err.find("configuration error: auth.jwt.jwks_file") != std::string::npos, r.err);
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(an_invalid_value_stops_start_up_naming_the_key) {
  auto dir = make_temp_dir();
  auto file = (dir / "c.json").string();
  { std::ofstream{file} << R"({"io_threads": 0})"; }
  auto r = run_herald({"--config", file}, 10s);
  BOOST_TEST(r.exit_code.value_or(-1) == 2);
  BOOST_TEST(r.err.find("io_threads") != std::string::npos, r.err);
  auto bad_flag = run_herald({"--port", "http"}, 10s);
  BOOST_TEST(bad_flag.exit_code.value_or(-1) == 2);
  BOOST_TEST(bad_flag.err.find("--port") != std::string::npos, bad_flag.err);
  auto bad_json = run_herald({"--config", "/nonexistent/herald.json"}, 10s);
  BOOST_TEST(bad_json.exit_code.value_or(-1) == 2);
  BOOST_TEST(bad_json.err.find("cannot read") != std::string::npos, bad_json.err);
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(a_port_in_use_fails_start_up_with_a_message) {
  node_process first;
  auto r = run_herald({"--bind", "127.0.0.1", "--port", std::to_string(first.port())}, 10s);
  BOOST_TEST(r.exit_code.value_or(-1) == 1);
  BOOST_TEST(r.err.find("cannot listen on 127.0.0.1:" + std::to_string(first.port())) !=
                 std::string::npos,
             r.err);
}

BOOST_AUTO_TEST_SUITE_END()
