#include "actors/task_ledger.hpp"

#include "actors/task_context.hpp"
#include "actors/task_record.hpp"

#include <utility>

namespace herald::actors {

namespace {

/// A std::string's heap block: characters beyond the 15 it keeps inline.
std::size_t heap_text(const std::string& s) noexcept {
  return s.size() > 15 ? s.capacity() + 1 : 0;
}

} // namespace

std::size_t input_bytes(const task_input& in) {
  std::size_t total = sizeof(task_input) + json_bytes(in.body) + heap_text(in.target);
  total += in.params.capacity() * sizeof(std::pair<std::string, std::string>);
  for (const auto& [name, value] : in.params)
    total += heap_text(name) + heap_text(value);
  if (in.user)
    total += heap_text(*in.user);
  return total;
}

std::size_t event_bytes(const task_stream_event& ev) {
  // The log keeps each event with its cost, in a vector: that slot is the fixed part.
  return sizeof(std::pair<task_stream_event, std::size_t>) + heap_text(ev.type) +
         json_bytes(ev.data);
}

task_ledger::order::iterator task_ledger::next_to_forget(std::uint64_t incoming,
                                                         std::string_view keep) {
  if (retained_.empty() || (retained_.size() <= max_retained_ && fits(incoming)))
    return retained_.end();
  auto oldest = retained_.begin();
  return oldest->second.id == keep ? retained_.end() : oldest;
}

} // namespace herald::actors
