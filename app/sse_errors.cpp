#include "app/sse_errors.hpp"

#include "net/responses.hpp"

namespace herald::app {

net::error_answer answer_of(sse_api_error e) noexcept {
  using net::status;
  switch (e) {
  case sse_api_error::not_event_stream:
    return {status::not_acceptable,
            "This endpoint is an event stream: send Accept: text/event-stream"};
  case sse_api_error::invalid_event:
    return {status::bad_request, "Invalid event"};
  case sse_api_error::publishing_disabled:
    return {status::forbidden,
            "Publishing over HTTP is disabled on this node (no sse.publisher_key)"};
  case sse_api_error::publish_backlog:
    return {status::service_unavailable, "Too many events waiting to be published; retry later"};
  case sse_api_error::too_many_groups:
    return {status::service_unavailable,
            "Too many SSE groups live (sse.max_groups); retry once idle groups have stopped"};
  }
  return net::http_error::internal;
}

net::response error_response(sse_api_error e) {
  return net::error_response(answer_of(e));
}

} // namespace herald::app
