#include "actors/task_control.hpp"

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>

using herald::actors::task_control;
using namespace std::chrono_literals;

namespace {

long long ms(task_control::clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

} // namespace

BOOST_AUTO_TEST_SUITE(task_control_test)

BOOST_AUTO_TEST_CASE(a_body_waits_while_its_events_are_on_their_way_until_some_are_taken) {
  task_control c;
  BOOST_TEST(c.reserve_event(2, true));
  BOOST_TEST(c.reserve_event(2, true));
  std::atomic<bool> sent{false};
  std::thread body{[&] {
    sent = c.reserve_event(2, true); // the third waits for room
  }};
  std::this_thread::sleep_for(50ms);
  BOOST_TEST(!sent.load());
  c.event_taken();
  body.join();
  BOOST_TEST(sent.load());
  // A body that must not block (on an actor worker) is counted, never held.
  BOOST_TEST(c.reserve_event(2, false));
}

BOOST_AUTO_TEST_CASE(cancel_wakes_a_body_waiting_to_send) {
  task_control c;
  BOOST_TEST(c.reserve_event(1, true));
  std::atomic<int> result{-1};
  std::thread body{[&] {
    result = c.reserve_event(1, true) ? 1 : 0;
  }};
  std::this_thread::sleep_for(30ms);
  BOOST_TEST(result.load() == -1);
  c.cancel();
  body.join();
  BOOST_TEST(result.load() == 0);
  BOOST_TEST(!c.reserve_event(1, false)); // cancelled: nothing more goes out
}

BOOST_AUTO_TEST_CASE(sleep_runs_its_whole_time_when_not_cancelled) {
  task_control c;
  auto start = task_control::clock::now();
  BOOST_TEST(c.sleep_for(30ms));
  BOOST_TEST(ms(task_control::clock::now() - start) >= 30);
  BOOST_TEST(!c.cancelled());
}

BOOST_AUTO_TEST_CASE(cancel_wakes_a_sleeper_at_once) {
  task_control c;
  auto start = task_control::clock::now();
  std::thread canceller{[&] {
    std::this_thread::sleep_for(20ms);
    c.cancel();
  }};
  bool slept = c.sleep_for(10s);
  canceller.join();
  BOOST_TEST(!slept);
  BOOST_TEST(ms(task_control::clock::now() - start) < 2000);
  BOOST_TEST(c.cancelled());
}

BOOST_AUTO_TEST_CASE(sleep_after_cancel_returns_false_without_waiting) {
  task_control c;
  c.cancel();
  c.cancel(); // idempotent
  auto start = task_control::clock::now();
  BOOST_TEST(!c.sleep_for(10s));
  BOOST_TEST(ms(task_control::clock::now() - start) < 100);
}

BOOST_AUTO_TEST_CASE(a_burst_of_changes_asks_for_one_notification) {
  task_control c;
  BOOST_TEST(c.set_range(0, 100, 5, 100));
  BOOST_TEST(!c.tick());
  BOOST_TEST(!c.tick());
  BOOST_TEST(!c.set(42));
  BOOST_TEST(c.take_progress().value_or(-1) == 42);
  // Read: the next change notifies again.
  BOOST_TEST(c.tick());
  BOOST_TEST(c.take_progress().value_or(-1) > 42);
}

BOOST_AUTO_TEST_CASE(range_ticks_follow_the_meter) {
  task_control c;
  c.set_range(0, 100, 5, 100);
  for (int i = 0; i < 4; ++i)
    c.tick();
  BOOST_TEST(c.progress().value_or(-1) == 20, boost::test_tools::tolerance(1e-9));
  c.complete();
  BOOST_TEST(c.progress().value_or(-1) == 100);
}

BOOST_AUTO_TEST_CASE(time_based_ticks_are_due_by_the_clock_and_catch_up) {
  task_control c;
  auto t0 = task_control::clock::now();
  BOOST_TEST(c.set_time_based(1000ms, 100ms, 100, t0));
  BOOST_TEST(c.take_progress().value_or(-1) == 0);
  BOOST_TEST(c.time_based());
  BOOST_TEST(!c.auto_tick(t0 + 50ms)); // not due yet
  BOOST_TEST(c.auto_tick(t0 + 100ms)); // first tick
  BOOST_TEST(c.take_progress().value_or(-1) == 10, boost::test_tools::tolerance(1e-6));
  BOOST_TEST(c.auto_tick(t0 + 350ms)); // two more, late
  BOOST_TEST(c.take_progress().value_or(-1) == 30, boost::test_tools::tolerance(1e-6));
  BOOST_TEST(c.auto_tick(t0 + 5000ms)); // runs to the clamp and stops
  BOOST_TEST(c.take_progress().value_or(-1) == 99.99, boost::test_tools::tolerance(1e-6));
  BOOST_TEST(!c.time_based());
  BOOST_TEST(!c.auto_tick(t0 + 9000ms));
}

BOOST_AUTO_TEST_CASE(a_new_range_stops_time_based_ticks) {
  task_control c;
  auto t0 = task_control::clock::now();
  c.set_time_based(1000ms, 100ms, 50, t0);
  c.set_range(0, 10, 1, 100);
  BOOST_TEST(!c.time_based());
  BOOST_TEST(!c.auto_tick(t0 + 500ms));
}

BOOST_AUTO_TEST_CASE(complete_stops_time_based_ticks) {
  task_control c;
  auto t0 = task_control::clock::now();
  c.set_time_based(1000ms, 100ms, 100, t0);
  c.complete();
  BOOST_TEST(!c.time_based());
  BOOST_TEST(c.progress().value_or(-1) == 100);
}

BOOST_AUTO_TEST_CASE(time_based_needs_positive_duration_and_interval) {
  task_control c;
  auto t0 = task_control::clock::now();
  BOOST_CHECK_THROW(c.set_time_based(0ms, 100ms, 100, t0), std::invalid_argument);
  BOOST_CHECK_THROW(c.set_time_based(100ms, 0ms, 100, t0), std::invalid_argument);
  BOOST_CHECK_THROW(c.set_time_based(100ms, -5ms, 100, t0), std::invalid_argument);
  BOOST_TEST(!c.progress().has_value());
}

BOOST_AUTO_TEST_CASE(a_cancel_callback_runs_once_at_cancel_or_at_once_when_late) {
  task_control c;
  int calls = 0;
  c.on_cancel([&] { ++calls; });
  BOOST_TEST(calls == 0);
  c.cancel();
  c.cancel();
  BOOST_TEST(calls == 1);
  c.on_cancel([&] { calls += 10; }); // already cancelled: runs here
  BOOST_TEST(calls == 11);
  c.on_cancel({}); // empty: nothing to run
  BOOST_TEST(calls == 11);
}

BOOST_AUTO_TEST_CASE(an_empty_cancel_callback_releases_what_the_last_one_held) {
  task_control c;
  auto held = std::make_shared<int>(1);
  c.on_cancel([held] {});
  BOOST_TEST(held.use_count() == 2);
  c.on_cancel({});
  BOOST_TEST(held.use_count() == 1);
  c.cancel(); // nothing registered: nothing runs
  BOOST_TEST(c.cancelled());
}

BOOST_AUTO_TEST_SUITE_END()
