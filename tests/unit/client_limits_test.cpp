// Per-address bounds without sockets: the token bucket's arithmetic, whom an address counts
// as (IPv4, IPv4-mapped, an IPv6 /64), connection counts, and the bucket table's bound.

#include "net/client_limits.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>

using herald::net::client_limits;
using herald::net::key_of;
using herald::net::take_token;
using herald::net::token_bucket;
using namespace std::chrono_literals;
namespace ip = boost::asio::ip;

BOOST_AUTO_TEST_SUITE(client_limits_suite)

BOOST_AUTO_TEST_CASE(a_bucket_gives_its_burst_then_refills_at_its_rate) {
  auto t0 = std::chrono::steady_clock::time_point{} + 100s;
  token_bucket b{3, t0};
  for (int i = 0; i < 3; ++i)
    BOOST_TEST(take_token(b, 2, 3, t0).count() == 0);
  // Empty: the next token comes in half a second at 2 per second.
  BOOST_TEST(
      std::chrono::duration_cast<std::chrono::milliseconds>(take_token(b, 2, 3, t0)).count() ==
      500);
  BOOST_TEST(take_token(b, 2, 3, t0 + 499ms).count() > 0);
  BOOST_TEST(take_token(b, 2, 3, t0 + 500ms).count() == 0);
  // Idle for long: full again, never more than the burst.
  for (int i = 0; i < 3; ++i)
    BOOST_TEST(take_token(b, 2, 3, t0 + 100s).count() == 0);
  BOOST_TEST(take_token(b, 2, 3, t0 + 100s).count() > 0);
}

BOOST_AUTO_TEST_CASE(an_address_counts_as_its_ipv4_or_its_ipv6_slash_64) {
  BOOST_TEST(
      (key_of(ip::make_address("192.0.2.7")) == key_of(ip::make_address("::ffff:192.0.2.7"))));
  BOOST_TEST((key_of(ip::make_address("192.0.2.7")) != key_of(ip::make_address("192.0.2.8"))));
  BOOST_TEST((key_of(ip::make_address("2001:db8:1:2::1")) ==
              key_of(ip::make_address("2001:db8:1:2:ffff:ffff:ffff:ffff"))));
  BOOST_TEST(
      (key_of(ip::make_address("2001:db8:1:2::1")) != key_of(ip::make_address("2001:db8:1:3::1"))));
  BOOST_TEST((key_of(ip::make_address("::")) != key_of(ip::make_address("0.0.0.0"))));
}

BOOST_AUTO_TEST_CASE(connections_are_counted_per_address) {
  client_limits limits{2, 0, 0};
  auto a = ip::make_address("192.0.2.1");
  auto b = ip::make_address("192.0.2.2");
  BOOST_TEST(limits.open(a));
  BOOST_TEST(limits.open(a));
  BOOST_TEST(!limits.open(a));
  BOOST_TEST(limits.open(b));
  limits.close(a);
  BOOST_TEST(limits.open(a));
  BOOST_TEST(limits.refused_connections() == 1u);
  BOOST_TEST(!limits.request(a, std::chrono::steady_clock::now()).has_value()); // no rate bound
}

BOOST_AUTO_TEST_CASE(requests_past_the_rate_get_a_retry_after_of_whole_seconds) {
  client_limits limits{0, 10, 20};
  auto a = ip::make_address("192.0.2.1");
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i)
    BOOST_TEST(!limits.request(a, t0).has_value());
  auto wait = limits.request(a, t0);
  BOOST_REQUIRE(wait.has_value());
  BOOST_TEST(wait->count() == 1); // 100 ms, rounded up to what Retry-After can say
  BOOST_TEST(!limits.request(ip::make_address("192.0.2.2"), t0).has_value());
  BOOST_TEST(!limits.request(a, t0 + 100ms).has_value());
  BOOST_TEST(limits.refused_requests() == 1u);
}

BOOST_AUTO_TEST_CASE(the_bucket_table_is_bounded_and_fails_open) {
  client_limits limits{0, 1, 1, 4};
  auto t0 = std::chrono::steady_clock::now();
  auto addr = [](int i) {
    return ip::make_address("192.0.2." + std::to_string(i));
  };
  for (int i = 1; i <= 4; ++i)
    BOOST_TEST(!limits.request(addr(i), t0).has_value()); // each bucket now empty
  // The table is full of buckets that hold state: a fifth address is let through untracked.
  BOOST_TEST(!limits.request(addr(5), t0).has_value());
  BOOST_TEST(!limits.request(addr(5), t0).has_value());
  // The first four are still bounded.
  BOOST_TEST(limits.request(addr(1), t0).has_value());
  // Once their buckets are full again they make room.
  BOOST_TEST(!limits.request(addr(6), t0 + 2s).has_value());
  BOOST_TEST(limits.request(addr(6), t0 + 2s).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
