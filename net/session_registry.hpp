#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace herald::net {

class session;

/// The live sessions of one listener: counted for `max_connections`, walked to drain or close
/// them at shutdown. Touched only when a connection opens or closes, so a mutex is cheap here.
class session_registry {
 public:
  /// From now on every session closes after the exchange in progress (set at shutdown; read
  /// by each session before it writes a response, so it can announce `Connection: close`).
  void start_draining() noexcept { draining_.store(true, std::memory_order_relaxed); }
  bool draining() const noexcept { return draining_.load(std::memory_order_relaxed); }

  void add(std::uint64_t id, std::weak_ptr<session> s) {
    std::lock_guard guard{mutex_};
    sessions_.emplace(id, std::move(s));
  }

  void remove(std::uint64_t id) {
    std::lock_guard guard{mutex_};
    sessions_.erase(id);
    if (sessions_.empty())
      empty_.notify_all();
  }

  std::size_t size() const {
    std::lock_guard guard{mutex_};
    return sessions_.size();
  }

  /// Calls `f` on every live session (outside the lock, so `f` may close them).
  void for_each(const std::function<void(session&)>& f) const {
    std::vector<std::shared_ptr<session>> live;
    {
      std::lock_guard guard{mutex_};
      live.reserve(sessions_.size());
      for (const auto& [id, weak] : sessions_)
        if (auto s = weak.lock())
          live.push_back(std::move(s));
    }
    for (const auto& s : live)
      f(*s);
  }

  /// Blocks until no session is left or `timeout` passes; true when none is left.
  bool wait_empty(std::chrono::milliseconds timeout) const {
    std::unique_lock guard{mutex_};
    return empty_.wait_for(guard, timeout, [this] { return sessions_.empty(); });
  }

 private:
  std::atomic<bool> draining_{false};
  mutable std::mutex mutex_;
  mutable std::condition_variable empty_;
  std::unordered_map<std::uint64_t, std::weak_ptr<session>> sessions_;
};

} // namespace herald::net
