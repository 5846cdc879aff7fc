// The route supervisor driven by CAF's deterministic scheduler: admission (the cap on running
// tasks, the bounded queue, positions, the next task starting when one ends) and crash
// handling, without sockets and without sleeps. Every job runs when the test says so: a task
// actor that has not been let run is a task whose body has not returned yet. The registry
// behind the supervisor's handle is a fake that implements `task_registry_actor`'s protocol and
// records what it is told.

#include "actors/route_supervisor.hpp"
#include "actors/task_control.hpp"
#include "actors/task_registry.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/test/unit_test.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/after.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

using namespace herald::actors;
namespace json = boost::json;

namespace {

// -- a second registry --------------------------------------------------------------------------

/// What the fake registry was told, in order.
struct registry_log {
  std::vector<std::string> registered;
  std::vector<std::string> started;
  std::vector<std::string> finished;
  std::vector<std::pair<std::string, std::string>> crashed;
  /// How the next registrations are answered: refused with this error when set.
  std::optional<task_error> refuse;
};

struct fake_registry_state {
  std::shared_ptr<registry_log> log;
  static inline const char* name = "fake_registry";
};

using fake_registry_actor = task_registry_actor::stateful_pointer<fake_registry_state>;

/// A registry that holds no tasks: it records registrations and reports, answers lookups and
/// cancels as if no task were known, and queries with nothing.
task_registry_actor::behavior_type fake_registry(fake_registry_actor self,
                                                 std::shared_ptr<registry_log> log) {
  self->state.log = std::move(log);
  auto& l = *self->state.log;
  return {
      [&l](register_atom, task_registration& reg) -> registration_result {
        if (l.refuse)
          return {l.refuse};
        l.registered.push_back(reg.record.id);
        return {};
      },
      [&l](started_atom, const std::string& id, caf::timestamp) { l.started.push_back(id); },
      [](progress_atom, const std::string&) {},
      [](event_atom, const std::string&, task_event&) {},
      [&l](finished_atom, const std::string& id, task_outcome&) { l.finished.push_back(id); },
      [&l](crashed_atom, const std::string& id, const std::string& reason) {
        l.crashed.emplace_back(id, reason);
      },
      [](herald::actors::stored_atom, std::uint64_t, bool) {},
      [](caf::flush_atom) {},
      [](herald::actors::callback_atom, const std::string&, herald::actors::callback_info&) {},
      [](caf::get_atom, task_lookup& q) {
        q.reply(task_reply{task_error::not_found, q.id, {}});
      },
      [](caf::delete_atom, task_cancel& c) {
        c.reply(task_reply{task_error::not_found, c.id, {}});
      },
      [](caf::get_atom, task_search& s) {
        s.reply(task_reply{std::nullopt, {}, json::array{}});
      },
      [](sse_replay_atom, const std::string&, std::uint64_t, const std::string&, std::uint64_t) {},
      [](shutdown_atom) { return true; },
      [](inspect_atom) -> json::value { return json::object{}; },
      [](inspect_atom, const std::string&, const std::string&, std::uint64_t) -> json::value {
        return json::array{};
      },
      [](inspect_atom, const std::string&) { return json::value{}; },
      [](walk_atom, std::uint64_t) {},
      [](caf::tick_atom, std::int64_t) {},
  };
}

// -- the fixture --------------------------------------------------------------------------------

/// An actor system on CAF's deterministic scheduler.
struct deterministic_config : caf::actor_system_config {
  deterministic_config() {
    set("scheduler.policy", caf::atom("testing"));
    set("logger.file-verbosity", caf::atom("quiet"));
    set("logger.console-verbosity", caf::atom("quiet"));
  }
};

struct supervisor_fixture {
  deterministic_config cfg;
  caf::actor_system system{cfg};
  caf::scheduler::test_coordinator& sched =
      dynamic_cast<caf::scheduler::test_coordinator&>(system.scheduler());
  caf::scoped_actor self{system, true};
  std::shared_ptr<registry_log> log = std::make_shared<registry_log>();
  task_registry_actor registry = system.spawn(fake_registry, log);
  route_supervisor_actor supervisor;
  /// The replies to submissions, by task id.
  std::shared_ptr<std::map<std::string, task_reply>> replies =
      std::make_shared<std::map<std::string, task_reply>>();

  explicit supervisor_fixture(
      std::size_t max_concurrent, std::size_t max_queued,
      task_body body = [](task_context&) { return json::value{}; }) {
    auto route = std::make_shared<route_spec>();
    route->route_id = "[POST]/jobs";
    route->method = "POST";
    route->path = "/jobs";
    route->max_concurrent = max_concurrent;
    route->max_queued = max_queued;
    route->blocking = false; // on the scheduler: a blocking body would run on a pool thread
    route->sse.reset();
    route->body = std::move(body);
    supervisor_settings settings;
    settings.cancel_grace = std::chrono::milliseconds{5000};
    settings.retry_after = std::chrono::seconds{7};
    supervisor = spawn_route_supervisor(system, route, registry, settings, nullptr);
    settle();
  }

