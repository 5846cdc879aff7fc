#include "actors/sse_group.hpp"

#include "actors/inspect.hpp"
#include "actors/sse_messages.hpp"
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

/// A subscriber behind by more than half its bound holds publishing back while it keeps
/// acknowledging; one that acknowledged nothing for this long no longer does, and is
/// disconnected once past its bound.
constexpr std::chrono::milliseconds ack_window{500};

/// Publications and task events that may wait for slow subscribers, at most. Hub publishers
/// are held back by their backlog long before; task events are not, so past this the group
/// stops waiting, and subscribers that cannot keep up are dropped at their bound instead.
constexpr std::size_t max_waiting = 10'000;

struct subscriber {
  caf::actor handle;                   ///< the connection actor (monitored)
  std::weak_ptr<net::session> session; ///< where its stream's bytes go
  std::string task;                    ///< empty: the whole group
  /// Bytes of frames sent to it; what its connection wrote is in `ack`.
  std::uint64_t sent = 0;
  std::shared_ptr<sse_ack_state> ack = std::make_shared<sse_ack_state>();
  /// The last `written` value seen and when it last moved: "still acknowledging".
  std::uint64_t seen_written = 0;
  steady::time_point last_progress = steady::now();
  /// Behind by more than half the bound and still acknowledging: publishing waits for it.
  bool holding = false;
  /// A per-task subscriber waits for the task's log from the registry; the task's live
  /// events meanwhile are held here, to go out after the replay.
  bool replaying = false;
  std::vector<task_stream_event> held;
};

/// A framed event of the group stream, kept for resuming clients.
struct ring_entry {
  std::uint64_t seq;
  std::string frame;
  std::string key; ///< the publisher's key, if any
};

struct group_state {
  std::string name;
  std::uint64_t epoch = 0;
  std::uint64_t seq = 0;
  sse_settings settings;
  caf::actor directory;
  std::shared_ptr<sse_group_stats> stats;

  std::deque<ring_entry> ring;
  std::size_t ring_bytes = 0;

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
  steady::time_point last_activity = steady::now();
  bool idle_check_armed = false;

  /// Publications and task events waiting while subscribers that keep up slowly catch up
  /// (hub publications among them are bounded by the publishers' backlog).
  std::deque<std::variant<sse_publication, task_publication>> waiting;
  std::size_t holding = 0;
  bool stall_check_armed = false;

  /// Since the group started: events numbered, deliveries handed to streams, deliveries not
  /// made because their subscriber was disconnected for lag, and such disconnects.
  std::uint64_t published = 0;
  std::uint64_t delivered = 0;
  std::uint64_t dropped = 0;
  std::uint64_t slow_disconnects = 0;
};

using group_actor = caf::stateful_actor<group_state>;

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
  s.ring_bytes.store(st.ring_bytes, relaxed);
}

std::string group_id(const group_state& st, std::uint64_t seq) {
  return format_event_id(sse_position{st.epoch, seq});
}

std::string task_event_id(const group_state& st, std::uint64_t seq) {
  return format_event_id(sse_position{st.settings.task_epoch, seq});
}

/// Where a per-task stream resumes: after the client's last task event id, or from the start
/// when it has none or one of another epoch (a restarted node).
std::uint64_t task_resume_after(const group_state& st, const std::optional<sse_position>& last) {
  return last && last->epoch == st.settings.task_epoch ? last->seq : 0;
}

void arm_idle_check(group_actor* self) {
  auto& st = self->state;
  if (st.idle_check_armed || !st.subscribers.empty())
    return;
  st.idle_check_armed = true;
  self->delayed_send(self, st.settings.idle_timeout, sse_idle_atom::value);
}

void remove_subscriber(group_actor* self, std::uint64_t id) {
  auto& st = self->state;
  auto it = st.subscribers.find(id);
  if (it == st.subscribers.end())
    return;
  auto& s = it->second;
  // The last one holding publishing back is gone: what waits is released by a message, not
  // from here (this runs in the middle of a flush).
  if (s.holding && --st.holding == 0 && !st.waiting.empty())
    self->send(self, sse_stall_atom::value);
  if (s.task.empty()) {
    --st.group_subscribers;
  } else if (auto t = st.by_task.find(s.task); t != st.by_task.end()) {
    std::erase(t->second, id);
    if (t->second.empty())
      st.by_task.erase(t);
  }
  self->demonitor(s.handle);
  st.by_actor.erase(s.handle.address());
  st.subscribers.erase(it);
  arm_idle_check(self);
}

