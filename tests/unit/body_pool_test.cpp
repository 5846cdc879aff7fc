// The threads of blocking task bodies: reused, replaced when one stays busy, shed when idle,
// and a pool that goes away with a body still running does not wait for it.

#include "actors/body_pool.hpp"

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <thread>

using herald::actors::body_pool;
using namespace std::chrono_literals;

namespace {

/// Polls `done` every millisecond for at most 5 s.
template <class F> bool eventually(F done) {
  for (int i = 0; i < 5000; ++i) {
    if (done())
      return true;
    std::this_thread::sleep_for(1ms);
  }
  return done();
}

/// A job that blocks until `open` is set (at most 5 s), then counts itself done.
struct latch {
  std::atomic<bool> open{false};
  std::atomic<int> done{0};
  std::function<void()> job() {
    return [this] {
      for (int i = 0; i < 5000 && !open.load(); ++i)
        std::this_thread::sleep_for(1ms);
      ++done;
    };
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(body_pool_test)

BOOST_AUTO_TEST_CASE(jobs_one_after_another_run_on_the_same_thread) {
  body_pool pool{2};
  std::thread::id first;
  for (int i = 0; i < 20; ++i) {
    std::promise<std::thread::id> ran;
    auto ran_on = ran.get_future();
    pool.post([&ran] { ran.set_value(std::this_thread::get_id()); });
    BOOST_REQUIRE(ran_on.wait_for(5s) == std::future_status::ready);
    auto id = ran_on.get();
    if (i == 0)
      first = id;
    BOOST_TEST((id == first));
    // Back to waiting before the next job comes, as between two tasks of a quiet route.
    BOOST_REQUIRE(eventually([&] { return pool.snapshot().idle == 1; }));
  }
  BOOST_TEST(pool.snapshot().started == 1u);
  BOOST_TEST(pool.snapshot().threads == 1u);
}

BOOST_AUTO_TEST_CASE(jobs_at_once_get_a_thread_each_and_only_keep_idle_stay) {
  body_pool pool{2};
  latch l;
  for (int i = 0; i < 3; ++i)
    pool.post(l.job());
  BOOST_TEST(pool.snapshot().threads == 3u);
  BOOST_TEST(pool.snapshot().started == 3u);
  l.open = true;
  BOOST_REQUIRE(eventually([&] { return l.done == 3 && pool.snapshot().threads == 2; }));
  BOOST_TEST(pool.snapshot().idle == 2u);
  // Two jobs now take the two idle threads: none is started.
  latch again;
  again.open = true;
  pool.post(again.job());
  pool.post(again.job());
  BOOST_REQUIRE(eventually([&] { return again.done == 2; }));
  BOOST_TEST(pool.snapshot().started == 3u);
}

BOOST_AUTO_TEST_CASE(a_thread_stuck_in_its_job_is_replaced) {
  body_pool pool{1};
  latch stuck;
  pool.post(stuck.job());
  // The route's supervisor gave up on that body and starts the next task: it runs at once.
  std::promise<void> ran;
  auto next = ran.get_future();
  pool.post([&ran] { ran.set_value(); });
  BOOST_TEST((next.wait_for(5s) == std::future_status::ready));
  BOOST_TEST(pool.snapshot().started == 2u);
  stuck.open = true;
  // Once the stuck body returns, one idle thread is enough: the other leaves.
  BOOST_REQUIRE(eventually([&] { return stuck.done == 1 && pool.snapshot().threads == 1; }));
}

BOOST_AUTO_TEST_CASE(idle_threads_leave_after_the_idle_timeout) {
  body_pool pool{4, 50ms};
  latch l;
  l.open = true;
  for (int i = 0; i < 3; ++i)
    pool.post(l.job());
  BOOST_REQUIRE(eventually([&] { return l.done == 3; }));
  BOOST_TEST(eventually([&] { return pool.snapshot().threads == 0; }));
  // A job after that starts a thread again.
  std::promise<void> ran;
  auto later = ran.get_future();
  pool.post([&ran] { ran.set_value(); });
  BOOST_TEST((later.wait_for(5s) == std::future_status::ready));
}

BOOST_AUTO_TEST_CASE(the_thread_idle_last_takes_the_next_job_and_the_others_time_out) {
  body_pool pool{2, 300ms};
  // Two jobs at once: two threads. The first ends first, so the second is idle last.
  std::promise<std::thread::id> first_id, second_id;
  auto first_on = first_id.get_future();
  auto second_on = second_id.get_future();
  latch first, second;
  pool.post([&] {
    first_id.set_value(std::this_thread::get_id());
    first.job()();
  });
  pool.post([&] {
    second_id.set_value(std::this_thread::get_id());
    second.job()();
  });
  BOOST_REQUIRE(first_on.wait_for(5s) == std::future_status::ready);
  BOOST_REQUIRE(second_on.wait_for(5s) == std::future_status::ready);
  auto second_thread = second_on.get();
  first.open = true;
  BOOST_REQUIRE(eventually([&] { return pool.snapshot().idle == 1; }));
  second.open = true;
  BOOST_REQUIRE(eventually([&] { return pool.snapshot().idle == 2; }));
  // A light, steady stream of jobs (one every 20 ms for about a second): all on the thread
  // that was idle last; the other is never woken, reaches its idle timeout and ends.
  auto until = std::chrono::steady_clock::now() + 1s;
  int jobs = 0;
  while (std::chrono::steady_clock::now() < until && jobs < 100) {
    std::promise<std::thread::id> ran;
    auto ran_on = ran.get_future();
    pool.post([&ran] { ran.set_value(std::this_thread::get_id()); });
    BOOST_REQUIRE(ran_on.wait_for(5s) == std::future_status::ready);
    BOOST_TEST((ran_on.get() == second_thread));
    ++jobs;
    std::this_thread::sleep_for(20ms);
  }
  BOOST_TEST(jobs >= 10);
  BOOST_TEST(pool.snapshot().threads == 1u);
  BOOST_TEST(pool.snapshot().started == 2u);
}

BOOST_AUTO_TEST_CASE(a_pool_that_goes_away_does_not_wait_for_a_busy_body) {
  auto l = std::make_shared<latch>();
  auto start = std::chrono::steady_clock::now();
  {
    body_pool pool{2};
    pool.post([l] { l->job()(); });
    latch quick;
    quick.open = true;
    pool.post(quick.job());
    BOOST_REQUIRE(eventually([&] { return quick.done == 1 && pool.snapshot().idle == 1; }));
  }
  BOOST_TEST((std::chrono::steady_clock::now() - start < 2s));
  // The busy body still ends normally, on a thread that outlived the pool.
  l->open = true;
  BOOST_TEST(eventually([&] { return l->done == 1; }));
}

BOOST_AUTO_TEST_SUITE_END()
