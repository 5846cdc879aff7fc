// The domains' error tables (app/task_errors.hpp, app/sse_errors.hpp, app/admin_errors.hpp):
// each row's status and sentence, written out independently of the tables, and the response
// each gives.

#include "actors/task_messages.hpp"
#include "app/access.hpp"
#include "app/admin_errors.hpp"
#include "app/sse_errors.hpp"
#include "app/task_errors.hpp"
#include "net/http_error.hpp"
#include "net/responses.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>
#include <string>
#include <string_view>
#include <vector>

using herald::app::access_error;
using herald::app::admin_api_error;
using herald::app::answer_of;
using herald::app::sse_api_error;
using herald::app::task_api_error;
using herald::net::error_answer;
using herald::net::http_error;

namespace {

/// One expected row: what it is called here, its answer, its status and whether it closes.
struct row {
  std::string name;
  error_answer answer;
  unsigned status;
  std::string_view message;
};

/// Every domain row, with the status and sentence it must have.
std::vector<row> domain_rows() {
  return {
      {"invalid_task_query", answer_of(task_api_error::invalid_query), 400,
       "The query provided has an invalid format."},
      {"task_not_found", answer_of(task_api_error::not_found), 404,
       "No Async Route operation Found"},
      {"task_finished", answer_of(task_api_error::finished), 410, "The Task is already completed."},
      {"task_not_cancellable", answer_of(task_api_error::not_cancellable), 423,
       "The task has the 'NonCancellable' flag."},
      {"task_id_taken", answer_of(task_api_error::id_taken), 409,
       "A task with this id already exists"},
      {"queue_full", answer_of(task_api_error::queue_full), 429,
       "Too many tasks queued for this route; retry later"},
      {"tasks_over_budget", answer_of(task_api_error::over_budget), 503,
       "The node holds as many task bytes as it may (tasks.max_held_bytes); retry later"},
      {"not_event_stream", answer_of(sse_api_error::not_event_stream), 406,
       "This endpoint is an event stream: send Accept: text/event-stream"},
      {"invalid_sse_event", answer_of(sse_api_error::invalid_event), 400, "Invalid event"},
      {"publishing_disabled", answer_of(sse_api_error::publishing_disabled), 403,
       "Publishing over HTTP is disabled on this node (no sse.publisher_key)"},
      {"publish_backlog", answer_of(sse_api_error::publish_backlog), 503,
       "Too many events waiting to be published; retry later"},
      {"too_many_groups", answer_of(sse_api_error::too_many_groups), 503,
       "Too many SSE groups live (sse.max_groups); retry once idle groups have stopped"},
      {"admin_disabled", answer_of(admin_api_error::disabled), 403,
       "The admin API is disabled on this node: set admin.key"},
      {"group_not_found", answer_of(admin_api_error::group_not_found), 404,
       "No such group (groups live while they have subscribers or recent events)"},
      {"unauthenticated", answer_of(access_error::unauthenticated), 401,
       "A credential is required: send Authorization: Bearer <key or token>, or X-API-Key"},
      {"invalid_credential", answer_of(access_error::invalid), 401, "The credential is not valid"},
      {"forbidden", answer_of(access_error::forbidden), 403, "The credential does not allow this"},
  };
}

/// Every row of every table, HTTP's own included.
std::vector<error_answer> all_answers() {
  std::vector<error_answer> out;
  for (const auto& r : domain_rows())
    out.push_back(r.answer);
  for (int e = 0; e <= static_cast<int>(http_error::internal); ++e)
    out.push_back(answer_of(static_cast<http_error>(e)));
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(domain_errors_test)

BOOST_AUTO_TEST_CASE(every_domain_error_maps_to_its_status_and_sentence) {
  for (const auto& r : domain_rows()) {
    BOOST_TEST_CONTEXT(r.name) {
      BOOST_TEST(static_cast<unsigned>(r.answer.code) == r.status);
      BOOST_TEST(r.answer.message == r.message);
      BOOST_TEST(!r.answer.closes);
    }
  }
}

BOOST_AUTO_TEST_CASE(every_error_of_every_table_has_a_distinct_non_empty_message) {
  auto all = all_answers();
  for (std::size_t i = 0; i < all.size(); ++i) {
    BOOST_TEST_CONTEXT(all[i].message) {
      BOOST_TEST(!all[i].message.empty());
      for (std::size_t j = 0; j < all.size(); ++j)
        if (j != i)
          BOOST_TEST(all[j].message != all[i].message);
    }
  }
}

BOOST_AUTO_TEST_CASE(domain_error_response_carries_status_and_json_body) {
  for (const auto& r : domain_rows()) {
    BOOST_TEST_CONTEXT(r.name) {
      auto res = herald::net::error_response(r.answer);
      BOOST_TEST(res.result_int() == r.status);
      BOOST_TEST(res.keep_alive());
      BOOST_TEST(res[boost::beast::http::field::content_type] == "application/json");
      auto body = boost::json::parse(res.body());
      BOOST_TEST(body.as_object().size() == 1u);
      BOOST_TEST(body.at("Error").as_string() == r.message);
    }
  }
  BOOST_TEST(herald::app::error_response(sse_api_error::too_many_groups).result_int() == 503u);
  BOOST_TEST(herald::app::error_response(admin_api_error::disabled).result_int() == 403u);
  BOOST_TEST(herald::app::error_response(task_api_error::queue_full).result_int() == 429u);
}

BOOST_AUTO_TEST_CASE(task_actor_refusals_map_to_their_rows) {
  using herald::actors::task_error;
  auto same = [](const error_answer& a, const error_answer& b) {
    return a.code == b.code && a.message == b.message && a.closes == b.closes;
  };
  BOOST_TEST(same(answer_of(task_error::not_found), answer_of(task_api_error::not_found)));
  BOOST_TEST(same(answer_of(task_error::finished), answer_of(task_api_error::finished)));
  BOOST_TEST(
      same(answer_of(task_error::not_cancellable), answer_of(task_api_error::not_cancellable)));
  BOOST_TEST(same(answer_of(task_error::queue_full), answer_of(task_api_error::queue_full)));
  BOOST_TEST(same(answer_of(task_error::duplicate_id), answer_of(task_api_error::id_taken)));
  BOOST_TEST(same(answer_of(task_error::over_budget), answer_of(task_api_error::over_budget)));
  BOOST_TEST(same(answer_of(task_error::shutting_down), answer_of(http_error::shutting_down)));
  BOOST_TEST(same(answer_of(task_error::forbidden), answer_of(access_error::forbidden)));
}

BOOST_AUTO_TEST_SUITE_END()
