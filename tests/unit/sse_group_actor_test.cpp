// The SSE group's flow control driven as an actor on CAF's deterministic scheduler: every
// message runs when the test says so and time moves only when the test moves it, so slow and
// stalled subscribers are played without sockets and without sleeping.

#include "actors/sse_directory.hpp"
#include "actors/sse_flow.hpp"
#include "actors/sse_group.hpp"
#include "actors/sse_messages.hpp"

#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>
#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace {

using namespace herald::actors;
using namespace std::chrono_literals;

/// Test subscriber -> itself: "the socket wrote everything sent so far".
using write_atom = caf::atom_constant<caf::atom("write")>;

/// What a test subscriber learnt from its group, shared with the test.
struct attachment {
  sse_ack_listener_actor group;
  std::uint64_t id = 0;
  std::shared_ptr<sse_ack_state> ack;
};

/// A connection as the group sees it: it is told where to acknowledge (`sse_attach_atom`) and,
/// when the test says its socket wrote, acknowledges as a connection does (a store, and a
/// message to the group only when the group waits for it).
caf::behavior test_subscriber(caf::event_based_actor* self, std::shared_ptr<attachment> seen) {
  return {
      [seen](sse_attach_atom, const sse_ack_listener_actor& group, std::uint64_t id,
             const std::shared_ptr<sse_ack_state>& ack) {
        seen->group = group;
        seen->id = id;
        seen->ack = ack;
      },
      [self, seen](write_atom) {
        auto& st = *seen;
        BOOST_REQUIRE(st.ack);
        auto total = st.ack->sent.load();
        st.ack->written.store(total);
        auto wake = st.ack->wake_at.load();
        if (wake != 0 && total >= wake && st.ack->wake_at.compare_exchange_strong(wake, 0))
          self->send(st.group, sse_ack_atom::value, st.id);
      },
  };
}

/// The group's directory, as far as the group talks to it: it counts the group's idle
/// notices. (Every actor here is spawned with an argument: CAF 0.17.6 binds a reference to a
/// null argument tuple for one spawned without, which UBSan reports.)
sse_idle_listener::behavior_type quiet_directory(std::shared_ptr<std::uint64_t> idle_notices) {
  return {[idle_notices](sse_idle_atom, const std::string&, std::uint64_t) {
    ++*idle_notices;
  }};
}

caf::actor_system_config& deterministic(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("testing"));
  cfg.set("logger.file-verbosity", caf::atom("quiet"));
  cfg.set("logger.console-verbosity", caf::atom("quiet"));
  return cfg;
}

