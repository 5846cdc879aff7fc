#include "actors/task_registry.hpp"

#include "actors/async_route.hpp"
#include "actors/inspect.hpp"
#include "actors/sse_messages.hpp"
#include "actors/task_control.hpp"
#include "actors/task_ledger.hpp"
#include "actors/task_messages.hpp"
#include "actors/task_query.hpp"
#include "actors/task_stream.hpp"
#include "net/log.hpp"
#include "net/metrics.hpp"

#include <algorithm>
#include <array>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <caf/all.hpp>
#include <cctype>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace herald::actors {

namespace {

using steady = std::chrono::steady_clock;

/// A `?wait=` request held until its task is terminal or its deadline passes.
struct waiter {
  steady::time_point deadline;
  reply_fn reply;
};

struct entry {
  task_record record;
  std::shared_ptr<task_control> control;
  task_owner_actor supervisor;
  std::vector<waiter> waiters;
  /// The task's stream: progress, custom events and the terminal event, numbered from 1;
  /// the last `event_log_limit` of them, each with what it costs (see `event_bytes`).
  std::vector<std::pair<task_stream_event, std::size_t>> log;
  std::size_t log_bytes = 0;
  /// What the task weighs (see `task_ledger`): its request while its body may read it, its
  /// record's variable parts, its log, and the fixed part; the sum is kept in the ledger.
  std::size_t input_bytes = 0;
  std::size_t record_bytes = 0;
  std::size_t weight = 0;
  std::uint64_t last_seq = 0;
  /// Its row in the store (see `task_store_actor`).
  std::uint64_t row = 0;
  /// The progress value last published (published again only when it changes).
  std::optional<boost::json::value> published_progress;
  /// Where the task sits in `expiries` (while unfinished and with a timeout).
  std::optional<std::multimap<std::chrono::steady_clock::time_point, const std::string*>::iterator>
      expiry;
};

/// The tasks by id. The indexes below point at its nodes (which stay where they are while the
/// task is held) rather than copying each id, which would cost every queued task about 100
/// bytes; a task leaves every index before it leaves this map.
using task_map = std::unordered_map<std::string, entry>;

/// What the registry counts per route, since start (for `/metrics` and the admin API).
struct route_totals {
  /// Tasks held now, by state (kept on every transition, so reading them costs nothing).
  std::array<std::uint64_t, 5> held{};
  /// Bytes its held tasks weigh now, and the supervisor's copy of that number.
  std::uint64_t held_bytes = 0;
  std::shared_ptr<std::atomic<std::uint64_t>> gauge;
  std::uint64_t completed = 0;
  std::uint64_t failed = 0;
  std::uint64_t aborted = 0;
  /// From `StartingTime` to `CompletedTime`, of tasks that started.
  net::histogram durations;
};

/// Where a task sits in creation order (ties by id): the order queries answer in.
struct creation_ref {
  task_time at;
  task_map::value_type* task;
};

/// The same place, kept by a query between two slices to resume after it (the task itself may
/// be gone by then).
struct creation_key {
  task_time at;
  std::string id;
};

struct creation_order {
  using is_transparent = void;
  static std::pair<task_time, std::string_view> place(const creation_ref& r) {
    return {r.at, r.task->first};
  }
  static std::pair<task_time, std::string_view> place(const creation_key& k) {
    return {k.at, k.id};
  }
  template <class A, class B> bool operator()(const A& a, const B& b) const {
    return place(a) < place(b);
  }
};

/// A task a query returns: described when it was read (as it was when it matched), with who to
/// ask for its `QueuePosition` when it was queued.
struct hit {
  boost::json::object object;
  task_owner_actor supervisor; // set for queued tasks only
  std::string id;
};

/// A query in progress. It reads the tasks in creation order, a slice at a time (see
/// `registry_settings::query_slice`), and sends itself a message to go on, so that other
/// messages are handled between slices; it resumes after the last key it read, so every task
/// is read at most once, tasks forgotten meanwhile are skipped, and those created meanwhile
/// are read if they come later in the order.
struct task_walk {
  std::function<bool(const entry&)> wanted;
  std::function<boost::json::object(const entry&)> describe;
  std::function<void(boost::json::array)> done;
  /// Newest first, stopping after `limit` hits; answered in creation order all the same.
  bool newest_first = false;
  std::size_t limit = std::numeric_limits<std::size_t>::max();
  std::optional<creation_key> after;
  std::vector<hit> hits;
};

struct registry_state {
  registry_settings settings;
  /// Where task events are published (tasks of routes with SSE); none when null.
  task_event_sink_actor sse_directory;
  /// Where the callbacks of ended tasks go; none when null.
  callback_sink_actor callbacks;
  std::map<std::string, route_totals> totals;
  task_map tasks;
  /// Every task in `tasks`, in creation order.
  std::set<creation_ref, creation_order> by_creation;
  /// Queries in progress, by number.
  std::map<std::uint64_t, task_walk> walks;
  std::uint64_t last_walk = 0;
  /// Unfinished tasks by `ExpireTime`, on the steady clock (a system clock stepped back must
  /// not delay timeouts).
  std::multimap<steady::time_point, const std::string*> expiries;
  /// The bytes held, and finished tasks by the time they are forgotten.
  task_ledger ledger;
  /// Tasks whose progress ticks by itself.
  std::unordered_set<std::string> time_based;
  /// Tasks with `?wait=` holds.
  std::unordered_set<std::string> waited;
  bool shutting_down = false;
  /// The durable store (none when null), the changes sent to it so far and those it has
  /// written; and what shows a change, held back until the store has written that change (in
  /// order: what is held back runs before anything that comes after it).
  task_store_actor store;
  std::uint64_t issued = 0;
  std::uint64_t written = 0;
  std::uint64_t last_row = 0;
  /// Tasks that started since the last wake-up: their start is written then, unless they end
  /// first (most do: a write saved per task, while a task that runs keeps its `StartingTime`
  /// in the store within a tick).
  std::vector<std::string> unwritten_starts;
  std::deque<std::pair<std::uint64_t, std::function<void()>>> held_back;
  /// Changes not yet sent: they go in one message once the messages already waiting are
  /// handled (one message per change would wake the store's thread for each).
  std::vector<store_change> outbox;
  /// When the earliest housekeeping message already on its way arrives.
  steady::time_point next_wakeup = steady::time_point::max();
  static inline const char* name = "task_registry";
};

using registry_actor = task_registry_actor::stateful_base<registry_state>;

/// Runs `f` once the store has written every change sent to it so far: at once without a
/// store, or when it is up to date (so the in-memory node pays nothing for this).
template <class F> void when_written(registry_state& st, F&& f) {
  if (st.written == st.issued)
    f();
  else
    st.held_back.emplace_back(st.issued, std::function<void()>(std::forward<F>(f)));
}

/// `value` as the answer to the message being handled, once the store has written every
/// change sent so far (at once when it is up to date).
template <class T> caf::result<T> answer_when_written(registry_actor* self, T value) {
  auto& st = self->state;
  if (st.written == st.issued)
    return value;
  auto promise = self->make_response_promise<T>();
  when_written(st, [promise, value]() mutable { promise.deliver(value); });
  return promise;
}

/// Numbers a change for the store and queues it; the first of a batch asks for the flush,
/// which comes after every message already waiting.
template <class Change> void stage(registry_actor* self, std::uint64_t row, Change&& change) {
  auto& st = self->state;
  ++st.issued;
  st.outbox.push_back(store_change{row, std::forward<Change>(change)});
  if (st.outbox.size() == 1)
    self->send(self, caf::flush_atom::value);
}

void flush_outbox(registry_actor* self) {
  auto& st = self->state;
  if (st.outbox.empty() || !st.store)
    return;
  self->send(st.store, store_atom::value, st.issued, std::move(st.outbox));
  st.outbox = {};
}

/// Sends the task's record, as it is now, to the store.
void store_record(registry_actor* self, const entry& e) {
  if (self->state.store)
    stage(self, e.row, e.record);
}

/// The store wrote every change up to `ticket`: what was held back for them goes out.
void on_stored(registry_actor* self, std::uint64_t ticket) {
  auto& st = self->state;
  st.written = std::max(st.written, ticket);
  while (!st.held_back.empty() && st.held_back.front().first <= st.written) {
    auto run = std::move(st.held_back.front().second);
    st.held_back.pop_front();
    run();
  }
}

std::size_t index_of(task_state s) {
  return static_cast<std::size_t>(s);
}

/// Moves a task to state `to`, keeping its route's count of held tasks by state.
void set_state(registry_state& st, task_record& r, task_state to) {
  auto& held = st.totals[r.route_id].held;
  --held[index_of(r.state)];
  ++held[index_of(to)];
  r.state = to;
}

/// Sets what the task weighs, in the ledger and in its route's total (and the supervisor's
/// copy of that): O(1).
void set_weight(registry_state& st, entry& e, std::size_t weight) {
  st.ledger.reweigh(e.weight, weight);
  auto& route = st.totals[e.record.route_id];
  route.held_bytes = route.held_bytes - e.weight + weight;
  if (route.gauge)
    route.gauge->store(route.held_bytes, std::memory_order_relaxed);
  e.weight = weight;
}

/// Brings the task's weight up to date after a change of its parts: O(1).
void reweigh(registry_state& st, entry& e) {
  set_weight(st, e, task_overhead_bytes + e.input_bytes + e.record_bytes + e.log_bytes);
}

/// Forgets a finished task (the caller takes it out of the ledger's retention order).
void forget_task(registry_actor* self, task_map::iterator it) {
  auto& st = self->state;
  if (st.store)
    stage(self, it->second.row, forgotten_task{it->second.record.sse.has_value()});
  set_weight(st, it->second, 0);
  --st.totals[it->second.record.route_id].held[index_of(it->second.record.state)];
  st.by_creation.erase(creation_ref{it->second.record.creation, &*it});
  st.tasks.erase(it);
}

/// Forgets the oldest finished tasks while more than `max_retained` are kept or `incoming`
/// more bytes would pass `max_held_bytes`; never `keep`. Each step is O(log n) and forgets a
/// task, so this stays cheap however often it is called.
void make_room(registry_actor* self, std::size_t incoming, std::string_view keep) {
  auto& st = self->state;
  for (auto oldest = st.ledger.next_to_forget(incoming, keep); oldest != st.ledger.retained().end();
       oldest = st.ledger.next_to_forget(incoming, keep)) {
    if (auto it = st.tasks.find(oldest->second.id); it != st.tasks.end())
      forget_task(self, it);
    st.ledger.release(oldest);
  }
}

task_reply error_reply(task_error e, std::string id) {
  return task_reply{e, std::move(id), {}};
}

/// Adds an event to the task's stream: numbered, kept in its log (the oldest half dropped at
/// once past a bound: amortised O(1); the terminal event is always last, so always kept) and
/// sent to its SSE group.
void publish(registry_actor* self, entry& e, task_stream_kind kind, std::string type,
             boost::json::value data) {
  auto& st = self->state;
  task_stream_event ev{++e.last_seq, kind, std::move(type), std::move(data)};
  auto limit = std::max<std::size_t>(st.settings.event_log_limit, 2);
  auto size = event_bytes(ev);
  // Only the streams of tasks with SSE are replayed, so only theirs are stored.
  const bool stored = st.store && e.record.sse;
  if (!e.log.empty() &&
      (e.log.size() >= limit || e.log_bytes + size > st.settings.event_log_bytes)) {
    auto drop = std::max<std::size_t>(e.log.size() / 2, 1);
    for (std::size_t i = 0; i < drop; ++i)
      e.log_bytes -= e.log[i].second;
    if (stored)
      stage(self, e.row, trimmed_log{e.log[drop - 1].first.seq});
    e.log.erase(e.log.begin(), e.log.begin() + static_cast<std::ptrdiff_t>(drop));
  }
  e.log_bytes += size;
  e.log.emplace_back(ev, size);
  if (stored)
    stage(self, e.row, ev);
  reweigh(st, e);
  // A growing log of a live task may need room: finished tasks make it.
  make_room(self, 0, e.record.id);
  if (e.record.sse && st.sse_directory)
    when_written(st, [dir = st.sse_directory, group = e.record.sse->group,
                      pub = task_publication{e.record.id, std::move(ev)}]() mutable {
      caf::anon_send(dir, sse_task_atom::value, std::move(group), std::move(pub));
    });
}

/// Publishes the task's progress if it changed since last published.
void publish_progress(registry_actor* self, entry& e) {
  if (!e.record.progress)
    return;
  auto value = progress_value(*e.record.progress);
  if (e.published_progress == value)
    return;
  e.published_progress = value;
  publish(self, e, task_stream_kind::progress, {}, std::move(value));
}

/// Answers with the task object; a queued task's `QueuePosition` comes from its supervisor,
/// which owns the queue (asked per request rather than mirrored here, so it cannot drift).
void answer(registry_actor* self, const entry& e, reply_fn reply) {
  auto out = task_answer(e.record);
  if (e.record.state != task_state::not_started || !e.supervisor) {
    when_written(self->state, [out = std::move(out), reply = std::move(reply)]() mutable {
      reply(std::move(out));
    });
    return;
  }
  when_written(self->state, [self, sup = e.supervisor, out = std::move(out),
                             reply = std::move(reply)]() mutable {
    self->request(sup, caf::infinite, position_atom::value, std::vector<std::string>{out.id})
        .then(
            [out, reply](const std::vector<std::size_t>& positions) mutable {
              if (!positions.empty() && positions.front() != 0)
                out.task->queue_position = positions.front();
              reply(std::move(out));
            },
            [out, reply](caf::error&) mutable { reply(std::move(out)); });
  });
}

void arm_at(registry_actor* self, steady::time_point deadline);

void count_outcome(registry_state& st, const task_record& r) {
  auto& t = st.totals[r.route_id];
  if (r.state == task_state::completed)
    ++t.completed;
  else if (r.state == task_state::failed)
    ++t.failed;
  else
    ++t.aborted;
  if (r.starting && r.completed)
    t.durations.observe(*r.completed - *r.starting);
}

boost::json::value histogram_json(const net::histogram_snapshot& h) {
  boost::json::array bounds;
  boost::json::array cumulative;
  for (auto b : h.bounds)
    bounds.push_back(b);
  for (auto c : h.cumulative)
    cumulative.push_back(c);
  return {{"Bounds", std::move(bounds)},
          {"Cumulative", std::move(cumulative)},
          {"Count", h.count},
          {"Sum", h.sum}};
}

/// Per route: tasks held now by state, outcomes since start and task durations (all kept as
/// they change: a scrape does not walk the tasks).
boost::json::value describe_routes(const registry_state& st) {
  boost::json::object out;
  for (const auto& [id, t] : st.totals) {
    boost::json::object by_state;
    for (auto s : {task_state::not_started, task_state::running, task_state::completed,
                   task_state::failed, task_state::aborted})
      by_state[to_string(s)] = t.held[index_of(s)];
    boost::json::object o;
    o["States"] = std::move(by_state);
    o["Outcomes"] = {{"Completed", t.completed}, {"Failed", t.failed}, {"Aborted", t.aborted}};
    o["Durations"] = histogram_json(t.durations.snapshot());
    o["HeldBytes"] = t.held_bytes;
    out[id] = std::move(o);
  }
  return out;
}

/// A task object for the admin API: with the number of events in its log, or the log itself.
boost::json::object describe_task(const entry& e, bool with_events) {
  auto obj = to_json(e.record);
  obj["EventCount"] = e.log.size();
  obj["LastEventSeq"] = e.last_seq;
  if (with_events) {
    boost::json::array events;
    for (const auto& [ev, bytes] : e.log)
      events.push_back({{"Seq", ev.seq}, {"Event", event_name(ev)}, {"Data", ev.data}});
    obj["Events"] = std::move(events);
  }
  return obj;
}

/// Pode's callback payload for an ended task: `{Url, Method, EventName, State, Result?,
/// Error?}`, plus `Id` and `AsyncRouteId`.
std::string callback_payload(const task_record& r) {
  const auto& opts = *r.pending_callback->options;
  boost::json::object o;
  o["Url"] = r.url;
  std::string method = r.method;
  for (auto& c : method)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  o["Method"] = method;
  o["EventName"] = opts.event_name;
  o["State"] = to_string(r.state);
  if (r.state == task_state::completed && opts.send_result && r.result)
    o["Result"] = *r.result;
  if (r.state != task_state::completed && r.error)
    o["Error"] = *r.error;
  o["Id"] = r.id;
  o["AsyncRouteId"] = r.route_id;
  return boost::json::serialize(o);
}

/// Hands the ended task's callback, if it has one, to the sender; its `CallbackInfo` then
/// follows each attempt.
void send_callback(registry_actor* self, entry& e) {
  auto& r = e.record;
  if (!r.pending_callback)
    return;
  if (!self->state.callbacks) {
    r.callback = std::make_shared<const callback_info>(
        callback_info{r.pending_callback->url, 0, "Refused", "callbacks are off"});
  } else {
    r.callback = std::make_shared<const callback_info>(
        callback_info{r.pending_callback->url, 0, "Running", {}});
    caf::anon_send(
        self->state.callbacks, callback_atom::value,
        callback_job{r.id, r.route_id, r.creation, r.pending_callback, callback_payload(r)});
  }
  // The order has been carried out; what is left of it is `CallbackInfo`.
  r.pending_callback.reset();
}

/// The task reached a terminal state: it leaves the timeout and progress schedules, its
/// waiters get their answer, and its forgetting is scheduled.
void settle(registry_actor* self, entry& e) {
  auto& st = self->state;
  e.record.queue_position.reset();
  count_outcome(st, e.record);
  send_callback(self, e);
  // Written before its terminal event: a client that saw the event finds the state after a
  // restart.
  store_record(self, e);
  publish_progress(self, e);
  const bool with_result = e.record.sse && e.record.sse->send_result;
  std::optional<boost::json::value> result;
  if (with_result && e.record.state == task_state::completed)
    result = e.record.result;
  publish(self, e, task_stream_kind::completed, {},
          completion_data(e.record.id, to_string(e.record.state), result, e.record.error));
  if (e.expiry) {
    st.expiries.erase(*e.expiry);
    e.expiry.reset();
  }
  st.time_based.erase(e.record.id);
  if (!e.waiters.empty()) {
    auto waiters = std::move(e.waiters);
    e.waiters.clear();
    st.waited.erase(e.record.id);
    for (auto& w : waiters)
      answer(self, e, std::move(w.reply));
  }
  // Nothing talks to the body or the supervisor about this task any more; its request goes
  // with its body (the supervisor drops it when the task's actor ends), its outcome stays.
  e.control.reset();
  e.supervisor = nullptr;
  e.input_bytes = 0;
  e.record_bytes = record_bytes(e.record);
  reweigh(st, e);
  // Counted from now, which is CompletedTime give or take a message's trip.
  auto forget = st.ledger.retain(steady::now() + st.settings.retention, e.record.id, e.weight);
  auto forget_time = forget->first;
  bool earliest = forget == st.ledger.retained().begin();
  // Over either bound, the oldest finished tasks go first (the order is completion order);
  // never the task being settled: `e` must stay valid.
  make_room(self, 0, e.record.id);
  if (earliest)
    arm_at(self, forget_time);
}

/// Ends an unfinished task as `Aborted` with `why`: the body is asked to stop, and the
/// supervisor takes it out of its queue or, if it runs, frees its slot (after a grace period
/// when the body does not stop).
void abort_task(registry_actor* self, entry& e, std::string why) {
  if (is_terminal(e.record.state))
    return;
  set_state(self->state, e.record, task_state::aborted);
  e.record.error = std::move(why);
  e.record.completed = task_clock::now();
  e.control->cancel();
  if (e.supervisor)
    self->send(e.supervisor, abort_atom::value, e.record.id);
  settle(self, e);
}

void pull_progress(registry_actor* self, entry& e) {
  auto& st = self->state;
  if (is_terminal(e.record.state) || !e.control)
    return;
  auto value = e.control->take_progress();
  e.record.progress = value;
  publish_progress(self, e);
  if (e.control->time_based() && st.time_based.insert(e.record.id).second &&
      st.time_based.size() == 1)
    arm_at(self, steady::now() + st.settings.tick);
}

void housekeeping(registry_actor* self) {
  auto& st = self->state;
  auto now = steady::now();
  // Timeouts.
  while (!st.expiries.empty() && st.expiries.begin()->first <= now) {
    auto id = *st.expiries.begin()->second;
    auto it = st.tasks.find(id);
    if (it == st.tasks.end()) { // cannot happen: settle() unlinks; keep the schedule sane
      st.expiries.erase(st.expiries.begin());
      continue;
    }
    herald::log::info("task ", id, " timed out");
    abort_task(self, it->second, "Timeout");
  }
  // Starts not yet written, of tasks still running.
  for (const auto& id : st.unwritten_starts)
    if (auto it = st.tasks.find(id);
        it != st.tasks.end() && it->second.record.state == task_state::running)
      store_record(self, it->second);
  st.unwritten_starts.clear();
  // Time-based progress.
  for (auto it = st.time_based.begin(); it != st.time_based.end();) {
    auto t = st.tasks.find(*it);
    if (t == st.tasks.end() || !t->second.control || !t->second.control->time_based()) {
      it = st.time_based.erase(it);
      continue;
    }
    if (t->second.control->auto_tick(now)) {
      t->second.record.progress = t->second.control->take_progress();
      publish_progress(self, t->second);
    }
    ++it;
  }
  // `?wait=` holds that ran out.
  for (auto it = st.waited.begin(); it != st.waited.end();) {
    auto t = st.tasks.find(*it);
    if (t == st.tasks.end()) {
      it = st.waited.erase(it);
      continue;
    }
    auto& ws = t->second.waiters;
    auto expired = std::stable_partition(ws.begin(), ws.end(),
                                         [&](const waiter& w) { return w.deadline > now; });
    std::vector<waiter> due(std::make_move_iterator(expired), std::make_move_iterator(ws.end()));
    ws.erase(expired, ws.end());
    for (auto& w : due)
      answer(self, t->second, std::move(w.reply));
    it = ws.empty() ? st.waited.erase(it) : std::next(it);
  }
  // Retention.
  while (!st.ledger.retained().empty() && st.ledger.retained().begin()->first <= now) {
    auto oldest = st.ledger.retained().begin();
    if (auto it = st.tasks.find(oldest->second.id); it != st.tasks.end())
      forget_task(self, it);
    st.ledger.release(oldest);
  }
}

/// Makes sure a housekeeping wake-up comes by `deadline`: a new timer only when none already
/// due by then is on its way. O(1), so that adding a deadline (a task, a `?wait=`) stays cheap;
/// a wake-up made redundant later just finds nothing to do.
void arm_at(registry_actor* self, steady::time_point deadline) {
  auto& st = self->state;
  auto now = steady::now();
  // Grouped at a tenth of the tick, so that a burst of deadlines costs one wake-up.
  auto slack = st.settings.tick / 10;
  // A wake-up already due by then is coming, even if overdue (it may sit in the mailbox
  // behind this very message): it re-arms for whatever is left.
  if (deadline + slack >= st.next_wakeup)
    return;
  auto due = std::max(deadline - now, steady::duration::zero()) + slack;
  st.next_wakeup = now + due;
  // The wake-up carries its time: the ones it supersedes arrive later, see that they are not
  // the current one, and do nothing, so superseded timers never multiply.
  self->delayed_send(self, due, caf::tick_atom::value,
                     std::int64_t{st.next_wakeup.time_since_epoch().count()});
}

/// After a wake-up: arms the timer for the earliest deadline of all.
void rearm(registry_actor* self) {
  auto& st = self->state;
  // Nothing due: no wake-up at all; whatever adds a deadline arms the timer itself.
  auto due = steady::time_point::max();
  if (!st.time_based.empty() || !st.unwritten_starts.empty())
    due = steady::now() + st.settings.tick;
  if (!st.expiries.empty())
    due = std::min(due, st.expiries.begin()->first);
  if (!st.ledger.retained().empty())
    due = std::min(due, st.ledger.retained().begin()->first);
  for (const auto& id : st.waited)
    if (auto it = st.tasks.find(id); it != st.tasks.end())
      for (const auto& w : it->second.waiters)
        due = std::min(due, w.deadline);
  if (due != steady::time_point::max())
    arm_at(self, due);
}

hit hit_of(const entry& e, boost::json::object object) {
  hit h{std::move(object), {}, {}};
  if (e.record.state == task_state::not_started && e.supervisor) {
    h.supervisor = e.supervisor;
    h.id = e.record.id;
  }
  return h;
}

/// Calls `done` with the objects of `hits`, in order; queued ones get their `QueuePosition`
/// from their supervisors first (one request per supervisor), which own the queues.
void answer_all(registry_actor* self, std::vector<hit> hits,
                std::function<void(boost::json::array)> done) {
  struct gather {
    boost::json::array out;
    std::size_t outstanding = 0;
    std::function<void(boost::json::array)> done;
    void finish() {
      if (outstanding == 0)
        done(std::move(out));
    }
  };
  auto g = std::make_shared<gather>();
  g->done = std::move(done);
  g->out.reserve(hits.size());
  std::map<task_owner_actor, std::vector<std::pair<std::size_t, std::string>>> queued;
  for (auto& h : hits) {
    if (h.supervisor)
      queued[h.supervisor].emplace_back(g->out.size(), std::move(h.id));
    g->out.push_back(std::move(h.object));
  }
  g->outstanding = queued.size();
  for (auto& [sup, items] : queued) {
    std::vector<std::string> ids;
    ids.reserve(items.size());
    for (auto& [index, id] : items)
      ids.push_back(id);
    self->request(sup, caf::infinite, position_atom::value, std::move(ids))
        .then(
            // (An init-capture: clang before 16 cannot capture a structured binding.)
            [g, items = items](const std::vector<std::size_t>& positions) {
              for (std::size_t i = 0; i < items.size() && i < positions.size(); ++i)
                if (positions[i] != 0)
                  g->out[items[i].first].as_object()["QueuePosition"] = positions[i];
              --g->outstanding;
              g->finish();
            },
            [g](caf::error&) {
              --g->outstanding;
              g->finish();
            });
  }
  g->finish();
}

/// Reads tasks for `w` from `it` until `deadline` (one task at least); false once there is
/// nothing left to read.
template <class Iterator>
bool read_slice(task_walk& w, Iterator it, Iterator end, steady::time_point deadline) {
  while (it != end && w.hits.size() < w.limit) {
    const creation_ref& ref = *it++;
    const entry& e = ref.task->second;
    if (w.wanted(e))
      w.hits.push_back(hit_of(e, w.describe(e)));
    if (steady::now() >= deadline) {
      w.after = creation_key{ref.at, ref.task->first};
      return it != end && w.hits.size() < w.limit;
    }
  }
  return false;
}

/// Runs one slice of query `id`; then either sends itself the next one, behind the messages
/// already waiting and after the other actors had their turn, or answers.
void walk_step(registry_actor* self, std::uint64_t id) {
  auto& st = self->state;
  auto found = st.walks.find(id);
  if (found == st.walks.end())
    return;
  auto& w = found->second;
  auto deadline = steady::now() + st.settings.query_slice;
  const auto& index = st.by_creation;
  bool more = false;
  if (w.limit == 0) {
    // nothing to read
  } else if (!w.newest_first) {
    auto from = w.after ? index.upper_bound(*w.after) : index.begin();
    more = read_slice(w, from, index.end(), deadline);
  } else {
    auto from = w.after ? std::make_reverse_iterator(index.lower_bound(*w.after)) : index.rbegin();
    more = read_slice(w, from, index.rend(), deadline);
  }
  if (more) {
    // Through the clock rather than straight into the mailbox: the scheduler lets an actor
    // handle messages as long as its mailbox has any, so a message to itself would keep the
    // worker thread (and every other actor on it: supervisors, task actors) until the end.
    // Arriving a moment later, it lets the registry give the thread back in between.
    self->delayed_send(self, std::chrono::microseconds{0}, walk_atom::value, id);
    return;
  }
  auto hits = std::move(w.hits);
  auto done = std::move(w.done);
  if (w.newest_first)
    std::reverse(hits.begin(), hits.end());
  st.walks.erase(found);
  answer_all(self, std::move(hits), std::move(done));
}

/// Starts a query: its first slice at once (a small one is answered without a round trip).
void start_walk(registry_actor* self, task_walk w) {
  auto id = ++self->state.last_walk;
  self->state.walks.emplace(id, std::move(w));
  walk_step(self, id);
}

// -- handlers -----------------------------------------------------------------------------------

caf::result<registration_result> on_register(registry_actor* self, task_registration& reg) {
  auto& st = self->state;
  if (st.shutting_down)
    return registration_result{task_error::shutting_down};
  auto id = reg.record.id;
  if (st.tasks.count(id) != 0)
    return registration_result{task_error::duplicate_id};
  // Room for it: finished tasks go first, oldest first; what unfinished tasks hold
  // cannot be given back, so past that the task is refused and nothing is created
  // (nor is any finished task forgotten for it).
  auto weight = task_overhead_bytes + reg.input_bytes + record_bytes(reg.record);
  if (!st.ledger.could_fit(weight))
    return registration_result{task_error::over_budget};
  make_room(self, weight, {});
  auto& node = *st.tasks.try_emplace(id).first;
  auto& e = node.second;
  e.record = std::move(reg.record);
  e.record.queue_position.reset(); // the supervisor's queue is the one truth
  st.by_creation.insert(creation_ref{e.record.creation, &node});
  auto& totals = st.totals[e.record.route_id];
  ++totals.held[index_of(e.record.state)];
  if (!totals.gauge)
    totals.gauge = std::move(reg.held_bytes);
  e.input_bytes = reg.input_bytes;
  e.record_bytes = record_bytes(e.record);
  reweigh(st, e);
  e.control = std::move(reg.control);
  e.supervisor = std::move(reg.supervisor);
  if (e.record.expire != no_expiry()) {
    auto left = std::chrono::duration_cast<steady::duration>(e.record.expire - task_clock::now());
    e.expiry = st.expiries.emplace(steady::now() + left, &node.first);
    if (e.expiry == st.expiries.begin())
      arm_at(self, e.expiry.value()->first);
  }
  // Registered before it is acknowledged; with a store, written before it is acknowledged.
  e.row = ++st.last_row;
  store_record(self, e);
  return answer_when_written(self, registration_result{});
}

void on_started(registry_actor* self, const std::string& id, caf::timestamp at) {
  auto it = self->state.tasks.find(id);
  if (it == self->state.tasks.end() || it->second.record.state != task_state::not_started)
    return;
  set_state(self->state, it->second.record, task_state::running);
  it->second.record.starting = at;
  auto& st = self->state;
  if (st.store) {
    st.unwritten_starts.push_back(id);
    if (st.unwritten_starts.size() == 1)
      arm_at(self, steady::now() + st.settings.tick);
  }
}

void on_progress(registry_actor* self, const std::string& id) {
  auto it = self->state.tasks.find(id);
  if (it != self->state.tasks.end())
    pull_progress(self, it->second);
}

void on_event(registry_actor* self, const std::string& id, task_event& ev) {
  auto it = self->state.tasks.find(id);
  if (it == self->state.tasks.end() || is_terminal(it->second.record.state))
    return;
  it->second.control->event_taken(); // room for the body's next event
  publish(self, it->second, task_stream_kind::custom, std::move(ev.type), std::move(ev.data));
}

/// Answered through the directory, the path of the task's events, so that the group receives
/// the log in order with them.
void on_replay(registry_actor* self, const std::string& id, std::uint64_t after, std::string& group,
               std::uint64_t subscriber) {
  task_replay out;
  if (auto it = self->state.tasks.find(id); it != self->state.tasks.end()) {
    const auto& e = it->second;
    out.found = true;
    out.route_id = e.record.route_id;
    out.finished = is_terminal(e.record.state);
    out.last_seq = e.last_seq;
    for (const auto& [ev, bytes] : e.log)
      if (ev.seq > after)
        out.events.push_back(ev);
  }
  when_written(self->state, [dir = self->state.sse_directory, group = std::move(group), subscriber,
                             out = std::move(out)]() mutable {
    caf::anon_send(dir, sse_replay_atom::value, std::move(group), subscriber, std::move(out));
  });
}

void on_finished(registry_actor* self, const std::string& id, task_outcome& out) {
  auto it = self->state.tasks.find(id);
  if (it == self->state.tasks.end())
    return;
  auto& e = it->second;
  if (is_terminal(e.record.state)) // aborted meanwhile: the outcome comes too late
    return;
  pull_progress(self, e);
  set_state(self->state, e.record, out.state);
  if (!e.record.starting)
    e.record.starting = out.at;
  e.record.completed = out.at;
  if (out.state == task_state::completed) {
    e.control->complete();
    e.record.progress = e.control->progress();
    if (out.result && !out.result->is_null())
      e.record.result = std::move(out.result);
  } else {
    e.record.error = std::move(out.error);
  }
  settle(self, e);
}

void on_crashed(registry_actor* self, const std::string& id, const std::string& reason) {
  auto it = self->state.tasks.find(id);
  if (it == self->state.tasks.end() || is_terminal(it->second.record.state))
    return;
  auto& e = it->second;
  set_state(self->state, e.record, task_state::failed);
  e.record.error = reason;
  e.record.completed = task_clock::now();
  settle(self, e);
}

void on_lookup(registry_actor* self, task_lookup& q) {
  auto& st = self->state;
  auto it = st.tasks.find(q.id);
  if (it == st.tasks.end()) {
    q.reply(error_reply(task_error::not_found, q.id));
    return;
  }
  auto& e = it->second;
  if (!may_read(e.record, q.caller.get())) {
    q.reply(error_reply(task_error::forbidden, q.id));
    return;
  }
  if (!q.describe) {
    q.reply(task_reply{std::nullopt, q.id, {}});
    return;
  }
  if (q.wait.count() <= 0 || is_terminal(e.record.state) || st.shutting_down) {
    answer(self, e, std::move(q.reply));
    return;
  }
  e.waiters.push_back(waiter{steady::now() + q.wait, std::move(q.reply)});
  st.waited.insert(q.id);
  arm_at(self, e.waiters.back().deadline);
}

void on_cancel(registry_actor* self, task_cancel& c) {
  auto it = self->state.tasks.find(c.id);
  if (it == self->state.tasks.end())
    return c.reply(error_reply(task_error::not_found, c.id));
  auto& e = it->second;
  // Whether it exists is no secret to someone who may not cancel it, but what it is may be.
  if (!may_write(e.record, c.caller.get()))
    return c.reply(error_reply(task_error::forbidden, c.id));
  if (is_terminal(e.record.state))
    return c.reply(error_reply(task_error::finished, c.id));
  if (!e.record.cancellable)
    return c.reply(error_reply(task_error::not_cancellable, c.id));
  abort_task(self, e, "Aborted by the user");
  when_written(self->state, [reply = std::move(c.reply), out = task_answer(e.record)]() mutable {
    reply(std::move(out));
  });
}

void on_search(registry_actor* self, task_search& s) {
  task_walk w;
  // The permission first: the filter never sees (nor times) a task the caller may not read.
  w.wanted = [filter = std::move(s.filter), caller = std::move(s.caller)](const entry& e) {
    return may_read(e.record, caller.get()) && filter->matches(e.record);
  };
  w.describe = [](const entry& e) {
    return to_json(e.record);
  };
  w.done = [self, reply = std::move(s.reply)](boost::json::array out) {
    when_written(self->state, [reply, out = std::move(out)]() mutable {
      reply(task_reply{std::nullopt, {}, std::move(out)});
    });
  };
  start_walk(self, std::move(w));
}

/// Tasks in creation order, the newest `limit` of those that match. `route` is a route id
/// (`[POST]/path`) or a path; an empty filter matches everything.
caf::result<boost::json::value> on_inspect_tasks(registry_actor* self, const std::string& state,
                                                 const std::string& route, std::uint64_t limit) {
  auto wanted = state.empty() ? std::nullopt : parse_task_state(state);
  auto promise = self->make_response_promise<boost::json::value>();
  task_walk w;
  w.wanted = [wanted, route](const entry& e) {
    return (!wanted || e.record.state == *wanted) &&
           (route.empty() || e.record.route_id == route || e.record.url == route);
  };
  w.describe = [](const entry& e) {
    return describe_task(e, false);
  };
  w.done = [promise](boost::json::array out) mutable {
    promise.deliver(boost::json::value(std::move(out)));
  };
  w.newest_first = true;
  w.limit = static_cast<std::size_t>(limit);
  start_walk(self, std::move(w));
  return promise;
}

caf::result<boost::json::value> on_inspect_task(registry_actor* self, const std::string& id) {
  // (Through the promise also when absent: `caf::result<json::value>` would brace-initialise
  // the value, which makes it a one-element array.)
  auto promise = self->make_response_promise<boost::json::value>();
  auto it = self->state.tasks.find(id);
  if (it == self->state.tasks.end()) {
    promise.deliver(boost::json::value{});
    return promise;
  }
  answer_all(
      self, {hit_of(it->second, describe_task(it->second, true))},
      [promise](boost::json::array out) mutable { promise.deliver(std::move(out.front())); });
  return promise;
}

void on_callback(registry_actor* self, const std::string& id, callback_info& info) {
  auto it = self->state.tasks.find(id);
  if (it == self->state.tasks.end())
    return; // forgotten meanwhile: its callback goes on without it
  auto& e = it->second;
  e.record.callback = std::make_shared<const callback_info>(std::move(info));
  store_record(self, e);
  if (is_terminal(e.record.state)) {
    e.record_bytes = record_bytes(e.record);
    reweigh(self->state, e);
  }
}

caf::result<bool> on_shutdown(registry_actor* self) {
  auto& st = self->state;
  st.shutting_down = true;
  for (auto& [id, e] : st.tasks)
    abort_task(self, e, "Aborted by System");
  // Answered (when asked) once every terminal event is on its way to its group, and written.
  return answer_when_written(self, true);
}

/// Takes back the tasks the store held at start. Finished ones are retained for what is left
/// of their retention (forgotten at once when none is); those that had not ended end now as
/// `Aborted` with `restart_error`, their terminal event after what their stream had.
void restore(registry_actor* self, std::vector<restored_task> restored) {
  auto& st = self->state;
  const auto now = task_clock::now();
  std::size_t aborted = 0;
  std::size_t expired = 0;
  for (auto& t : restored) {
    auto [node_it, fresh] = st.tasks.try_emplace(t.record.id);
    if (!fresh)
      continue;
    auto& node = *node_it;
    auto& e = node.second;
    e.row = t.row;
    st.last_row = std::max(st.last_row, t.row);
    e.record = std::move(t.record);
    e.record.queue_position.reset();
    e.record.pending_callback.reset();
    st.by_creation.insert(creation_ref{e.record.creation, &node});
    ++st.totals[e.record.route_id].held[index_of(e.record.state)];
    for (auto& ev : t.log) {
      e.last_seq = std::max(e.last_seq, ev.seq);
      if (ev.kind == task_stream_kind::progress && ev.data.is_number())
        e.published_progress = ev.data;
      auto size = event_bytes(ev);
      e.log_bytes += size;
      e.log.emplace_back(std::move(ev), size);
    }
    e.record_bytes = record_bytes(e.record);
    reweigh(st, e);
    // A callback under way is not sent again: it failed with the node.
    const bool undelivered = e.record.callback && e.record.callback->state == "Running";
    if (undelivered)
      e.record.callback = std::make_shared<const callback_info>(
          callback_info{e.record.callback->url, e.record.callback->tentative, "Failed",
                        "the node restarted before it was delivered"});
    if (!is_terminal(e.record.state)) {
      // Its last progress is the last one its stream carried.
      if (e.published_progress)
        e.record.progress = e.published_progress->to_number<double>();
      set_state(st, e.record, task_state::aborted);
      e.record.error = restart_error;
      e.record.completed = now;
      settle(self, e);
      ++aborted;
      continue;
    }
    if (undelivered)
      store_record(self, e);
    auto ended = e.record.completed.value_or(e.record.creation);
    auto left = std::chrono::duration_cast<steady::duration>(ended + st.settings.retention - now);
    if (left <= steady::duration::zero()) {
      forget_task(self, node_it);
      ++expired;
      continue;
    }
    st.ledger.retain(steady::now() + left, e.record.id, e.weight);
    make_room(self, 0, e.record.id);
  }
  rearm(self);
  if (!restored.empty())
    herald::log::info("store: ", st.tasks.size(), " task(s) taken back, ", aborted,
                      " of them aborted (unfinished when the node stopped), ", expired,
                      " past their retention forgotten");
}

void on_tick(registry_actor* self, std::int64_t stamp) {
  if (stamp != self->state.next_wakeup.time_since_epoch().count())
    return; // superseded by an earlier wake-up
  self->state.next_wakeup = steady::time_point::max();
  housekeeping(self);
  rearm(self);
}

task_registry_actor::behavior_type task_registry(registry_actor* self, registry_settings settings,
                                                 task_event_sink_actor sse_directory,
                                                 callback_sink_actor callbacks,
                                                 registry_store store) {
  self->state.settings = settings;
  self->state.sse_directory = std::move(sse_directory);
  self->state.callbacks = std::move(callbacks);
  self->state.ledger = task_ledger{settings.max_retained, settings.max_held_bytes};
  if (self->state.sse_directory)
    self->send(self->state.sse_directory, caf::put_atom::value,
               caf::actor_cast<task_replay_source_actor>(self));
  if (store.actor) {
    self->state.store = std::move(store.actor);
    // Should the writer ever stop, nothing must wait for it: what was held back goes out and
    // the node goes on from memory.
    self->monitor(self->state.store);
    self->set_down_handler([self](caf::down_msg& down) {
      auto& st = self->state;
      if (!st.store || down.source != st.store.address())
        return;
      herald::log::error("task store stopped (", caf::to_string(down.reason),
                         "); serving from memory");
      st.store = nullptr;
      st.outbox.clear();
      on_stored(self, st.issued);
    });
    self->send(self->state.store, caf::put_atom::value, caf::actor_cast<store_ack_actor>(self));
    restore(self, std::move(store.restored));
  }
  return {
      [self](register_atom, task_registration& reg) { return on_register(self, reg); },
      [self](started_atom, const std::string& id, caf::timestamp at) { on_started(self, id, at); },
      [self](progress_atom, const std::string& id) { on_progress(self, id); },
      [self](event_atom, const std::string& id, task_event& ev) { on_event(self, id, ev); },
      [self](finished_atom, const std::string& id, task_outcome& out) {
        on_finished(self, id, out);
      },
      [self](crashed_atom, const std::string& id, const std::string& reason) {
        on_crashed(self, id, reason);
      },
      [self](stored_atom, std::uint64_t ticket, bool) { on_stored(self, ticket); },
      [self](caf::flush_atom) { flush_outbox(self); },
      [self](callback_atom, const std::string& id, callback_info& info) {
        on_callback(self, id, info);
      },
      [self](caf::get_atom, task_lookup& q) { on_lookup(self, q); },
      [self](caf::delete_atom, task_cancel& c) { on_cancel(self, c); },
      [self](caf::get_atom, task_search& s) { on_search(self, s); },
      [self](sse_replay_atom, const std::string& id, std::uint64_t after, std::string& group,
             std::uint64_t subscriber) { on_replay(self, id, after, group, subscriber); },
      [self](shutdown_atom) { return on_shutdown(self); },
      [self](inspect_atom) -> boost::json::value { return describe_routes(self->state); },
      [self](inspect_atom, const std::string& state, const std::string& route,
             std::uint64_t limit) { return on_inspect_tasks(self, state, route, limit); },
      [self](inspect_atom, const std::string& id) { return on_inspect_task(self, id); },
      [self](walk_atom, std::uint64_t id) { walk_step(self, id); },
      [self](caf::tick_atom, std::int64_t stamp) { on_tick(self, stamp); },
  };
}

} // namespace

task_registry_actor spawn_task_registry(caf::actor_system& system, registry_settings settings,
                                        task_event_sink_actor sse_directory,
                                        callback_sink_actor callbacks, registry_store store) {
  return system.spawn(task_registry, settings, std::move(sse_directory), std::move(callbacks),
                      std::move(store));
}

} // namespace herald::actors
