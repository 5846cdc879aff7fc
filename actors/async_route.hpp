#pragma once

// An async route as the actors see it: its limits and its task body (SPEC §3). Immutable once
// the node starts; the route's supervisor and its task actors share it.

#include "actors/task_context.hpp"

#include <boost/json/value.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

namespace herald::actors {

/// A task's code: returns the result (any JSON value, `null` for none) or throws to fail.
using task_body = std::function<boost::json::value(task_context&)>;

struct route_spec {
  std::string route_id; ///< `[POST]/process-data`
  std::string method;   ///< `POST`
  std::string path;     ///< `/process-data`
  std::size_t max_concurrent = 2;
  std::size_t max_queued = 1000;
  /// From creation (queued time included); nullopt: the task never expires.
  std::optional<std::chrono::milliseconds> timeout = std::chrono::hours{8};
  bool cancellable = true;
  /// The request body must be JSON (400 otherwise); when false it reaches the body as a JSON
  /// string holding the bytes as sent.
  bool json_body = true;
  /// Blocking bodies (the default) run on a thread of their own; a non-blocking body runs on
  /// an actor worker and must return quickly without sleeping.
  bool blocking = true;
  task_body body;
};

} // namespace herald::actors
