#pragma once

// An HTTP/1.1 client for outgoing requests the node makes on its own (completion webhooks):
// one request, one status back, connections kept alive per origin. It follows no redirect,
// speaks to no proxy and keeps no cookie; every address a host resolves to passes a check
// before anything connects, so that a URL cannot point the node at a place it must not reach.
//
// Only the standard library here: Asio, Beast and OpenSSL stay in http_client.cpp.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace herald::net {

/// Limits and trust of an `http_client`; every default in one place.
struct http_client_settings {
  /// The TCP connect, all addresses tried in turn. The DNS lookup before it has a deadline of
  /// its own of the same length.
  std::chrono::milliseconds connect_timeout{5000};
  /// The TLS handshake, certificate verification included.
  std::chrono::milliseconds tls_timeout{5000};
  /// From the request's first byte written to the whole response read.
  std::chrono::milliseconds response_timeout{10000};
  /// An extra CA bundle (PEM) trusted besides the system store; empty: the system store only.
  std::string ca_file;
  /// Idle kept-alive connections per (scheme, host, port); 0 keeps none.
  std::size_t max_idle_per_host = 4;
  /// An idle connection is closed after this.
  std::chrono::milliseconds idle_timeout{30000};
  /// A larger response body is cut off: the status still counts, the connection is dropped.
  /// The response header is limited to 8 KiB.
  std::size_t max_response_bytes = 64 * 1024;
};

/// Decides, for each address a host resolved to, whether it may be connected to: nullopt when
/// allowed, else the reason (it becomes the response's `error`).
///
/// `address` is the textual form of the IP address (`127.0.0.1`, `::1`, `fe80::1%eth0`; no
/// brackets, no port), parse it with `boost::asio::ip::make_address`. An IPv4-mapped IPv6
/// address (`::ffff:10.0.0.1`, which a hostile DNS server may answer) is given in its IPv4
/// form, since that is where the connection would go. `host` is the request's host without
/// brackets. Every address is checked, even after one was refused (the first refusal's reason
/// counts). Called on an I/O thread, possibly on several at once: it must be thread-safe, must
/// not block and must not throw.
using address_check =
    std::function<std::optional<std::string>(std::string_view host, std::string_view address)>;

/// One request to send.
struct http_client_request {
  bool tls = false;
  /// A DNS name or an IP literal (an IPv6 literal with or without brackets).
  std::string host;
  std::uint16_t port = 80;
  /// Origin form: path and query, starting with `/`.
  std::string target = "/";
  /// The verb, as sent (a token).
  std::string method = "POST";
  /// Added as given, in order (Content-Type among them). A `User-Agent` given here replaces
  /// the default `herald`; `Host`, `Content-Length`, `Transfer-Encoding` and `Connection` are
  /// the client's own and make the request invalid.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

/// The outcome of one `send`.
struct http_client_response {
  /// The response's status; 3xx, 4xx and 5xx are answers like any other. 0 when no response
  /// was read; then `error` says why (`"connect timed out"`, `"connection refused"`,
  /// `"TLS: certificate verify failed: self-signed certificate"`,
  /// `"no response within 10000 ms"`, `"connection closed before a response"`, ...). A
  /// response whose header arrived counts even when its body did not (cut off at
  /// `max_response_bytes`, or the peer closed or stalled in the middle): then `error` is empty.
  int status = 0;
  std::string error;
  /// Set when the address check refused the host (`error` is its reason): nothing was
  /// connected to, and retrying cannot help.
  bool refused = false;
  /// The response's `Retry-After`, if any.
  std::string retry_after;
  /// The response's `Location`, if any: a redirect is never followed, the caller reports it.
  std::string location;
  /// The address connected to (`127.0.0.1:8080`, `[::1]:443`), or refused, for logs; empty
  /// when no address was reached.
  std::string address;
};

/// Why `r` cannot be sent (a header that would split the request, a reserved header, a
/// malformed host, target or method), or nullopt. `send` checks this itself; exposed so that
/// configuration can be checked at start.
std::optional<std::string> invalid_request(const http_client_request& r);

namespace detail {
struct http_client_state;
} // namespace detail

/// Sends requests and hands back their statuses.
///
/// Threading: each connection has its own strand on the I/O context, and each `send` runs
/// there (on a new strand for a new connection, on the connection's strand when it reuses an
/// idle one); the idle pool and the set of exchanges in flight are shared under a mutex. So
/// the I/O context may be run by any number of threads, and sends proceed in parallel.
///
/// A connection is reused only for the same (scheme, host, port) and only after a response
/// that allowed it; a reused connection that fails before the first response byte (the
/// server closed it meanwhile) is retried once on a fresh connection, resolved and checked
/// again. Fresh connections go only to addresses that passed the check: the host is resolved
/// once per connection, never again between the check and the connect.
///
/// The client must be destroyed before its I/O context; destroying it closes it.
class http_client : public std::enable_shared_from_this<http_client> {
 public:
  /// `check` is called for every resolved address before any connection is made (may be
  /// empty: everything allowed). Null, with `error` set, when the settings are unusable (a
  /// `ca_file` that cannot be read, a timeout that is not positive).
  static std::shared_ptr<http_client> make(boost::asio::io_context& io,
                                           http_client_settings settings, address_check check,
                                           std::string& error);

  ~http_client();

  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Thread-safe. `done` is called exactly once, on an I/O thread (never inside `send`); with
  /// error `"client closed"` when `close()` came first. `done` must not throw.
  void send(http_client_request request, std::function<void(http_client_response)> done);

  /// Closes idle connections and fails every exchange in flight with `"client closed"` (for
  /// shutdown); later sends fail at once. Thread-safe, idempotent; returns at once, the
  /// exchanges' `done` run on their strands afterwards.
  void close();

  /// Connections open now (busy and idle), for the admin API.
  std::size_t open_connections() const;

 private:
  explicit http_client(std::shared_ptr<detail::http_client_state> state);

  std::shared_ptr<detail::http_client_state> state_;
};

} // namespace herald::net
