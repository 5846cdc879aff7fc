#pragma once

#include "net/http.hpp"

#include <boost/system/error_code.hpp>
#include <optional>
#include <string_view>

namespace herald::net {

/// The failures HTTP itself knows, whatever the routes serve: the session, the router and
/// any handler report these values; `status_of` and `message_of` are the one table that maps
/// them to the wire. (What a domain refuses, a task or a stream, is in its own table beside
/// its routes: app/task_errors.hpp, app/sse_errors.hpp, app/admin_errors.hpp.) When adding a
/// value: add a row to both tables in http_error.cpp and a case to the unit test
/// `http_error_test`.
enum class http_error {
  malformed_request,    ///< the bytes are not an HTTP/1.x request
  bad_target,           ///< the request target is not a valid origin-form URL
  bad_host,             ///< HTTP/1.1 without a Host field, or two Host fields (RFC 9112 §3.2)
  chunk_line_too_long,  ///< a chunk-size line over `limits::chunk_framing_limit`
  header_too_large,     ///< header block over `limits::header_limit`
  body_too_large,       ///< body over `limits::body_limit`
  request_timeout,      ///< header or body did not arrive in time
  not_found,            ///< no route has this path
  method_not_allowed,   ///< a route has this path, not with this method
  too_many_connections, ///< over `limits::max_connections`
  /// over `limits.max_connections_per_ip` for the client's address
  too_many_client_connections,
  too_many_requests, ///< over `limits.requests_per_second_per_ip` for the client's address
  shutting_down,     ///< the node is draining
  invalid_json,      ///< a body that must be JSON is not
  invalid_parameter, ///< a query parameter out of its range (the message says which)
  not_acceptable,    ///< `Accept` names no representation the endpoint produces
  unauthorized,      ///< a key is required and none, or a wrong one, was given
  invalid_name,      ///< a group name or id with control characters or invalid UTF-8
  internal,          ///< a handler failed; the details go to the log, not the client
};

/// The HTTP status that carries `e`.
status status_of(http_error e) noexcept;

/// The sentence put in the `{"Error": ...}` body for `e`.
std::string_view message_of(http_error e) noexcept;

/// Whether the connection must be closed after answering `e` (the parser's state is lost).
bool closes_connection(http_error e) noexcept;

/// How an error reaches a client: its status, the sentence of its `{"Error": ...}` body, and
/// whether the connection closes after it. Every error table gives one per value: `answer_of`
/// here for HTTP's own errors, the domains' tables for theirs.
struct error_answer {
  status code = status::internal_server_error;
  std::string_view message;
  bool closes = false;

  error_answer() = default;
  error_answer(status c, std::string_view m, bool close = false) noexcept
      : code(c), message(m), closes(close) {}
  /// The row of `e` in this file's table (so an `http_error` goes wherever an answer does).
  error_answer(http_error e) noexcept; // NOLINT(google-explicit-constructor)
};

/// The row of `e`.
inline error_answer answer_of(http_error e) noexcept {
  return error_answer{e};
}

/// Maps a failed read of a request to the error to answer with; `nullopt` means the peer went
/// away or the read was cancelled, and there is nobody to answer.
std::optional<http_error> classify_read_error(const boost::system::error_code& ec) noexcept;

} // namespace herald::net
