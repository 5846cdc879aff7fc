#include "app/store_writer.hpp"

#include "app/sqlite_store.hpp"
#include "net/log.hpp"

#include <boost/json/object.hpp>
#include <caf/all.hpp>
#include <chrono>
#include <string>
#include <unordered_map>
#include <vector>

namespace herald::app {

namespace {

using actors::task_record;
using actors::task_stream_event;

struct writer_state {
  std::shared_ptr<sqlite_store> db;
  std::shared_ptr<actors::store_health> health;
  actors::store_ack_actor registry;
  std::vector<actors::store_change> batch;
  std::uint64_t last_ticket = 0;
  bool flush_due = false;
  /// When a failure was last logged: a store that stays full fails every batch, and one line
  /// per batch would flood the log.
  std::chrono::steady_clock::time_point logged{};
  std::uint64_t unlogged = 0;
  std::chrono::steady_clock::time_point recovered{};
  std::chrono::steady_clock::time_point measured{};
  static inline const char* name = "store_writer";
};

using writer_actor = actors::task_store_actor::stateful_pointer<writer_state>;

/// Queues the registry's changes; the first of a batch asks for the flush, which comes after
/// every message already waiting (so those join the transaction).
void add(writer_actor self, std::uint64_t ticket, std::vector<actors::store_change>& changes) {
  auto& st = self->state;
  if (st.batch.empty())
    st.batch = std::move(changes);
  else
    st.batch.insert(st.batch.end(), std::make_move_iterator(changes.begin()),
                    std::make_move_iterator(changes.end()));
  st.last_ticket = ticket;
  if (!st.flush_due) {
    st.flush_due = true;
    self->send(self, caf::flush_atom::value);
  }
}

/// Writes the batch in one transaction. Within it only the last record of a task is written,
/// and nothing of a task forgotten later in it: a task that came and went inside one batch
/// costs nothing.
void flush(writer_actor self) {
  auto& st = self->state;
  st.flush_due = false;
  if (st.batch.empty())
    return;
  std::unordered_map<std::uint64_t, std::size_t> last_put;
  std::unordered_map<std::uint64_t, std::size_t> forgotten_at;
  for (std::size_t i = 0; i < st.batch.size(); ++i) {
    const auto& c = st.batch[i];
    if (std::holds_alternative<task_record>(c.what))
      last_put[c.row] = i;
    else if (std::holds_alternative<actors::forgotten_task>(c.what))
      forgotten_at[c.row] = i;
  }
  std::uint64_t written = 0;
  bool ok = true;
  try {
    st.db->begin();
    for (std::size_t i = 0; i < st.batch.size(); ++i) {
      const auto& c = st.batch[i];
      if (auto f = forgotten_at.find(c.row); f != forgotten_at.end() && f->second > i)
        continue;
      if (const auto* r = std::get_if<task_record>(&c.what)) {
        if (last_put[c.row] != i)
          continue;
        st.db->put(c.row, *r);
      } else if (const auto* e = std::get_if<task_stream_event>(&c.what)) {
        st.db->event(c.row, *e);
      } else if (const auto* t = std::get_if<actors::trimmed_log>(&c.what)) {
        st.db->trim(c.row, t->up_to);
      } else {
        st.db->forget(c.row, std::get<actors::forgotten_task>(c.what).with_events);
      }
      ++written;
    }
    st.db->commit();
  } catch (const std::exception& e) {
    // A full disk, an I/O error, or a value it could not write: this batch is lost to the
    // store, the node goes on from memory, and the next batch tries again.
    st.db->rollback();
    ok = false;
    st.health->fail(e.what());
    auto now = std::chrono::steady_clock::now();
    ++st.unlogged;
    if (now - st.logged >= std::chrono::seconds{10}) {
      herald::log::error("task store ", st.db->path(), ": ", e.what(), " (", st.unlogged,
                         " batch(es) failed since the last report); serving from memory, "
                         "changes are not kept until it recovers");
      st.logged = now;
      st.unlogged = 0;
    }
  }
  if (ok) {
    auto now = std::chrono::steady_clock::now();
    if (st.health->failing.exchange(false, std::memory_order_relaxed) &&
        now - st.recovered >= std::chrono::seconds{10}) {
      herald::log::warn("task store ", st.db->path(), " writes again");
      st.recovered = now;
    }
    st.health->batches.fetch_add(1, std::memory_order_relaxed);
    st.health->writes.fetch_add(written, std::memory_order_relaxed);
  }
  // The file's size for `/metrics`, at most once a second (two stat calls).
  if (auto now = std::chrono::steady_clock::now(); now - st.measured >= std::chrono::seconds{1}) {
    st.health->file_bytes.store(st.db->file_bytes(), std::memory_order_relaxed);
    st.measured = now;
  }
  st.batch.clear();
  if (st.registry)
    self->send(st.registry, actors::stored_atom::value, st.last_ticket, ok);
}

actors::task_store_actor::behavior_type writer(writer_actor self, std::shared_ptr<sqlite_store> db,
                                               std::shared_ptr<actors::store_health> health) {
  self->state.db = std::move(db);
  self->state.health = std::move(health);
  self->state.health->file_bytes.store(self->state.db->file_bytes(), std::memory_order_relaxed);
  return {
      [self](caf::put_atom, actors::store_ack_actor registry) {
        self->state.registry = std::move(registry);
      },
      [self](actors::store_atom, std::uint64_t ticket, std::vector<actors::store_change>& changes) {
        add(self, ticket, changes);
      },
      [self](caf::flush_atom) { flush(self); },
  };
}

} // namespace

boost::json::value describe_store(const actors::store_health* health, const std::string& path) {
  if (!health)
    return boost::json::object{{"Kind", "memory"}};
  auto n = [](const std::atomic<std::uint64_t>& a) {
    return a.load(std::memory_order_relaxed);
  };
  return boost::json::object{{"Kind", "sqlite"},
                             {"Path", path},
                             {"Failing", health->failing.load(std::memory_order_relaxed)},
                             {"LastError", health->last_error()},
                             {"Batches", n(health->batches)},
                             {"Writes", n(health->writes)},
                             {"Errors", n(health->errors)},
                             {"FileBytes", n(health->file_bytes)}};
}

actors::task_store_actor spawn_store_writer(caf::actor_system& system,
                                            std::shared_ptr<sqlite_store> db,
                                            std::shared_ptr<actors::store_health> health) {
  return system.spawn<caf::detached>(writer, std::move(db), std::move(health));
}

} // namespace herald::app
