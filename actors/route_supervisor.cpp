#include "actors/route_supervisor.hpp"

#include "actors/admission.hpp"
#include "actors/body_pool.hpp"
#include "actors/inspect.hpp"
#include "actors/task_actor.hpp"
#include "actors/task_control.hpp"
#include "actors/task_messages.hpp"
#include "net/log.hpp"

#include <boost/json/object.hpp>
#include <caf/all.hpp>
#include <unordered_map>

namespace herald::actors {

// -- the supervisor -----------------------------------------------------------------------------

namespace {

/// The readable part of an exit reason: its context text when it carries one.
std::string describe(const caf::error& reason) {
  const auto& ctx = reason.context();
  if (ctx.match_elements<std::string>())
    return ctx.get_as<std::string>(0);
  return caf::to_string(reason);
}

/// A task the supervisor holds, from admission until its actor ends.
struct held_task {
  std::shared_ptr<const task_input> input;
  std::shared_ptr<task_control> control;
  bool registered = false; ///< the registry confirmed it: it may start
  bool spawned = false;
  caf::actor_addr actor; ///< once spawned
};

struct supervisor_state {
  std::shared_ptr<const route_spec> route;
  task_registry_actor registry;
  supervisor_settings settings;
  std::shared_ptr<task_census> census;
  std::optional<admission> rule;
  /// The threads of its blocking bodies; null when its bodies do not block.
  std::shared_ptr<body_pool> pool;
  std::unordered_map<std::string, held_task> tasks;
  std::unordered_map<caf::actor_addr, std::string> actors; ///< running task actors
  /// Since start: tasks admitted (to run or to wait), refused for a full queue, and whose
  /// actor died without reporting an outcome.
  std::uint64_t admitted = 0;
  std::uint64_t refused = 0;
  std::uint64_t crashed = 0;
  /// Bytes the registry holds for the route's tasks, kept current by the registry.
  std::shared_ptr<std::atomic<std::uint64_t>> held_bytes =
      std::make_shared<std::atomic<std::uint64_t>>(0);
  static inline const char* name = "route_supervisor";
};

using supervisor_actor = route_supervisor_actor::stateful_base<supervisor_state>;

/// Starts `id`, which the admission rule has just let run. A task not yet confirmed by the
/// registry starts when the confirmation arrives.
void free_slot(supervisor_actor* self, const std::string& id);

void start(supervisor_actor* self, const std::string& id) {
  auto& st = self->state;
  auto it = st.tasks.find(id);
  if (it == st.tasks.end() || !it->second.registered || it->second.spawned)
    return;
  if (it->second.control->cancelled()) {
    // Aborted before it could start (a timeout of 0, a cancel right after the 202): the
    // registry has recorded the end; the slot goes on to the next task.
    st.tasks.erase(it);
    free_slot(self, id);
    return;
  }
  try {
    auto handle = spawn_task(self, task_launch{id, st.route, it->second.input, it->second.control,
                                               st.registry, st.census, st.pool});
    it->second.spawned = true;
    it->second.actor = handle.address();
    st.actors.emplace(handle.address(), id);
  } catch (const std::exception& e) {
    // No thread for it (resource limits): the task fails, the supervisor carries on.
    herald::log::error("task ", id, " of ", st.route->route_id, " could not start: ", e.what());
    self->send(st.registry, crashed_atom::value, id,
               std::string{"The task could not be started: "} + e.what());
    st.tasks.erase(it);
    free_slot(self, id);
  }
}

/// The slot of running task `id` is free: the next queued task (if any) starts.
void free_slot(supervisor_actor* self, const std::string& id) {
  if (auto next = self->state.rule->finish(id))
    start(self, *next);
}

/// Forgets a task that never started (refused by the registry).
void drop(supervisor_actor* self, const std::string& id) {
  auto& st = self->state;
  st.tasks.erase(id);
  if (st.rule->is_running(id))
    free_slot(self, id);
  else
    st.rule->withdraw(id);
}

/// A task actor ended: a death without an outcome makes its task `Failed`; its slot goes on.
void on_down(supervisor_actor* self, const caf::down_msg& dm) {
  auto& st = self->state;
  auto it = st.actors.find(dm.source);
  if (it == st.actors.end())
    return;
  auto id = std::move(it->second);
  st.actors.erase(it);
  // Only if the task held under this id is this actor's: after a released slot the task
  // is already over, and the id may even belong to a newer task by now.
  auto held = st.tasks.find(id);
  if (held == st.tasks.end() || held->second.actor != dm.source)
    return;
  if (dm.reason && dm.reason != caf::exit_reason::normal) {
    auto why = describe(dm.reason);
    herald::log::warn("task ", id, " of ", st.route->route_id, " died: ", why);
    ++st.crashed;
    self->send(st.registry, crashed_atom::value, id,
               "The task's actor terminated unexpectedly: " + why);
  }
  st.tasks.erase(held);
  free_slot(self, id);
}

/// The registry's answer to the registration of `id`: the task is acknowledged (and starts if
/// the admission rule lets it run), or refused and forgotten.
void on_registered(supervisor_actor* self, const std::string& id, const reply_fn& reply,
                   task_record answer, const registration_result& r) {
  if (r.error) {
    drop(self, id);
    task_reply refused{r.error, id, {}};
    if (r.error == task_error::over_budget)
      refused.retry_after = self->state.settings.retry_after;
    reply(std::move(refused));
    return;
  }
  reply(task_answer(std::move(answer)));
  // Aborted already while waiting in the queue: no longer held. (One that was to run at once
  // is skipped by start(), which sees the cancel flag.)
  auto& st = self->state;
  auto it = st.tasks.find(id);
  if (it == st.tasks.end())
    return;
  it->second.registered = true;
  if (st.rule->is_running(id))
    start(self, id);
}

void on_submit(supervisor_actor* self, task_submission& sub) {
  auto& st = self->state;
  auto id = sub.record.id;
  // An id this route still holds is a duplicate the registry would refuse too late: admitting
  // it would mix the two tasks' slots.
  if (st.tasks.count(id) != 0) {
    sub.reply(task_reply{task_error::duplicate_id, id, {}});
    return;
  }
  auto verdict = st.rule->admit(id);
  if (verdict == admission::verdict::full) {
    ++st.refused;
    task_reply refused{task_error::queue_full, id, {}};
    refused.retry_after = st.settings.retry_after;
    sub.reply(std::move(refused));
    return;
  }
  ++st.admitted;
  auto control = std::make_shared<task_control>();
  held_task held;
  held.input = std::move(sub.input);
  held.control = control;
  st.tasks.emplace(id, std::move(held));
  if (verdict == admission::verdict::queued)
    sub.record.queue_position = st.rule->queued();
  // The task is registered before it is acknowledged and before it can start; the answer is
  // the task as it was registered.
  auto answer = sub.record;
  self->request(st.registry, caf::infinite, register_atom::value,
                task_registration{std::move(sub.record), std::move(control), task_owner_actor{self},
                                  sub.input_bytes, st.held_bytes})
      .then(
          [self, id, reply = sub.reply, answer](registration_result& r) mutable {
            on_registered(self, id, reply, std::move(answer), r);
          },
          [self, id, reply = sub.reply](caf::error&) {
            drop(self, id);
            reply(task_reply{task_error::shutting_down, id, {}});
          });
}

void on_abort(supervisor_actor* self, const std::string& id) {
  auto& st = self->state;
  if (st.rule->withdraw(id)) { // it was waiting: it never starts
    st.tasks.erase(id);
    return;
  }
  auto it = st.tasks.find(id);
  if (it == st.tasks.end() || !it->second.spawned)
    return;
  // It runs and has been asked to stop; if its body ignores that, the slot is given back
  // after the grace period anyway.
  self->delayed_send(self, st.settings.cancel_grace, release_atom::value, id);
}

void on_release(supervisor_actor* self, const std::string& id) {
  auto& st = self->state;
  auto it = st.tasks.find(id);
  if (it == st.tasks.end() || !st.rule->is_running(id))
    return; // its actor ended in time
  herald::log::warn("task ", id, " of ", st.route->route_id, " ignored cancellation for ",
                    st.settings.cancel_grace.count(), " ms; its slot is released");
  st.tasks.erase(it);
  free_slot(self, id);
}

boost::json::value describe_route(const supervisor_state& st) {
  const auto& r = *st.route;
  boost::json::object out;
  out["Id"] = r.route_id;
  out["Method"] = r.method;
  out["Path"] = r.path;
  out["MaxConcurrent"] = st.rule->max_concurrent();
  out["MaxQueued"] = st.rule->max_queued();
  out["Running"] = st.rule->running();
  out["Queued"] = st.rule->queued();
  out["Admitted"] = st.admitted;
  out["Refused"] = st.refused;
  out["Crashed"] = st.crashed;
  out["HeldBytes"] = st.held_bytes->load(std::memory_order_relaxed);
  out["Cancellable"] = r.cancellable;
  out["Blocking"] = r.blocking;
  if (st.pool) {
    auto threads = st.pool->snapshot();
    out["Threads"] = {
        {"Alive", threads.threads}, {"Idle", threads.idle}, {"Started", threads.started}};
  }
  if (r.timeout)
    out["Timeout"] = std::chrono::duration<double>(*r.timeout).count();
  else
    out["Timeout"] = nullptr;
  if (r.sse)
    out["Sse"] = {{"Group", r.sse_group}, {"EventsUrl", r.events_pattern}};
  else
    out["Sse"] = nullptr;
  return out;
}

std::vector<std::size_t> positions(const supervisor_state& st,
                                   const std::vector<std::string>& ids) {
  std::vector<std::size_t> out;
  out.reserve(ids.size());
  for (const auto& id : ids)
    out.push_back(st.rule->position(id).value_or(0));
  return out;
}

route_supervisor_actor::behavior_type route_supervisor(supervisor_actor* self,
                                                       std::shared_ptr<const route_spec> route,
                                                       task_registry_actor registry,
                                                       supervisor_settings settings,
                                                       std::shared_ptr<task_census> census) {
  auto& st = self->state;
  st.rule.emplace(route->max_concurrent, route->max_queued);
  if (route->blocking && !route->start)
    st.pool = std::make_shared<body_pool>(route->max_concurrent);
  st.route = std::move(route);
  st.registry = std::move(registry);
  st.settings = settings;
  st.census = std::move(census);
  self->set_down_handler([self](caf::down_msg& dm) { on_down(self, dm); });
  return {
      [self](submit_atom, task_submission& sub) { on_submit(self, sub); },
      [self](abort_atom, const std::string& id) { on_abort(self, id); },
      [self](release_atom, const std::string& id) { on_release(self, id); },
      [self](inspect_atom) { return describe_route(self->state); },
      [self](position_atom, const std::vector<std::string>& ids) {
        return positions(self->state, ids);
      },
  };
}

} // namespace

route_supervisor_actor spawn_route_supervisor(caf::actor_system& system,
                                              std::shared_ptr<const route_spec> route,
                                              task_registry_actor registry,
                                              supervisor_settings settings,
                                              std::shared_ptr<task_census> census) {
  return system.spawn(route_supervisor, std::move(route), std::move(registry), settings,
                      std::move(census));
}

} // namespace herald::actors
