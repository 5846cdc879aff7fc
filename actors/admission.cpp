#include "actors/admission.hpp"

#include <stdexcept>

namespace herald::actors {

admission::admission(std::size_t max_concurrent, std::size_t max_queued)
    : max_concurrent_(max_concurrent), max_queued_(max_queued) {
  if (max_concurrent_ == 0)
    throw std::invalid_argument("max_concurrent must be at least 1");
}

admission::verdict admission::admit(const std::string& id) {
  // Nobody jumps the queue: a free slot with tasks still waiting goes to the first of them
  // (finish() hands it over), so a new task runs at once only when none waits.
  if (running_.size() < max_concurrent_ && queue_.empty()) {
    running_.insert(id);
    return verdict::run;
  }
  if (queue_.size() >= max_queued_)
    return verdict::full;
  auto n = next_arrival_++;
  auto [it, inserted] = queue_.insert({n, id});
  arrival_.emplace(std::string_view{it->second}, n);
  return verdict::queued;
}

std::optional<std::string> admission::finish(const std::string& id) {
  if (running_.erase(id) == 0)
    return std::nullopt;
  if (queue_.empty() || running_.size() >= max_concurrent_)
    return std::nullopt;
  auto first = queue_.begin();
  arrival_.erase(std::string_view{first->second});
  auto next = std::move(first->second);
  queue_.erase(first);
  running_.insert(next);
  return next;
}

bool admission::withdraw(const std::string& id) {
  auto it = arrival_.find(std::string_view{id});
  if (it == arrival_.end())
    return false;
  auto n = it->second;
  arrival_.erase(it); // before the string it views goes
  queue_.erase(n);
  return true;
}

std::optional<std::size_t> admission::position(const std::string& id) const {
  auto it = arrival_.find(std::string_view{id});
  if (it == arrival_.end())
    return std::nullopt;
  return queue_.order_of_key(it->second) + 1;
}

} // namespace herald::actors
