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
  case http_error::too_many_client_connections:
  case http_error::too_many_requests:
    return status::too_many_requests;
  case http_error::invalid_json:
  case http_error::invalid_parameter:
    return status::bad_request;
  case http_error::not_acceptable:
    return status::not_acceptable;
  case http_error::unauthorized:
    return status::unauthorized;
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
  case http_error::too_many_client_connections:
    return "Too many connections from this address";
  case http_error::too_many_requests:
    return "Too many requests from this address; retry later";
  case http_error::shutting_down:
    return "Server is shutting down";
  case http_error::invalid_json:
    return "Request body is not valid JSON";
  case http_error::invalid_parameter:
    return "Invalid query parameter";
  case http_error::not_acceptable:
    return "None of the accepted media types is available: "
           "application/json, application/yaml, application/xml";
  case http_error::unauthorized:
    return "A valid key is required (X-API-Key or Authorization: Bearer)";
  case http_error::invalid_name:
    return "Invalid name: it must be valid UTF-8 without control characters";
  case http_error::internal:
    break;
  }
  return "Internal server error";
}

error_answer::error_answer(http_error e) noexcept
    : code(status_of(e)), message(message_of(e)), closes(closes_connection(e)) {}

bool closes_connection(http_error e) noexcept {
  switch (e) {
  case http_error::malformed_request:
  case http_error::bad_host:
  case http_error::chunk_line_too_long:
  case http_error::header_too_large:
  case http_error::body_too_large:
  case http_error::request_timeout:
  case http_error::too_many_connections:
  case http_error::too_many_client_connections:
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