/// Bytes sent to `s` and not yet written to its socket; notes whether its writes progress.
std::uint64_t lag_of(subscriber& s, steady::time_point now) {
  auto written = s.ack->written.load(std::memory_order_acquire);
  if (written != s.seen_written) {
    s.seen_written = written;
    s.last_progress = now;
  }
  return s.sent - written;
}

void stop_holding(group_state& st, subscriber& s) {
  if (!s.holding)
    return;
  s.holding = false;
  s.ack->wake_at.store(0, std::memory_order_release);
  --st.holding;
}

/// Counts a batch of `bytes` as sent to `s`; false, disconnecting it, when that puts it too
/// far behind.
bool admit(group_actor* self, subscriber& s, std::size_t bytes) {
  auto& st = self->state;
  auto now = steady::now();
  s.sent += bytes;
  s.ack->sent.store(s.sent, std::memory_order_relaxed);
  auto lag = lag_of(s, now);
  if (lag > st.settings.max_lag_bytes) {
    if (auto session = s.session.lock())
      session->close();
    return false;
  }
  const auto half = st.settings.max_lag_bytes / 2;
  if (!s.holding && lag > half && now - s.last_progress < ack_window) {
    s.holding = true;
    ++st.holding;
    // The connection sends one message when its writes reach this.
    s.ack->wake_at.store(s.sent - half, std::memory_order_release);
    if (s.sent - s.ack->written.load(std::memory_order_acquire) <= half)
      stop_holding(st, s); // it caught up meanwhile
  }
  return true;
}

