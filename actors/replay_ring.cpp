#include "actors/replay_ring.hpp"

namespace herald::actors {

replay_ring::replay_ring(std::size_t max_events, std::size_t max_bytes) noexcept
    : max_events_(max_events), max_bytes_(max_bytes) {}

void replay_ring::add(std::uint64_t seq, std::string frame, std::string key) {
  bytes_ += frame.size();
  entries_.push_back(entry{seq, std::move(frame), std::move(key)});
  while (!entries_.empty() && (entries_.size() > max_events_ || bytes_ > max_bytes_)) {
    bytes_ -= entries_.front().frame.size();
    entries_.pop_front();
  }
}

const replay_ring::entry* replay_ring::find_key(std::string_view key) const noexcept {
  for (const auto& e : entries_)
    if (e.key == key)
      return &e;
  return nullptr;
}

void replay_ring::append_after(std::uint64_t after, std::string& out) const {
  for (const auto& e : entries_)
    if (e.seq > after)
      out += e.frame;
}

} // namespace herald::actors
