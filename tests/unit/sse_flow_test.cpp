#include "actors/sse_flow.hpp"

#include <boost/test/unit_test.hpp>
#include <chrono>

using herald::actors::sse_flow;
using arrival = sse_flow::arrival;
using namespace std::chrono_literals;

namespace herald::actors {
// Readable failures: Boost.Test finds this by argument-dependent lookup.
static std::ostream& boost_test_print_type(std::ostream& out, sse_flow::arrival a) {
  switch (a) {
  case sse_flow::arrival::now:
    return out << "now";
  case sse_flow::arrival::wait:
    return out << "wait";
  case sse_flow::arrival::overflow:
    break;
  }
  return out << "overflow";
}
} // namespace herald::actors

namespace {

/// A flow with a bound of 1000 bytes (holding starts beyond 500), and a clock of its own.
struct fixture {
  sse_flow flow{1000};
  sse_flow::clock::time_point t0 = sse_flow::clock::time_point{} + 1h;

  sse_flow::account open_at(sse_flow::clock::time_point t) {
    sse_flow::account a;
    flow.open(a, t);
    return a;
  }

  static void write(sse_flow::account& a, std::uint64_t bytes) { a.ack->written.fetch_add(bytes); }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(sse_flow_test, fixture)

BOOST_AUTO_TEST_CASE(a_subscriber_that_keeps_up_is_charged_and_holds_nobody_back) {
  auto a = open_at(t0);
  for (int i = 0; i < 10; ++i) {
    BOOST_TEST(flow.charge_or_drop(a, 300, t0));
    write(a, 300);
  }
  BOOST_TEST(a.sent == 3000u);
  BOOST_TEST(a.ack->sent.load() == 3000u);
  BOOST_TEST(flow.lag(a, t0) == 0u);
  BOOST_TEST(!a.holding);
  BOOST_TEST(flow.holding() == 0u);
  BOOST_TEST(a.ack->wake_at.load() == 0u);
}

BOOST_AUTO_TEST_CASE(lag_counts_what_was_sent_and_not_yet_written) {
  auto a = open_at(t0);
  BOOST_TEST(flow.charge_or_drop(a, 400, t0));
  write(a, 150);
  BOOST_TEST(flow.lag(a, t0) == 250u);
}

BOOST_AUTO_TEST_CASE(beyond_half_its_bound_an_acknowledging_subscriber_holds_publishing_back) {
  auto a = open_at(t0);
  BOOST_TEST(flow.charge_or_drop(a, 400, t0));
  BOOST_TEST(!a.holding);
  BOOST_TEST(flow.charge_or_drop(a, 200, t0 + 100ms)); // 600 behind, opened 100 ms ago
  BOOST_TEST(a.holding);
  BOOST_TEST(flow.holding() == 1u);
  // Its connection is asked to say when it is back to half the bound.
  BOOST_TEST(a.ack->wake_at.load() == 100u);
  BOOST_TEST(flow.on_arrival(0) == arrival::wait);
}

BOOST_AUTO_TEST_CASE(a_subscriber_silent_for_the_ack_window_does_not_hold_anyone_back) {
  auto a = open_at(t0);
  BOOST_TEST(flow.charge_or_drop(a, 600, t0 + sse_flow::ack_window));
  BOOST_TEST(!a.holding);
  BOOST_TEST(flow.holding() == 0u);
  BOOST_TEST(flow.on_arrival(0) == arrival::now);
}

BOOST_AUTO_TEST_CASE(beyond_its_bound_a_subscriber_is_to_be_dropped) {
  auto a = open_at(t0);
  BOOST_TEST(flow.charge_or_drop(a, 1000, t0 + 1s)); // at the bound: kept
  BOOST_TEST(!flow.charge_or_drop(a, 1, t0 + 1s));
  BOOST_TEST(a.sent == 1001u);
}

BOOST_AUTO_TEST_CASE(a_holding_subscriber_beyond_its_bound_is_dropped_too) {
  auto a = open_at(t0);
  BOOST_TEST(flow.charge_or_drop(a, 600, t0));
  BOOST_TEST(a.holding);
  BOOST_TEST(!flow.charge_or_drop(a, 500, t0));
  // It leaves as the last one holding: what waits may go.
  BOOST_TEST(flow.leave(a));
  BOOST_TEST(flow.holding() == 0u);
}

BOOST_AUTO_TEST_CASE(an_acknowledgement_back_to_half_the_bound_releases_the_subscriber) {
  auto a = open_at(t0);
  BOOST_TEST(flow.charge_or_drop(a, 800, t0));
  BOOST_TEST(a.holding);
  write(a, 200); // 600 behind: still too far
  BOOST_TEST(!flow.acknowledged(a, t0 + 10ms));
  BOOST_TEST(a.holding);
  BOOST_TEST(a.ack->wake_at.load() == 300u); // asked again
  write(a, 100);                             // 500 behind
  BOOST_TEST(flow.acknowledged(a, t0 + 20ms));
  BOOST_TEST(!a.holding);
  BOOST_TEST(flow.holding() == 0u);
  BOOST_TEST(a.ack->wake_at.load() == 0u);
  BOOST_TEST(flow.may_release(3));
}

BOOST_AUTO_TEST_CASE(an_acknowledgement_from_a_subscriber_not_holding_changes_nothing) {
  auto a = open_at(t0);
  BOOST_TEST(flow.charge_or_drop(a, 100, t0));
  BOOST_TEST(!flow.acknowledged(a, t0));
  BOOST_TEST(flow.holding() == 0u);
}

BOOST_AUTO_TEST_CASE(the_stall_check_releases_one_that_stopped_acknowledging) {
  auto a = open_at(t0);
  BOOST_TEST(flow.charge_or_drop(a, 700, t0));
  BOOST_TEST(a.holding);
  flow.recheck(a, t0 + sse_flow::ack_window - 1ms);
  BOOST_TEST(a.holding); // still within the window
  flow.recheck(a, t0 + sse_flow::ack_window);
  BOOST_TEST(!a.holding);
  BOOST_TEST(flow.holding() == 0u);
  BOOST_TEST(a.ack->wake_at.load() == 0u);
}

BOOST_AUTO_TEST_CASE(the_stall_check_releases_one_that_caught_up) {
  auto a = open_at(t0);
  BOOST_TEST(flow.charge_or_drop(a, 700, t0));
  write(a, 300);
  flow.recheck(a, t0 + 1ms);
  BOOST_TEST(!a.holding);
}

BOOST_AUTO_TEST_CASE(progress_in_writes_restarts_the_ack_window) {
  auto a = open_at(t0);
  BOOST_TEST(flow.charge_or_drop(a, 900, t0));
  write(a, 10); // 890 behind, acknowledged at t0 + 400 ms
  flow.recheck(a, t0 + 400ms);
  BOOST_TEST(a.holding);
  flow.recheck(a, t0 + 800ms); // 400 ms since the last progress
  BOOST_TEST(a.holding);
  flow.recheck(a, t0 + 900ms);
  BOOST_TEST(!a.holding);
}

BOOST_AUTO_TEST_CASE(publications_wait_while_anyone_holds_or_others_wait) {
  auto a = open_at(t0);
  auto b = open_at(t0);
  BOOST_TEST(flow.on_arrival(0) == arrival::now);
  BOOST_TEST(flow.charge_or_drop(a, 600, t0));
  BOOST_TEST(flow.charge_or_drop(b, 600, t0));
  BOOST_TEST(flow.holding() == 2u);
  BOOST_TEST(flow.on_arrival(0) == arrival::wait);
  BOOST_TEST(flow.on_arrival(sse_flow::max_waiting - 1) == arrival::wait);
  BOOST_TEST(flow.on_arrival(sse_flow::max_waiting) == arrival::overflow);
  flow.release(a);
  BOOST_TEST(!flow.may_release(1)); // b still holds
  BOOST_TEST(!flow.leave(a));       // not holding any more
  BOOST_TEST(flow.leave(b));
  BOOST_TEST(flow.may_release(1));
  BOOST_TEST(!flow.may_release(0));
  // Nobody holds, but earlier publications wait: this one goes behind them.
  BOOST_TEST(flow.on_arrival(1) == arrival::wait);
}

BOOST_AUTO_TEST_SUITE_END()
