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
  queue_.insert(waiting{next_arrival_++, id});
  return verdict::queued;
}

std::optional<std::string> admission::finish(const std::string& id) {
  if (running_.erase(id) == 0)
    return std::nullopt;
  if (queue_.empty() || running_.size() >= max_concurrent_)
    return std::nullopt;
  auto& in_order = queue_.get<by_arrival>();
  auto first = in_order.begin();
  auto next = first->id;
  in_order.erase(first);
  running_.insert(next);
  return next;
}

bool admission::withdraw(const std::string& id) {
  return queue_.get<by_id>().erase(id) != 0;
}

std::optional<std::size_t> admission::position(const std::string& id) const {
  const auto& ids = queue_.get<by_id>();
  auto it = ids.find(id);
  if (it == ids.end())
    return std::nullopt;
  const auto& in_order = queue_.get<by_arrival>();
  return in_order.rank(queue_.project<by_arrival>(it)) + 1;
}

} // namespace herald::actors
