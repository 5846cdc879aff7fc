#pragma once

#include "net/http.hpp"

#include <boost/system/error_code.hpp>
#include <optional>
#include <string_view>

namespace herald::net {

/// Every failure that reaches a client as an HTTP status. Handlers, the session and (later)
/// actors report these values; `status_of` and `message_of` are the one table that maps them
/// to the wire. When adding a value: add a row to both tables in http_error.cpp and a case to
/// the unit test `http_error_test`.
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
  shutting_down,        ///< the node is draining
  invalid_json,         ///< a body that must be JSON is not
  invalid_parameter,    ///< a query parameter out of its range (the message says which)
  invalid_task_query,   ///< a task filter with an unknown field, op or shape
  not_acceptable,       ///< `Accept` names no representation the endpoint produces
  task_not_found,       ///< no such task, or no longer retained
  task_finished,        ///< cancel of a task already in a terminal state
  task_not_cancellable, ///< cancel of a task whose route is not cancellable
  task_id_taken,        ///< a route's id generator produced an id in use
  queue_full,           ///< the route's task queue is at its bound
  tasks_over_budget,    ///< unfinished tasks fill `tasks.max_held_bytes`
  not_event_stream,     ///< an SSE endpoint asked without accepting `text/event-stream`
  invalid_sse_event,    ///< a publication whose event name or group cannot be framed
  unauthorized,         ///< a key is required and none, or a wrong one, was given
  publishing_disabled,  ///< `POST /sse/{group}` on a node without a publisher key
  publish_backlog,      ///< too many publications waiting to be handled
  admin_disabled,       ///< an admin endpoint on a node without an admin key
  group_not_found,      ///< inspection of a group that does not live
  too_many_groups,      ///< a new group past `sse.max_groups` live ones
  invalid_name,         ///< a group name or id with control characters or invalid UTF-8
  internal,             ///< a handler failed; the details go to the log, not the client
};

/// The HTTP status that carries `e`.
status status_of(http_error e) noexcept;

/// The sentence put in the `{"Error": ...}` body for `e`.
std::string_view message_of(http_error e) noexcept;

/// Whether the connection must be closed after answering `e` (the parser's state is lost).
bool closes_connection(http_error e) noexcept;

/// Maps a failed read of a request to the error to answer with; `nullopt` means the peer went
/// away or the read was cancelled, and there is nobody to answer.
std::optional<http_error> classify_read_error(const boost::system::error_code& ec) noexcept;

} // namespace herald::net
