#pragma once

// A client-side Server-Sent Events reader for tests: net::sse_parser (WHATWG HTML §9.2.6 to
// the letter) with what it read kept for assertions. Tests use it to read what herald writes
// as a browser would.

#include "net/sse_parser.hpp"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herald::test {

struct sse_message {
  std::string type; ///< "message" when the stream named none
  std::string data;
  std::string last_id; ///< the last event id as the client holds it after this event
};

/// `data` as any SSE client reads it back from herald's `data:` lines: CRLF and CR become LF.
inline std::string sse_client_text(std::string_view data) {
  std::string out;
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (data[i] == '\r') {
      out += '\n';
      if (i + 1 < data.size() && data[i + 1] == '\n')
        ++i;
    } else {
      out += data[i];
    }
  }
  return out;
}

class sse_reader : private net::sse_handler {
 public:
  /// Feeds bytes as they arrive; complete events go to `events()`.
  void feed(std::string_view bytes) { parser_.feed(bytes, *this); }

  const std::vector<sse_message>& events() const noexcept { return events_; }
  std::vector<sse_message> take() { return std::exchange(events_, {}); }
  std::optional<long long> retry() const noexcept { return retry_; }
  const std::string& last_id() const noexcept { return parser_.last_id(); }
  std::size_t comments() const noexcept { return comments_; }
  /// Whether bytes of an unfinished event are pending (they would be dropped at the end).
  bool partial() const noexcept { return parser_.pending(); }

 private:
  void on_event(const net::sse_message& e) override {
    events_.push_back({std::string{e.type}, std::string{e.data}, std::string{e.last_id}});
  }
  void on_comment(std::string_view) override { ++comments_; }
  void on_retry(std::uint64_t ms) override {
    if (ms <= static_cast<std::uint64_t>(std::numeric_limits<long long>::max()))
      retry_ = static_cast<long long>(ms);
  }

  /// No limit: a test reads whatever the node sends and asserts on it.
  net::sse_parser parser_{std::numeric_limits<std::size_t>::max()};
  std::optional<long long> retry_;
  std::size_t comments_ = 0;
  std::vector<sse_message> events_;
};

} // namespace herald::test
