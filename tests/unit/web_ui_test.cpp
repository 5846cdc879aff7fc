#include "actors/async_route.hpp"
#include "app/web_ui.hpp"
#include "net/service.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>
#include <memory>
#include <string>
#include <vector>

using herald::actors::route_spec;
using herald::actors::sse_options;
using herald::app::content_type_for;
using herald::app::etag_matches;
using herald::app::find_web_asset;
using herald::app::routes_description;
using herald::app::strong_etag;
using herald::net::request;
using herald::net::service;
using herald::net::verb;

namespace http = boost::beast::http;

namespace {

std::shared_ptr<const route_spec> spec(std::string method, std::string path,
                                       std::optional<sse_options> sse) {
  auto s = std::make_shared<route_spec>();
  s->method = method;
  s->path = path;
  s->route_id = "[" + method + "]" + path;
  s->sse = std::move(sse);
  if (s->sse) {
    s->events_pattern = path + "_events";
    s->sse_group = s->sse->group.empty() ? path : s->sse->group;
  }
  return s;
}

request get(std::string_view target, std::string_view if_none_match = {}) {
  request req{verb::get, target, 11};
  req.set(http::field::host, "localhost");
  if (!if_none_match.empty())
    req.set(http::field::if_none_match, if_none_match);
  return req;
}

std::string header(const herald::net::response& res, http::field f) {
  return std::string{res[f]};
}

} // namespace

BOOST_AUTO_TEST_SUITE(web_ui_test)

// -- content types ----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(content_types_follow_the_extension_in_any_case) {
  BOOST_TEST(content_type_for("index.html") == "text/html; charset=utf-8");
  BOOST_TEST(content_type_for("app.js") == "text/javascript; charset=utf-8");
  BOOST_TEST(content_type_for("APP.JS") == "text/javascript; charset=utf-8");
  BOOST_TEST(content_type_for("app.css") == "text/css; charset=utf-8");
  BOOST_TEST(content_type_for("favicon.svg") == "image/svg+xml");
  BOOST_TEST(content_type_for("shot.png") == "image/png");
  BOOST_TEST(content_type_for("data.json") == "application/json");
}

BOOST_AUTO_TEST_CASE(unknown_or_missing_extensions_are_octet_streams) {
  BOOST_TEST(content_type_for("Makefile") == "application/octet-stream");
  BOOST_TEST(content_type_for("archive.tar.gz") == "application/octet-stream");
  BOOST_TEST(content_type_for("trailing.") == "application/octet-stream");
  BOOST_TEST(content_type_for("") == "application/octet-stream");
  BOOST_TEST(content_type_for("html") == "application/octet-stream");
}

// -- entity tags ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(an_etag_is_the_quoted_fnv1a_hash_of_the_bytes) {
  BOOST_TEST(strong_etag("") == "\"cbf29ce484222325\""); // the FNV-1a 64 offset basis
  BOOST_TEST(strong_etag("a") == "\"af63dc4c8601ec8c\"");
  BOOST_TEST(strong_etag("foobar") == "\"85944171f73967e8\"");
}

BOOST_AUTO_TEST_CASE(equal_bytes_give_equal_tags_and_a_changed_byte_another) {
  BOOST_TEST(strong_etag("body { color: red }") == strong_etag("body { color: red }"));
  BOOST_TEST(strong_etag("body { color: red }") != strong_etag("body { color: rEd }"));
}

BOOST_AUTO_TEST_CASE(if_none_match_matches_the_tag_in_a_list_or_weakly_or_star) {
  const std::string tag = "\"0123456789abcdef\"";
  BOOST_TEST(etag_matches(tag, tag));
  BOOST_TEST(etag_matches("  " + tag + "  ", tag));
  BOOST_TEST(etag_matches("\"other\", " + tag, tag));
  BOOST_TEST(etag_matches("\"other\"," + tag + ",\"third\"", tag));
  BOOST_TEST(etag_matches("W/" + tag, tag)); // If-None-Match compares weakly
  BOOST_TEST(etag_matches("*", tag));
}

BOOST_AUTO_TEST_CASE(if_none_match_without_the_tag_does_not_match) {
  const std::string tag = "\"0123456789abcdef\"";
  BOOST_TEST(!etag_matches("", tag));
  BOOST_TEST(!etag_matches("\"0123456789abcdee\"", tag));
  BOOST_TEST(!etag_matches("0123456789abcdef", tag)); // unquoted: another tag
  BOOST_TEST(!etag_matches(",,", tag));
  BOOST_TEST(!etag_matches("\"a\", *", tag)); // `*` only alone
  BOOST_TEST(!etag_matches(tag, ""));
}

// -- embedded files ---------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(the_page_and_its_files_are_embedded_with_types_and_tags) {
  for (const char* name : {"index.html", "app.js", "app.css", "favicon.svg"}) {
    BOOST_TEST_CONTEXT(name) {
      const auto* asset = find_web_asset(name);
      BOOST_REQUIRE(asset);
      BOOST_TEST(!asset->bytes.empty());
      BOOST_TEST(asset->content_type == content_type_for(name));
      BOOST_TEST(asset->etag == strong_etag(asset->bytes));
    }
  }
}

BOOST_AUTO_TEST_CASE(only_exact_names_of_embedded_files_are_found) {
  for (const char* name : {"", "routes", "APP.JS", "../app.js", "web/app.js", "app.js ", "/app.js"})
    BOOST_TEST(find_web_asset(name) == nullptr, "'" << name << "'");
}

