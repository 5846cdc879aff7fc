#include "actors/task_actor.hpp"

#include "actors/body_pool.hpp"
#include "actors/task_census.hpp"
#include "actors/task_control.hpp"
#include "actors/task_messages.hpp"
#include "actors/task_run.hpp"

#include <caf/all.hpp>

namespace herald::actors {

namespace {

/// The body's reports become messages to the registry (thread-safe sends).
class registry_reporter final : public task_context::reporter {
 public:
  registry_reporter(task_registry_actor registry, std::string id)
      : registry_(std::move(registry)), id_(std::move(id)) {}

  void progress_changed() override { caf::anon_send(registry_, progress_atom::value, id_); }

  void event(std::string type, boost::json::value data) override {
    caf::anon_send(registry_, event_atom::value, id_,
                   task_event{std::move(type), std::move(data), task_clock::now()});
  }

 private:
  task_registry_actor registry_;
  std::string id_;
};

/// A task whose work runs elsewhere (`route_spec::start`): the actor hands it a `task_run`
/// and waits for its outcome, so that the route's slot stays taken until the work ends.
caf::behavior started_elsewhere(caf::event_based_actor* self, task_launch& l) {
  auto done = [me = caf::actor_cast<caf::actor>(self)](task_outcome out) {
    caf::anon_send(me, finished_atom::value, std::move(out));
  };
  auto run = std::make_shared<task_run>(
      l.id, l.input, l.control, std::make_unique<registry_reporter>(l.registry, l.id), done);
  try {
    l.route->start(run);
  } catch (const std::exception& e) {
    run->finish(task_outcome{task_state::failed, std::nullopt, e.what(), task_clock::now()});
  }
  return {[self, registry = l.registry, id = l.id](finished_atom, task_outcome& out) {
    caf::anon_send(registry, finished_atom::value, id, std::move(out));
    self->quit();
  }};
}

/// Runs the body: the outcome to report, or nothing when it was cancelled (the registry already
/// holds the abort; a late outcome would be ignored anyway). What a body throws that is not a
/// std::exception escapes on purpose: the task's actor dies with it, and the supervisor's
/// monitor turns that into `Failed`.
std::optional<task_outcome> run_body(const task_launch& l, task_context& ctx) {
  task_outcome out;
  try {
    out.result = l.route->body(ctx);
    out.state = task_state::completed;
  } catch (const task_cancelled&) {
    return std::nullopt;
  } catch (const std::exception& e) {
    out.state = task_state::failed;
    out.error = e.what();
  }
  out.at = task_clock::now();
  return out;
}

const char* const not_an_exception = "the task body threw something that is not a std::exception";

/// A blocking body runs on the route's pool; the actor waits for it, so that the route's slot
/// stays taken (and the census counts it) until the body returns.
caf::behavior run_on_pool(caf::event_based_actor* self, task_launch& l) {
  // The job does not hold the pool: the last owner of a pool must not be one of its threads.
  auto pool = std::move(l.pool);
  auto job = [l, me = caf::actor_cast<caf::actor>(self)]() noexcept {
    registry_reporter reporter{l.registry, l.id};
    task_context ctx{l.id, l.input, l.control, reporter, true};
    try {
      if (auto out = run_body(l, ctx))
        caf::anon_send(l.registry, finished_atom::value, l.id, std::move(*out));
      caf::anon_send(me, finished_atom::value);
    } catch (...) {
      caf::anon_send(me, crashed_atom::value);
    }
  };
  try {
    pool->post(std::move(job));
  } catch (const std::exception& e) {
    caf::anon_send(l.registry, finished_atom::value, l.id,
                   task_outcome{task_state::failed, std::nullopt,
                                std::string{"The task could not be started: "} + e.what(),
                                task_clock::now()});
    return {};
  }
  return {[self](finished_atom) { self->quit(); },
          [self](crashed_atom) {
            self->quit(caf::make_error(caf::sec::runtime_error, not_an_exception));
          }};
}

caf::behavior task_actor(caf::event_based_actor* self, task_launch l) {
  // What escapes the body (anything but a std::exception, which becomes `Failed`) ends the
  // actor with this reason; the supervisor's monitor records it.
  self->set_exception_handler([](caf::scheduled_actor*, std::exception_ptr&) -> caf::error {
    return caf::make_error(caf::sec::runtime_error, not_an_exception);
  });
  self->attach_functor([census = l.census] {
    if (census)
      census->leave();
  });
  // Aborted while it waited to start (cancel, timeout or shutdown raced the start): the
  // registry has already recorded the end, so the body never runs.
  if (l.control->cancelled())
    return {};
  caf::anon_send(l.registry, started_atom::value, l.id, task_clock::now());
  if (l.route->start)
    return started_elsewhere(self, l);
  if (l.route->blocking)
    return run_on_pool(self, l);
  registry_reporter reporter{l.registry, l.id};
  task_context ctx{l.id, l.input, l.control, reporter, false};
  if (auto out = run_body(l, ctx))
    caf::anon_send(l.registry, finished_atom::value, l.id, std::move(*out));
  return {}; // no behavior: the actor ends here
}

} // namespace

caf::actor spawn_task(caf::local_actor* parent, task_launch launch) {
  if (launch.route->blocking && !launch.route->start && !launch.pool)
    throw std::logic_error("a blocking task body needs the route's pool");
  auto census = launch.census;
  if (census)
    census->enter();
  try {
    return parent->spawn<caf::monitored>(task_actor, std::move(launch));
  } catch (...) {
    if (census) // the actor never ran, so it never leaves by itself
      census->leave();
    throw;
  }
}

} // namespace herald::actors
