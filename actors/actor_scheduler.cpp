#include "actors/actor_scheduler.hpp"

#include <atomic>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/detail/thread_safe_actor_clock.hpp>
#include <caf/policy/work_sharing.hpp>
#include <caf/scheduler/coordinator.hpp>
#include <mutex>
#include <unordered_set>

namespace herald::actors {

namespace {

using caf::detail::thread_safe_actor_clock;

/// Forwards to the coordinator's own clock (whose thread does the work); only
/// `cancel_timeouts` is filtered. Derives from the clock type because the coordinator's
/// `clock()` is declared to return one; its own queue and state stay unused.
class quiet_end_clock final : public thread_safe_actor_clock {
 public:
  explicit quiet_end_clock(thread_safe_actor_clock& real) : real_(real) {}

  void set_ordinary_timeout(time_point t, caf::abstract_actor* self, caf::atom_value type,
                            std::uint64_t id) override {
    note(self);
    real_.set_ordinary_timeout(t, self, type, id);
  }

  void set_request_timeout(time_point t, caf::abstract_actor* self, caf::message_id id) override {
    note(self);
    real_.set_request_timeout(t, self, id);
  }

  void set_multi_timeout(time_point t, caf::abstract_actor* self, caf::atom_value type,
                         std::uint64_t id) override {
    note(self);
    real_.set_multi_timeout(t, self, type, id);
  }

  void cancel_ordinary_timeout(caf::abstract_actor* self, caf::atom_value type) override {
    real_.cancel_ordinary_timeout(self, type);
  }

  void cancel_request_timeout(caf::abstract_actor* self, caf::message_id id) override {
    real_.cancel_request_timeout(self, id);
  }

  void cancel_timeouts(caf::abstract_actor* self) override {
    bool had = false;
    {
      std::lock_guard lock{mutex_};
      had = timed_.erase(self->id()) > 0;
    }
    if (!had) {
      without_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    with_.fetch_add(1, std::memory_order_relaxed);
    real_.cancel_timeouts(self);
  }

  void schedule_message(time_point t, caf::strong_actor_ptr receiver,
                        caf::mailbox_element_ptr content) override {
    real_.schedule_message(t, std::move(receiver), std::move(content));
  }

  void schedule_message(time_point t, caf::group target, caf::strong_actor_ptr sender,
                        caf::message content) override {
    real_.schedule_message(t, std::move(target), std::move(sender), std::move(content));
  }

  void cancel_all() override {
    {
      std::lock_guard lock{mutex_};
      timed_.clear();
    }
    real_.cancel_all();
  }

  actor_end_figures figures() const {
    return {with_.load(std::memory_order_relaxed), without_.load(std::memory_order_relaxed)};
  }

 private:
  /// An actor sets its timeouts from its own thread, and ends after its last one is set, so
  /// the entry is always in place by the time its end is seen.
  void note(caf::abstract_actor* self) {
    std::lock_guard lock{mutex_};
    timed_.insert(self->id());
  }

  thread_safe_actor_clock& real_;
  std::mutex mutex_;
  std::unordered_set<caf::actor_id> timed_; ///< alive actors that ever set a timeout
  std::atomic<std::uint64_t> with_{0};
  std::atomic<std::uint64_t> without_{0};
};

class node_coordinator final : public caf::scheduler::coordinator<caf::policy::work_sharing> {
 public:
  using base = caf::scheduler::coordinator<caf::policy::work_sharing>;

  explicit node_coordinator(caf::actor_system& sys) : base(sys), quiet_(base::clock()) {}

  thread_safe_actor_clock& clock() noexcept override { return quiet_; }

  actor_end_figures figures() const { return quiet_.figures(); }

 private:
  quiet_end_clock quiet_;
};

} // namespace

void use_node_scheduler(caf::actor_system_config& cfg) {
  cfg.module_factories.push_back([](caf::actor_system& sys) -> caf::actor_system::module* {
    return new node_coordinator(sys);
  });
}

actor_end_figures actor_ends(caf::actor_system& system) {
  if (auto* s = dynamic_cast<node_coordinator*>(&system.scheduler()))
    return s->figures();
  return {};
}

} // namespace herald::actors
