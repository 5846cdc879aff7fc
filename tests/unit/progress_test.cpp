#include "actors/progress.hpp"

#include <boost/test/tools/floating_point_comparison.hpp>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

using herald::actors::progress_meter;

namespace {

constexpr double nan_value = std::numeric_limits<double>::quiet_NaN();
constexpr double inf_value = std::numeric_limits<double>::infinity();

/// The message of the std::invalid_argument `f` throws, or "<no throw>".
template <typename F> std::string rejection(F f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "<no throw>";
}

} // namespace

BOOST_AUTO_TEST_SUITE(progress_test)

// -- before anything is reported --------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_new_meter_has_no_value) {
  progress_meter m;
  BOOST_TEST(!m.value().has_value());
  BOOST_TEST(!m.exhausted());
}

BOOST_AUTO_TEST_CASE(a_tick_without_a_range_does_nothing) {
  progress_meter m;
  BOOST_TEST(m.tick() == 0.0);
  BOOST_TEST(!m.value().has_value());
  m.set(30);
  BOOST_TEST(m.tick() == 30.0);
  BOOST_TEST(*m.value() == 30.0);
}

BOOST_AUTO_TEST_CASE(setting_up_a_range_reports_zero) {
  progress_meter m;
  m.set_range(0, 100, 5);
  BOOST_TEST_REQUIRE(m.value().has_value());
  BOOST_TEST(*m.value() == 0.0);
}

// -- range mode -------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_range_of_twenty_steps_adds_five_a_tick) {
  progress_meter m;
  m.set_range(0, 100, 5);
  for (int i = 1; i < 20; ++i)
    BOOST_TEST(m.tick() == 5.0 * i);
  BOOST_TEST(*m.value() == 95.0);
  BOOST_TEST(!m.exhausted());
}

BOOST_AUTO_TEST_CASE(the_last_tick_stops_just_below_the_maximum) {
  progress_meter m;
  m.set_range(0, 100, 5);
  for (int i = 0; i < 19; ++i)
    m.tick();
  BOOST_TEST(m.tick() == 99.99);
  BOOST_TEST(m.exhausted());
  BOOST_TEST(m.tick() == 99.99);
  BOOST_TEST(m.tick() == 99.99);
}

BOOST_AUTO_TEST_CASE(ticks_are_the_ceiling_of_the_range_over_the_steps) {
  progress_meter m;
  m.set_range(0, 10, 3); // 4 ticks of 25
  BOOST_TEST(m.tick() == 25.0);
  BOOST_TEST(m.tick() == 50.0);
  BOOST_TEST(m.tick() == 75.0);
  BOOST_TEST(!m.exhausted());
  BOOST_TEST(m.tick() == 99.99);
  BOOST_TEST(m.exhausted());
}

BOOST_AUTO_TEST_CASE(a_range_need_not_start_at_zero) {
  progress_meter m;
  m.set_range(10, 20, 2.5); // 4 ticks
  BOOST_TEST(m.tick() == 25.0);
}

