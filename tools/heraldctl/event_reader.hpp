#pragma once

// The event stream `watch` follows, read with net::sse_parser: the events each read
// completed, and an endless event as a failure of the command rather than unbounded memory.

#include "net/sse_parser.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace herald::ctl {

struct sse_event {
  std::string type; ///< "message" when the stream named none
  std::string data;
};

class event_reader : private net::sse_handler {
 public:
  explicit event_reader(std::size_t max_event_bytes = net::sse_parser::default_max_event_bytes)
      : max_event_bytes_(max_event_bytes), parser_(max_event_bytes) {}

  /// Feeds bytes as they arrive and returns the events they completed. Throws
  /// `ctl_error(unexpected)` when an event grows past the limit.
  std::vector<sse_event> feed(std::string_view bytes);

 private:
  void on_event(const net::sse_message& e) override;

  std::size_t max_event_bytes_;
  net::sse_parser parser_;
  std::vector<sse_event> completed_;
};

} // namespace herald::ctl
