#pragma once

// The client side of Server-Sent Events (WHATWG HTML §9.2.6, "interpreting an event stream"):
// bytes in pieces cut anywhere, events out. Lines end with CRLF, CR or LF, also when the pair
// is split across two pieces; one leading byte order mark is dropped; `:` lines are comments;
// one space after the colon is removed; a line without a colon is a field with an empty
// value; data lines are joined with LF; an `id` holding NUL is ignored; `retry` takes digits
// only; a block without data dispatches nothing, and a block the stream never finished is not
// dispatched. One parser serves the test clients, heraldctl and the load client: it copies a
// line only when a piece ends inside it, and keeps its buffers from event to event, so a busy
// stream costs no allocation per event.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace herald::net {

/// An event as the parser dispatches it. The views point into the parser and stay valid until
/// the handler returns.
struct sse_message {
  std::string_view type; ///< `message` when the block named none
  std::string_view data;
  std::string_view last_id; ///< the stream's last event id once this event is dispatched
};

/// Receives what a stream says, in order. Only events must be taken; the rest is optional.
class sse_handler {
 public:
  virtual ~sse_handler() = default;
  virtual void on_event(const sse_message& event) = 0;
  /// A comment line, without its leading colon (`: ping` gives " ping").
  virtual void on_comment(std::string_view) {}
  /// A `retry:` field of digits only: the reconnection delay in milliseconds. Values past
  /// 64 bits are ignored.
  virtual void on_retry(std::uint64_t) {}
};

class sse_parser {
 public:
  /// Every event's size the parser accepts by default: a line being read plus the data
  /// gathered so far.
  static constexpr std::size_t default_max_event_bytes = 4 * 1024 * 1024;

  explicit sse_parser(std::size_t max_event_bytes = default_max_event_bytes) noexcept
      : max_event_bytes_(max_event_bytes) {}

  /// Feeds the next bytes of the stream; completed events, comments and retries go to
  /// `handler` before this returns. Returns false when an event grows past the limit: the
  /// stream is then unusable (what it held is dropped; the caller closes it).
  bool feed(std::string_view bytes, sse_handler& handler);

  /// The last event id the stream set so far (the spec's "last event ID buffer"); a block
  /// with an id and no data moves it without dispatching an event.
  const std::string& last_id() const noexcept { return last_id_; }

  /// Whether bytes of an unfinished event are held: a line without its end, or data or a type
  /// waiting for the blank line. They would be dropped if the stream ended now.
  bool pending() const noexcept { return !line_.empty() || !data_.empty() || !type_.empty(); }

 private:
  bool read(const char* p, const char* end, sse_handler& handler);
  bool skip_bom(const char*& p, const char* end);
  void line(std::string_view text, bool in_input, sse_handler& handler);
  void field(std::string_view name, std::string_view value, bool in_input, sse_handler& handler);
  void keep_data();
  void dispatch(sse_handler& handler);
  bool fits(std::size_t line_bytes) const noexcept {
    return line_bytes + data_.size() + (data_in_input_ ? data_view_.size() + 1 : 0) <=
           max_event_bytes_;
  }
  bool overflow();

  std::size_t max_event_bytes_;
  std::string line_; ///< a line a previous piece ended inside
  std::string type_;
  std::string data_; ///< every data line followed by LF, as the spec builds it
  /// An event's only data line while it lies in the bytes being fed: copied to `data_` only
  /// when the event does not end within them, so most events are never copied.
  std::string_view data_view_;
  bool data_in_input_ = false;
  std::string last_id_;
  bool skip_lf_ = false;      ///< the last piece ended with CR: a leading LF belongs to it
  std::uint8_t bom_seen_ = 0; ///< bytes of a leading byte order mark matched so far
  bool bom_checked_ = false;  ///< the stream's first bytes were checked for one
};

} // namespace herald::net
