#include "app/task_errors.hpp"

#include "app/access.hpp"
#include "net/responses.hpp"

namespace herald::app {

net::error_answer answer_of(task_api_error e) noexcept {
  using net::status;
  switch (e) {
  case task_api_error::invalid_query:
    return {status::bad_request, "The query provided has an invalid format."};
  // The next three are Pode's own sentences, kept for clients that match on them.
  case task_api_error::not_found:
    return {status::not_found, "No Async Route operation Found"};
  case task_api_error::finished:
    return {status::gone, "The Task is already completed."};
  case task_api_error::not_cancellable:
    return {status::locked, "The task has the 'NonCancellable' flag."};
  case task_api_error::id_taken:
    return {status::conflict, "A task with this id already exists"};
  case task_api_error::queue_full:
    return {status::too_many_requests, "Too many tasks queued for this route; retry later"};
  case task_api_error::over_budget:
    return {status::service_unavailable,
            "The node holds as many task bytes as it may (tasks.max_held_bytes); retry later"};
  }
  return net::http_error::internal;
}

net::error_answer answer_of(actors::task_error e) noexcept {
  using actors::task_error;
  switch (e) {
  case task_error::not_found:
    return answer_of(task_api_error::not_found);
  case task_error::finished:
    return answer_of(task_api_error::finished);
  case task_error::not_cancellable:
    return answer_of(task_api_error::not_cancellable);
  case task_error::queue_full:
    return answer_of(task_api_error::queue_full);
  case task_error::duplicate_id:
    return answer_of(task_api_error::id_taken);
  case task_error::shutting_down:
    return net::http_error::shutting_down;
  case task_error::over_budget:
    return answer_of(task_api_error::over_budget);
  case task_error::forbidden:
    return answer_of(access_error::forbidden);
  }
  return net::http_error::internal;
}

net::response error_response(task_api_error e) {
  return net::error_response(answer_of(e));
}

} // namespace herald::app
