#pragma once

// An incremental Server-Sent Events reader for `watch`, after WHATWG HTML §9.2.6: CRLF, CR
// or LF line ends, also split across reads; comments skipped; one space after the colon
// removed; data lines joined with LF; an event with no data is not dispatched. A line or an
// event's data longer than the limit is an error rather than unbounded memory.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace herald::ctl {

struct sse_event {
  std::string type; ///< "message" when the stream named none
  std::string data;
};

class sse_parser {
 public:
  explicit sse_parser(std::size_t max_event_bytes = 4 * 1024 * 1024)
      : max_event_bytes_(max_event_bytes) {}

  /// Feeds bytes as they arrive and returns the events they completed. Throws
  /// `ctl_error(unexpected)` when an event grows past the limit.
  std::vector<sse_event> feed(std::string_view bytes);

 private:
  void line(std::string_view text, std::vector<sse_event>& out);

  std::size_t max_event_bytes_;
  std::string line_;
  bool skip_lf_ = false;
  std::string type_;
  std::string data_;
  bool has_data_ = false;
};

} // namespace herald::ctl
