#pragma once

// What the task endpoints refuse (SPEC §4.3), and how each refusal reaches a client: the one
// table of the task domain. When adding a value: add its row to `answer_of` in
// task_errors.cpp and a case to the unit test `domain_errors_test`.

#include "actors/task_messages.hpp"
#include "net/http.hpp"
#include "net/http_error.hpp"

namespace herald::app {

enum class task_api_error {
  invalid_query,   ///< a task filter with an unknown field, op or shape
  not_found,       ///< no such task, or no longer retained
  finished,        ///< cancel of a task already in a terminal state
  not_cancellable, ///< cancel of a task whose route is not cancellable
  id_taken,        ///< a route's id generator produced an id in use
  queue_full,      ///< the route's task queue is at its bound
  over_budget,     ///< unfinished tasks fill `tasks.max_held_bytes`
};

/// The status and sentence of `e`.
net::error_answer answer_of(task_api_error e) noexcept;

/// The answer to a task actor's refusal (`shutting_down` is HTTP's own 503).
net::error_answer answer_of(actors::task_error e) noexcept;

/// The `{"Error": ...}` response for `e`.
net::response error_response(task_api_error e);

} // namespace herald::app
