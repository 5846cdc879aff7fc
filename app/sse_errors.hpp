#pragma once

// What the SSE endpoints refuse (SPEC §4.5–§4.6), and how each refusal reaches a client: the
// one table of the SSE domain. When adding a value: add its row to `answer_of` in
// sse_errors.cpp and a case to the unit test `domain_errors_test`.

#include "net/http.hpp"
#include "net/http_error.hpp"

namespace herald::app {

enum class sse_api_error {
  not_event_stream,    ///< an SSE endpoint asked without accepting `text/event-stream`
  invalid_event,       ///< a publication whose event name or group cannot be framed
  publishing_disabled, ///< `POST /sse/{group}` on a node without a publisher key
  publish_backlog,     ///< too many publications waiting to be handled
  too_many_groups,     ///< a new group past `sse.max_groups` live ones
};

/// The status and sentence of `e`.
net::error_answer answer_of(sse_api_error e) noexcept;

/// The `{"Error": ...}` response for `e`.
net::response error_response(sse_api_error e);

} // namespace herald::app