BOOST_AUTO_TEST_CASE(fractional_increments_never_reach_the_maximum_while_running) {
  progress_meter m;
  m.set_range(0, 3); // 3 ticks of 33.333...
  BOOST_TEST(m.tick() == 100.0 / 3, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(m.tick() == 200.0 / 3, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(m.tick() == 99.99);
}

BOOST_AUTO_TEST_CASE(many_small_ticks_stay_below_the_clamp) {
  progress_meter m;
  m.set_range(0, 1000, 1, 100);
  double last = 0;
  for (int i = 0; i < 1200; ++i) {
    auto v = m.tick();
    BOOST_TEST_REQUIRE(v >= last);
    BOOST_TEST_REQUIRE(v <= 99.99);
    last = v;
  }
  BOOST_TEST(last == 99.99);
  BOOST_TEST(m.exhausted());
}

BOOST_AUTO_TEST_CASE(a_range_maximum_below_100_clamps_ticks_below_it) {
  progress_meter m;
  m.set_range(0, 4, 1, 50); // 4 ticks of 12.5, clamped to 49.99
  BOOST_TEST(m.tick() == 12.5);
  BOOST_TEST(m.tick() == 25.0);
  BOOST_TEST(m.tick() == 37.5);
  BOOST_TEST(!m.exhausted());
  BOOST_TEST(m.tick() == 49.99);
  BOOST_TEST(m.exhausted());
  BOOST_TEST(m.tick() == 49.99);
}

BOOST_AUTO_TEST_CASE(increments_share_out_what_is_left_above_the_current_value) {
  progress_meter m;
  m.set(40);
  m.set_range(0, 6, 1); // (100 - 40) / 6 = 10 a tick
  BOOST_TEST(*m.value() == 40.0);
  BOOST_TEST(m.tick() == 50.0);
  BOOST_TEST(m.tick() == 60.0);
}

BOOST_AUTO_TEST_CASE(a_second_range_continues_from_where_the_first_stopped) {
  progress_meter m;
  m.set_range(0, 2, 1, 50); // 25, then 49.99
  m.tick();
  m.tick();
  BOOST_TEST(*m.value() == 49.99);
  m.set_range(0, 2, 1, 100); // (100 - 49.99) / 2 a tick
  BOOST_TEST(!m.exhausted());
  BOOST_TEST(m.tick() == 49.99 + (100 - 49.99) / 2, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(m.tick() == 99.99);
}

BOOST_AUTO_TEST_CASE(an_empty_range_is_one_tick_to_the_clamp) {
  progress_meter m;
  m.set_range(5, 5);
  BOOST_TEST(*m.value() == 0.0);
  BOOST_TEST(m.tick() == 99.99);
  BOOST_TEST(m.exhausted());
}

BOOST_AUTO_TEST_CASE(a_range_of_countless_ticks_never_moves_and_counts_as_exhausted) {
  progress_meter m;
  m.set_range(0, 1e308, 1e-308);
  BOOST_TEST(m.tick() == 0.0);
  BOOST_TEST(m.exhausted());
}

BOOST_AUTO_TEST_CASE(a_tick_never_goes_below_a_value_set_above_the_clamp) {
  progress_meter m;
  m.set_range(0, 4, 1, 50);
  m.set(70);
  BOOST_TEST(m.tick() == 70.0);
  BOOST_TEST(m.exhausted());
}

BOOST_AUTO_TEST_CASE(ticks_continue_from_a_value_set_during_a_range) {
  progress_meter m;
  m.set_range(0, 10, 1); // 10 a tick
  m.tick();
  m.set(15);
  BOOST_TEST(m.tick() == 25.0);
}

// -- range validation -------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(steps_must_be_positive) {
  progress_meter m;
  BOOST_CHECK_THROW(m.set_range(0, 10, 0), std::invalid_argument);
  BOOST_CHECK_THROW(m.set_range(0, 10, -1), std::invalid_argument);
  BOOST_CHECK_THROW(m.set_range(0, 10, -0.0), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(the_end_may_not_be_before_the_start) {
  progress_meter m;
  BOOST_CHECK_THROW(m.set_range(10, 9), std::invalid_argument);
  BOOST_CHECK_THROW(m.set_range(0, -1), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(the_maximum_must_be_above_0_and_at_most_100) {
  progress_meter m;
  BOOST_CHECK_THROW(m.set_range(0, 10, 1, 0), std::invalid_argument);
  BOOST_CHECK_THROW(m.set_range(0, 10, 1, -5), std::invalid_argument);
  BOOST_CHECK_THROW(m.set_range(0, 10, 1, 100.01), std::invalid_argument);
  BOOST_CHECK_THROW(m.set_range(0, 10, 1, 1000), std::invalid_argument);
  BOOST_CHECK_NO_THROW(m.set_range(0, 10, 1, 100));
  progress_meter small;
  BOOST_CHECK_NO_THROW(small.set_range(0, 10, 1, 0.5));
}

BOOST_AUTO_TEST_CASE(the_maximum_must_be_above_the_current_value_with_podes_message) {
  progress_meter m;
  m.set(60);
  BOOST_TEST(rejection([&] { m.set_range(0, 10, 1, 50); }) ==
             "A Progress limit cannot be lower than the current progress.");
  BOOST_TEST(rejection([&] { m.set_range(0, 10, 1, 60); }) ==
             "A Progress limit cannot be lower than the current progress.");
  BOOST_CHECK_NO_THROW(m.set_range(0, 10, 1, 60.5));
}

BOOST_AUTO_TEST_CASE(values_that_are_not_finite_are_rejected) {
  progress_meter m;
  BOOST_CHECK_THROW(m.set_range(nan_value, 10), std::invalid_argument);
  BOOST_CHECK_THROW(m.set_range(0, nan_value), std::invalid_argument);
  BOOST_CHECK_THROW(m.set_range(0, 10, nan_value), std::invalid_argument);
  BOOST_CHECK_THROW(m.set_range(0, 10, 1, nan_value), std::invalid_argument);
  BOOST_CHECK_THROW(m.set_range(0, inf_value), std::invalid_argument);
  BOOST_CHECK_THROW(m.set_range(-inf_value, 0), std::invalid_argument);
  BOOST_CHECK_THROW(m.set_range(0, 10, inf_value), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(a_rejected_range_leaves_the_meter_as_it_was) {
  progress_meter m;
  BOOST_CHECK_THROW(m.set_range(0, 10, 0), std::invalid_argument);
  BOOST_TEST(!m.value().has_value());
  m.set_range(0, 10, 1); // 10 a tick
  m.tick();
  BOOST_CHECK_THROW(m.set_range(0, 1, 1, 5), std::invalid_argument);
  BOOST_TEST(m.tick() == 20.0);
}

// -- time-based mode --------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(time_based_progress_ticks_once_per_interval) {
  progress_meter m;
  m.set_time_based(10, 2); // 5 ticks of 20
  BOOST_TEST(*m.value() == 0.0);
  BOOST_TEST(m.tick() == 20.0);
  BOOST_TEST(m.tick() == 40.0);
  BOOST_TEST(m.tick() == 60.0);
  BOOST_TEST(m.tick() == 80.0);
  BOOST_TEST(!m.exhausted());
  BOOST_TEST(m.tick() == 99.99);
  BOOST_TEST(m.exhausted());
}

BOOST_AUTO_TEST_CASE(time_based_progress_rounds_the_tick_count_up) {
  progress_meter m;
  m.set_time_based(23, 2); // 12 ticks
  for (int i = 0; i < 11; ++i)
    m.tick();
  BOOST_TEST(!m.exhausted());
  BOOST_TEST(*m.value() == 100.0 * 11 / 12, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(m.tick() == 99.99);
  BOOST_TEST(m.exhausted());
}

BOOST_AUTO_TEST_CASE(time_based_progress_honours_its_maximum) {
  progress_meter m;
  m.set_time_based(4, 1, 80);
  for (int i = 0; i < 4; ++i)
    m.tick();
  BOOST_TEST(*m.value() == 79.99);
  BOOST_TEST(m.exhausted());
}

BOOST_AUTO_TEST_CASE(time_based_progress_rejects_bad_durations_and_intervals) {
  progress_meter m;
  BOOST_CHECK_THROW(m.set_time_based(10, 0), std::invalid_argument);
  BOOST_CHECK_THROW(m.set_time_based(10, -1), std::invalid_argument);
  BOOST_CHECK_THROW(m.set_time_based(-1, 1), std::invalid_argument);
  BOOST_CHECK_THROW(m.set_time_based(10, 1, 0), std::invalid_argument);
  BOOST_CHECK_THROW(m.set_time_based(10, 1, 101), std::invalid_argument);
  BOOST_TEST(!m.value().has_value());
}

// -- set --------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_set_value_is_kept_as_a_decimal) {
  progress_meter m;
  BOOST_TEST(m.set(42.5) == 42.5);
  BOOST_TEST(*m.value() == 42.5);
  BOOST_TEST(m.set(0.01) == 0.01);
}

BOOST_AUTO_TEST_CASE(a_set_value_is_clamped_to_0_and_99_99) {
  progress_meter m;
  BOOST_TEST(m.set(-5) == 0.0);
  BOOST_TEST(m.set(-inf_value) == 0.0);
  BOOST_TEST(m.set(150) == 99.99);
  BOOST_TEST(m.set(100) == 99.99);
  BOOST_TEST(m.set(inf_value) == 99.99);
  BOOST_TEST(m.set(99.99) == 99.99);
  BOOST_TEST(*m.value() == 99.99);
}

BOOST_AUTO_TEST_CASE(a_set_value_may_go_down) {
  progress_meter m;
  m.set(80);
  BOOST_TEST(m.set(20) == 20.0);
}

BOOST_AUTO_TEST_CASE(setting_nan_changes_nothing) {
  progress_meter m;
  BOOST_TEST(m.set(nan_value) == 0.0);
  BOOST_TEST(!m.value().has_value());
  m.set(12);
  BOOST_TEST(m.set(nan_value) == 12.0);
  BOOST_TEST(*m.value() == 12.0);
}

BOOST_AUTO_TEST_CASE(a_set_value_alone_is_never_exhausted) {
  progress_meter m;
  m.set(99.99);
  BOOST_TEST(!m.exhausted());
}

// -- completion -------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(completion_sets_100) {
  progress_meter m;
  m.set_range(0, 100, 5);
  m.tick();
  m.complete();
  BOOST_TEST(*m.value() == 100.0);
}

BOOST_AUTO_TEST_CASE(completion_leaves_progress_absent_when_it_was_never_reported) {
  progress_meter m;
  m.complete();
  BOOST_TEST(!m.value().has_value());
}

BOOST_AUTO_TEST_CASE(nothing_moves_a_completed_meter) {
  progress_meter m;
  m.set_range(0, 10, 1);
  m.complete();
  BOOST_TEST(m.tick() == 100.0);
  BOOST_TEST(m.set(10) == 100.0);
  BOOST_CHECK_THROW(m.set_range(0, 10), std::invalid_argument);
  BOOST_TEST(*m.value() == 100.0);
  BOOST_TEST(m.exhausted());
}

BOOST_AUTO_TEST_CASE(a_failed_or_aborted_task_keeps_its_last_value) {
  progress_meter m;
  m.set_range(0, 4, 1);
  m.tick();
  // The task actor does not call complete() for Failed / Aborted.
  BOOST_TEST(*m.value() == 25.0);
}

BOOST_AUTO_TEST_CASE(progress_stays_within_0_and_99_99_whatever_is_done_before_completion) {
  progress_meter m;
  double inputs[] = {-1e9, -1, 0, 0.004, 33.3, 99.98, 99.995, 100, 1e9};
  for (double v : inputs) {
    m.set(v);
    BOOST_TEST_REQUIRE(*m.value() >= 0.0);
    BOOST_TEST_REQUIRE(*m.value() <= 99.99);
    try {
      m.set_range(0, 3, 1, 100);
    } catch (const std::invalid_argument&) {
    }
    for (int i = 0; i < 5; ++i) {
      m.tick();
      BOOST_TEST_REQUIRE(*m.value() >= 0.0);
      BOOST_TEST_REQUIRE(*m.value() <= 99.99);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