BOOST_AUTO_TEST_CASE(the_page_loads_only_its_own_files_and_has_no_inline_script_or_style) {
  auto page = find_web_asset("index.html")->bytes;
  BOOST_TEST(page.find("<script src=\"/ui/app.js\"") != std::string_view::npos);
  BOOST_TEST(page.find("href=\"/ui/app.css\"") != std::string_view::npos);
  // Every script element loads a file (the Content-Security-Policy would block inline code).
  for (auto at = page.find("<script"); at != std::string_view::npos;
       at = page.find("<script", at + 1))
    BOOST_TEST(page.substr(at, 13) == "<script src=\"");
  BOOST_TEST(page.find(" style=") == std::string_view::npos);
  BOOST_TEST(page.find("<style") == std::string_view::npos);
  // No event handler attributes (onclick= and the like).
  for (auto at = page.find(" on"); at != std::string_view::npos; at = page.find(" on", at + 1)) {
    auto name_end = page.find_first_not_of("abcdefghijklmnopqrstuvwxyz", at + 3);
    BOOST_TEST(!(name_end != std::string_view::npos && page[name_end] == '='), page.substr(at, 20));
  }
  BOOST_TEST(page.find("//") == std::string_view::npos); // nothing from another origin
}

BOOST_AUTO_TEST_CASE(the_script_never_inserts_markup) {
  auto script = find_web_asset("app.js")->bytes;
  for (const char* sink : {"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write",
                           "eval(", "new Function", "http://", "https://"})
    BOOST_TEST(script.find(sink) == std::string_view::npos, sink);
}

// -- the route list ---------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(routes_are_described_with_their_limits_and_streams) {
  std::vector<std::shared_ptr<const route_spec>> routes;
  routes.push_back(spec("POST", "/process-data", sse_options{"DataProcess", false}));
  auto plain = std::make_shared<route_spec>(*spec("PUT", "/reports/{kind}/{year}", std::nullopt));
  plain->max_concurrent = 5;
  plain->max_queued = 7;
  plain->cancellable = false;
  plain->json_body = false;
  plain->timeout = std::nullopt;
  routes.push_back(plain);
  routes.push_back(spec("GET", "/generate-report", sse_options{{}, true}));

  auto expected = boost::json::parse(R"([
    {"Id":"[POST]/process-data","Method":"POST","Path":"/process-data","Parameters":[],
     "JsonBody":true,"Cancellable":true,"MaxConcurrent":2,"MaxQueued":1000,"TimeoutMs":28800000,
     "Sse":{"Group":"DataProcess","EventsUrl":"/process-data_events","SendResult":false}},
    {"Id":"[PUT]/reports/{kind}/{year}","Method":"PUT","Path":"/reports/{kind}/{year}",
     "Parameters":["kind","year"],"JsonBody":false,"Cancellable":false,"MaxConcurrent":5,
     "MaxQueued":7,"TimeoutMs":null,"Sse":null},
    {"Id":"[GET]/generate-report","Method":"GET","Path":"/generate-report","Parameters":[],
     "JsonBody":true,"Cancellable":true,"MaxConcurrent":2,"MaxQueued":1000,"TimeoutMs":28800000,
     "Sse":{"Group":"/generate-report","EventsUrl":"/generate-report_events","SendResult":true}}
  ])");
  auto got = routes_description(routes);
  BOOST_TEST(got == expected, boost::json::serialize(got));
  BOOST_TEST(routes_description({}) == boost::json::parse("[]"));
}

// -- the routes, without sockets --------------------------------------------------------------

BOOST_AUTO_TEST_CASE(the_routes_answer_with_validators_and_a_strict_policy) {
  std::vector<std::shared_ptr<const route_spec>> routes;
  service svc;
  herald::app::add_web_ui(svc, routes);
  routes.push_back(spec("GET", "/sse", sse_options{"Test events", true})); // read per request

  auto page = svc.handle(get("/"));
  BOOST_TEST(page.result_int() == 200);
  BOOST_TEST(header(page, http::field::content_type) == "text/html; charset=utf-8");
  BOOST_TEST(header(page, http::field::etag) == find_web_asset("index.html")->etag);
  BOOST_TEST(header(page, http::field::cache_control) == "no-cache");
  BOOST_TEST(std::string{page["Content-Security-Policy"]}.starts_with("default-src 'self';"));
  BOOST_TEST(page["X-Content-Type-Options"] == "nosniff");

  const auto& js = *find_web_asset("app.js");
  auto fresh = svc.handle(get("/ui/app.js"));
  BOOST_TEST(fresh.result_int() == 200);
  BOOST_TEST(fresh.body() == js.bytes);
  auto cached = svc.handle(get("/ui/app.js", js.etag));
  BOOST_TEST(cached.result_int() == 304);
  BOOST_TEST(cached.body().empty());
  BOOST_TEST(header(cached, http::field::etag) == js.etag);
  BOOST_TEST(svc.handle(get("/ui/app.js", "\"stale\"")).result_int() == 200);

  auto missing = svc.handle(get("/ui/missing.js"));
  BOOST_TEST(missing.result_int() == 404);
  BOOST_TEST(missing["X-Content-Type-Options"] == "nosniff");

  auto list = svc.handle(get("/ui/routes"));
  BOOST_TEST(list.result_int() == 200);
  BOOST_TEST(header(list, http::field::cache_control) == "no-store");
  auto json = boost::json::parse(list.body());
  BOOST_TEST(json.as_array().size() == 1u);
  BOOST_TEST(json.at(0).at("Sse").at("Group").as_string() == "Test events");
}

BOOST_AUTO_TEST_SUITE_END()
