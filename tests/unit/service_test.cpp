#include "net/request_context.hpp"
#include "net/responses.hpp"
#include "net/service.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

using herald::net::make_response;
using herald::net::request;
using herald::net::request_context;
using herald::net::response;
using herald::net::service;
using herald::net::status;
using herald::net::verb;

namespace http = boost::beast::http;

namespace {

request make_request(verb method, std::string_view target, std::string body = "") {
  request req{method, target, 11};
  req.set(http::field::host, "localhost");
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

/// The `Error` member of a JSON error body; fails the test if the body is not one.
std::string error_of(const response& res) {
  BOOST_TEST(res[http::field::content_type] == "application/json");
  boost::system::error_code ec;
  auto body = boost::json::parse(res.body(), ec);
  BOOST_REQUIRE_MESSAGE(!ec, "not JSON: " << res.body());
  BOOST_REQUIRE_MESSAGE(body.is_object() && body.as_object().size() == 1 &&
                            body.as_object().contains("Error") && body.at("Error").is_string(),
                        "not {\"Error\": ...}: " << res.body());
  return std::string{body.at("Error").as_string()};
}

/// What a handler saw, copied out of the context (a view that dies with the call).
struct seen {
  int calls = 0;
  std::string route;
  std::vector<std::pair<std::string, std::string>> params;
  std::optional<std::string> q;
};

struct reported {
  std::string route;
  std::string what;
  int calls = 0;
};

/// A service with literal, capture, and failing routes; records what handlers and the error
/// reporter see.
struct fixture {
  service s;
  seen last;
  reported error;

  fixture() {
    auto record = [this](std::string name) {
      return [this, name](const request_context& ctx) {
        ++last.calls;
        last.route = name;
        last.params = ctx.params();
        last.q = ctx.query("q");
        return make_response(status::ok, name);
      };
    };
    s.add(verb::get, "/", record("root"));
    s.add(verb::get, "/hello/{name}", record("hello"));
    s.add(verb::get, "/tasks/{id}", record("task"));
    s.add(verb::get, "/tasks/stats", record("stats"));
    s.add(verb::post, "/tasks", record("create"));
    s.add(verb::get, "/tasks", record("list"));
    s.add(verb::get, "/boom/{what}", [](const request_context& ctx) -> response {
      throw std::runtime_error{"kaboom: " + std::string{ctx.param("what")}};
    });
    s.add(verb::get, "/weird", [](const request_context&) -> response { throw 42; });
    s.on_error([this](std::string_view route, std::string_view what) {
      ++error.calls;
      error.route = route;
      error.what = what;
    });
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(service_test)

// -- routing ----------------------------------------------------------------------------------

BOOST_FIXTURE_TEST_CASE(request_reaches_the_handler_of_its_route, fixture) {
  auto res = s.handle(make_request(verb::get, "/"));
  BOOST_TEST(res.result_int() == 200u);
  BOOST_TEST(res.body() == "root");
  BOOST_TEST(last.calls == 1);
  BOOST_TEST(last.params.empty());
  BOOST_TEST(error.calls == 0);
}

BOOST_FIXTURE_TEST_CASE(handler_gets_decoded_params, fixture) {
  s.handle(make_request(verb::get, "/hello/a%20b"));
  BOOST_TEST(last.route == "hello");
  BOOST_REQUIRE_EQUAL(last.params.size(), 1u);
  BOOST_TEST(last.params[0].first == "name");
  BOOST_TEST(last.params[0].second == "a b");
}

BOOST_FIXTURE_TEST_CASE(handler_gets_decoded_query, fixture) {
  s.handle(make_request(verb::get, "/hello/bob?x=1&q=x%20y%26z"));
  BOOST_TEST(last.route == "hello");
  BOOST_REQUIRE(last.q.has_value());
  BOOST_TEST(*last.q == "x y&z");
}

BOOST_FIXTURE_TEST_CASE(absent_query_parameter_is_nullopt, fixture) {
  s.handle(make_request(verb::get, "/hello/bob?x=1"));
  BOOST_TEST(last.calls == 1);
  BOOST_TEST(!last.q.has_value());
  s.handle(make_request(verb::get, "/hello/bob"));
  BOOST_TEST(!last.q.has_value());
}

BOOST_FIXTURE_TEST_CASE(literal_route_wins_in_the_service_too, fixture) {
  s.handle(make_request(verb::get, "/tasks/stats"));
  BOOST_TEST(last.route == "stats");
  s.handle(make_request(verb::get, "/tasks/7"));
  BOOST_TEST(last.route == "task");
  BOOST_TEST(last.params.at(0).second == "7");
}

BOOST_FIXTURE_TEST_CASE(method_selects_the_handler, fixture) {
  s.handle(make_request(verb::post, "/tasks", "{}"));
  BOOST_TEST(last.route == "create");
  s.handle(make_request(verb::get, "/tasks/"));
  BOOST_TEST(last.route == "list");
}

BOOST_FIXTURE_TEST_CASE(head_is_answered_by_the_get_handler, fixture) {
  auto res = s.handle(make_request(verb::head, "/hello/bob"));
  BOOST_TEST(res.result_int() == 200u);
  BOOST_TEST(last.route == "hello");
}

// -- request_context --------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(context_exposes_the_request) {
  service s;
  std::string method, target, body, content_type, missing_header, id, missing_param;
  s.add(verb::put, "/items/{id}", [&](const request_context& ctx) {
    method = std::string{http::to_string(ctx.method())};
    target = ctx.target();
    body = ctx.body();
    content_type = ctx.header("content-TYPE"); // field names are case-insensitive
    missing_header = ctx.header("X-Missing");
    id = ctx.param("id");
    missing_param = ctx.param("nope");
    BOOST_TEST(ctx.raw().body() == "payload");
    return make_response(status::no_content, "");
  });
  auto req = make_request(verb::put, "/items/9?v=2", "payload");
  req.set(http::field::content_type, "text/plain");
  auto res = s.handle(req);
  BOOST_TEST(res.result_int() == 204u);
  BOOST_TEST(method == "PUT");
  BOOST_TEST(target == "/items/9?v=2");
  BOOST_TEST(body == "payload");
  BOOST_TEST(content_type == "text/plain");
  BOOST_TEST(missing_header.empty());
  BOOST_TEST(id == "9");
  BOOST_TEST(missing_param.empty());
}

BOOST_AUTO_TEST_CASE(query_handles_empty_repeated_and_encoded_keys) {
  service s;
  std::optional<std::string> flag, twice, encoded_key, empty;
  s.add(verb::get, "/q", [&](const request_context& ctx) {
    flag = ctx.query("flag");
    twice = ctx.query("a");
    encoded_key = ctx.query("x y");
    empty = ctx.query("e");
    return make_response(status::ok, "");
  });
  s.handle(make_request(verb::get, "/q?flag&a=1&a=2&x%20y=3&e="));
  BOOST_TEST(flag.has_value());
  BOOST_TEST(flag.value_or("?") == "");
  BOOST_TEST(twice.value_or("?") == "1"); // the first one
  BOOST_TEST(encoded_key.value_or("?") == "3");
  BOOST_TEST(empty.value_or("?") == "");
}

BOOST_AUTO_TEST_CASE(handler_response_is_returned_as_is) {
  service s;
  s.add(verb::post, "/make", [](const request_context&) {
    auto res = make_response(status::created, "{\"id\":1}", "application/json");
    res.set(http::field::location, "/make/1");
    return res;
  });
  auto res = s.handle(make_request(verb::post, "/make"));
  BOOST_TEST(res.result_int() == 201u);
  BOOST_TEST(res.body() == "{\"id\":1}");
  BOOST_TEST(res[http::field::location] == "/make/1");
  BOOST_TEST(res[http::field::content_type] == "application/json");
}

// -- errors -----------------------------------------------------------------------------------

BOOST_FIXTURE_TEST_CASE(unknown_path_is_404_with_a_json_error, fixture) {
  auto res = s.handle(make_request(verb::get, "/nope"));
  BOOST_TEST(res.result_int() == 404u);
  BOOST_TEST(error_of(res) == "Not found");
  BOOST_TEST(last.calls == 0);
  BOOST_TEST(res.count(http::field::allow) == 0u);
}

BOOST_FIXTURE_TEST_CASE(wrong_method_is_405_with_allow, fixture) {
  auto res = s.handle(make_request(verb::delete_, "/hello/bob"));
  BOOST_TEST(res.result_int() == 405u);
  BOOST_TEST(error_of(res) == "Method not allowed");
  BOOST_TEST(res[http::field::allow] == "GET, HEAD");
  BOOST_TEST(last.calls == 0);
  auto both = s.handle(make_request(verb::put, "/tasks"));
  BOOST_TEST(both[http::field::allow] == "GET, HEAD, POST");
}

BOOST_FIXTURE_TEST_CASE(invalid_target_is_400_without_calling_a_handler, fixture) {
  for (std::string_view target : {"*", "http://x/", "/hello/%zz", "hello", "/a b"}) {
    BOOST_TEST_CONTEXT("target '" << target << "'") {
      auto res = s.handle(make_request(verb::get, target));
      BOOST_TEST(res.result_int() == 400u);
      BOOST_TEST(error_of(res) == "Invalid request target");
    }
  }
  BOOST_TEST(last.calls == 0);
}

BOOST_FIXTURE_TEST_CASE(throwing_handler_gives_500_and_reports_route_and_text, fixture) {
  auto res = s.handle(make_request(verb::get, "/boom/disk"));
  BOOST_TEST(res.result_int() == 500u);
  BOOST_TEST(error_of(res) == "Internal server error");
  BOOST_TEST(res.body().find("kaboom") == std::string::npos); // details stay in the log
  BOOST_TEST(error.calls == 1);
  BOOST_TEST(error.route == "GET /boom/{what}");
  BOOST_TEST(error.what == "kaboom: disk");
}

BOOST_FIXTURE_TEST_CASE(non_std_exception_gives_500_and_is_reported, fixture) {
  auto res = s.handle(make_request(verb::get, "/weird"));
  BOOST_TEST(res.result_int() == 500u);
  BOOST_TEST(error_of(res) == "Internal server error");
  BOOST_TEST(error.calls == 1);
  BOOST_TEST(error.route == "GET /weird");
  BOOST_TEST(!error.what.empty());
}

BOOST_FIXTURE_TEST_CASE(head_to_a_throwing_get_reports_the_get_route, fixture) {
  auto res = s.handle(make_request(verb::head, "/boom/x"));
  BOOST_TEST(res.result_int() == 500u);
  BOOST_TEST(error.route == "GET /boom/{what}");
}

BOOST_AUTO_TEST_CASE(throwing_handler_without_reporter_still_gives_500) {
  service s;
  s.add(verb::get, "/x",
        [](const request_context&) -> response { throw std::logic_error{"no reporter"}; });
  BOOST_TEST(s.handle(make_request(verb::get, "/x")).result_int() == 500u);
}

BOOST_AUTO_TEST_CASE(service_keeps_working_after_a_handler_throws) {
  service s;
  int calls = 0;
  s.add(verb::get, "/flaky", [&](const request_context&) -> response {
    if (++calls == 1)
      throw std::runtime_error{"first call"};
    return make_response(status::ok, "second");
  });
  BOOST_TEST(s.handle(make_request(verb::get, "/flaky")).result_int() == 500u);
  auto res = s.handle(make_request(verb::get, "/flaky"));
  BOOST_TEST(res.result_int() == 200u);
  BOOST_TEST(res.body() == "second");
}

// -- declaring routes -------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(duplicate_and_malformed_routes_throw) {
  service s;
  auto ok = [](const request_context&) {
    return make_response(status::ok, "ok");
  };
  s.add(verb::get, "/a/{x}", ok);
  BOOST_CHECK_THROW(s.add(verb::get, "/a/{y}", ok), std::invalid_argument);
  BOOST_CHECK_THROW(s.add(verb::get, "a", ok), std::invalid_argument);
  BOOST_CHECK_THROW(s.add(verb::get, "/{bad name!}", ok), std::invalid_argument);
  BOOST_TEST(s.routes().size() == 1u);
}

BOOST_AUTO_TEST_CASE(rejected_route_leaves_the_others_consistent) {
  service s;
  s.add(verb::get, "/one", [](const request_context&) { return make_response(status::ok, "1"); });
  BOOST_CHECK_THROW(s.add(verb::get, "/one",
                          [](const request_context&) { return make_response(status::ok, "x"); }),
                    std::invalid_argument);
  s.add(verb::get, "/two", [](const request_context&) { return make_response(status::ok, "2"); });
  BOOST_TEST(s.handle(make_request(verb::get, "/one")).body() == "1");
  BOOST_TEST(s.handle(make_request(verb::get, "/two")).body() == "2");
}

// -- deferred routes --------------------------------------------------------------------------

namespace {

/// A responder factory that collects every answer sent through its responders.
struct answers {
  std::vector<response> got;
  herald::net::responder_factory factory() {
    return [this] {
      return herald::net::responder{[this](response r) {
        got.push_back(std::move(r));
      }};
    };
  }
};

} // namespace

BOOST_AUTO_TEST_CASE(a_deferred_route_answers_through_its_responder_later) {
  service s;
  std::optional<herald::net::responder> kept;
  std::string id;
  s.add_deferred(verb::post, "/later/{id}",
                 [&](const request_context& rq, herald::net::responder r) {
                   id = std::string{rq.param("id")}; // copied: the context dies with the call
                   kept = std::move(r);
                 });
  answers a;
  auto now = s.dispatch(make_request(verb::post, "/later/7", "x"), a.factory());
  BOOST_TEST(!now.has_value());
  BOOST_TEST(a.got.empty());
  BOOST_TEST(id == "7");
  BOOST_REQUIRE(kept && kept->pending());
  (*kept)(make_response(status::accepted, "done"));
  BOOST_TEST(!kept->pending());
  (*kept)(make_response(status::ok, "again")); // ignored: one answer per request
  BOOST_REQUIRE(a.got.size() == 1u);
  BOOST_TEST(a.got[0].result_int() == 202);
  BOOST_TEST(a.got[0].body() == "done");
}

BOOST_AUTO_TEST_CASE(a_dropped_responder_answers_500) {
  service s;
  s.add_deferred(verb::get, "/drop", [](const request_context&, herald::net::responder) {});
  answers a;
  BOOST_TEST(!s.dispatch(make_request(verb::get, "/drop"), a.factory()).has_value());
  BOOST_REQUIRE(a.got.size() == 1u);
  BOOST_TEST(a.got[0].result_int() == 500);
  BOOST_TEST(error_of(a.got[0]) == "Internal server error");
}

BOOST_AUTO_TEST_CASE(a_throwing_deferred_handler_is_answered_once_with_500) {
  service s;
  reported r;
  s.on_error([&](std::string_view route, std::string_view what) {
    r.route = route;
    r.what = what;
    ++r.calls;
  });
  s.add_deferred(verb::get, "/throw", [](const request_context&, herald::net::responder) {
    throw std::runtime_error("kaput");
  });
  answers a;
  BOOST_TEST(!s.dispatch(make_request(verb::get, "/throw"), a.factory()).has_value());
  BOOST_REQUIRE(a.got.size() == 1u);
  BOOST_TEST(a.got[0].result_int() == 500);
  BOOST_TEST(r.calls == 1);
  BOOST_TEST(r.route == "GET /throw");
  BOOST_TEST(r.what == "kaput");
}

BOOST_AUTO_TEST_CASE(a_deferred_route_without_a_factory_answers_500_at_once) {
  service s;
  reported r;
  s.on_error([&](std::string_view, std::string_view what) {
    r.what = what;
    ++r.calls;
  });
  s.add_deferred(verb::get, "/d", [](const request_context&, herald::net::responder) {});
  auto res = s.handle(make_request(verb::get, "/d"));
  BOOST_TEST(res.result_int() == 500);
  BOOST_TEST(r.calls == 1);
}

BOOST_AUTO_TEST_CASE(plain_routes_and_errors_are_answered_at_once_by_dispatch) {
  service s;
  s.add(verb::get, "/p", [](const request_context&) { return make_response(status::ok, "p"); });
  s.add_deferred(verb::get, "/d", [](const request_context&, herald::net::responder) {});
  answers a;
  auto plain = s.dispatch(make_request(verb::get, "/p"), a.factory());
  BOOST_REQUIRE(plain.has_value());
  BOOST_TEST(plain->body() == "p");
  BOOST_TEST(s.dispatch(make_request(verb::get, "/nope"), a.factory())->result_int() == 404);
  BOOST_TEST(s.dispatch(make_request(verb::post, "/d"), a.factory())->result_int() == 405);
  BOOST_TEST(a.got.empty());
  BOOST_CHECK_THROW(s.add_deferred(verb::get, "/p", {}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(a_responder_moved_over_a_pending_one_answers_the_old_one_500) {
  answers a;
  auto make = a.factory();
  auto first = make();
  auto second = make();
  first = std::move(second);
  BOOST_REQUIRE(a.got.size() == 1u);
  BOOST_TEST(a.got[0].result_int() == 500);
  BOOST_TEST(first.pending());
  first(make_response(status::ok, "x"));
  BOOST_TEST(a.got.size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