/// Sends what waits: the group batch to every group subscriber, each task batch to its
/// task's subscribers (ending their streams after it when the task finished). Each batch is
/// one shared buffer and one fan-out job for all its streams.
void flush(group_actor* self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  std::vector<std::uint64_t> kicked;
  std::vector<std::uint64_t> ended;
  auto since = st.batch_since;
  st.batch_since = {};
  if (!st.group_batch.empty()) {
    net::fanout f;
    f.bytes = std::make_shared<const std::string>(std::move(st.group_batch));
    f.published_at = since;
    st.group_batch = {};
    auto events = std::exchange(st.group_batch_events, 0);
    f.targets.reserve(st.group_subscribers);
    for (auto& [id, s] : st.subscribers)
      if (s.task.empty()) {
        if (admit(self, s, f.bytes->size())) {
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
      if (!admit(self, s, f.bytes->size())) {
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
void schedule_flush(group_actor* self) {
  auto& st = self->state;
  if (st.flush_scheduled)
    return;
  st.flush_scheduled = true;
  self->send(self, sse_flush_atom::value);
}

/// Adds a framed event to the group batch.
void add_to_batch(group_state& st, const std::string& frame) {
  if (st.batch_since == steady::time_point{})
    st.batch_since = steady::now();
  st.group_batch += frame;
  ++st.group_batch_events;
}

void add_to_ring(group_state& st, std::uint64_t seq, std::string frame, std::string key) {
  st.ring_bytes += frame.size();
  st.ring.push_back(ring_entry{seq, std::move(frame), std::move(key)});
  while (!st.ring.empty() &&
         (st.ring.size() > st.settings.ring_events || st.ring_bytes > st.settings.ring_bytes)) {
    st.ring_bytes -= st.ring.front().frame.size();
    st.ring.pop_front();
  }
}

/// The group stream's events a client resuming from `last` missed, then where the stream
/// stands. Without that position a client whose stream dropped before its first event would
/// reconnect without a `Last-Event-ID` and miss what was published while it reconnected.
std::string ring_replay(const group_state& st, const std::optional<sse_position>& last) {
  std::string out;
  // A new client starts with what comes next; one of another epoch (a restarted node, a
  // re-created group) saw nothing of ours.
  if (last) {
    auto after = last->epoch == st.epoch ? last->seq : 0;
    for (const auto& e : st.ring)
      if (e.seq > after)
        out += e.frame;
  }
  // The last frame replayed carries the newest id already (every event is in the ring).
  if (out.empty())
    net::append_sse_position(out, group_id(st, st.seq));
  return out;
}

void on_task_event(group_actor* self, const std::string& task_id, const task_stream_event& ev) {
  auto& st = self->state;
  auto seq = ++st.seq;
  ++st.published;
  std::string frame;
  append_task_event(frame, ev, task_id, stream_form::group, group_id(st, seq));
  if (st.group_subscribers > 0)
    add_to_batch(st, frame);
  add_to_ring(st, seq, std::move(frame), {});
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

std::uint64_t add_subscriber(group_actor* self, const sse_subscription& sub) {
  auto& st = self->state;
  auto id = st.next_subscriber++;
  subscriber s;
  s.handle = sub.subscriber;
  s.session = sub.session;
  s.task = sub.task_id;
  s.replaying = !sub.task_id.empty();
  s.ack->group = st.name;
  s.ack->task = sub.task_id;
  s.ack->subscriber = id;
  st.subscribers.emplace(id, std::move(s));
  st.by_actor[sub.subscriber.address()] = id;
  if (sub.task_id.empty())
    ++st.group_subscribers;
  else
    st.by_task[sub.task_id].push_back(id);
  self->monitor(sub.subscriber);
  return id;
}

/// A per-task subscriber's replay arrived: the client gets what it missed, then what was held
/// meanwhile (newer than the log), then live events.
void finish_task_subscription(group_actor* self, std::uint64_t id, const sse_subscription& sub,
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
  auto after = task_resume_after(st, sub.last);
  if (log.finished && after >= log.last_seq) {
    sub.refuse(sse_refusal::finished); // it saw the terminal event: 204, stop reconnecting
    remove_subscriber(self, id);
    return;
  }
  auto& s = it->second;
  std::string replay;
  bool finished = false;
  std::uint64_t last = after;
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
  // A progress value is a state: only the newest of those replayed is worth sending.
  std::optional<std::size_t> newest_progress;
  for (std::size_t i = 0; i < log.events.size(); ++i)
    if (log.events[i].kind == task_stream_kind::progress)
      newest_progress = i;
  for (std::size_t i = 0; i < log.events.size(); ++i)
    if (log.events[i].kind != task_stream_kind::progress || i == newest_progress)
      emit(log.events[i]);
  for (const auto& ev : s.held)
    emit(ev);
  s.held.clear();
  s.replaying = false;
  sub.accept(sse_acceptance{std::move(replay)});
  self->send(s.handle, sse_attach_atom::value, caf::actor{self}, id, s.ack);
  if (finished) {
    // The replay ended with `pode.close`: end the stream after it.
    st.channel.send(net::fanout{{s.session}, nullptr, true});
    remove_subscriber(self, id);
  }
}

/// A hub publication: numbered, framed once, batched, kept in the ring, acknowledged.
void handle(group_actor* self, sse_publication& pub) {
  auto& st = self->state;
  if (pub.backlog)
    pub.backlog->fetch_sub(1, std::memory_order_relaxed);
  auto answer = [&pub](sse_published p) {
    if (pub.reply)
      pub.reply(p);
  };
  if (!pub.key.empty())
    for (const auto& e : st.ring)
      if (e.key == pub.key)
        return answer({group_id(st, e.seq), st.group_subscribers, true});
  auto seq = ++st.seq;
  ++st.published;
  auto id = group_id(st, seq);
  std::string frame;
  net::append_sse_event(frame, net::sse_event{pub.event, pub.data, id});
  if (st.group_subscribers > 0)
    add_to_batch(st, frame);
  add_to_ring(st, seq, std::move(frame), std::move(pub.key));
  answer({std::move(id), st.group_subscribers, false});
}

void handle(group_actor* self, task_publication& pub) {
  on_task_event(self, pub.task_id, pub.event);
}

/// Whether the batch has grown enough to go out now: a batch must stay well below the
/// subscribers' bound, or a burst would disconnect healthy ones.
bool batch_full(const group_state& st) {
  return st.group_batch.size() >= st.settings.max_lag_bytes / 4;
}

void schedule_after(group_actor* self) {
  auto& st = self->state;
  if (!st.group_batch.empty() || !st.task_batches.empty() || !st.ending.empty())
    schedule_flush(self);
  if (st.holding > 0 && !st.stall_check_armed) {
    st.stall_check_armed = true;
    self->delayed_send(self, ack_window, sse_stall_atom::value);
  }
}

/// Handles a publication or task event now, or queues it while a subscriber that keeps
/// acknowledging is far behind: publishers wait for slow readers, not for stalled ones.
void release_waiting(group_actor* self);

template <class Item> void take(group_actor* self, Item&& item) {
  auto& st = self->state;
  st.last_activity = steady::now();
  if (st.holding > 0 && st.waiting.size() >= max_waiting) {
    for (auto& [id, s] : st.subscribers)
      stop_holding(st, s);
    st.waiting.emplace_back(std::forward<Item>(item));
    release_waiting(self);
    return;
  }
  if (st.holding > 0 || !st.waiting.empty()) {
    st.waiting.emplace_back(std::forward<Item>(item));
  } else {
    handle(self, item);
    if (batch_full(st))
      flush(self);
  }
  schedule_after(self);
}

/// Once nobody holds publishing back: handles what waited, in order, batch by batch, until
/// someone falls behind again.
void release_waiting(group_actor* self) {
  auto& st = self->state;
  while (st.holding == 0 && !st.waiting.empty()) {
    auto item = std::move(st.waiting.front());
    st.waiting.pop_front();
    std::visit([self](auto& x) { handle(self, x); }, item);
    if (batch_full(st))
      flush(self);
  }
  schedule_after(self);
}

/// The group's state for the admin API and `/metrics`; with its subscribers when `detailed`.
boost::json::value describe(group_state& st, bool detailed) {
  boost::json::object out;
  out["Name"] = st.name;
  out["Epoch"] = st.epoch;
  out["LastSeq"] = st.seq;
  out["Subscribers"] = st.subscribers.size();
  out["GroupSubscribers"] = st.group_subscribers;
  out["TaskSubscribers"] = st.subscribers.size() - st.group_subscribers;
  out["Ring"] = {{"Events", st.ring.size()}, {"Bytes", st.ring_bytes}};
  out["Published"] = st.published;
  out["Delivered"] = st.delivered;
  out["Dropped"] = st.dropped;
  out["SlowDisconnects"] = st.slow_disconnects;
  out["Waiting"] = st.waiting.size();
  out["IdleSeconds"] = std::chrono::duration<double>(steady::now() - st.last_activity).count();
  if (detailed) {
    auto now = steady::now();
    boost::json::array list;
    for (auto& [id, s] : st.subscribers) {
      boost::json::object o;
      o["Subscriber"] = id;
      if (auto session = s.session.lock())
        o["Connection"] = session->id();
      else
        o["Connection"] = nullptr;
      o["Task"] = s.task.empty() ? boost::json::value{} : boost::json::value(s.task);
      o["LagBytes"] = lag_of(s, now);
      o["Holding"] = s.holding;
      o["Replaying"] = s.replaying;
      list.push_back(std::move(o));
    }
    std::sort(list.begin(), list.end(),
              [](const boost::json::value& a, const boost::json::value& b) {
                return a.at("Subscriber").to_number<std::uint64_t>() <
                       b.at("Subscriber").to_number<std::uint64_t>();
              });
    out["SubscriberList"] = std::move(list);
  }
  return out;
}

caf::behavior sse_group(group_actor* self, std::string name, std::uint64_t epoch,
                        sse_settings settings, caf::actor directory,
                        std::shared_ptr<sse_group_stats> stats) {
  auto& st = self->state;
  st.name = std::move(name);
  st.epoch = epoch;
  st.settings = std::move(settings);
  st.directory = std::move(directory);
  st.stats = stats ? std::move(stats) : std::make_shared<sse_group_stats>();
  st.channel.measure(st.settings.latency);
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
      [self](sse_publish_atom, sse_publication& pub) {
        ++self->state.received;
        take(self, std::move(pub));
        store_stats(self->state);
      },
      [self](sse_task_atom, task_publication& pub) {
        ++self->state.received;
        take(self, std::move(pub));
        store_stats(self->state);
      },
      [self](sse_subscribe_atom, sse_subscription& sub) {
        auto& st = self->state;
        ++st.received;
        st.last_activity = steady::now();
        // What is waiting goes out first, so that the ring below holds nothing that the
        // next flush would send this subscriber again.
        flush(self);
        auto id = add_subscriber(self, sub);
        if (sub.task_id.empty()) {
          sub.accept(sse_acceptance{ring_replay(st, sub.last)});
          self->send(sub.subscriber, sse_attach_atom::value, caf::actor{self}, id,
                     st.subscribers.at(id).ack);
          store_stats(st);
          return;
        }
        // The subscriber is registered before the log is asked for, and the log comes back
        // the way the task's events come (registry -> directory -> group): an event
        // published before the registry answers arrives before the log and is held, one
        // published after arrives after it; sequence numbers sort out the overlap.
        auto after = task_resume_after(st, sub.last);
        auto task = sub.task_id;
        st.pending.emplace(id, std::move(sub));
        self->send(st.settings.registry, sse_replay_atom::value, std::move(task), after, st.name,
                   id);
        store_stats(st);
      },
      [self](sse_replay_atom, std::uint64_t id, const task_replay& log) {
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
      },
      [self](sse_ack_atom, std::uint64_t id) {
        // A subscriber that held publications back has caught up (or nearly).
        auto& st = self->state;
        auto it = st.subscribers.find(id);
        if (it == st.subscribers.end() || !it->second.holding)
          return;
        auto& s = it->second;
        const auto half = st.settings.max_lag_bytes / 2;
        if (lag_of(s, steady::now()) <= half) {
          stop_holding(st, s);
          release_waiting(self);
        } else {
          s.ack->wake_at.store(s.sent - half, std::memory_order_release);
        }
        store_stats(st);
      },
      [self](sse_stall_atom) {
        auto& st = self->state;
        st.stall_check_armed = false;
        auto now = steady::now();
        const auto half = st.settings.max_lag_bytes / 2;
        for (auto& [id, s] : st.subscribers) {
          if (!s.holding)
            continue;
          auto lag = lag_of(s, now);
          // Caught up; or it stopped acknowledging: it no longer holds anyone back (and is
          // dropped once past its bound).
          if (lag <= half || now - s.last_progress >= ack_window)
            stop_holding(st, s);
        }
        release_waiting(self);
        store_stats(st);
      },
      [self](sse_flush_atom) {
        flush(self);
        store_stats(self->state);
      },
      [self](inspect_atom, bool detailed) -> boost::json::value {
        return describe(self->state, detailed);
      },
      // Asked by the directory at shutdown: answered once what was waiting is on its way to
      // the connections.
      [self](sse_drain_atom) {
        flush(self);
        store_stats(self->state);
        // Answered once the batches are in the sessions' queues, ahead of their farewell.
        auto promise = self->make_response_promise<bool>();
        self->state.channel.after([promise]() mutable { promise.deliver(true); });
        return promise;
      },
      [self](sse_idle_atom) {
        auto& st = self->state;
        st.idle_check_armed = false;
        if (!st.subscribers.empty())
          return;
        auto quiet = steady::now() - st.last_activity;
        if (quiet >= st.settings.idle_timeout) {
          self->send(st.directory, sse_idle_atom::value, st.name, st.received);
          // Checked again later, in case the directory sent something meanwhile.
        }
        arm_idle_check(self);
      },
  };
}

} // namespace

caf::actor spawn_sse_group(caf::local_actor* parent, std::string name, std::uint64_t epoch,
                           const sse_settings& settings, caf::actor directory,
                           std::shared_ptr<sse_group_stats> stats) {
  return parent->spawn<caf::monitored>(sse_group, std::move(name), epoch, settings,
                                       std::move(directory), std::move(stats));
}

} // namespace herald::actors
