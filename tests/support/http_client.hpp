#pragma once

#include "net/http.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace herald::test {

using namespace std::chrono_literals;

/// A TCP connection to 127.0.0.1:`port` with TCP_NODELAY, as a file descriptor (-1 when the
/// connection is refused); a non-zero `receive_buffer` fixes SO_RCVBUF.
int connect_loopback(std::uint16_t port, int receive_buffer = 0);

/// A plain blocking TCP client to 127.0.0.1, written against POSIX sockets so that every
/// wait has a deadline, and able to send arbitrary (also broken) bytes.
class connection {
 public:
  /// Connects to 127.0.0.1:`port`; a non-zero `receive_buffer` fixes SO_RCVBUF (no
  /// autotuning), to make a client whose window fills quickly.
  explicit connection(std::uint16_t port, int receive_buffer = 0);
  ~connection();

  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Sends all of `bytes`; false when the peer has closed or reset the connection.
  bool send(std::string_view bytes);

  /// Reads one whole response; throws std::runtime_error on timeout or when the connection
  /// ends first. `head`: the response answers a HEAD request (no body follows).
  net::response read_response(std::chrono::milliseconds timeout = 5s, bool head = false);

  /// True when the peer closes (EOF or reset) within `timeout`; bytes arriving meanwhile are
  /// discarded.
  bool wait_closed(std::chrono::milliseconds timeout = 5s);

  /// Sends `raw` and reads the response.
  net::response exchange(std::string_view raw, std::chrono::milliseconds timeout = 5s);

  int fd() const noexcept { return fd_; }

 private:
  /// Receives more bytes into `buffer_`; false on EOF, error or timeout (`timed_out` tells).
  bool receive(std::chrono::steady_clock::time_point deadline, bool& timed_out);

  int fd_ = -1;
  std::string buffer_;
};

/// `GET target HTTP/1.1` with a Host header and `extra` header lines (each ending in CRLF).
std::string get_request(std::string_view target, std::string_view extra = "");

/// A request with a body and a Content-Length.
std::string request_with_body(std::string_view method, std::string_view target,
                              std::string_view body, std::string_view extra = "");

/// One GET over a fresh connection.
net::response http_get(std::uint16_t port, std::string_view target);

/// Milliseconds since `start` (printable in test assertions, unlike time points).
inline long long ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

/// Whether a new connection to `port` is refused (nothing listens).
bool connection_refused(std::uint16_t port);

} // namespace herald::test
