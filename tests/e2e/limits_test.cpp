// SPEC §4.10 over real sockets: every kind of bad input gets its answer, and the node keeps
// serving everybody else.

#include "support/http_client.hpp"
#include "support/in_process_node.hpp"
#include "support/node_process.hpp"

#include <arpa/inet.h>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <memory>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace herald::test;
namespace http = boost::beast::http;
using std::chrono::steady_clock;

namespace {

std::string error_of(const herald::net::response& res) {
  return std::string{boost::json::parse(res.body()).at("Error").as_string()};
}

/// The node is still fine: a fresh connection gets its answer.
void still_serving(const node_process& node) {
  BOOST_TEST(http_get(node.port(), "/health").result_int() == 200);
}

/// Sends `head`, then `filler` in 16 KiB pieces, until the server answers (or closes), at most
/// `max_bytes` of filler or 10 s. Returns how much filler went out before the answer came.
std::size_t send_until_answered(connection& c, std::string_view head, char filler,
                                std::size_t max_bytes) {
  BOOST_REQUIRE(c.send(head));
  const std::string piece(16 * 1024, filler);
  std::size_t sent = 0;
  auto start = steady_clock::now();
  while (sent < max_bytes && ms_since(start) < 10'000) {
    pollfd p{c.fd(), POLLIN, 0};
    if (poll(&p, 1, 0) > 0)
      break; // the answer (or the end of the connection) is there
    if (!c.send(piece))
      break;
    sent += piece.size();
  }
  return sent;
}

/// Whether a new connection is served within 2 s (a place a closed one gave back may take the
/// node a moment to see).
bool served_again(std::uint16_t port) {
  for (int i = 0; i < 100; ++i) {
    connection again{port};
    again.send(get_request("/health"));
    if (again.read_response(2s).result_int() == 200)
      return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

/// `GET /health` to 127.0.0.1:`port` from another loopback address, `source` (Linux routes all
/// of 127.0.0.0/8 to the loopback interface); the status, or 0 when refused or closed.
unsigned health_from(const char* source, std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  BOOST_REQUIRE(fd >= 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  ::inet_pton(AF_INET, source, &from.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  unsigned status = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) == 0 &&
      ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0) {
    auto req = get_request("/health");
    timeval tv{3, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
      char buf[512];
      auto n = ::recv(fd, buf, sizeof buf, 0);
      std::string_view head{buf, n > 12 ? static_cast<std::size_t>(n) : 0};
      if (head.substr(0, 9) == "HTTP/1.1 ")
        status = static_cast<unsigned>(std::stoi(std::string{head.substr(9, 3)}));
    }
  }
  ::close(fd);
  return status;
}

} // namespace

BOOST_AUTO_TEST_SUITE(limits)

BOOST_AUTO_TEST_CASE(
    connections_over_the_per_address_bound_get_429_and_other_addresses_do_not_count) {
  node_process node{R"({"limits": {"max_connections_per_ip": 3}})"};
  std::vector<std::unique_ptr<connection>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<connection>(node.port()));
    BOOST_REQUIRE(held.back()->exchange(get_request("/health")).result_int() == 200);
  }
  {
    connection extra{node.port()};
    auto res = extra.read_response(3s);
    BOOST_TEST(res.result_int() == 429);
    BOOST_TEST(error_of(res) == "Too many connections from this address");
    BOOST_TEST(res[http::field::retry_after] == "1");
    BOOST_TEST(extra.wait_closed(3s));
  }
  // Another address has its own count; the held ones keep working.
  BOOST_TEST(health_from("127.0.0.2", node.port()) == 200u);
  for (auto& c : held)
    BOOST_TEST(c->exchange(get_request("/health")).result_int() == 200);
  // A connection that closes gives its place back.
  held.pop_back();
  BOOST_TEST(served_again(node.port()));
}

