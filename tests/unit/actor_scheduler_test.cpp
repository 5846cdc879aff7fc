// The node's scheduler: actors that never set a timeout end without a word to the clock
// thread; timeouts, request timeouts and delayed messages still work, on real threads.

#include "actors/actor_scheduler.hpp"

#include <boost/test/unit_test.hpp>
#include <caf/all.hpp>
#include <chrono>

using namespace std::chrono_literals;
using herald::actors::actor_ends;

namespace {

struct node_config : caf::actor_system_config {
  node_config() {
    set("scheduler.max-threads", std::size_t{2});
    set("logger.file-verbosity", caf::atom("quiet"));
    set("logger.console-verbosity", caf::atom("quiet"));
    herald::actors::use_node_scheduler(*this);
  }
};

using ping_atom = caf::atom_constant<caf::atom("ping")>;

} // namespace

BOOST_AUTO_TEST_SUITE(actor_scheduler_test)

BOOST_AUTO_TEST_CASE(actors_without_timeouts_end_quietly_and_the_others_as_before) {
  node_config cfg;
  caf::actor_system system{cfg};
  auto before = actor_ends(system);
  {
    caf::scoped_actor self{system};
    // Ten actors that answer once and end: no timeout ever set. (Each actor function takes an
    // argument: CAF 0.17 calls one without any through a null tuple pointer, which UBSan
    // reports.)
    for (int i = 0; i < 10; ++i) {
      auto a = system.spawn(
          [](caf::event_based_actor* me, int) -> caf::behavior {
            return {[me](ping_atom) {
              me->quit();
              return 1;
            }};
          },
          i);
      self->request(a, caf::infinite, ping_atom::value)
          .receive([](int) {}, [](caf::error&) { BOOST_FAIL("no answer"); });
    }
    // One with a receive timeout: it fires, and the actor ends with it set.
    auto timed = system.spawn(
        [](caf::event_based_actor* me, int) -> caf::behavior {
          return {[](ping_atom) {}, caf::after(20ms) >>
                                        [me] {
                                          me->quit();
                                        }};
        },
        0);
    self->wait_for(timed);
    // A request timeout still fails the request in time.
    auto silent = system.spawn(
        [](caf::event_based_actor*, int) -> caf::behavior {
          return {[](ping_atom) -> caf::result<int> {
            return caf::delegated<int>{};
          }};
        },
        0);
    auto asker = system.spawn(
        [silent](caf::event_based_actor* me, int) {
          me->request(silent, 30ms, ping_atom::value)
              .then([](int) { BOOST_FAIL("answered"); },
                    [me](caf::error& e) {
                      BOOST_TEST((e == caf::sec::request_timeout));
                      me->quit();
                    });
        },
        0);
    self->wait_for(asker);
    caf::anon_send_exit(silent, caf::exit_reason::user_shutdown);
    self->wait_for(silent);
    // A delayed message still arrives.
    auto start = std::chrono::steady_clock::now();
    self->delayed_send(self, 25ms, ping_atom::value);
    self->receive([](ping_atom) {}, caf::after(5s) >> [] { BOOST_FAIL("no delayed message"); });
    BOOST_TEST((std::chrono::steady_clock::now() - start >= 25ms));
  }
  system.await_all_actors_done();
  auto after = actor_ends(system);
  // The ten, and the silent actor (its requester set the timeout, not it).
  BOOST_TEST(after.without - before.without >= 11u);
  // The timed actor and the requester set one each.
  BOOST_TEST(after.with_timeouts - before.with_timeouts >= 2u);
}

BOOST_AUTO_TEST_SUITE_END()
