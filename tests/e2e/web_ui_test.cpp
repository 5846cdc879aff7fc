// The demo page as the `herald` binary serves it over a real socket: the page, its files with
// their validators, 404 for a file it does not have, the route list, and `ui.enabled: false`.

#include "support/node_process.hpp"
#include "support/task_client.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

using namespace herald::test;

namespace {

const std::string quiet = R"({"log_level": "warn"})";

} // namespace

BOOST_AUTO_TEST_SUITE(web_ui)

BOOST_AUTO_TEST_CASE(the_root_serves_the_page_with_a_strict_policy) {
  node_process node{quiet};
  auto r = call(node.port(), "GET", "/");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.header("Content-Type") == "text/html; charset=utf-8");
  BOOST_TEST(r.header("Content-Security-Policy").starts_with("default-src 'self';"));
  BOOST_TEST(r.header("X-Content-Type-Options") == "nosniff");
  BOOST_TEST(r.header("Cache-Control") == "no-cache");
  BOOST_TEST(r.header("ETag").size() == 18u);
  BOOST_TEST(r.raw.body().starts_with("<!doctype html>"));
  BOOST_TEST(r.raw.body().find(R"(<script src="/ui/app.js" defer></script>)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_asset_is_revalidated_with_its_etag) {
  node_process node{quiet};
  auto first = call(node.port(), "GET", "/ui/app.js");
  BOOST_TEST(first.status == 200);
  BOOST_TEST(first.header("Content-Type") == "text/javascript; charset=utf-8");
  BOOST_TEST(first.header("X-Content-Type-Options") == "nosniff");
  BOOST_TEST(first.raw.body().find("new EventSource(") != std::string::npos);
  auto tag = first.header("ETag");
  BOOST_REQUIRE(tag.size() == 18u);

  auto again = call(node.port(), "GET", "/ui/app.js", "", "If-None-Match: " + tag + "\r\n");
  BOOST_TEST(again.status == 304);
  BOOST_TEST(again.raw.body().empty());
  BOOST_TEST(again.header("ETag") == tag);
  BOOST_TEST(again.header("Content-Length").empty()); // 304 carries no body and no length
  auto weak = call(node.port(), "GET", "/ui/app.js", "", "If-None-Match: \"x\", W/" + tag + "\r\n");
  BOOST_TEST(weak.status == 304);
  auto stale = call(node.port(), "GET", "/ui/app.js", "", "If-None-Match: \"0000\"\r\n");
  BOOST_TEST(stale.status == 200);
  BOOST_TEST(stale.raw.body() == first.raw.body());

  auto css = call(node.port(), "GET", "/ui/app.css");
  BOOST_TEST(css.status == 200);
  BOOST_TEST(css.header("Content-Type") == "text/css; charset=utf-8");
  BOOST_TEST(css.header("ETag") != tag);
}

BOOST_AUTO_TEST_CASE(an_unknown_asset_is_404_and_no_path_escapes) {
  node_process node{quiet};
  for (const char* target : {"/ui/missing.js", "/ui/..%2Fapp.js", "/ui/%2E%2E", "/ui/App.js"}) {
    BOOST_TEST_CONTEXT(target) {
      auto r = call(node.port(), "GET", target);
      BOOST_TEST(r.status == 404);
      BOOST_TEST(r.text("Error") == "Not found");
    }
  }
  BOOST_TEST(call(node.port(), "GET", "/ui/app.js/more").status == 404);
  BOOST_TEST(call(node.port(), "POST", "/ui/app.js").status == 405);
}

BOOST_AUTO_TEST_CASE(the_route_list_describes_the_demo_routes) {
  node_process node{quiet};
  auto r = call(node.port(), "GET", "/ui/routes");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.header("Content-Type") == "application/json");
  BOOST_TEST(r.header("Cache-Control") == "no-store");
  const auto& routes = r.json.as_array();
  BOOST_REQUIRE(routes.size() == 3u);
  const auto& process = routes.at(0).as_object();
  BOOST_TEST(process.at("Id").as_string() == "[POST]/process-data");
  BOOST_TEST(process.at("Method").as_string() == "POST");
  BOOST_TEST(process.at("Path").as_string() == "/process-data");
  BOOST_TEST(process.at("MaxConcurrent").as_int64() == 2);
  BOOST_TEST(process.at("MaxQueued").as_int64() == 1000);
  BOOST_TEST(process.at("Sse").at("Group").as_string() == "DataProcess");
  BOOST_TEST(process.at("Sse").at("EventsUrl").as_string() == "/process-data_events");
  BOOST_TEST(process.at("Sse").at("SendResult").as_bool() == false);
  BOOST_TEST(routes.at(1).at("Id").as_string() == "[GET]/generate-report");
  BOOST_TEST(routes.at(1).at("MaxConcurrent").as_int64() == 3);
  BOOST_TEST(routes.at(1).at("Sse").at("Group").as_string() == "/generate-report");
  BOOST_TEST(routes.at(2).at("Id").as_string() == "[GET]/sse");
  BOOST_TEST(routes.at(2).at("Sse").at("Group").as_string() == "Test events");
  BOOST_TEST(routes.at(2).at("Sse").at("SendResult").as_bool() == true);
}

BOOST_AUTO_TEST_CASE(without_the_demo_the_route_list_is_empty) {
  node_process node{R"({"log_level": "warn", "demo": {"enabled": false}})"};
  auto r = call(node.port(), "GET", "/ui/routes");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.json.as_array().empty());
  BOOST_TEST(call(node.port(), "GET", "/").status == 200);
}

BOOST_AUTO_TEST_CASE(disabling_the_page_removes_its_routes) {
  node_process node{R"({"log_level": "warn", "ui": {"enabled": false}})"};
  for (const char* target : {"/", "/ui/app.js", "/ui/routes"})
    BOOST_TEST(call(node.port(), "GET", target).status == 404, target);
  BOOST_TEST(call(node.port(), "GET", "/health").status == 200);
  BOOST_TEST(call(node.port(), "POST", "/process-data").status == 202); // the demo stays
}

BOOST_AUTO_TEST_SUITE_END()
