#pragma once

// The HTTP face of the task machinery (SPEC §4.1–§4.3): the handler that invokes an async
// route, and the `/tasks` endpoints. Turns requests into messages to the route supervisors and
// the task registry, and their replies into responses; the only place where task errors meet
// HTTP statuses.

#include "actors/async_route.hpp"
#include "actors/route_supervisor.hpp"
#include "actors/task_messages.hpp"
#include "actors/task_registry.hpp"
#include "app/access.hpp"
#include "app/responses.hpp"
#include "net/http_error.hpp"
#include "net/negotiate.hpp"
#include "net/service.hpp"

#include <caf/actor.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace herald::app {

/// The response for a reply: on success `ok` with the body in `media`; on error the status of
/// its row in task_errors.hpp with `{Id, Error}` (and `Retry-After` for a full queue or budget).
/// `root` names the XML root element.
net::response task_response(const actors::task_reply& reply, net::media_type media, net::status ok,
                            std::string_view root = "Task");

class authenticator;

/// What invoking an async route needs to know of ownership: who the route grants Read and
/// Write beyond the invoker, and how the stream tokens of owned tasks are made.
struct task_ownership {
  route_access access;
  std::shared_ptr<const authenticator> auth;
  /// `tasks.retention_ms`: a stream token lives until the task's `ExpireTime` plus this.
  std::chrono::milliseconds retention{0};
  /// The longest a stream token lives (a task without a timeout).
  std::chrono::hours max_stream_token{24 * 7};
};

/// When the stream token of `record`, an owned task, expires.
actors::task_time stream_token_expiry(const actors::task_record& record,
                                      const task_ownership& owners);

/// Invoking the async route `spec` served by `supervisor`: 413 for a body over the route's
/// `max_body_bytes`, 400 for a body that is not JSON, else 202 with `Location: /tasks/<Id>`
/// and the task object once the task is registered, 429 when the route's queue is full, or
/// 503 when held tasks fill `tasks.max_held_bytes` (both with `Retry-After`). An authenticated
/// caller (the request context's) owns the task: `User`, `Permission`, and a stream token in
/// `Sse.Url`.
net::deferred_handler invoke_handler(std::shared_ptr<const actors::route_spec> spec,
                                     actors::route_supervisor_actor supervisor,
                                     std::function<std::string()> make_id,
                                     std::shared_ptr<const task_ownership> owners);

/// `GET /tasks/{id}` (with `?wait=`), `DELETE /tasks/{id}`, `POST /tasks/query` (400 for a
/// filter string value longer than `query_max_value_bytes`). A task is answered only to a
/// caller its `Permission` names (Read; Write for `DELETE`); a query returns only those.
/// The caller is the request context's: `server` guards these endpoints.
void add_task_endpoints(net::service& svc, actors::task_registry_actor registry,
                        std::size_t query_max_value_bytes,
                        std::shared_ptr<const authenticator> auth);

} // namespace herald::app
