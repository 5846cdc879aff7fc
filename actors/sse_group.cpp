#include "actors/sse_group.hpp"

#include "actors/replay_ring.hpp"
#include "actors/sse_flow.hpp"
#include "actors/task_stream.hpp"
#include "net/fanout.hpp"
#include "net/log.hpp"
#include "net/session.hpp"
#include "net/sse_frame.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <caf/all.hpp>
#include <deque>
#include <unordered_map>
#include <variant>
#include <vector>

namespace herald::actors {

namespace {

using steady = std::chrono::steady_clock;

struct subscriber {
  sse_subscriber_actor handle;         ///< the connection actor (monitored)
  std::weak_ptr<net::session> session; ///< where its stream's bytes go
  std::string task;                    ///< empty: the whole group
  /// What was sent to it and what its connection wrote (see sse_flow).
  sse_flow::account flow;
  /// A per-task subscriber waits for the task's log from the registry; the task's live
  /// events meanwhile are held here, to go out after the replay.
  bool replaying = false;
  std::vector<task_stream_event> held;
};

/// What the group was spawned with (name, epoch, settings, links, directory, registry,
/// stats), and what it keeps.
struct group_state : sse_group_setup {
  std::uint64_t seq = 0;

  replay_ring ring{0, 0};
  sse_flow flow{0};

  std::unordered_map<std::uint64_t, subscriber> subscribers;
  std::unordered_map<caf::actor_addr, std::uint64_t> by_actor;
  /// Per-task subscribers, by task.
  std::unordered_map<std::string, std::vector<std::uint64_t>> by_task;
  std::uint64_t next_subscriber = 1;
  /// Per-task subscriptions waiting for the task's log.
  std::unordered_map<std::uint64_t, sse_subscription> pending;
  std::size_t group_subscribers = 0;

  /// Frames waiting for the next flush: one batch for the whole group, one per task with
  /// subscribers; tasks whose stream ends with this flush.
  std::string group_batch;
  std::size_t group_batch_events = 0;
  /// When the oldest event waiting in any batch was taken (for the publish-to-write latency).
  steady::time_point batch_since{};
  struct task_batch {
    std::string bytes;
    std::size_t events = 0;
  };
  std::unordered_map<std::string, task_batch> task_batches;
  std::vector<std::string> ending;
  bool flush_scheduled = false;
  net::fanout_channel channel;

  /// Messages received through the directory (it stops an idle group only when it has sent
  /// nothing since the group said it was idle).
  std::uint64_t received = 0;
  steady::time_point last_activity{};
  bool idle_check_armed = false;

  /// Publications and task events waiting while subscribers that keep up slowly catch up
  /// (hub publications among them are bounded by the publishers' backlog).
  std::deque<std::variant<sse_publication, task_publication>> waiting;
  bool stall_check_armed = false;

