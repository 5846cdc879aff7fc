#pragma once

// The HTTP face of the task machinery (SPEC §4.1–§4.3): the handler that invokes an async
// route, and the `/tasks` endpoints. Turns requests into messages to the route supervisors and
// the task registry, and their replies into responses; the only place where task errors meet
// HTTP statuses.

#include "actors/async_route.hpp"
#include "actors/task_messages.hpp"
#include "net/http_error.hpp"
#include "net/negotiate.hpp"
#include "net/service.hpp"

#include <caf/actor.hpp>
#include <functional>
#include <memory>
#include <string>

namespace herald::app {

/// A fresh task id: 128 bits from the operating system's random source, written as a
/// lower-case GUID of version 4 (122 random bits), like Pode's default.
std::string random_task_id();

/// `text` as one path segment or query value: unreserved characters stay, the rest are
/// percent-encoded.
std::string path_segment(std::string_view text);

/// The `{Id?, Error}` body of an error (`Id` when not empty), with its status, in `media`;
/// the message is the error table's unless given.
net::response error_body(const net::error_answer& e, std::string_view id, std::string_view message,
                         net::media_type media = net::media_type::json);
net::response error_body(const net::error_answer& e, std::string_view id,
                         net::media_type media = net::media_type::json);

/// 400 for a body that does not parse, saying why.
net::response invalid_json(const boost::system::error_code& ec,
                           net::media_type media = net::media_type::json);

/// The response for a reply: on success `ok` with the body in `media`; on error the status of
/// its row in task_errors.hpp with `{Id, Error}` (and `Retry-After` for a full queue or budget).
/// `root` names the XML root element.
net::response task_response(const actors::task_reply& reply, net::media_type media, net::status ok,
                            std::string_view root = "Task");

/// Invoking the async route `spec` served by `supervisor`: 413 for a body over the route's
/// `max_body_bytes`, 400 for a body that is not JSON, else 202 with `Location: /tasks/<Id>`
/// and the task object once the task is registered, 429 when the route's queue is full, or
/// 503 when held tasks fill `tasks.max_held_bytes` (both with `Retry-After`).
net::deferred_handler invoke_handler(std::shared_ptr<const actors::route_spec> spec,
                                     caf::actor supervisor, std::function<std::string()> make_id);

/// `GET /tasks/{id}` (with `?wait=`), `DELETE /tasks/{id}`, `POST /tasks/query` (400 for a
/// filter string value longer than `query_max_value_bytes`).
void add_task_endpoints(net::service& svc, caf::actor registry, std::size_t query_max_value_bytes);

} // namespace herald::app
