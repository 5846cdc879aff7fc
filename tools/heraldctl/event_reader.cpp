#include "tools/heraldctl/event_reader.hpp"

#include "tools/heraldctl/exit_code.hpp"

#include <utility>

namespace herald::ctl {

std::vector<sse_event> event_reader::feed(std::string_view bytes) {
  completed_.clear();
  if (!parser_.feed(bytes, *this))
    throw ctl_error(exit_code::unexpected, "the event stream sent an event larger than " +
                                               std::to_string(max_event_bytes_) + " bytes");
  return std::move(completed_);
}

void event_reader::on_event(const net::sse_message& e) {
  completed_.push_back({std::string{e.type}, std::string{e.data}});
}

} // namespace herald::ctl