  /// Since the group started: events numbered, deliveries handed to streams, deliveries not
  /// made because their subscriber was disconnected for lag, and such disconnects.
  std::uint64_t published = 0;
  std::uint64_t delivered = 0;
  std::uint64_t dropped = 0;
  std::uint64_t slow_disconnects = 0;
};

using group_actor = sse_group_actor::stateful_pointer<group_state>;

/// Stores the figures the directory reads for `/metrics` (relaxed: each is a count on its
/// own, read later by another thread).
void store_stats(const group_state& st) {
  auto& s = *st.stats;
  constexpr auto relaxed = std::memory_order_relaxed;
  s.subscribers.store(st.subscribers.size(), relaxed);
  s.published.store(st.published, relaxed);
  s.delivered.store(st.delivered, relaxed);
  s.dropped.store(st.dropped, relaxed);
  s.slow_disconnects.store(st.slow_disconnects, relaxed);
  s.waiting.store(st.waiting.size(), relaxed);
  s.ring_events.store(st.ring.size(), relaxed);
  s.ring_bytes.store(st.ring.bytes(), relaxed);
}

std::string group_id(const group_state& st, std::uint64_t seq) {
  return format_event_id(sse_position{st.epoch, seq});
}

std::string task_event_id(const group_state& st, std::uint64_t seq) {
  return format_event_id(sse_position{st.links.task_epoch, seq});
}

/// Where a per-task stream resumes: after the client's last task event id, or from the start
/// when it has none or one of another epoch (a restarted node).
std::uint64_t task_resume_after(const group_state& st, const std::optional<sse_position>& last) {
  return last && last->epoch == st.links.task_epoch ? last->seq : 0;
}

/// The actor clock's time: the steady clock, or a test's simulated one. (Flow control and
/// idleness go by it; the publish-to-write latency goes by the steady clock, as the I/O
/// threads that finish the measure do.)
steady::time_point clock_now(group_actor self) {
  return self->clock().now();
}

// -- subscribers --------------------------------------------------------------------------------

void arm_idle_check(group_actor self) {
  auto& st = self->state;
  if (st.idle_check_armed || !st.subscribers.empty())
    return;
  st.idle_check_armed = true;
  self->delayed_send(self, st.settings.idle_timeout, sse_idle_atom::value);
}

std::uint64_t add_subscriber(group_actor self, const sse_subscription& sub) {
  auto& st = self->state;
  auto id = st.next_subscriber++;
  subscriber s;
  s.handle = sub.subscriber;
  s.session = sub.session;
  s.task = sub.task_id;
  s.replaying = !sub.task_id.empty();
  st.flow.open(s.flow, clock_now(self));
  s.flow.ack->group = st.name;
  s.flow.ack->task = sub.task_id;
  s.flow.ack->subscriber = id;
  st.subscribers.emplace(id, std::move(s));
  st.by_actor[sub.subscriber.address()] = id;
  if (sub.task_id.empty())
    ++st.group_subscribers;
  else
    st.by_task[sub.task_id].push_back(id);
  self->monitor(sub.subscriber);
  return id;
}

void remove_subscriber(group_actor self, std::uint64_t id) {
  auto& st = self->state;
  auto it = st.subscribers.find(id);
  if (it == st.subscribers.end())
    return;
  auto& s = it->second;
  // The last one holding publishing back is gone: what waits is released by a message, not
  // from here (this runs in the middle of a flush).
  if (st.flow.leave(s.flow) && !st.waiting.empty())
    self->send(self, sse_stall_atom::value);
  if (s.task.empty()) {
    --st.group_subscribers;
  } else if (auto t = st.by_task.find(s.task); t != st.by_task.end()) {
    std::erase(t->second, id);
    if (t->second.empty())
      st.by_task.erase(t);
  }
  self->demonitor(s.handle.address());
  st.by_actor.erase(s.handle.address());
  st.subscribers.erase(it);
  arm_idle_check(self);
}

/// Tells a subscriber that was accepted where to acknowledge its writes.
void attach(group_actor self, std::uint64_t id, const subscriber& s) {
  self->send(s.handle, sse_attach_atom::value, caf::actor_cast<sse_ack_listener_actor>(self), id,
             s.flow.ack);
}

// -- sending ------------------------------------------------------------------------------------

/// Charges a batch of `bytes` to `s`; false, closing its connection, when that puts it too
/// far behind (the caller removes it).
bool charge_or_drop(group_state& st, subscriber& s, std::size_t bytes, steady::time_point now) {
  if (st.flow.charge_or_drop(s.flow, bytes, now))
    return true;
  if (auto session = s.session.lock())
    session->close();
  return false;
}

/// Sends what waits: the group batch to every group subscriber, each task batch to its
/// task's subscribers (ending their streams after it when the task finished). Each batch is
/// one shared buffer and one fan-out job for all its streams.
void flush(group_actor self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  std::vector<std::uint64_t> kicked;
  std::vector<std::uint64_t> ended;
  auto since = st.batch_since;
  st.batch_since = {};
  auto now = clock_now(self);
  if (!st.group_batch.empty()) {
    net::fanout f;
    f.bytes = std::make_shared<const std::string>(std::move(st.group_batch));
    f.published_at = since;
    st.group_batch = {};
    auto events = std::exchange(st.group_batch_events, 0);
    f.targets.reserve(st.group_subscribers);
    for (auto& [id, s] : st.subscribers)
      if (s.task.empty()) {
        if (charge_or_drop(st, s, f.bytes->size(), now)) {
          f.targets.push_back(s.session);
          st.delivered += events;
        } else {
          kicked.push_back(id);
          st.dropped += events;
        }
      }
    st.channel.send(std::move(f));
  }
  for (auto& [task, batch] : st.task_batches) {
    auto t = st.by_task.find(task);
    if (t == st.by_task.end() || batch.bytes.empty())
      continue;
    net::fanout f;
    f.bytes = std::make_shared<const std::string>(std::move(batch.bytes));
    f.published_at = since;
    // The task finished: this batch ends with `pode.close`, and so do its streams.
    f.end_after = std::find(st.ending.begin(), st.ending.end(), task) != st.ending.end();
    for (auto id : t->second) {
      auto& s = st.subscribers.at(id);
      if (s.replaying)
        continue;
      if (!charge_or_drop(st, s, f.bytes->size(), now)) {
        kicked.push_back(id);
        st.dropped += batch.events;
        continue;
      }
      f.targets.push_back(s.session);
      st.delivered += batch.events;
      if (f.end_after)
        ended.push_back(id);
    }
    st.channel.send(std::move(f));
  }
  st.task_batches.clear();
  st.ending.clear();
  st.slow_disconnects += kicked.size();
  for (auto id : kicked) {
    herald::log::info("sse group ", st.name, ": subscriber ", id,
                      " fell too far behind and was disconnected");
    remove_subscriber(self, id);
  }
  for (auto id : ended)
    remove_subscriber(self, id);
}

/// Frames go out in batches: the first event after a flush schedules the next one behind
/// the messages already waiting, so a burst leaves as one fan-out while a lone event leaves
/// at once.
void schedule_flush(group_actor self) {
  auto& st = self->state;
  if (st.flush_scheduled)
    return;
  st.flush_scheduled = true;
  self->send(self, sse_flush_atom::value);
}

/// Whether the batch has grown enough to go out now: a batch must stay well below the
/// subscribers' bound, or a burst would disconnect healthy ones.
bool batch_full(const group_state& st) {
  return st.group_batch.size() >= st.settings.max_lag_bytes / 4;
}

void schedule_after(group_actor self) {
  auto& st = self->state;
  if (!st.group_batch.empty() || !st.task_batches.empty() || !st.ending.empty())
    schedule_flush(self);
  if (st.flow.holding() > 0 && !st.stall_check_armed) {
    st.stall_check_armed = true;
    self->delayed_send(self, sse_flow::ack_window, sse_stall_atom::value);
  }
}

// -- events -------------------------------------------------------------------------------------

/// Adds a framed event to the group batch.
void add_to_batch(group_state& st, const std::string& frame) {
  if (st.batch_since == steady::time_point{})
    st.batch_since = steady::now();
  st.group_batch += frame;
  ++st.group_batch_events;
}

/// The group stream's events a client resuming from `last` missed, then where the stream
/// stands. Without that position a client whose stream dropped before its first event would
/// reconnect without a `Last-Event-ID` and miss what was published while it reconnected.
std::string ring_replay(const group_state& st, const std::optional<sse_position>& last) {
  std::string out;
  // A new client starts with what comes next; one of another epoch (a restarted node, a
  // re-created group) saw nothing of ours.
  if (last)
    st.ring.append_after(last->epoch == st.epoch ? last->seq : 0, out);
  // The last frame replayed carries the newest id already (every event is in the ring).
  if (out.empty())
    net::append_sse_position(out, group_id(st, st.seq));
  return out;
}

/// A task event: into the group batch and the ring, and into the task's batch when some of
/// its subscribers are live (held for those still waiting for the task's log).
void handle(group_actor self, task_publication& pub) {
  auto& st = self->state;
  const auto& task_id = pub.task_id;
  const auto& ev = pub.event;
  auto seq = ++st.seq;
  ++st.published;
  std::string frame;
  append_task_event(frame, ev, task_id, stream_form::group, group_id(st, seq));
  if (st.group_subscribers > 0)
    add_to_batch(st, frame);
  st.ring.add(seq, std::move(frame), {});
  auto t = st.by_task.find(task_id);
  if (t == st.by_task.end())
    return;
  bool live = false;
  for (auto id : t->second) {
    auto& s = st.subscribers.at(id);
    if (s.replaying)
      s.held.push_back(ev);
    else
      live = true;
  }
  if (live) {
    auto& batch = st.task_batches[task_id];
    if (st.batch_since == steady::time_point{})
      st.batch_since = steady::now();
    ++batch.events;
    append_task_event(batch.bytes, ev, task_id, stream_form::task, task_event_id(st, ev.seq));
    if (ev.kind == task_stream_kind::completed) {
      append_close_event(batch.bytes, task_event_id(st, ev.seq + 1));
      st.ending.push_back(task_id);
    }
  }
}

/// A hub publication: numbered, framed once, batched, kept in the ring, acknowledged.
void handle(group_actor self, sse_publication& pub) {
  auto& st = self->state;
  if (pub.backlog)
    pub.backlog->fetch_sub(1, std::memory_order_relaxed);
  auto answer = [&pub](sse_published p) {
    if (pub.reply)
      pub.reply(p);
  };
  if (!pub.key.empty())
    if (const auto* e = st.ring.find_key(pub.key))
      return answer({group_id(st, e->seq), st.group_subscribers, true});
  auto seq = ++st.seq;
  ++st.published;
  auto id = group_id(st, seq);
  std::string frame;
  net::append_sse_event(frame, net::sse_event{pub.event, pub.data, id});
  if (st.group_subscribers > 0)
    add_to_batch(st, frame);
  st.ring.add(seq, std::move(frame), std::move(pub.key));
  answer({std::move(id), st.group_subscribers, false});
}

/// Once nobody holds publishing back: handles what waited, in order, batch by batch, until
/// someone falls behind again.
void release_waiting(group_actor self) {
  auto& st = self->state;
  while (st.flow.may_release(st.waiting.size())) {
    auto item = std::move(st.waiting.front());
    st.waiting.pop_front();
    std::visit([self](auto& x) { handle(self, x); }, item);
    if (batch_full(st))
      flush(self);
  }
  schedule_after(self);
}

/// Handles a publication or task event now, or queues it while a subscriber that keeps
/// acknowledging is far behind: publishers wait for slow readers, not for stalled ones.
template <class Item> void take(group_actor self, Item&& item) {
  auto& st = self->state;
  ++st.received;
  st.last_activity = clock_now(self);
  switch (st.flow.on_arrival(st.waiting.size())) {
  case sse_flow::arrival::overflow:
    for (auto& [id, s] : st.subscribers)
      st.flow.release(s.flow);
    st.waiting.emplace_back(std::forward<Item>(item));
    release_waiting(self);
    break;
  case sse_flow::arrival::wait:
    st.waiting.emplace_back(std::forward<Item>(item));
    schedule_after(self);
    break;
  case sse_flow::arrival::now:
    handle(self, item);
    if (batch_full(st))
      flush(self);
    schedule_after(self);
    break;
  }
  store_stats(st);
}

// -- subscriptions ------------------------------------------------------------------------------

/// A per-task subscriber's replay: what the client missed of the task's log (only the newest
/// progress value: a progress value is a state), then what was held meanwhile (newer than the
/// log). Sets `finished` when it ends with `pode.close`.
std::string task_replay_frames(const group_state& st, const sse_subscription& sub,
                               const task_replay& log, std::vector<task_stream_event>& held,
                               bool& finished) {
  std::string replay;
  std::uint64_t last = task_resume_after(st, sub.last);
  auto emit = [&](const task_stream_event& ev) {
    if (ev.seq <= last || finished)
      return;
    last = ev.seq;
    append_task_event(replay, ev, sub.task_id, stream_form::task, task_event_id(st, ev.seq));
    if (ev.kind == task_stream_kind::completed) {
      append_close_event(replay, task_event_id(st, ev.seq + 1));
      finished = true;
    }
  };
  std::optional<std::size_t> newest_progress;
  for (std::size_t i = 0; i < log.events.size(); ++i)
    if (log.events[i].kind == task_stream_kind::progress)
      newest_progress = i;
  for (std::size_t i = 0; i < log.events.size(); ++i)
    if (log.events[i].kind != task_stream_kind::progress || i == newest_progress)
      emit(log.events[i]);
  for (const auto& ev : held)
    emit(ev);
  held.clear();
  return replay;
}

/// A per-task subscriber's log arrived: the client gets what it missed, then live events.
void finish_task_subscription(group_actor self, std::uint64_t id, const sse_subscription& sub,
                              const task_replay& log) {
  auto& st = self->state;
  auto it = st.subscribers.find(id);
  if (it == st.subscribers.end())
    return; // the connection left meanwhile
  if (!log.found || log.route_id != sub.route_id) {
    sub.refuse(sse_refusal::not_found);
    remove_subscriber(self, id);
    return;
  }
  if (log.finished && task_resume_after(st, sub.last) >= log.last_seq) {
    sub.refuse(sse_refusal::finished); // it saw the terminal event: 204, stop reconnecting
    remove_subscriber(self, id);
    return;
  }
  auto& s = it->second;
  bool finished = false;
  auto replay = task_replay_frames(st, sub, log, s.held, finished);
  s.replaying = false;
  sub.accept(sse_acceptance{std::move(replay)});
  attach(self, id, s);
  if (finished) {
    // The replay ended with `pode.close`: end the stream after it.
    st.channel.send(net::fanout{{s.session}, nullptr, true});
    remove_subscriber(self, id);
  }
}

void on_subscribe(group_actor self, sse_subscription& sub) {
  auto& st = self->state;
  ++st.received;
  st.last_activity = clock_now(self);
  // What is waiting goes out first, so that the ring below holds nothing that the next flush
  // would send this subscriber again.
  flush(self);
  auto id = add_subscriber(self, sub);
  if (sub.task_id.empty()) {
    sub.accept(sse_acceptance{ring_replay(st, sub.last)});
    attach(self, id, st.subscribers.at(id));
    store_stats(st);
    return;
  }
  // The subscriber is registered before the log is asked for, and the log comes back the way
  // the task's events come (registry -> directory -> group): an event published before the
  // registry answers arrives before the log and is held, one published after arrives after
  // it; sequence numbers sort out the overlap.
  auto after = task_resume_after(st, sub.last);
  auto task = sub.task_id;
  st.pending.emplace(id, std::move(sub));
  caf::anon_send(st.registry, sse_replay_atom::value, std::move(task), after, st.name, id);
  store_stats(st);
}

void on_replay(group_actor self, std::uint64_t id, const task_replay& log) {
  auto& st = self->state;
  ++st.received;
  auto it = st.pending.find(id);
  if (it == st.pending.end())
    return;
  auto sub = std::move(it->second);
  st.pending.erase(it);
  flush(self);
  finish_task_subscription(self, id, sub, log);
  store_stats(st);
}

// -- flow control -------------------------------------------------------------------------------

/// A subscriber that held publications back has caught up (or nearly).
void on_ack(group_actor self, std::uint64_t id) {
  auto& st = self->state;
  auto it = st.subscribers.find(id);
  if (it == st.subscribers.end())
    return;
  if (st.flow.acknowledged(it->second.flow, clock_now(self)))
    release_waiting(self);
  store_stats(st);
}

/// Subscribers holding publishing back that caught up or stopped acknowledging hold it back
/// no longer.
void on_stall_check(group_actor self) {
  auto& st = self->state;
  st.stall_check_armed = false;
  auto now = clock_now(self);
  for (auto& [id, s] : st.subscribers)
    st.flow.recheck(s.flow, now);
  release_waiting(self);
  store_stats(st);
}

// -- lifetime and inspection --------------------------------------------------------------------

/// Asked by the directory at shutdown: answered once what was waiting is on its way to the
/// connections (the batches are in the sessions' queues, ahead of their farewell).
caf::result<bool> on_drain(group_actor self) {
  flush(self);
  store_stats(self->state);
  auto promise = self->make_response_promise<bool>();
  self->state.channel.after([promise]() mutable { promise.deliver(true); });
  return promise;
}

void on_idle_check(group_actor self) {
  auto& st = self->state;
  st.idle_check_armed = false;
  if (!st.subscribers.empty())
    return;
  if (clock_now(self) - st.last_activity >= st.settings.idle_timeout) {
    self->send(st.directory, sse_idle_atom::value, st.name, st.received);
    // Checked again later, in case the directory sent something meanwhile.
  }
  arm_idle_check(self);
}

/// The group's state for the admin API and `/metrics`; with its subscribers when `detailed`.
boost::json::value describe(group_actor self, bool detailed) {
  auto& st = self->state;
  auto now = clock_now(self);
  boost::json::object out;
  out["Name"] = st.name;
  out["Epoch"] = st.epoch;
  out["LastSeq"] = st.seq;
  out["Subscribers"] = st.subscribers.size();
  out["GroupSubscribers"] = st.group_subscribers;
  out["TaskSubscribers"] = st.subscribers.size() - st.group_subscribers;
  out["Ring"] = {{"Events", st.ring.size()}, {"Bytes", st.ring.bytes()}};
  out["Published"] = st.published;
  out["Delivered"] = st.delivered;
  out["Dropped"] = st.dropped;
  out["SlowDisconnects"] = st.slow_disconnects;
  out["Waiting"] = st.waiting.size();
  out["IdleSeconds"] = std::chrono::duration<double>(now - st.last_activity).count();
  if (!detailed)
    return out;
  boost::json::array list;
  for (auto& [id, s] : st.subscribers) {
    boost::json::object o;
    o["Subscriber"] = id;
    if (auto session = s.session.lock())
      o["Connection"] = session->id();
    else
      o["Connection"] = nullptr;
    o["Task"] = s.task.empty() ? boost::json::value{} : boost::json::value(s.task);
    o["LagBytes"] = st.flow.lag(s.flow, now);
    o["Holding"] = s.flow.holding;
    o["Replaying"] = s.replaying;
    list.push_back(std::move(o));
  }
  std::sort(list.begin(), list.end(), [](const boost::json::value& a, const boost::json::value& b) {
    return a.at("Subscriber").to_number<std::uint64_t>() <
           b.at("Subscriber").to_number<std::uint64_t>();
  });
  out["SubscriberList"] = std::move(list);
  return out;
}

sse_group_actor::behavior_type sse_group(group_actor self, sse_group_setup setup) {
  auto& st = self->state;
  static_cast<sse_group_setup&>(st) = std::move(setup);
  if (!st.stats)
    st.stats = std::make_shared<sse_group_stats>();
  st.ring = replay_ring{st.settings.ring_events, st.settings.ring_bytes};
  st.flow = sse_flow{st.settings.max_lag_bytes};
  st.last_activity = clock_now(self);
  st.channel.measure(st.links.latency);
  // A stray message must never take a group and its subscribers down.
  self->set_default_handler(caf::print_and_drop);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    if (auto it = st.by_actor.find(dm.source); it != st.by_actor.end())
      remove_subscriber(self, it->second);
    store_stats(st);
  });
  arm_idle_check(self);
  return {
      [self](sse_publish_atom, sse_publication& pub) { take(self, std::move(pub)); },
      [self](sse_task_atom, task_publication& pub) { take(self, std::move(pub)); },
      [self](sse_subscribe_atom, sse_subscription& sub) { on_subscribe(self, sub); },
      [self](sse_replay_atom, std::uint64_t id, const task_replay& log) {
        on_replay(self, id, log);
      },
      [self](sse_ack_atom, std::uint64_t id) { on_ack(self, id); },
      [self](sse_flush_atom) {
        flush(self);
        store_stats(self->state);
      },
      [self](sse_stall_atom) { on_stall_check(self); },
      [self](sse_idle_atom) { on_idle_check(self); },
      [self](sse_drain_atom) { return on_drain(self); },
      [self](inspect_atom, bool detailed) { return describe(self, detailed); },
  };
}

} // namespace

sse_group_actor spawn_sse_group(caf::local_actor* parent, sse_group_setup setup) {
  return parent->spawn<caf::monitored>(sse_group, std::move(setup));
}

} // namespace herald::actors
