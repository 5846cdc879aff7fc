#include "actors/sse_directory.hpp"

#include "net/log.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <caf/all.hpp>
#include <unordered_map>
#include <unordered_set>

namespace herald::actors {

namespace {

struct group_entry {
  sse_group_actor handle;
  /// Messages forwarded to it: a group that says it is idle is stopped only when it has
  /// received all of them, so nothing is ever sent to a group on its way out.
  std::uint64_t forwarded = 0;
  /// What the group says of itself, for `/metrics`.
  std::shared_ptr<sse_group_stats> stats;
  /// A route streams it: it does not count against `max_groups`.
  bool declared = false;
};

/// The counters of groups that stopped, so that the node's totals never go down.
struct retired_counts {
  std::uint64_t published = 0;
  std::uint64_t delivered = 0;
  std::uint64_t dropped = 0;
  std::uint64_t slow_disconnects = 0;
};

struct directory_state {
  sse_settings settings;
  sse_links links;
  /// The task registry (set once, before any group exists).
  task_replay_source_actor registry;
  std::unordered_map<std::string, group_entry> groups;
  std::unordered_set<std::string> declared;
  /// Live groups that no route declared (bounded by `settings.max_groups`).
  std::size_t open_groups = 0;
  /// Groups not created because `open_groups` was at its bound, since start.
  std::uint64_t refused = 0;
  retired_counts retired;
  /// Epochs are microseconds since 1970, strictly increasing: a re-created group, or a
  /// restarted node, never repeats a predecessor's ids.
  std::uint64_t last_epoch = 0;
  static inline const char* name = "sse_directory";
};

using directory_actor = sse_directory_actor::stateful_pointer<directory_state>;

std::uint64_t next_epoch(directory_state& st) {
  auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  st.last_epoch = std::max<std::uint64_t>(st.last_epoch + 1, static_cast<std::uint64_t>(now));
  return st.last_epoch;
}

/// The group named `name`, spawned when missing; counts one more message on its way to it.
/// Null when it is missing, `bounded` and no route declared it, and `max_groups` such groups
/// live: there is no room for it.
const sse_group_actor* group_for(directory_actor self, const std::string& name,
                                 bool bounded = true) {
  auto& st = self->state;
  auto it = st.groups.find(name);
  if (it == st.groups.end()) {
    bool declared = st.declared.contains(name);
    if (bounded && !declared && st.open_groups >= st.settings.max_groups) {
      ++st.refused;
      return nullptr;
    }
    it = st.groups.try_emplace(name).first;
    auto& g = it->second;
    g.declared = declared;
    g.stats = std::make_shared<sse_group_stats>();
    g.handle = spawn_sse_group(self, sse_group_setup{name, next_epoch(st), st.settings, st.links,
                                                     self, st.registry, g.stats});
    if (!declared)
      ++st.open_groups;
    herald::log::debug("sse group ", name, " started");
  }
  ++it->second.forwarded;
  return &it->second.handle;
}

/// Forgets a group that stopped or is stopping; its counters go on in the node's totals.
void forget(directory_state& st, std::unordered_map<std::string, group_entry>::iterator it) {
  const auto& s = *it->second.stats;
  constexpr auto relaxed = std::memory_order_relaxed;
  st.retired.published += s.published.load(relaxed);
  st.retired.delivered += s.delivered.load(relaxed);
  st.retired.dropped += s.dropped.load(relaxed);
  st.retired.slow_disconnects += s.slow_disconnects.load(relaxed);
  if (!it->second.declared)
    --st.open_groups;
  st.groups.erase(it);
}

/// The answer to `sse_stats_atom`: one pass over the live groups' shared figures, and a
/// partial sort for the `top` busiest.
boost::json::value group_stats(const directory_state& st, std::size_t top) {
  constexpr auto relaxed = std::memory_order_relaxed;
  std::uint64_t subscribers = 0, waiting = 0, ring_events = 0, ring_bytes = 0;
  retired_counts counts = st.retired;
  std::vector<std::pair<group_rank, const sse_group_stats*>> ranks;
  ranks.reserve(st.groups.size());
  for (const auto& [name, g] : st.groups) {
    const auto& s = *g.stats;
    group_rank r{name, s.subscribers.load(relaxed), s.published.load(relaxed)};
    subscribers += r.subscribers;
    counts.published += r.published;
    counts.delivered += s.delivered.load(relaxed);
    counts.dropped += s.dropped.load(relaxed);
    counts.slow_disconnects += s.slow_disconnects.load(relaxed);
    waiting += s.waiting.load(relaxed);
    ring_events += s.ring_events.load(relaxed);
    ring_bytes += s.ring_bytes.load(relaxed);
    ranks.emplace_back(r, &s);
  }
  top = std::min(top, ranks.size());
  std::partial_sort(ranks.begin(), ranks.begin() + static_cast<std::ptrdiff_t>(top), ranks.end(),
                    [](const auto& a, const auto& b) { return busier_group(a.first, b.first); });
  boost::json::array list;
  list.reserve(top);
  for (std::size_t i = 0; i < top; ++i) {
    const auto& [r, s] = ranks[i];
    boost::json::object o;
    o["Name"] = r.name;
    o["Subscribers"] = r.subscribers;
    o["Published"] = r.published;
    o["Delivered"] = s->delivered.load(relaxed);
    o["Dropped"] = s->dropped.load(relaxed);
    o["SlowDisconnects"] = s->slow_disconnects.load(relaxed);
    o["Waiting"] = s->waiting.load(relaxed);
    o["Ring"] = {{"Events", s->ring_events.load(relaxed)}, {"Bytes", s->ring_bytes.load(relaxed)}};
    list.push_back(std::move(o));
  }
  boost::json::object out;
  out["Groups"] = st.groups.size();
  out["OpenGroups"] = st.open_groups;
  out["MaxGroups"] = st.settings.max_groups;
  out["Refused"] = st.refused;
  out["Totals"] = {{"Subscribers", subscribers},
                   {"Published", counts.published},
                   {"Delivered", counts.delivered},
                   {"Dropped", counts.dropped},
                   {"SlowDisconnects", counts.slow_disconnects},
                   {"Waiting", waiting},
                   {"RingEvents", ring_events},
                   {"RingBytes", ring_bytes}};
  out["Top"] = std::move(list);
  return out;
}

// -- handlers -----------------------------------------------------------------------------------

void on_publish(directory_actor self, const std::string& group, sse_publication& pub) {
  if (const auto* g = group_for(self, group)) {
    self->send(*g, sse_publish_atom::value, std::move(pub));
    return;
  }
  if (pub.backlog)
    pub.backlog->fetch_sub(1, std::memory_order_relaxed);
  sse_published no_room;
  no_room.no_room = true;
  if (pub.reply)
    pub.reply(no_room);
}

void on_subscribe(directory_actor self, const std::string& group, sse_subscription& sub) {
  if (const auto* g = group_for(self, group))
    self->send(*g, sse_subscribe_atom::value, std::move(sub));
  else
    sub.refuse(sse_refusal::no_room);
}

void on_declare(directory_state& st, const std::string& group) {
  st.declared.insert(group);
  if (auto it = st.groups.find(group); it != st.groups.end() && !it->second.declared) {
    it->second.declared = true;
    --st.open_groups;
  }
}

void on_idle(directory_actor self, const std::string& group, std::uint64_t received) {
  auto& groups = self->state.groups;
  auto it = groups.find(group);
  if (it == groups.end() || it->second.forwarded != received)
    return; // something is on its way to it: it is not idle after all
  herald::log::debug("sse group ", group, " idle, stopped");
  self->demonitor(it->second.handle.address());
  // (A `normal` exit is ignored by CAF's default handler: this one stops it.)
  self->send_exit(it->second.handle, caf::exit_reason::user_shutdown);
  forget(self->state, it);
}

/// At shutdown: every group sends what it holds to its connections before the node ends the
/// streams.
caf::result<bool> on_drain(directory_actor self) {
  auto& groups = self->state.groups;
  if (groups.empty())
    return true;
  auto promise = self->make_response_promise<bool>();
  auto left = std::make_shared<std::size_t>(groups.size());
  auto done = [promise, left]() mutable {
    if (--*left == 0)
      promise.deliver(true);
  };
  for (auto& [name, g] : groups)
    self->request(g.handle, caf::infinite, sse_drain_atom::value)
        .then([done](bool) mutable { done(); }, [done](caf::error&) mutable { done(); });
  return promise;
}

/// Every live group's own account of itself, by name. (Groups are not spawned here: looking
/// must not create.)
caf::result<boost::json::value> on_inspect_all(directory_actor self) {
  auto& groups = self->state.groups;
  auto promise = self->make_response_promise<boost::json::value>();
  struct gathered {
    std::vector<boost::json::value> answers;
    std::size_t left = 0;
  };
  auto g = std::make_shared<gathered>();
  g->left = groups.size();
  auto finish = [promise, g]() mutable {
    boost::json::array out;
    for (auto& a : g->answers)
      if (a.is_object())
        out.push_back(std::move(a));
    std::sort(out.begin(), out.end(), [](const boost::json::value& a, const boost::json::value& b) {
      return a.at("Name").as_string() < b.at("Name").as_string();
    });
    promise.deliver(boost::json::value(std::move(out)));
  };
  if (groups.empty()) {
    finish();
    return promise;
  }
  for (auto& [name, entry] : groups)
    self->request(entry.handle, caf::infinite, inspect_atom::value, false)
        .then(
            [g, finish](boost::json::value& v) mutable {
              g->answers.push_back(std::move(v));
              if (--g->left == 0)
                finish();
            },
            [g, finish](caf::error&) mutable {
              if (--g->left == 0)
                finish();
            });
  return promise;
}

/// The group answers the asker itself, with its subscribers; null when none lives. (Through a
/// promise: a `caf::result` made from a JSON value would wrap it in an array.)
caf::result<boost::json::value> on_inspect_one(directory_actor self, const std::string& name) {
  auto promise = self->make_response_promise<boost::json::value>();
  auto it = self->state.groups.find(name);
  if (it == self->state.groups.end())
    promise.deliver(boost::json::value{});
  else
    promise.delegate(it->second.handle, inspect_atom::value, true);
  return promise;
}

void on_down(directory_actor self, caf::down_msg& dm) {
  auto& groups = self->state.groups;
  for (auto it = groups.begin(); it != groups.end(); ++it)
    if (it->second.handle.address() == dm.source) {
      if (dm.reason && dm.reason != caf::exit_reason::normal)
        herald::log::error("sse group ", it->first, " stopped: ", caf::to_string(dm.reason));
      forget(self->state, it);
      return;
    }
}

sse_directory_actor::behavior_type sse_directory(directory_actor self, sse_settings settings,
                                                 sse_links links) {
  self->state.settings = settings;
  self->state.links = std::move(links);
  self->set_default_handler(caf::print_and_drop);
  self->set_down_handler([self](caf::down_msg& dm) { on_down(self, dm); });
  self->set_exit_handler([self](caf::exit_msg& em) {
    for (auto& [name, g] : self->state.groups)
      self->send_exit(g.handle, em.reason);
    self->quit(em.reason);
  });
  return {
      [self](sse_publish_atom, const std::string& group, sse_publication& pub) {
        on_publish(self, group, pub);
      },
      [self](sse_task_atom a, const std::string& group, task_publication& pub) {
        self->send(*group_for(self, group, false), a, std::move(pub));
      },
      [self](sse_subscribe_atom, const std::string& group, sse_subscription& sub) {
        on_subscribe(self, group, sub);
      },
      [self](sse_replay_atom a, const std::string& group, std::uint64_t subscriber,
             task_replay& log) {
        self->send(*group_for(self, group, false), a, subscriber, std::move(log));
      },
      [self](sse_idle_atom, const std::string& group, std::uint64_t received) {
        on_idle(self, group, received);
      },
      [self](sse_declare_atom, const std::string& group) { on_declare(self->state, group); },
      [self](caf::put_atom, task_replay_source_actor registry) {
        // Sent once by the registry as it starts, before any of its events.
        self->state.registry = std::move(registry);
      },
      [self](sse_drain_atom) { return on_drain(self); },
      [self](sse_stats_atom, std::uint64_t top) {
        return group_stats(self->state, static_cast<std::size_t>(top));
      },
      [self](inspect_atom) { return on_inspect_all(self); },
      [self](inspect_atom, const std::string& name) { return on_inspect_one(self, name); },
  };
}

} // namespace

bool busier_group(const group_rank& a, const group_rank& b) noexcept {
  if (a.subscribers != b.subscribers)
    return a.subscribers > b.subscribers;
  if (a.published != b.published)
    return a.published > b.published;
  return a.name < b.name;
}

sse_directory_actor spawn_sse_directory(caf::actor_system& system, sse_settings settings,
                                        sse_links links) {
  return system.spawn(sse_directory, settings, std::move(links));
}

} // namespace herald::actors
