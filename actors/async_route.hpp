#pragma once

// An async route as the actors see it: its limits and its task body (SPEC §3). Immutable once
// the node starts; the route's supervisor and its task actors share it.

#include "actors/task_context.hpp"

#include <boost/json/value.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace herald::actors {

/// A task's code: returns the result (any JSON value, `null` for none) or throws to fail.
using task_body = std::function<boost::json::value(task_context&)>;

class task_run;

/// A task's code that runs outside any task thread: it starts the work (a child process, say)
/// and returns at once; the work ends the task through `task_run::finish`. Throwing from the
/// starter fails the task with the exception's message.
using task_starter = std::function<void(std::shared_ptr<task_run>)>;

/// How an async route's tasks report over Server-Sent Events (SPEC §3, §4.5).
struct sse_options {
  /// The group its task events go to; empty: the route's path.
  std::string group;
  /// Whether `pode.taskCompleted` carries the task's result.
  bool send_result = false;
};

/// A completion callback (SPEC §4.7): on its task's terminal state the node sends Pode's
/// payload `{Url, Method, EventName, State, Result?, Error?, Id, AsyncRouteId}` to a URL,
/// signed (Standard Webhooks), to hosts on `callbacks.allow` only.
struct callback_options {
  /// A fixed URL; empty: the URL is the request body's field `url_field`, and a request
  /// without it creates a task without a callback.
  std::string url;
  std::string url_field = "callbackUrl";
  /// `POST` or `PUT`.
  std::string method = "POST";
  /// Headers added to every request (after `Content-Type` and the signature's three).
  std::vector<std::pair<std::string, std::string>> headers;
  /// Whether `Result` goes in the payload of a `Completed` task.
  bool send_result = false;
  /// The payload's `EventName`; empty: the route path with each `/` made `_`, plus
  /// `_Callback` (Pode's default: `/process-data` gives `_process-data_Callback`).
  std::string event_name;
  /// Signing secrets of this route (`whsec_<base64>` or raw bytes); empty: the node's
  /// `callbacks.secrets`. Several sign at once, so that receivers can rotate.
  std::vector<std::string> secrets;
};

/// The limits and behaviour of an async route (SPEC §3); every default is Pode's.
struct route_options {
  /// Tasks of this route running at once; the rest wait in a FIFO queue.
  std::size_t max_concurrent = 2;
  /// Tasks that may wait; one more is refused with 429 and `Retry-After`.
  std::size_t max_queued = 1000;
  /// Counted from creation, queued time included; nullopt for none. A task still unfinished
  /// at its `ExpireTime` is `Aborted` with `Error: "Timeout"`.
  std::optional<std::chrono::milliseconds> timeout = std::chrono::hours{8};
  /// Whether `DELETE /tasks/{id}` may abort its tasks (423 otherwise).
  bool cancellable = true;
  /// The largest request body this route takes, in bytes; a larger one is answered 413 and
  /// no task is created. nullopt: the node's `limits.body_limit_bytes` alone (the smaller of
  /// the two applies). A task holds its body until it ends, so this bounds what the route's
  /// queue can hold: `max_queued` × `max_body_bytes`.
  std::optional<std::uint64_t> max_body_bytes;
  /// Whether the request body must be JSON (else 400, and no task). When false, any body is
  /// accepted and `task_context::body()` is a JSON string holding its bytes.
  bool json_body = true;
  /// A blocking body runs on a thread of the route's pool (at most `max_concurrent` threads,
  /// reused from task to task) and may sleep; a non-blocking one runs on an actor worker and
  /// must return quickly (cheaper still for many tiny tasks).
  bool blocking = true;
  /// Server-Sent Events for its tasks (the task object's `Sse`, `<path>_events`); nullopt for
  /// none.
  std::optional<sse_options> sse = sse_options{};
  /// A completion callback; nullopt for none.
  std::optional<callback_options> callback;
};

/// An async route as its supervisor and task actors know it.
struct route_spec : route_options {
  std::string route_id; ///< `[POST]/process-data`
  std::string method;   ///< `POST`
  std::string path;     ///< `/process-data`
  /// With SSE: the pattern of its events endpoint (`/process-data_events`) and its group
  /// (the option's, or the path).
  std::string events_pattern;
  std::string sse_group;
  task_body body;
  /// `callback`, shared with the tasks that carry it (set with `callback`).
  std::shared_ptr<const callback_options> callback_shared;
  /// Instead of `body` (which is then empty): the task's work runs elsewhere and ends later.
  /// `blocking` does not apply: the starter runs on an actor worker and must return quickly.
  task_starter start;
};

} // namespace herald::actors
