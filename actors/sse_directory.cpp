#include "actors/sse_directory.hpp"

#include "actors/inspect.hpp"
#include "actors/sse_messages.hpp"
#include "net/log.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <caf/all.hpp>
#include <unordered_map>

namespace herald::actors {

namespace {

struct group_entry {
  caf::actor handle;
  /// Messages forwarded to it: a group that says it is idle is stopped only when it has
  /// received all of them, so nothing is ever sent to a group on its way out.
  std::uint64_t forwarded = 0;
};

struct directory_state {
  sse_settings settings;
  std::unordered_map<std::string, group_entry> groups;
  /// Epochs are microseconds since 1970, strictly increasing: a re-created group, or a
  /// restarted node, never repeats a predecessor's ids.
  std::uint64_t last_epoch = 0;
  static inline const char* name = "sse_directory";
};

using directory_actor = caf::stateful_actor<directory_state>;

std::uint64_t next_epoch(directory_state& st) {
  auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  st.last_epoch = std::max<std::uint64_t>(st.last_epoch + 1, static_cast<std::uint64_t>(now));
  return st.last_epoch;
}

/// The group named `name`, spawned when missing; counts one more message on its way to it.
const caf::actor& group_for(directory_actor* self, const std::string& name) {
  auto& st = self->state;
  auto [it, fresh] = st.groups.try_emplace(name);
  if (fresh) {
    it->second.handle = spawn_sse_group(self, name, next_epoch(st), st.settings, caf::actor{self});
    herald::log::debug("sse group ", name, " started");
  }
  ++it->second.forwarded;
  return it->second.handle;
}

caf::behavior sse_directory(directory_actor* self, sse_settings settings) {
  self->state.settings = std::move(settings);
  self->set_default_handler(caf::print_and_drop);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& groups = self->state.groups;
    for (auto it = groups.begin(); it != groups.end(); ++it)
      if (it->second.handle.address() == dm.source) {
        if (dm.reason && dm.reason != caf::exit_reason::normal)
          herald::log::error("sse group ", it->first, " stopped: ", caf::to_string(dm.reason));
        groups.erase(it);
        return;
      }
  });
  self->set_exit_handler([self](caf::exit_msg& em) {
    for (auto& [name, g] : self->state.groups)
      self->send_exit(g.handle, em.reason);
    self->quit(em.reason);
  });
  return {
      [self](sse_publish_atom a, const std::string& group, sse_publication& pub) {
        self->send(group_for(self, group), a, std::move(pub));
      },
      [self](sse_task_atom a, const std::string& group, task_publication& pub) {
        self->send(group_for(self, group), a, std::move(pub));
      },
      [self](sse_subscribe_atom a, const std::string& group, sse_subscription& sub) {
        self->send(group_for(self, group), a, std::move(sub));
      },
      [self](sse_replay_atom a, const std::string& group, std::uint64_t subscriber,
             task_replay& log) {
        self->send(group_for(self, group), a, subscriber, std::move(log));
      },
      [self](sse_drain_atom) -> caf::result<bool> {
        // At shutdown: every group sends what it holds to its connections before the node
        // ends the streams.
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
      },
      [self](inspect_atom) -> caf::result<boost::json::value> {
        // Every live group's own account of itself, by name. (Groups are not spawned here:
        // looking must not create.)
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
          std::sort(out.begin(), out.end(),
                    [](const boost::json::value& a, const boost::json::value& b) {
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
      },
      [self](inspect_atom, const std::string& name) {
        // The group answers the asker itself, with its subscribers; null when none lives.
        auto promise = self->make_response_promise();
        auto it = self->state.groups.find(name);
        if (it == self->state.groups.end())
          promise.deliver(boost::json::value{});
        else
          promise.delegate(it->second.handle, inspect_atom::value, true);
      },
      [self](caf::put_atom, caf::actor registry) {
        // Set once by the node right after spawning, before any group exists.
        self->state.settings.registry = std::move(registry);
      },
      [self](sse_idle_atom, const std::string& group, std::uint64_t received) {
        auto& groups = self->state.groups;
        auto it = groups.find(group);
        if (it == groups.end() || it->second.forwarded != received)
          return; // something is on its way to it: it is not idle after all
        herald::log::debug("sse group ", group, " idle, stopped");
        self->demonitor(it->second.handle);
        // (A `normal` exit is ignored by CAF's default handler: this one stops it.)
        self->send_exit(it->second.handle, caf::exit_reason::user_shutdown);
        groups.erase(it);
      },
  };
}

} // namespace

caf::actor spawn_sse_directory(caf::actor_system& system, sse_settings settings) {
  return system.spawn(sse_directory, std::move(settings));
}

} // namespace herald::actors