BOOST_AUTO_TEST_CASE(requests_over_the_per_address_rate_get_429_and_keep_their_connection) {
  node_process node{R"({"limits": {"requests_per_second_per_ip": 5, "request_burst_per_ip": 5}})"};
  connection c{node.port()};
  int ok = 0;
  herald::net::response refused;
  for (int i = 0; i < 20; ++i) {
    auto res = c.exchange(get_request("/health"));
    if (res.result_int() == 200) {
      ++ok;
      continue;
    }
    refused = std::move(res);
    break;
  }
  // The burst, give or take the tokens that refilled while it was sent.
  BOOST_TEST(ok >= 5);
  BOOST_TEST(ok <= 7);
  BOOST_TEST(refused.result_int() == 429);
  BOOST_TEST(error_of(refused) == "Too many requests from this address; retry later");
  BOOST_TEST(refused[http::field::retry_after] == "1");
  // Another address is not held back by this one.
  BOOST_TEST(health_from("127.0.0.3", node.port()) == 200u);
  // The same connection, after the wait it was told.
  std::this_thread::sleep_for(1100ms);
  BOOST_TEST(c.exchange(get_request("/health")).result_int() == 200);
  // Counted for /metrics.
  auto scrape = http_get(node.admin_port(), "/metrics");
  BOOST_TEST(scrape.body().find("herald_http_rate_limited_total 1") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_malformed_request_gets_400_and_the_connection_closes) {
  node_process node;
  for (const std::string& garbage :
       std::vector<std::string>{"GARBAGE\r\n\r\n", "GET / HTTP/9.9\r\n\r\n",
                                "GET /health HTTP/1.1\r\nBad Header\r\n\r\n",
                                std::string{"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11}}) {
    connection c{node.port()};
    auto res = c.exchange(garbage);
    BOOST_TEST(res.result_int() == 400);
    BOOST_TEST(error_of(res) == "Malformed HTTP request");
    BOOST_TEST(res[http::field::connection] == "close");
    BOOST_TEST(c.wait_closed(3s));
  }
  still_serving(node);
}

BOOST_AUTO_TEST_CASE(a_target_that_is_not_a_url_gets_400_and_the_connection_stays) {
  node_process node;
  connection c{node.port()};
  auto res = c.exchange(get_request("/a%zz"));
  BOOST_TEST(res.result_int() == 400);
  BOOST_TEST(c.exchange(get_request("/health")).result_int() == 200);
}

BOOST_AUTO_TEST_CASE(a_header_block_over_16_kib_gets_431) {
  node_process node;
  {
    // Just under the limit passes.
    connection c{node.port()};
    auto res =
        c.exchange(get_request("/health", "X-Fill: " + std::string(15 * 1024, 'a') + "\r\n"));
    BOOST_TEST(res.result_int() == 200);
  }
  connection c{node.port()};
  auto res = c.exchange(get_request("/health", "X-Fill: " + std::string(17 * 1024, 'a') + "\r\n"));
  BOOST_TEST(res.result_int() == 431);
  BOOST_TEST(error_of(res) == "Request header fields too large");
  BOOST_TEST(c.wait_closed(3s));
  still_serving(node);
}

BOOST_AUTO_TEST_CASE(a_header_block_over_16_kib_gets_431_however_the_reads_split_it) {
  node_process node;
  auto big = get_request("/health", "X-Fill: " + std::string(9 * 1024, 'a') + "\r\n" +
                                        "X-More: " + std::string(9 * 1024, 'b') + "\r\n");
  connection c{node.port()};
  BOOST_REQUIRE(c.send(big.substr(0, 12 * 1024)));
  std::this_thread::sleep_for(100ms); // the server parses the first part on its own
  c.send(big.substr(12 * 1024));
  auto res = c.read_response(3s);
  BOOST_TEST(res.result_int() == 431);
  still_serving(node);
}

BOOST_AUTO_TEST_CASE(a_body_over_the_limit_gets_413) {
  node_process node{R"({"limits": {"body_limit_bytes": 1024}})"};
  {
    connection c{node.port()};
    // At the limit the request is read whole (and routed: /health takes no POST).
    auto res = c.exchange(request_with_body("POST", "/health", std::string(1024, 'x')));
    BOOST_TEST(res.result_int() == 405);
  }
  {
    connection c{node.port()};
    auto res = c.exchange(request_with_body("POST", "/health", std::string(1025, 'x')));
    BOOST_TEST(res.result_int() == 413);
    BOOST_TEST(error_of(res) == "Request body too large");
    BOOST_TEST(c.wait_closed(3s));
  }
  {
    // Announced by a client that waits for `100 Continue`: refused before it sends the body.
    connection c{node.port()};
    auto res = c.exchange("POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n"
                          "Expect: 100-continue\r\n\r\n");
    BOOST_TEST(res.result_int() == 413);
  }
  {
    // Chunked bodies are counted as they arrive.
    connection c{node.port()};
    std::string chunked = "POST /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 3; ++i)
      chunked += "200\r\n" + std::string(512, 'y') + "\r\n";
    auto res = c.exchange(chunked + "0\r\n\r\n");
    BOOST_TEST(res.result_int() == 413);
  }
  still_serving(node);
}

BOOST_AUTO_TEST_CASE(chunk_framing_that_never_ends_is_refused_at_a_small_bound) {
  // A chunk extension, a chunk-size line and a trailer field that never reach their CRLF:
  // the parser can take none of those bytes, and they used to be buffered without end.
  node_process node;
  const std::string head = "POST /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  struct attack {
    std::string prefix;
    char filler;
    unsigned status;
    std::string error;
  };
  auto before = rss_kib(node.pid());
  for (const auto& a : std::vector<attack>{
           {"1;", 'e', 400, "Chunk-size line too long"},
           {"", '0', 400, "Chunk-size line too long"},
           {"3\r\nabc\r\n0\r\nX-Trailer: ", 't', 431, "Request header fields too large"}}) {
    BOOST_TEST_CONTEXT("after '" << a.prefix << "': " << a.filler << "...") {
      connection c{node.port()};
      auto sent = send_until_answered(c, head + a.prefix, a.filler, 64u << 20);
      auto res = c.read_response(5s);
      BOOST_TEST(res.result_int() == a.status);
      BOOST_TEST(error_of(res) == a.error);
      BOOST_TEST(res[http::field::connection] == "close");
      BOOST_TEST(c.wait_closed(5s));
      // Answered after a few KiB: the kernel's socket buffers, not the node, took the rest.
      BOOST_TEST(sent < 16u << 20, "sent " << sent << " bytes before the answer");
    }
  }
  auto grown = rss_kib(node.pid()) - before;
  if (rss_tracks_memory)
    BOOST_TEST(grown < 8 * 1024, "RSS grew by " << grown << " KiB");
  still_serving(node);
}

BOOST_AUTO_TEST_CASE(chunk_framing_within_its_bound_is_accepted) {
  node_process node{R"({"limits": {"chunk_framing_limit_bytes": 256}})"};
  connection c{node.port()};
  std::string chunked = "POST /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "4;name=" +
                        std::string(100, 'v') + "\r\nabcd\r\n" +
                        "0\r\nX-Digest: " + std::string(100, 'd') + "\r\n\r\n";
  // Read whole, then routed: /health takes no POST; the connection stays usable.
  BOOST_TEST(c.exchange(chunked).result_int() == 405);
  BOOST_TEST(c.exchange(get_request("/health")).result_int() == 200);
  connection over{node.port()};
  auto res = over.exchange("POST /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "4;name=" +
                           std::string(300, 'v') + "\r\nabcd\r\n0\r\n\r\n");
  BOOST_TEST(res.result_int() == 400);
}

BOOST_AUTO_TEST_CASE(an_http_1_1_request_without_exactly_one_host_gets_400) {
  node_process node;
  for (const std::string& bad : std::vector<std::string>{
           "GET /health HTTP/1.1\r\n\r\n", "GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
           "GET /health HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"}) {
    BOOST_TEST_CONTEXT(bad) {
      connection c{node.port()};
      auto res = c.exchange(bad);
      BOOST_TEST(res.result_int() == 400);
      BOOST_TEST(error_of(res) == "Missing or repeated Host header field");
      BOOST_TEST(c.wait_closed(3s));
    }
  }
  // HTTP/1.0 may leave it out.
  connection old{node.port()};
  BOOST_TEST(old.exchange("GET /health HTTP/1.0\r\n\r\n").result_int() == 200);
  still_serving(node);
}

BOOST_AUTO_TEST_CASE(a_client_waiting_for_100_continue_gets_it_then_its_answer) {
  node_process node;
  connection c{node.port()};
  BOOST_REQUIRE(c.send("POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                       "Expect: 100-continue\r\n\r\n"));
  auto interim = c.read_response(3s);
  BOOST_TEST(interim.result_int() == 100);
  BOOST_REQUIRE(c.send("abcd"));
  BOOST_TEST(c.read_response().result_int() == 405);
}

BOOST_AUTO_TEST_CASE(slow_headers_get_408_after_the_header_timeout) {
  node_process node{R"({"limits": {"header_timeout_ms": 300}})"};
  connection slow{node.port()};
  auto start = steady_clock::now();
  BOOST_REQUIRE(slow.send("GET /health HTTP/1.1\r\nHost: x\r\n"));
  // Meanwhile everybody else is served.
  still_serving(node);
  auto res = slow.read_response(5s);
  auto waited = ms_since(start);
  BOOST_TEST(res.result_int() == 408);
  BOOST_TEST(error_of(res) == "Request timed out");
  BOOST_TEST(waited >= 250);
  BOOST_TEST(waited < 3000);
  BOOST_TEST(slow.wait_closed(3s));
}

BOOST_AUTO_TEST_CASE(a_trickling_slowloris_is_cut_off_at_the_header_timeout) {
  node_process node{R"({"limits": {"header_timeout_ms": 400}})"};
  connection slow{node.port()};
  auto start = steady_clock::now();
  BOOST_REQUIRE(slow.send("GET /health HTTP/1.1\r\n"));
  bool answered = false;
  // One header byte every 50 ms would never end; the timeout counts from the first byte.
  for (int i = 0; i < 60 && !answered; ++i) {
    std::this_thread::sleep_for(50ms);
    if (!slow.send("X"))
      answered = true;
    pollfd p{slow.fd(), POLLIN, 0};
    if (poll(&p, 1, 0) > 0)
      answered = true;
  }
  BOOST_TEST(answered);
  auto res = slow.read_response(3s);
  BOOST_TEST(res.result_int() == 408);
  BOOST_TEST(ms_since(start) < 2500);
}

BOOST_AUTO_TEST_CASE(a_slow_body_gets_408_after_the_body_timeout) {
  node_process node{R"({"limits": {"body_timeout_ms": 300}})"};
  connection slow{node.port()};
  BOOST_REQUIRE(slow.send("POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"));
  auto res = slow.read_response(5s);
  BOOST_TEST(res.result_int() == 408);
  BOOST_TEST(slow.wait_closed(3s));
}

BOOST_AUTO_TEST_CASE(an_idle_keep_alive_connection_is_closed_quietly) {
  node_process node{R"({"limits": {"idle_timeout_ms": 300}})"};
  connection c{node.port()};
  BOOST_TEST(c.exchange(get_request("/health")).result_int() == 200);
  auto start = steady_clock::now();
  BOOST_TEST(c.wait_closed(5s));
  BOOST_TEST(ms_since(start) >= 250);
  // A connection that never sends a byte is closed the same way.
  connection silent{node.port()};
  BOOST_TEST(silent.wait_closed(5s));
}

BOOST_AUTO_TEST_CASE(connections_over_the_maximum_get_503_and_the_others_keep_working) {
  node_process node{R"({"limits": {"max_connections": 5}})"};
  std::vector<std::unique_ptr<connection>> held;
  for (int i = 0; i < 5; ++i) {
    held.push_back(std::make_unique<connection>(node.port()));
    BOOST_REQUIRE(held.back()->exchange(get_request("/health")).result_int() == 200);
  }
  {
    connection extra{node.port()};
    auto res = extra.read_response(3s);
    BOOST_TEST(res.result_int() == 503);
    BOOST_TEST(error_of(res) == "Too many connections");
    BOOST_TEST(res[http::field::retry_after] == "1");
    BOOST_TEST(extra.wait_closed(3s));
  }
  for (auto& c : held)
    BOOST_TEST(c->exchange(get_request("/health")).result_int() == 200);
  // A freed slot is available again.
  held.pop_back();
  BOOST_TEST(served_again(node.port()));
}

BOOST_AUTO_TEST_CASE(a_client_that_never_reads_is_cut_off_and_does_not_stall_the_others) {
  auto cfg = quiet_config();
  cfg.limits.write_timeout = std::chrono::milliseconds{500};
  herald::app::server node{cfg};
  // More than the kernel's socket buffers on both sides can hold.
  node.get("/big", [](const herald::net::request_context&) {
    return herald::net::make_response(herald::net::status::ok, std::string(48 << 20, 'b'));
  });
  in_process_node running{node};
  connection stalled{running.port(), 4096}; // a small receive window, never read
  BOOST_REQUIRE(stalled.send(get_request("/big")));
  auto start = steady_clock::now();
  for (int i = 0; i < 20; ++i)
    BOOST_TEST(http_get(running.port(), "/health").result_int() == 200);
  BOOST_TEST(ms_since(start) < 2000);
  // The server gives up on the stalled reader after the write timeout: the stalled client's
  // connection is the only one left, and then none is.
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = node.open_connections() == 0;
    if (!gone)
      std::this_thread::sleep_for(50ms);
  }
  BOOST_TEST(gone);
  BOOST_TEST(ms_since(start) >= 400);
  BOOST_TEST(http_get(running.port(), "/health").result_int() == 200);
}

BOOST_AUTO_TEST_SUITE_END()
