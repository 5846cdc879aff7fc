#pragma once

// A test client for one event stream over a real socket: sends the GET, reads the response
// head, then reads the body as it comes, keeping the raw bytes (for byte-exact checks) and
// the events as a browser reads them (sse_reader). Every wait has a deadline; many streams
// can be read together with `pump_all`.

#include "support/sse_reader.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace herald::test {

class sse_stream {
 public:
  using clock = std::chrono::steady_clock;

  /// Connects to 127.0.0.1:`port` and sends `GET target` with `Accept: text/event-stream`
  /// and `extra` header lines (each ending in CRLF). A non-zero `receive_buffer` fixes
  /// SO_RCVBUF (a client whose window fills quickly).
  sse_stream(std::uint16_t port, std::string_view target, std::string_view extra = "",
             int receive_buffer = 0);
  ~sse_stream();
  sse_stream(const sse_stream&) = delete;
  sse_stream& operator=(const sse_stream&) = delete;

  /// Reads until the response head is complete; false on timeout or EOF first.
  bool read_head(std::chrono::milliseconds timeout = std::chrono::seconds{5});
  int status() const noexcept { return status_; }
  /// A header of the response (the first with that name, case-insensitive), empty if none.
  std::string header(std::string_view name) const;

  /// Reads whatever is available now, waiting at most `timeout` for the first byte; false
  /// once the peer has closed.
  bool pump(std::chrono::milliseconds timeout);

  /// Reads until `done()` holds (true) or `timeout` passes or the peer closes (false).
  bool wait_for(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds{5});

  /// Reads until `n` events arrived in all.
  bool wait_events(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds{5});

  /// Reads until the peer closes; true if it did within `timeout`.
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds{5});

  /// The body bytes so far, and the events read from them.
  const std::string& body() const noexcept { return body_; }
  const std::vector<sse_message>& events() const noexcept { return reader_.events(); }
  const sse_reader& reader() const noexcept { return reader_; }
  bool closed() const noexcept { return closed_; }

  /// Closes the client's side now (a dropped connection).
  void drop();

  /// Reads from every stream in `streams` with one poll loop until `done()` or `timeout`.
  static bool pump_all(const std::vector<sse_stream*>& streams, const std::function<bool()>& done,
                       std::chrono::milliseconds timeout);

 private:
  /// Consumes `bytes`: the head first, then the body.
  void take(std::string_view bytes);
  /// One non-blocking read; false when closed.
  bool read_some();

  int fd_ = -1;
  std::string head_buffer_;
  bool head_done_ = false;
  int status_ = 0;
  std::multimap<std::string, std::string> headers_;
  std::string body_;
  sse_reader reader_;
  bool closed_ = false;
};

} // namespace herald::test
