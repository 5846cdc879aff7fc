#include "net/http_error.hpp"

#include "net/request_parser.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

namespace herald::net {

status status_of(http_error e) noexcept {
  switch (e) {
  case http_error::malformed_request:
  case http_error::bad_target:
  case http_error::bad_host:
  case http_error::chunk_line_too_long:
    return status::bad_request;
  case http_error::header_too_large:
    return status::request_header_fields_too_large;
  case http_error::body_too_large:
    return status::payload_too_large;
  case http_error::request_timeout:
    return status::request_timeout;
  case http_error::not_found:
    return status::not_found;
  case http_error::method_not_allowed:
    return status::method_not_allowed;
  case http_error::too_many_connections:
  case http_error::shutting_down:
    return status::service_unavailable;
  case http_error::invalid_json:
  case http_error::invalid_parameter:
  case http_error::invalid_task_query:
    return status::bad_request;
  case http_error::not_acceptable:
    return status::not_acceptable;
  case http_error::task_not_found:
    return status::not_found;
  case http_error::task_finished:
    return status::gone;
  case http_error::task_not_cancellable:
    return status::locked;
  case http_error::task_id_taken:
    return status::conflict;
  case http_error::queue_full:
    return status::too_many_requests;
  case http_error::tasks_over_budget:
    return status::service_unavailable;
  case http_error::not_event_stream:
    return status::not_acceptable;
  case http_error::invalid_sse_event:
    return status::bad_request;
  case http_error::unauthorized:
    return status::unauthorized;
  case http_error::publishing_disabled:
    return status::forbidden;
  case http_error::publish_backlog:
    return status::service_unavailable;
  case http_error::admin_disabled:
    return status::forbidden;
  case http_error::group_not_found:
    return status::not_found;
  case http_error::too_many_groups:
    return status::service_unavailable;
  case http_error::invalid_name:
    return status::bad_request;
  case http_error::internal:
    break;
  }
  return status::internal_server_error;
}

std::string_view message_of(http_error e) noexcept {
  switch (e) {
  case http_error::malformed_request:
    return "Malformed HTTP request";
  case http_error::bad_target:
    return "Invalid request target";
  case http_error::bad_host:
    return "Missing or repeated Host header field";
  case http_error::chunk_line_too_long:
    return "Chunk-size line too long";
  case http_error::header_too_large:
    return "Request header fields too large";
  case http_error::body_too_large:
    return "Request body too large";
  case http_error::request_timeout:
    return "Request timed out";
  case http_error::not_found:
    return "Not found";
  case http_error::method_not_allowed:
    return "Method not allowed";
  case http_error::too_many_connections:
    return "Too many connections";
  case http_error::shutting_down:
    return "Server is shutting down";
  case http_error::invalid_json:
    return "Request body is not valid JSON";
  case http_error::invalid_parameter:
    return "Invalid query parameter";
  case http_error::invalid_task_query:
    return "The query provided has an invalid format.";
  case http_error::not_acceptable:
    return "None of the accepted media types is available: "
           "application/json, application/yaml, application/xml";
  // The next three are Pode's own sentences, kept for clients that match on them.
  case http_error::task_not_found:
    return "No Async Route operation Found";
  case http_error::task_finished:
    return "The Task is already completed.";
  case http_error::task_not_cancellable:
    return "The task has the 'NonCancellable' flag.";
  case http_error::task_id_taken:
    return "A task with this id already exists";
  case http_error::queue_full:
    return "Too many tasks queued for this route; retry later";
  case http_error::tasks_over_budget:
    return "The node holds as many task bytes as it may (tasks.max_held_bytes); retry later";
  case http_error::not_event_stream:
    return "This endpoint is an event stream: send Accept: text/event-stream";
  case http_error::invalid_sse_event:
    return "Invalid event";
  case http_error::unauthorized:
    return "A valid key is required (X-API-Key or Authorization: Bearer)";
  case http_error::publishing_disabled:
    return "Publishing over HTTP is disabled on this node (no sse.publisher_key)";
  case http_error::publish_backlog:
    return "Too many events waiting to be published; retry later";
  case http_error::admin_disabled:
    return "The admin API is disabled on this node: set admin.key";
  case http_error::group_not_found:
    return "No such group (groups live while they have subscribers or recent events)";
  case http_error::too_many_groups:
    return "Too many SSE groups live (sse.max_groups); retry once idle groups have stopped";
  case http_error::invalid_name:
    return "Invalid name: it must be valid UTF-8 without control characters";
  case http_error::internal:
    break;
  }
  return "Internal server error";
}

bool closes_connection(http_error e) noexcept {
  switch (e) {
  case http_error::malformed_request:
  case http_error::bad_host:
  case http_error::chunk_line_too_long:
  case http_error::header_too_large:
  case http_error::body_too_large:
  case http_error::request_timeout:
  case http_error::too_many_connections:
  case http_error::shutting_down:
    return true;
  default:
    return false;
  }
}

std::optional<http_error> classify_read_error(const boost::system::error_code& ec) noexcept {
  namespace bh = boost::beast::http;
  if (ec == bh::error::header_limit)
    return http_error::header_too_large;
  if (ec == bh::error::body_limit)
    return http_error::body_too_large;
  if (ec == read_error::missing_host || ec == read_error::duplicate_host)
    return http_error::bad_host;
  if (ec == read_error::chunk_line_too_long)
    return http_error::chunk_line_too_long;
  if (ec == boost::beast::error::timeout)
    return http_error::request_timeout;
  // End of stream, reset, cancellation: the peer left or we closed; nothing to answer.
  if (ec == bh::error::end_of_stream || ec == bh::error::partial_message ||
      ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset ||
      ec == boost::asio::error::operation_aborted || ec == boost::asio::error::bad_descriptor ||
      ec == boost::asio::error::broken_pipe || ec == boost::asio::error::not_connected)
    return std::nullopt;
  // Every other parser error is a request we cannot understand.
  if (ec.category() == bh::make_error_code(bh::error::bad_method).category())
    return http_error::malformed_request;
  return std::nullopt;
}

} // namespace herald::net
