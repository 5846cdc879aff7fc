#include "actors/admission.hpp"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

using herald::actors::admission;
using verdict = herald::actors::admission::verdict;

namespace herald::actors {
// Readable failures: Boost.Test finds this by argument-dependent lookup.
static std::ostream& boost_test_print_type(std::ostream& out, admission::verdict v) {
  switch (v) {
  case admission::verdict::run:
    return out << "run";
  case admission::verdict::queued:
    return out << "queued";
  case admission::verdict::full:
    break;
  }
  return out << "full";
}
} // namespace herald::actors

BOOST_AUTO_TEST_SUITE(admission_test)

BOOST_AUTO_TEST_CASE(tasks_run_up_to_the_limit_then_queue_then_are_refused) {
  admission a{2, 2};
  BOOST_TEST(a.admit("t1") == verdict::run);
  BOOST_TEST(a.admit("t2") == verdict::run);
  BOOST_TEST(a.admit("t3") == verdict::queued);
  BOOST_TEST(a.admit("t4") == verdict::queued);
  BOOST_TEST(a.admit("t5") == verdict::full);
  BOOST_TEST(a.running() == 2u);
  BOOST_TEST(a.queued() == 2u);
  BOOST_TEST(!a.position("t5").has_value()); // refused: created nowhere
}

BOOST_AUTO_TEST_CASE(a_finished_task_hands_its_slot_to_the_first_in_the_queue) {
  admission a{1, 10};
  a.admit("a");
  a.admit("b");
  a.admit("c");
  BOOST_TEST(a.position("b").value_or(0) == 1u);
  BOOST_TEST(a.position("c").value_or(0) == 2u);
  BOOST_TEST(a.finish("a").value_or("") == "b");
  BOOST_TEST(a.is_running("b"));
  BOOST_TEST(a.position("c").value_or(0) == 1u);
  BOOST_TEST(a.finish("b").value_or("") == "c");
  BOOST_TEST(!a.finish("c").has_value());
  BOOST_TEST(a.running() == 0u);
  BOOST_TEST(a.admit("d") == verdict::run);
}

BOOST_AUTO_TEST_CASE(finishing_an_unknown_or_queued_task_changes_nothing) {
  admission a{1, 10};
  a.admit("a");
  a.admit("b");
  BOOST_TEST(!a.finish("zzz").has_value());
  BOOST_TEST(!a.finish("b").has_value()); // queued, not running
  BOOST_TEST(a.is_running("a"));
  BOOST_TEST(a.position("b").value_or(0) == 1u);
}

BOOST_AUTO_TEST_CASE(a_withdrawn_task_leaves_the_queue_and_the_others_move_up) {
  admission a{1, 10};
  a.admit("a");
  a.admit("b");
  a.admit("c");
  a.admit("d");
  BOOST_TEST(a.withdraw("c"));
  BOOST_TEST(!a.withdraw("c"));
  BOOST_TEST(!a.withdraw("a")); // running: cancelling it is the task actor's business
  BOOST_TEST(a.position("d").value_or(0) == 2u);
  BOOST_TEST(a.finish("a").value_or("") == "b");
  BOOST_TEST(a.finish("b").value_or("") == "d");
}

BOOST_AUTO_TEST_CASE(nobody_jumps_the_queue) {
  admission a{2, 10};
  a.admit("a");
  a.admit("b");
  a.admit("c");
  // A slot frees up: it goes to the waiting task, and a newcomer queues behind it.
  BOOST_TEST(a.finish("a").value_or("") == "c");
  BOOST_TEST(a.admit("d") == verdict::queued);
  BOOST_TEST(a.position("d").value_or(0) == 1u);
}

BOOST_AUTO_TEST_CASE(a_zero_length_queue_refuses_as_soon_as_all_slots_run) {
  admission a{1, 0};
  BOOST_TEST(a.admit("a") == verdict::run);
  BOOST_TEST(a.admit("b") == verdict::full);
  a.finish("a");
  BOOST_TEST(a.admit("c") == verdict::run);
}

BOOST_AUTO_TEST_CASE(zero_concurrency_is_refused_at_construction) {
  BOOST_CHECK_THROW(admission(0, 10), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(a_long_queue_keeps_fifo_order) {
  admission a{3, 100'000};
  for (int i = 0; i < 3; ++i)
    BOOST_REQUIRE(a.admit("r" + std::to_string(i)) == verdict::run);
  for (int i = 0; i < 100'000; ++i)
    BOOST_REQUIRE(a.admit("q" + std::to_string(i)) == verdict::queued);
  BOOST_TEST(a.admit("over") == verdict::full);
  BOOST_TEST(a.position("q99999").value_or(0) == 100'000u);
  int started = 0;
  for (int i = 0; i < 3; ++i)
    if (a.finish("r" + std::to_string(i)).value_or("") == "q" + std::to_string(i))
      ++started;
  BOOST_TEST(started == 3);
  BOOST_TEST(a.queued() == 99'997u);
}

BOOST_AUTO_TEST_CASE(withdrawing_and_positions_stay_logarithmic_in_a_long_queue) {
  // Aborting every queued task (shutdown, a mass cancel) must not be quadratic: 100,000
  // withdrawals in any order, with positions asked in between, take well under a second.
  admission a{1, 100'000};
  a.admit("running");
  for (int i = 0; i < 100'000; ++i)
    a.admit("q" + std::to_string(i));
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 100'000; i += 2) // every other one, from the front
    BOOST_REQUIRE(a.withdraw("q" + std::to_string(i)));
  BOOST_TEST(a.position("q1").value_or(0) == 1u);
  BOOST_TEST(a.position("q99999").value_or(0) == 50'000u);
  BOOST_TEST(a.position("q50001").value_or(0) == 25'001u);
  for (int i = 99'999; i > 0; i -= 2) // the rest, from the back
    BOOST_REQUIRE(a.withdraw("q" + std::to_string(i)));
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  BOOST_TEST(ms < 2000);
  BOOST_TEST(a.queued() == 0u);
  BOOST_TEST(!a.withdraw("q1"));
  BOOST_TEST(!a.finish("running").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