  ~supervisor_fixture() {
    caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
    sched.run();
  }

  template <class Handle> static caf::resumable* job_of(const Handle& h) {
    return dynamic_cast<caf::resumable*>(caf::actor_cast<caf::abstract_actor*>(h));
  }

  /// Lets the supervisor and the registry handle everything they have; task actors wait.
  void settle() {
    sched.run_jobs_filtered([this](caf::resumable* job) {
      return job == job_of(supervisor) || job == job_of(registry);
    });
  }

  /// Task actors spawned whose body has not run yet (after `settle`, the only jobs left).
  std::size_t waiting_bodies() const { return sched.jobs.size(); }

  /// Lets the oldest waiting task actor run its body, then settles.
  void run_one_body() {
    BOOST_REQUIRE(sched.has_job());
    sched.run_once();
    settle();
  }

  void submit(const std::string& id) {
    task_record record;
    record.id = id;
    record.route_id = "[POST]/jobs";
    record.method = "POST";
    record.url = "/jobs";
    record.creation = task_clock::now();
    record.expire = no_expiry();
    auto replies_ = replies;
    caf::anon_send(supervisor, submit_atom::value,
                   task_submission{std::move(record), std::make_shared<const task_input>(),
                                   [replies_, id](task_reply r) { (*replies_)[id] = std::move(r); },
                                   0});
    settle();
  }

  /// The supervisor's answer to `inspect_atom`.
  json::object inspect() {
    json::object out;
    self->send(supervisor, inspect_atom::value);
    settle();
    self->receive([&](json::value& v) { out = v.as_object(); },
                  caf::after(std::chrono::seconds{0}) >> [] { BOOST_FAIL("no answer"); });
    return out;
  }

  std::vector<std::size_t> positions(std::vector<std::string> ids) {
    std::vector<std::size_t> out;
    self->send(supervisor, position_atom::value, std::move(ids));
    settle();
    self->receive([&](std::vector<std::size_t>& v) { out = std::move(v); },
                  caf::after(std::chrono::seconds{0}) >> [] { BOOST_FAIL("no answer"); });
    return out;
  }

  std::uint64_t figure(const char* name) { return inspect().at(name).to_number<std::uint64_t>(); }
};

} // namespace

BOOST_AUTO_TEST_SUITE(route_supervisor_actor_test)

BOOST_AUTO_TEST_CASE(it_runs_up_to_the_cap_queues_in_order_and_refuses_past_the_bound) {
  supervisor_fixture f{2, 2};
  for (auto id : {"t1", "t2", "t3", "t4", "t5"})
    f.submit(id);
  // Each admitted task was registered before it was acknowledged.
  BOOST_TEST(f.log->registered == (std::vector<std::string>{"t1", "t2", "t3", "t4"}));
  BOOST_REQUIRE(f.replies->size() == 5u);
  for (auto id : {"t1", "t2"}) {
    BOOST_TEST(!f.replies->at(id).error);
    BOOST_TEST(!f.replies->at(id).task->queue_position);
  }
  BOOST_TEST((f.replies->at("t3").task->queue_position == std::optional<std::size_t>{1}));
  BOOST_TEST((f.replies->at("t4").task->queue_position == std::optional<std::size_t>{2}));
  const auto& refused = f.replies->at("t5");
  BOOST_TEST((refused.error == task_error::queue_full));
  BOOST_TEST(refused.retry_after.count() == 7);
  // Two bodies wait to run: no more than the cap were started.
  BOOST_TEST(f.waiting_bodies() == 2u);
  BOOST_TEST(f.figure("Running") == 2u);
  BOOST_TEST(f.figure("Queued") == 2u);
  BOOST_TEST(f.figure("Admitted") == 4u);
  BOOST_TEST(f.figure("Refused") == 1u);
  BOOST_TEST(f.positions({"t4", "t3", "t1", "t5"}) == (std::vector<std::size_t>{2, 1, 0, 0}));
}