/// A group with a 1000-byte bound (subscribers hold publishing back beyond 500), spawned by
/// a parent that stands for the directory.
struct fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{deterministic(cfg)};
  caf::scheduler::test_coordinator& sched =
      dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  std::shared_ptr<sse_group_stats> stats = std::make_shared<sse_group_stats>();
  std::shared_ptr<std::uint64_t> idle_notices = std::make_shared<std::uint64_t>(0);
  sse_group_actor group;
  caf::actor parent;
  std::map<caf::actor_addr, std::shared_ptr<attachment>> subscribers;

  fixture() {
    sse_group_setup setup;
    setup.name = "g";
    setup.epoch = 1;
    setup.settings.max_lag_bytes = 1000;
    setup.directory = sys.spawn(quiet_directory, idle_notices);
    setup.stats = stats;
    parent = sys.spawn(
        [this](caf::event_based_actor* self, sse_group_setup setup) -> caf::behavior {
          group = spawn_sse_group(self, std::move(setup));
          return {[](const std::string&) {
          }};
        },
        std::move(setup));
    sched.run();
    BOOST_REQUIRE(group != nullptr);
  }

  ~fixture() {
    caf::anon_send_exit(group, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(parent, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// Subscribes a new test subscriber to the whole group; its acceptance is checked.
  caf::actor subscribe() {
    auto seen = std::make_shared<attachment>();
    auto s = sys.spawn(test_subscriber, seen);
    auto accepted = std::make_shared<bool>(false);
    sse_subscription sub;
    sub.subscriber = caf::actor_cast<sse_subscriber_actor>(s);
    sub.accept = [accepted](sse_acceptance) {
      *accepted = true;
    };
    sub.refuse = [](sse_refusal) {
      BOOST_FAIL("a group subscription was refused");
    };
    caf::anon_send(group, sse_subscribe_atom::value, std::move(sub));
    sched.run();
    BOOST_REQUIRE(*accepted);
    BOOST_REQUIRE(seen->ack);
    subscribers.emplace(s.address(), seen);
    return s;
  }

  /// Publishes one event of about 110 bytes framed, and lets the group send it.
  void publish() {
    sse_publication pub;
    pub.data = std::string(100, 'x');
    caf::anon_send(group, sse_publish_atom::value, std::move(pub));
    sched.run();
  }

  /// The subscriber's socket writes everything sent to it so far.
  void write(const caf::actor& s) {
    caf::anon_send(s, write_atom::value);
    sched.run();
  }

  /// Bytes of frames the group sent to subscriber `s` so far.
  std::uint64_t sent_to(const caf::actor& s) {
    return subscribers.at(s.address())->ack->sent.load();
  }

  std::uint64_t published() const { return stats->published.load(); }
  std::uint64_t waiting() const { return stats->waiting.load(); }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(sse_group_actor_test, fixture)

BOOST_AUTO_TEST_CASE(a_subscriber_that_stops_acknowledging_is_cut_off_and_the_other_keeps_going) {
  auto reader = subscribe();
  auto stalled = subscribe();
  // Both last acknowledged longer ago than the window: neither holds publishing back.
  sched.advance_time(sse_flow::ack_window);
  sched.run();
  int events = 0;
  while (stats->slow_disconnects.load() == 0 && events < 100) {
    publish();
    write(reader);
    ++events;
  }
  BOOST_TEST(stats->slow_disconnects.load() == 1u);
  BOOST_TEST(stats->subscribers.load() == 1u);
  BOOST_TEST(waiting() == 0u);
  // Cut off past its bound, not before.
  BOOST_TEST(sent_to(stalled) > 1000u);
  BOOST_TEST(sent_to(stalled) < 1200u);
  // The reader was never held back, and keeps getting what is published.
  auto before = sent_to(reader);
  publish();
  write(reader);
  BOOST_TEST(published() == static_cast<std::uint64_t>(events + 1));
  BOOST_TEST(sent_to(reader) > before);
  BOOST_TEST(stats->delivered.load() == static_cast<std::uint64_t>(2 * events));
  BOOST_TEST(stats->dropped.load() == 1u);
}

BOOST_AUTO_TEST_CASE(
    a_slow_subscriber_that_acknowledges_holds_publishing_back_until_it_catches_up) {
  auto slow = subscribe();
  // Behind by more than half its bound, acknowledging within the window: it holds.
  while (sent_to(slow) <= 500)
    publish();
  auto numbered = published();
  publish();
  publish();
  BOOST_TEST(waiting() == 2u);
  BOOST_TEST(published() == numbered); // nothing more numbered while it holds
  BOOST_TEST(stats->slow_disconnects.load() == 0u);
  // Its socket writes: it says so, and what waited goes out.
  auto before = sent_to(slow);
  write(slow);
  BOOST_TEST(waiting() == 0u);
  BOOST_TEST(published() == numbered + 2);
  BOOST_TEST(stats->subscribers.load() == 1u);
  BOOST_TEST(sent_to(slow) > before);
}

BOOST_AUTO_TEST_CASE(a_holding_subscriber_that_goes_silent_is_released_after_the_ack_window) {
  auto slow = subscribe();
  while (sent_to(slow) <= 500)
    publish();
  auto numbered = published();
  publish();
  BOOST_TEST(waiting() == 1u);
  // Not yet: the check comes once the window has passed.
  sched.advance_time(sse_flow::ack_window - 1ms);
  sched.run();
  BOOST_TEST(waiting() == 1u);
  sched.advance_time(1ms);
  sched.run();
  BOOST_TEST(waiting() == 0u);
  BOOST_TEST(published() == numbered + 1);
  // It no longer holds anybody back, and past its bound it is cut off.
  while (stats->slow_disconnects.load() == 0 && published() < 100)
    publish();
  BOOST_TEST(stats->slow_disconnects.load() == 1u);
  BOOST_TEST(stats->subscribers.load() == 0u);
  BOOST_TEST(waiting() == 0u);
}

BOOST_AUTO_TEST_CASE(a_subscriber_that_leaves_while_holding_releases_what_waits) {
  auto slow = subscribe();
  while (sent_to(slow) <= 500)
    publish();
  auto numbered = published();
  publish();
  BOOST_TEST(waiting() == 1u);
  caf::anon_send_exit(slow, caf::exit_reason::user_shutdown);
  sched.run();
  BOOST_TEST(stats->subscribers.load() == 0u);
  BOOST_TEST(waiting() == 0u);
  BOOST_TEST(published() == numbered + 1);
  BOOST_TEST(stats->slow_disconnects.load() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

/// The directory alone, on the deterministic scheduler.
struct directory_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{deterministic(cfg)};
  caf::scheduler::test_coordinator& sched =
      dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  sse_directory_actor directory = spawn_sse_directory(sys, sse_settings{}, sse_links{});

  ~directory_fixture() {
    caf::anon_send_exit(directory, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// The directory's answer to `inspect_atom, name`, asked as the admin API asks it.
  std::shared_ptr<std::optional<boost::json::value>> inspect(std::string name) {
    auto answer = std::make_shared<std::optional<boost::json::value>>();
    sys.spawn(
        [this, answer](caf::event_based_actor* self, const std::string& name) {
          self->request(caf::actor_cast<caf::actor>(directory), caf::infinite,
                        caf::make_message(inspect_atom::value, name))
              .then([answer](boost::json::value& v) { *answer = std::move(v); });
        },
        std::move(name));
    sched.run();
    return answer;
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(sse_directory_actor_test, directory_fixture)

BOOST_AUTO_TEST_CASE(asking_for_a_group_that_does_not_live_answers_null_and_creates_none) {
  auto answer = inspect("never-seen");
  BOOST_REQUIRE(answer->has_value());
  BOOST_TEST(answer->value().is_null());
  auto again = inspect("never-seen");
  BOOST_REQUIRE(again->has_value());
  BOOST_TEST(again->value().is_null());
}

BOOST_AUTO_TEST_CASE(asking_for_a_live_group_gets_the_group_s_own_account) {
  caf::anon_send(directory, sse_declare_atom::value, std::string{"g"});
  sse_publication pub;
  pub.data = "x";
  caf::anon_send(directory, sse_publish_atom::value, std::string{"g"}, std::move(pub));
  sched.run();
  auto answer = inspect("g");
  BOOST_REQUIRE(answer->has_value());
  BOOST_REQUIRE(answer->value().is_object());
  BOOST_TEST(answer->value().at("Name").as_string() == "g");
  BOOST_TEST(answer->value().at("Published").to_number<std::uint64_t>() == 1u);
  BOOST_TEST(answer->value().at("SubscriberList").is_array());
}

BOOST_AUTO_TEST_SUITE_END()
