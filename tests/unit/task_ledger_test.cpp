// What held tasks weigh and the budget `tasks.max_held_bytes`: the pure ledger and weights
// alone, then the task registry actor keeping its total through a task's transitions and
// forgetting the oldest finished tasks first.

#include "actors/inspect.hpp"
#include "actors/task_context.hpp"
#include "actors/task_control.hpp"
#include "actors/task_ledger.hpp"
#include "actors/task_messages.hpp"
#include "actors/task_record.hpp"
#include "actors/task_registry.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <chrono>
#include <future>
#include <string>

using namespace herald::actors;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

using clock_type = task_ledger::clock;

} // namespace

BOOST_AUTO_TEST_SUITE(task_ledger_test)

// -- weights ------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(scalars_and_short_strings_weigh_nothing_beyond_their_slot) {
  BOOST_TEST(json_bytes(json::value()) == 0u);
  BOOST_TEST(json_bytes(json::value(42)) == 0u);
  BOOST_TEST(json_bytes(json::value(true)) == 0u);
  BOOST_TEST(json_bytes(json::value("short")) == 0u);
}

BOOST_AUTO_TEST_CASE(a_long_string_weighs_its_characters) {
  auto w = json_bytes(json::value(std::string(100'000, 'a')));
  BOOST_TEST(w >= 100'000u);
  BOOST_TEST(w < 100'100u);
}

BOOST_AUTO_TEST_CASE(arrays_and_objects_weigh_their_tables_and_what_they_hold) {
  json::array numbers;
  for (int i = 0; i < 1000; ++i)
    numbers.push_back(i);
  numbers.shrink_to_fit();
  // 1000 slots of 24 bytes: parsing `[0,1,...]` (under 4 KB of text) takes about 24 KB.
  BOOST_TEST(json_bytes(numbers) >= 1000 * sizeof(json::value));
  auto obj =
      json::parse(R"({"a_key_of_some_length": "a value longer than fourteen", "n": [1, 2]})");
  auto w = json_bytes(obj);
  BOOST_TEST(w >= sizeof("a_key_of_some_length") + sizeof("a value longer than fourteen") +
                      2 * sizeof(json::value));
}

BOOST_AUTO_TEST_CASE(a_deeply_nested_value_is_weighed_without_recursion) {
  json::value v = json::array{};
  json::value* inner = &v;
  for (int i = 0; i < 100'000; ++i) {
    inner->as_array().push_back(json::array{});
    inner = &inner->as_array().back();
  }
  BOOST_TEST(json_bytes(v) >= 100'000u * sizeof(json::value));
}

BOOST_AUTO_TEST_CASE(a_record_weighs_its_target_result_and_error) {
  task_record r;
  r.id = "0f8fad5b-d9cb-469f-a165-70867728950e";
  r.route_id = "[POST]/process-data";
  r.method = "POST";
  auto bare = record_bytes(r);
  BOOST_TEST(bare < 128u);
  // As the HTTP side makes it: one copy of the target, no spare capacity.
  r.url = std::string{"/process-data?x=" + std::string(15'000, 'a')};
  r.url.shrink_to_fit();
  BOOST_TEST(record_bytes(r) >= bare + 15'000);
  BOOST_TEST(record_bytes(r) < bare + 15'100);
  auto with_url = record_bytes(r);
  r.result = json::value(std::string(5'000, 'r'));
  r.error = std::string(3'000, 'e');
  BOOST_TEST(record_bytes(r) >= with_url + 8'000);
}

BOOST_AUTO_TEST_CASE(an_input_weighs_its_body_target_and_parameters) {
  task_input in;
  auto bare = input_bytes(in);
  in.body = json::value(std::string(1'000'000, 'b'));
  in.target = "/jobs/x?q=" + std::string(10'000, 'q');
  in.target.shrink_to_fit();
  in.params.emplace_back("name", std::string(2'000, 'p'));
  auto w = input_bytes(in);
  BOOST_TEST(w >= bare + 1'012'000);
  BOOST_TEST(w < bare + 1'013'000);
}

BOOST_AUTO_TEST_CASE(an_event_weighs_its_data_and_type) {
  task_stream_event small{1, task_stream_kind::progress, {}, json::value(50)};
  task_stream_event big{2, task_stream_kind::custom, std::string(100, 't'),
                        json::value(std::string(10'000, 'd'))};
  BOOST_TEST(event_bytes(small) > 0u);
  BOOST_TEST(event_bytes(big) >= event_bytes(small) + 10'100);
}

// -- the ledger ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(the_total_follows_every_reweighing) {
  task_ledger l{10, 1000};
  l.reweigh(0, 100);
  l.reweigh(0, 200);
  BOOST_TEST(l.held_bytes() == 300u);
  l.reweigh(100, 50); // a task dropped its request, say
  BOOST_TEST(l.held_bytes() == 250u);
  l.reweigh(200, 0); // forgotten
  BOOST_TEST(l.held_bytes() == 50u);
}

BOOST_AUTO_TEST_CASE(fits_says_whether_incoming_bytes_stay_within_the_budget) {
  task_ledger l{10, 1000};
  l.reweigh(0, 900);
  BOOST_TEST(l.fits(100));
  BOOST_TEST(!l.fits(101));
  BOOST_TEST(!l.fits(UINT64_MAX)); // no overflow
  task_ledger empty{10, 1000};
  BOOST_TEST(empty.fits(1000));
  BOOST_TEST(!empty.fits(1001));
}

BOOST_AUTO_TEST_CASE(nothing_is_forgotten_while_both_bounds_hold) {
  task_ledger l{3, 1000};
  auto t0 = clock_type::now();
  l.retain(t0 + 1s, "a", 0);
  l.retain(t0 + 2s, "b", 0);
  l.reweigh(0, 400);
  BOOST_TEST((l.next_to_forget(600, {}) == l.retained().end()));
}

BOOST_AUTO_TEST_CASE(room_for_bytes_is_made_oldest_completion_first) {
  task_ledger l{100, 1000};
  auto t0 = clock_type::now();
  // Retained out of order: the order is by when they are forgotten, i.e. completion.
  l.retain(t0 + 3s, "c", 300);
  l.retain(t0 + 1s, "a", 300);
  l.retain(t0 + 2s, "b", 300);
  l.reweigh(0, 900); // 300 each
  BOOST_TEST(l.retained_bytes() == 900u);
  auto first = l.next_to_forget(500, {});
  BOOST_REQUIRE((first != l.retained().end()));
  BOOST_TEST(first->second.id == "a");
  l.release(first);
  l.reweigh(300, 0);
  auto second = l.next_to_forget(500, {}); // 600 + 500 is still too much
  BOOST_REQUIRE((second != l.retained().end()));
  BOOST_TEST(second->second.id == "b");
  l.release(second);
  l.reweigh(300, 0);
  BOOST_TEST((l.next_to_forget(500, {}) == l.retained().end())); // 300 + 500 fit
  BOOST_TEST(l.retained().begin()->second.id == "c");
  BOOST_TEST(l.retained_bytes() == 300u);
}

BOOST_AUTO_TEST_CASE(over_max_retained_the_oldest_goes_even_with_bytes_to_spare) {
  task_ledger l{2, 1'000'000};
  auto t0 = clock_type::now();
  l.retain(t0 + 1s, "a", 0);
  l.retain(t0 + 2s, "b", 0);
  BOOST_TEST((l.next_to_forget(0, {}) == l.retained().end()));
  l.retain(t0 + 3s, "c", 0);
  auto next = l.next_to_forget(0, {});
  BOOST_REQUIRE((next != l.retained().end()));
  BOOST_TEST(next->second.id == "a");
}

BOOST_AUTO_TEST_CASE(the_task_being_settled_is_never_chosen) {
  task_ledger l{0, 1000};
  l.retain(clock_type::now(), "only", 0);
  BOOST_TEST((l.next_to_forget(0, "only") == l.retained().end()));
}

BOOST_AUTO_TEST_CASE(could_fit_counts_only_what_unfinished_tasks_hold) {
  task_ledger l{10, 1000};
  l.reweigh(0, 600); // unfinished
  l.reweigh(0, 300); // finished, below
  l.retain(clock_type::now(), "done", 300);
  BOOST_TEST(!l.fits(200));
  BOOST_TEST(l.could_fit(400));  // once "done" is forgotten
  BOOST_TEST(!l.could_fit(401)); // even then not: forgetting "done" would be pointless
}

BOOST_AUTO_TEST_CASE(with_nothing_finished_there_is_nothing_to_forget) {
  task_ledger l{10, 1000};
  l.reweigh(0, 1000);
  BOOST_TEST((l.next_to_forget(1, {}) == l.retained().end()));
  BOOST_TEST(!l.fits(1));
}

BOOST_AUTO_TEST_SUITE_END()

// -- the registry -------------------------------------------------------------------------------

namespace {

struct registry_fixture {
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  caf::scoped_actor self{system};
  task_registry_actor registry;
  std::shared_ptr<std::atomic<std::uint64_t>> gauge =
      std::make_shared<std::atomic<std::uint64_t>>(0);
  static constexpr std::string_view route = "[POST]/budget";

  explicit registry_fixture(std::uint64_t budget, std::size_t max_retained = 1000) {
    registry_settings s;
    s.max_held_bytes = budget;
    s.max_retained = max_retained;
    registry = spawn_task_registry(system, s, {});
  }
  ~registry_fixture() { caf::anon_send_exit(registry, caf::exit_reason::user_shutdown); }

  /// Registers task `id` with a target of `target_bytes`, and a request of `input` bytes.
  std::optional<task_error> add(const std::string& id, std::size_t target_bytes,
                                std::size_t input = 0) {
    task_record r;
    r.id = id;
    r.route_id = std::string{route};
    r.method = "POST";
    r.url = std::string{"/budget?x=" + std::string(target_bytes, 'x')};
    r.url.shrink_to_fit(); // as the HTTP side makes it
    r.creation = task_clock::now();
    r.expire = no_expiry();
    std::optional<task_error> out;
    self->request(
            registry, caf::infinite, register_atom::value,
            task_registration{std::move(r), std::make_shared<task_control>(), {}, input, gauge})
        .receive([&](registration_result& res) { out = res.error; },
                 [&](caf::error& e) { BOOST_FAIL("registration failed: " + caf::to_string(e)); });
    return out;
  }

  void finish(const std::string& id, json::value result = nullptr) {
    task_outcome o;
    o.state = task_state::completed;
    if (!result.is_null())
      o.result = std::move(result);
    o.at = task_clock::now();
    self->send(registry, finished_atom::value, id, std::move(o));
  }

  /// HeldBytes of the route as the registry reports it (after every message sent before).
  std::uint64_t held() {
    std::uint64_t out = 0;
    self->request(registry, caf::infinite, inspect_atom::value)
        .receive(
            [&](json::value& v) {
              if (auto* r = v.as_object().if_contains(route))
                out = r->at("HeldBytes").to_number<std::uint64_t>();
            },
            [&](caf::error& e) { BOOST_FAIL("inspect failed: " + caf::to_string(e)); });
    return out;
  }

  bool known(const std::string& id) {
    std::promise<bool> found;
    auto answer = found.get_future();
    self->send(registry, caf::get_atom::value,
               task_lookup{id, std::chrono::milliseconds{0}, [&found](task_reply r) {
                             found.set_value(!r.error);
                           }});
    BOOST_REQUIRE(answer.wait_for(5s) == std::future_status::ready);
    return answer.get();
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(task_registry_budget)

BOOST_AUTO_TEST_CASE(held_bytes_follow_a_task_from_registration_to_its_result) {
  registry_fixture f{1 << 30};
  BOOST_TEST(f.held() == 0u);
  BOOST_TEST(!f.add("a", 10'000, 50'000));
  auto registered = f.held();
  BOOST_TEST(registered >= task_overhead_bytes + 60'000);
  BOOST_TEST(registered < task_overhead_bytes + 61'000);
  BOOST_TEST(f.gauge->load() == registered); // the supervisor's copy
  // Done: its request is given back, its result and terminal event are held.
  f.finish("a", json::value(std::string(20'000, 'r')));
  auto finished = f.held();
  BOOST_TEST(finished >= task_overhead_bytes + 30'000);
  BOOST_TEST(finished < task_overhead_bytes + 31'000);
  BOOST_TEST(!f.add("b", 0));
  BOOST_TEST(f.held() > finished);
}

BOOST_AUTO_TEST_CASE(finished_tasks_are_forgotten_oldest_first_to_admit_new_ones) {
  // Room for about five tasks of 10 KB targets.
  registry_fixture f{5 * (task_overhead_bytes + 11'000)};
  for (int i = 0; i < 5; ++i) {
    auto id = "t" + std::to_string(i);
    BOOST_TEST(!f.add(id, 10'000));
    f.finish(id);
  }
  BOOST_TEST(f.held() <= 5 * (task_overhead_bytes + 11'000));
  for (int i = 5; i < 8; ++i)
    BOOST_TEST(!f.add("t" + std::to_string(i), 10'000));
  BOOST_TEST(!f.known("t0"));
  BOOST_TEST(!f.known("t1"));
  BOOST_TEST(!f.known("t2"));
  BOOST_TEST(f.known("t3"));
  BOOST_TEST(f.known("t4"));
  BOOST_TEST(f.known("t7"));
  BOOST_TEST(f.held() <= 5 * (task_overhead_bytes + 11'000));
}

BOOST_AUTO_TEST_CASE(unfinished_tasks_filling_the_budget_refuse_new_ones_and_nothing_is_created) {
  registry_fixture f{4 * (task_overhead_bytes + 11'000)};
  for (int i = 0; i < 4; ++i)
    BOOST_TEST(!f.add("u" + std::to_string(i), 10'000));
  auto before = f.held();
  auto refused = f.add("late", 10'000);
  BOOST_TEST((refused == task_error::over_budget));
  BOOST_TEST(!f.known("late"));
  BOOST_TEST(f.held() == before);
  // One finishes: its request and target stay held (it is retained), so a new one only fits
  // once that finished task is forgotten for it; which it is.
  f.finish("u0");
  BOOST_TEST(!f.add("next", 10'000));
  BOOST_TEST(!f.known("u0"));
  BOOST_TEST(f.known("u1"));
}

BOOST_AUTO_TEST_CASE(a_refused_task_does_not_cost_a_finished_one_its_place) {
  registry_fixture f{4 * (task_overhead_bytes + 11'000)};
  BOOST_TEST(!f.add("done", 10'000));
  f.finish("done");
  for (int i = 0; i < 3; ++i)
    BOOST_TEST(!f.add("u" + std::to_string(i), 10'000));
  // Even with "done" forgotten this one would not fit: refused, and "done" stays.
  BOOST_TEST((f.add("big", 30'000) == task_error::over_budget));
  BOOST_TEST(f.known("done"));
}

BOOST_AUTO_TEST_CASE(a_task_bigger_than_the_whole_budget_is_refused) {
  registry_fixture f{64 * 1024};
  BOOST_TEST((f.add("huge", 100'000) == task_error::over_budget));
  BOOST_TEST(f.held() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
