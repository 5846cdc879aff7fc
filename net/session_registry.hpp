#pragma once

#include "net/connection_owner.hpp"

#include <array>
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
/// them at shutdown and to find their owners for inspection. Touched only when a connection
/// opens or closes, so a mutex is cheap here. Also counts what `/metrics` reports of them.
class session_registry {
 public:
  /// From now on every session closes after the exchange in progress (set at shutdown; read
  /// by each session before it writes a response, so it can announce `Connection: close`).
  void start_draining() noexcept { draining_.store(true, std::memory_order_relaxed); }
  bool draining() const noexcept { return draining_.load(std::memory_order_relaxed); }

  void add(std::uint64_t id, std::weak_ptr<session> s) {
    accepted_.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard guard{mutex_};
    sessions_.emplace(id, entry{std::move(s), {}});
  }

  /// Records what owns session `id` (its connection actor), for `owners`.
  void set_owner(std::uint64_t id, std::shared_ptr<const connection_owner> owner) {
    std::lock_guard guard{mutex_};
    if (auto it = sessions_.find(id); it != sessions_.end())
      it->second.owner = std::move(owner);
  }

  /// The owners of the live sessions, in no particular order.
  std::vector<std::shared_ptr<const connection_owner>> owners() const {
    std::vector<std::shared_ptr<const connection_owner>> out;
    std::lock_guard guard{mutex_};
    out.reserve(sessions_.size());
    for (const auto& [id, e] : sessions_)
      if (e.owner)
        out.push_back(e.owner);
    return out;
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
      for (const auto& [id, e] : sessions_)
        if (auto s = e.handle.lock())
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

  /// Counts one answer by its status class (1xx..5xx; anything else as 5xx).
  void count_response(unsigned status) noexcept {
    auto cls = status >= 100 && status < 600 ? status / 100 - 1 : 4;
    responses_[cls].fetch_add(1, std::memory_order_relaxed);
  }

  /// Answers sent so far with a status in class `cls` (1 for 1xx ... 5 for 5xx).
  std::uint64_t responses(unsigned cls) const noexcept {
    return cls >= 1 && cls <= 5 ? responses_[cls - 1].load(std::memory_order_relaxed) : 0;
  }

  /// Sessions ever added.
  std::uint64_t accepted() const noexcept { return accepted_.load(std::memory_order_relaxed); }

 private:
  struct entry {
    std::weak_ptr<session> handle;
    std::shared_ptr<const connection_owner> owner;
  };

  std::atomic<bool> draining_{false};
  std::atomic<std::uint64_t> accepted_{0};
  std::array<std::atomic<std::uint64_t>, 5> responses_{};
  mutable std::mutex mutex_;
  mutable std::condition_variable empty_;
  std::unordered_map<std::uint64_t, entry> sessions_;
};

} // namespace herald::net