BOOST_AUTO_TEST_CASE(a_task_that_ends_hands_its_slot_to_the_first_in_the_queue) {
  supervisor_fixture f{1, 10};
  for (auto id : {"a", "b", "c"})
    f.submit(id);
  BOOST_TEST(f.waiting_bodies() == 1u);
  f.run_one_body(); // a
  BOOST_TEST(f.log->started == (std::vector<std::string>{"a"}));
  BOOST_TEST(f.log->finished == (std::vector<std::string>{"a"}));
  // b was started in a's place; c moved up.
  BOOST_TEST(f.waiting_bodies() == 1u);
  BOOST_TEST(f.positions({"b", "c"}) == (std::vector<std::size_t>{0, 1}));
  BOOST_TEST(f.figure("Running") == 1u);
  BOOST_TEST(f.figure("Queued") == 1u);
  f.run_one_body(); // b
  f.run_one_body(); // c
  BOOST_TEST(f.log->finished == (std::vector<std::string>{"a", "b", "c"}));
  BOOST_TEST(f.waiting_bodies() == 0u);
  BOOST_TEST(f.figure("Running") == 0u);
  // A free slot with nobody waiting: the next task runs at once.
  f.submit("d");
  BOOST_TEST(!f.replies->at("d").task->queue_position);
  BOOST_TEST(f.waiting_bodies() == 1u);
}

BOOST_AUTO_TEST_CASE(a_task_actor_that_dies_without_an_outcome_is_reported_crashed) {
  supervisor_fixture f{1, 10, [](task_context&) -> json::value {
                         throw 42;
                       }};
  f.submit("x");
  f.submit("y");
  f.run_one_body(); // x dies
  BOOST_REQUIRE(f.log->crashed.size() == 1u);
  BOOST_TEST(f.log->crashed[0].first == "x");
  BOOST_TEST(f.log->crashed[0].second.find("The task's actor terminated unexpectedly") == 0u);
  BOOST_TEST(f.log->crashed[0].second.find("not a std::exception") != std::string::npos);
  BOOST_TEST(f.log->finished.empty());
  BOOST_TEST(f.figure("Crashed") == 1u);
  // Its slot went on to the next task.
  BOOST_TEST(f.waiting_bodies() == 1u);
  BOOST_TEST(f.positions({"y"}) == (std::vector<std::size_t>{0}));
  f.run_one_body(); // y dies too
  BOOST_TEST(f.log->crashed.size() == 2u);
  BOOST_TEST(f.figure("Running") == 0u);
}

BOOST_AUTO_TEST_CASE(a_body_that_fails_normally_is_not_a_crash) {
  supervisor_fixture f{1, 10, [](task_context&) -> json::value {
                         throw std::runtime_error{"no"};
                       }};
  f.submit("x");
  f.run_one_body();
  BOOST_TEST(f.log->finished == (std::vector<std::string>{"x"}));
  BOOST_TEST(f.log->crashed.empty());
  BOOST_TEST(f.figure("Crashed") == 0u);
}

BOOST_AUTO_TEST_CASE(a_queued_task_that_is_aborted_leaves_the_queue) {
  supervisor_fixture f{1, 10};
  for (auto id : {"a", "b", "c"})
    f.submit(id);
  caf::anon_send(f.supervisor, abort_atom::value, std::string{"b"});
  f.settle();
  BOOST_TEST(f.positions({"b", "c"}) == (std::vector<std::size_t>{0, 1}));
  f.run_one_body(); // a: c takes its slot, b never starts
  f.run_one_body();
  BOOST_TEST(f.log->started == (std::vector<std::string>{"a", "c"}));
}

BOOST_AUTO_TEST_CASE(a_running_task_that_ignores_its_abort_gives_its_slot_back_after_the_grace) {
  supervisor_fixture f{1, 10};
  f.submit("slow");
  f.submit("next");
  caf::anon_send(f.supervisor, abort_atom::value, std::string{"slow"});
  f.settle();
  // Its body has not returned: the slot stays taken until the grace period has passed.
  BOOST_TEST(f.figure("Running") == 1u);
  BOOST_TEST(f.positions({"next"}) == (std::vector<std::size_t>{1}));
  f.sched.advance_time(std::chrono::milliseconds{4999});
  f.settle();
  BOOST_TEST(f.positions({"next"}) == (std::vector<std::size_t>{1}));
  f.sched.advance_time(std::chrono::milliseconds{1});
  f.settle();
  BOOST_TEST(f.positions({"next"}) == (std::vector<std::size_t>{0}));
  // Two bodies wait now: the one that ignored its abort, and the next task's.
  BOOST_TEST(f.waiting_bodies() == 2u);
}

BOOST_AUTO_TEST_CASE(a_registration_the_registry_refuses_frees_the_slot) {
  supervisor_fixture f{1, 10};
  f.log->refuse = task_error::over_budget;
  f.submit("big");
  BOOST_TEST((f.replies->at("big").error == task_error::over_budget));
  BOOST_TEST(f.replies->at("big").retry_after.count() == 7);
  BOOST_TEST(f.waiting_bodies() == 0u);
  BOOST_TEST(f.figure("Running") == 0u);
  f.log->refuse.reset();
  f.submit("small");
  BOOST_TEST(!f.replies->at("small").error);
  BOOST_TEST(f.waiting_bodies() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
