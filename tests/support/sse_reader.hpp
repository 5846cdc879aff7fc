#pragma once

// A client-side Server-Sent Events parser that follows WHATWG HTML §9.2.6 to the letter (line
// breaks CRLF, CR or LF, also split across chunks; comments; one leading space removed; `id`
// with NUL ignored; `retry` digits only; no event for an empty data buffer; a partial event at
// the end is not dispatched). Tests use it to read what herald writes as a browser would.

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

class sse_reader {
 public:
  /// Feeds bytes as they arrive; complete events go to `events()`.
  void feed(std::string_view bytes) {
    for (char c : bytes) {
      if (skip_lf_) {
        skip_lf_ = false;
        if (c == '\n')
          continue;
      }
      if (c == '\r' || c == '\n') {
        skip_lf_ = c == '\r';
        line(line_);
        line_.clear();
      } else {
        line_ += c;
      }
    }
  }

  const std::vector<sse_message>& events() const noexcept { return events_; }
  std::vector<sse_message> take() { return std::exchange(events_, {}); }
  std::optional<long long> retry() const noexcept { return retry_; }
  const std::string& last_id() const noexcept { return last_id_; }
  std::size_t comments() const noexcept { return comments_; }
  /// Whether bytes of an unfinished event are pending (they would be dropped at the end).
  bool partial() const noexcept { return !line_.empty() || !data_.empty() || !type_.empty(); }

 private:
  void line(std::string_view l) {
    if (l.empty()) {
      dispatch();
      return;
    }
    if (l.front() == ':') {
      ++comments_;
      return;
    }
    auto colon = l.find(':');
    auto name = l.substr(0, colon);
    std::string_view value;
    if (colon != std::string_view::npos) {
      value = l.substr(colon + 1);
      if (!value.empty() && value.front() == ' ')
        value.remove_prefix(1);
    }
    if (name == "event") {
      type_ = value;
    } else if (name == "data") {
      data_ += value;
      data_ += '\n';
    } else if (name == "id") {
      if (value.find('\0') == std::string_view::npos)
        last_id_ = value;
    } else if (name == "retry") {
      if (!value.empty() && value.find_first_not_of("0123456789") == std::string_view::npos)
        retry_ = std::stoll(std::string{value.substr(0, 18)});
    }
  }

  void dispatch() {
    if (data_.empty()) {
      type_.clear();
      return;
    }
    data_.pop_back(); // the last LF
    events_.push_back({type_.empty() ? "message" : type_, std::move(data_), last_id_});
    data_.clear();
    type_.clear();
  }

  std::string line_;
  bool skip_lf_ = false;
  std::string type_;
  std::string data_;
  std::string last_id_;
  std::optional<long long> retry_;
  std::size_t comments_ = 0;
  std::vector<sse_message> events_;
};

} // namespace herald::test
