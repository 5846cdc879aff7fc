#include "net/router.hpp"

#include <boost/test/unit_test.hpp>
#include <stdexcept>
#include <string>
#include <vector>

using herald::net::route_match;
using herald::net::router;
using herald::net::split_path;
using herald::net::split_pattern;
using herald::net::verb;

namespace {

using segments = std::vector<std::string>;
using outcome = route_match::outcome;

/// Splits `target` the way the service does, failing the test if it is not a valid path.
segments path(std::string_view target) {
  segments out;
  BOOST_REQUIRE_MESSAGE(split_path(target, out), "split_path rejected " << target);
  return out;
}

route_match lookup(const router& r, verb method, std::string_view target) {
  return r.match(method, path(target));
}

} // namespace

BOOST_TEST_DONT_PRINT_LOG_VALUE(route_match::outcome)

BOOST_AUTO_TEST_SUITE(router_test)

// -- matching ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(routes_get_ids_in_declaration_order) {
  router r;
  BOOST_TEST(r.add(verb::get, "/a") == 0u);
  BOOST_TEST(r.add(verb::get, "/b") == 1u);
  BOOST_TEST(r.add(verb::post, "/a") == 2u);
  BOOST_TEST(r.size() == 3u);
}

BOOST_AUTO_TEST_CASE(literal_route_matches_its_path) {
  router r;
  r.add(verb::get, "/hello");
  auto id = r.add(verb::get, "/hello/world");
  auto m = lookup(r, verb::get, "/hello/world");
  BOOST_TEST(m.result == outcome::found);
  BOOST_TEST(m.route == id);
  BOOST_TEST(m.params.empty());
  BOOST_TEST(m.allow.empty());
}

BOOST_AUTO_TEST_CASE(capture_route_binds_its_param) {
  router r;
  auto id = r.add(verb::get, "/tasks/{id}");
  auto m = lookup(r, verb::get, "/tasks/42");
  BOOST_TEST(m.result == outcome::found);
  BOOST_TEST(m.route == id);
  BOOST_REQUIRE_EQUAL(m.params.size(), 1u);
  BOOST_TEST(m.params[0].first == "id");
  BOOST_TEST(m.params[0].second == "42");
}

BOOST_AUTO_TEST_CASE(several_captures_come_in_pattern_order) {
  router r;
  r.add(verb::get, "/users/{user}/tasks/{task_id}");
  auto m = lookup(r, verb::get, "/users/ann/tasks/7");
  BOOST_TEST(m.result == outcome::found);
  BOOST_REQUIRE_EQUAL(m.params.size(), 2u);
  BOOST_TEST(m.params[0].first == "user");
  BOOST_TEST(m.params[0].second == "ann");
  BOOST_TEST(m.params[1].first == "task_id");
  BOOST_TEST(m.params[1].second == "7");
}

BOOST_AUTO_TEST_CASE(captured_params_are_percent_decoded) {
  router r;
  r.add(verb::get, "/hello/{name}");
  auto m = lookup(r, verb::get, "/hello/a%20b");
  BOOST_TEST(m.result == outcome::found);
  BOOST_REQUIRE_EQUAL(m.params.size(), 1u);
  BOOST_TEST(m.params[0].second == "a b");
}

BOOST_AUTO_TEST_CASE(an_encoded_slash_stays_inside_one_segment) {
  router r;
  r.add(verb::get, "/files/{name}");
  auto m = lookup(r, verb::get, "/files/a%2Fb");
  BOOST_TEST(m.result == outcome::found);
  BOOST_REQUIRE_EQUAL(m.params.size(), 1u);
  BOOST_TEST(m.params[0].second == "a/b");
}

BOOST_AUTO_TEST_CASE(literal_segment_wins_over_capture) {
  router r;
  auto capture = r.add(verb::get, "/tasks/{id}");
  auto literal = r.add(verb::get, "/tasks/stats");
  auto m = lookup(r, verb::get, "/tasks/stats");
  BOOST_TEST(m.result == outcome::found);
  BOOST_TEST(m.route == literal);
  BOOST_TEST(m.params.empty());
  BOOST_TEST(lookup(r, verb::get, "/tasks/7").route == capture);
}

BOOST_AUTO_TEST_CASE(literal_segment_wins_whatever_the_declaration_order) {
  router r;
  auto literal = r.add(verb::get, "/tasks/stats");
  r.add(verb::get, "/tasks/{id}");
  BOOST_TEST(lookup(r, verb::get, "/tasks/stats").route == literal);
}

BOOST_AUTO_TEST_CASE(capture_does_not_match_an_empty_segment) {
  router r;
  r.add(verb::get, "/a/{x}/b");
  BOOST_TEST(lookup(r, verb::get, "/a//b").result == outcome::not_found);
}

BOOST_AUTO_TEST_CASE(unknown_path_is_not_found) {
  router r;
  r.add(verb::get, "/hello");
  r.add(verb::get, "/hello/{name}");
  auto m = lookup(r, verb::get, "/nope");
  BOOST_TEST(m.result == outcome::not_found);
  BOOST_TEST(m.allow.empty());
  BOOST_TEST(lookup(r, verb::get, "/hello/a/b").result == outcome::not_found);
}

BOOST_AUTO_TEST_CASE(empty_router_finds_nothing) {
  router r;
  BOOST_TEST(r.size() == 0u);
  BOOST_TEST(lookup(r, verb::get, "/").result == outcome::not_found);
}

BOOST_AUTO_TEST_CASE(matching_is_case_sensitive) {
  router r;
  r.add(verb::get, "/Hello");
  BOOST_TEST(lookup(r, verb::get, "/hello").result == outcome::not_found);
  BOOST_TEST(lookup(r, verb::get, "/Hello").result == outcome::found);
}

BOOST_AUTO_TEST_CASE(root_route_matches_slash_only) {
  router r;
  auto root = r.add(verb::get, "/");
  r.add(verb::get, "/a");
  auto m = lookup(r, verb::get, "/");
  BOOST_TEST(m.result == outcome::found);
  BOOST_TEST(m.route == root);
  BOOST_TEST(lookup(r, verb::get, "/b").result == outcome::not_found);
}

BOOST_AUTO_TEST_CASE(trailing_slash_is_equivalent_in_the_path) {
  router r;
  auto id = r.add(verb::get, "/hello");
  auto m = lookup(r, verb::get, "/hello/");
  BOOST_TEST(m.result == outcome::found);
  BOOST_TEST(m.route == id);
}

BOOST_AUTO_TEST_CASE(trailing_slash_is_equivalent_in_the_pattern) {
  router r;
  auto id = r.add(verb::get, "/hello/{name}/");
  auto m = lookup(r, verb::get, "/hello/bob");
  BOOST_TEST(m.result == outcome::found);
  BOOST_TEST(m.route == id);
  BOOST_TEST(m.params.at(0).second == "bob");
}

BOOST_AUTO_TEST_CASE(only_one_trailing_slash_is_dropped) {
  router r;
  r.add(verb::get, "/hello");
  BOOST_TEST(lookup(r, verb::get, "/hello//").result == outcome::not_found);
}

BOOST_AUTO_TEST_CASE(query_string_does_not_affect_matching) {
  router r;
  auto id = r.add(verb::get, "/search");
  auto m = lookup(r, verb::get, "/search?q=a/b&x=%7By%7D");
  BOOST_TEST(m.result == outcome::found);
  BOOST_TEST(m.route == id);
}

// -- methods ----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(same_path_routes_by_method) {
  router r;
  auto get = r.add(verb::get, "/tasks");
  auto post = r.add(verb::post, "/tasks");
  BOOST_TEST(lookup(r, verb::get, "/tasks").route == get);
  BOOST_TEST(lookup(r, verb::post, "/tasks").route == post);
}

BOOST_AUTO_TEST_CASE(other_method_is_405_with_sorted_allow_including_head) {
  router r;
  r.add(verb::post, "/tasks");
  r.add(verb::get, "/tasks");
  r.add(verb::delete_, "/tasks");
  auto m = lookup(r, verb::put, "/tasks");
  BOOST_TEST(m.result == outcome::method_not_allowed);
  BOOST_TEST(m.allow == "DELETE, GET, HEAD, POST");
  BOOST_TEST(m.params.empty());
}

BOOST_AUTO_TEST_CASE(allow_is_get_and_head_for_a_get_only_path) {
  router r;
  r.add(verb::get, "/hello/{name}");
  auto m = lookup(r, verb::post, "/hello/bob");
  BOOST_TEST(m.result == outcome::method_not_allowed);
  BOOST_TEST(m.allow == "GET, HEAD");
}

BOOST_AUTO_TEST_CASE(allow_has_no_head_without_a_get_route) {
  router r;
  r.add(verb::post, "/submit");
  r.add(verb::put, "/submit");
  auto m = lookup(r, verb::get, "/submit");
  BOOST_TEST(m.result == outcome::method_not_allowed);
  BOOST_TEST(m.allow == "POST, PUT");
}

BOOST_AUTO_TEST_CASE(allow_lists_head_once_when_declared_explicitly) {
  router r;
  r.add(verb::head, "/x");
  r.add(verb::get, "/x");
  auto m = lookup(r, verb::post, "/x");
  BOOST_TEST(m.result == outcome::method_not_allowed);
  BOOST_TEST(m.allow == "GET, HEAD");
}

BOOST_AUTO_TEST_CASE(allow_merges_methods_of_every_matching_pattern) {
  router r;
  r.add(verb::get, "/tasks/{id}");
  r.add(verb::delete_, "/tasks/stats");
  auto m = lookup(r, verb::post, "/tasks/stats");
  BOOST_TEST(m.result == outcome::method_not_allowed);
  BOOST_TEST(m.allow == "DELETE, GET, HEAD");
}

BOOST_AUTO_TEST_CASE(capture_route_answers_when_the_literal_has_another_method) {
  router r;
  auto capture = r.add(verb::get, "/tasks/{id}");
  r.add(verb::delete_, "/tasks/stats");
  auto m = lookup(r, verb::get, "/tasks/stats");
  BOOST_TEST(m.result == outcome::found);
  BOOST_TEST(m.route == capture);
  BOOST_TEST(m.params.at(0).second == "stats");
}

BOOST_AUTO_TEST_CASE(head_falls_back_to_get) {
  router r;
  auto get = r.add(verb::get, "/hello/{name}");
  auto m = lookup(r, verb::head, "/hello/bob");
  BOOST_TEST(m.result == outcome::found);
  BOOST_TEST(m.route == get);
  BOOST_TEST(m.params.at(0).second == "bob");
}

BOOST_AUTO_TEST_CASE(explicit_head_route_wins_over_get) {
  router r;
  r.add(verb::get, "/x");
  auto head = r.add(verb::head, "/x");
  BOOST_TEST(lookup(r, verb::head, "/x").route == head);
}

BOOST_AUTO_TEST_CASE(head_fallback_prefers_the_literal_get_route) {
  router r;
  r.add(verb::get, "/tasks/{id}");
  auto literal = r.add(verb::get, "/tasks/stats");
  BOOST_TEST(lookup(r, verb::head, "/tasks/stats").route == literal);
}

BOOST_AUTO_TEST_CASE(get_does_not_fall_back_to_head) {
  router r;
  r.add(verb::head, "/x");
  auto m = lookup(r, verb::get, "/x");
  BOOST_TEST(m.result == outcome::method_not_allowed);
  BOOST_TEST(m.allow == "HEAD");
}

BOOST_AUTO_TEST_CASE(head_without_get_route_is_405) {
  router r;
  r.add(verb::post, "/x");
  auto m = lookup(r, verb::head, "/x");
  BOOST_TEST(m.result == outcome::method_not_allowed);
  BOOST_TEST(m.allow == "POST");
}

// -- declaring routes -------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(pattern_without_leading_slash_throws) {
  router r;
  BOOST_CHECK_THROW(r.add(verb::get, "hello"), std::invalid_argument);
  BOOST_CHECK_THROW(r.add(verb::get, ""), std::invalid_argument);
  BOOST_CHECK_THROW(r.add(verb::get, "{id}"), std::invalid_argument);
  BOOST_TEST(r.size() == 0u);
}

BOOST_AUTO_TEST_CASE(pattern_with_empty_segment_throws) {
  router r;
  BOOST_CHECK_THROW(r.add(verb::get, "//"), std::invalid_argument);
  BOOST_CHECK_THROW(r.add(verb::get, "/a//b"), std::invalid_argument);
  BOOST_CHECK_THROW(r.add(verb::get, "//a"), std::invalid_argument);
  BOOST_CHECK_THROW(r.add(verb::get, "/a//"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(pattern_with_malformed_capture_throws) {
  router r;
  for (const char* pattern : {"/{}", "/{a", "/a}", "/x/{a", "/{a}b", "/a{b}", "/{a}{b}", "/{{a}}",
                              "/{bad name!}", "/{a.b}", "/{a/b}", "/{ a}"}) {
    BOOST_TEST_CONTEXT("pattern " << pattern) {
      BOOST_CHECK_THROW(r.add(verb::get, pattern), std::invalid_argument);
    }
  }
  BOOST_TEST(r.size() == 0u);
}

BOOST_AUTO_TEST_CASE(pattern_with_query_or_fragment_throws) {
  router r;
  BOOST_CHECK_THROW(r.add(verb::get, "/a?b=1"), std::invalid_argument);
  BOOST_CHECK_THROW(r.add(verb::get, "/a#top"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(malformed_pattern_error_names_the_pattern) {
  router r;
  try {
    r.add(verb::get, "/tasks/{bad name!}");
    BOOST_FAIL("no exception");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string{e.what()}.find("/tasks/{bad name!}") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(capture_names_allow_letters_digits_underscore_and_dash) {
  router r;
  BOOST_CHECK_NO_THROW(r.add(verb::get, "/{Task_id-2}"));
}

BOOST_AUTO_TEST_CASE(duplicate_method_and_pattern_throws) {
  router r;
  r.add(verb::get, "/tasks");
  BOOST_CHECK_THROW(r.add(verb::get, "/tasks"), std::invalid_argument);
  BOOST_TEST(r.size() == 1u);
}

BOOST_AUTO_TEST_CASE(duplicate_differing_only_by_trailing_slash_throws) {
  router r;
  r.add(verb::get, "/tasks");
  BOOST_CHECK_THROW(r.add(verb::get, "/tasks/"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(duplicate_differing_only_by_capture_name_throws) {
  router r;
  r.add(verb::get, "/tasks/{id}");
  BOOST_CHECK_THROW(r.add(verb::get, "/tasks/{task}"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(duplicate_error_names_method_and_pattern) {
  router r;
  r.add(verb::post, "/tasks/{id}");
  try {
    r.add(verb::post, "/tasks/{other}");
    BOOST_FAIL("no exception");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string{e.what()}.find("POST /tasks/{other}") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(same_pattern_with_another_method_is_not_a_duplicate) {
  router r;
  r.add(verb::get, "/tasks/{id}");
  BOOST_CHECK_NO_THROW(r.add(verb::put, "/tasks/{id}"));
  BOOST_CHECK_NO_THROW(r.add(verb::get, "/tasks/stats"));
}

// -- splitting --------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(split_path_decodes_and_drops_the_trailing_slash) {
  BOOST_TEST(path("/a/b%20c/") == (segments{"a", "b c"}), boost::test_tools::per_element());
  BOOST_TEST(path("/").empty());
  BOOST_TEST(path("/a") == (segments{"a"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_capture_name_used_twice_in_one_pattern_throws) {
  router r;
  BOOST_CHECK_THROW(r.add(verb::get, "/x/{id}/{id}"), std::invalid_argument);
  BOOST_CHECK_NO_THROW(r.add(verb::get, "/x/{id}/{other}"));
}

BOOST_AUTO_TEST_CASE(split_path_ignores_the_query) {
  BOOST_TEST(path("/a/b?c=/d/e&f") == (segments{"a", "b"}), boost::test_tools::per_element());
  BOOST_TEST(path("/?x=1").empty());
  BOOST_TEST(path("/a?") == (segments{"a"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(split_path_keeps_inner_empty_segments) {
  BOOST_TEST(path("/a//b") == (segments{"a", "", "b"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(split_path_rejects_invalid_targets) {
  for (const char* target : {"", "*", "a/b", "http://x/", "http://x/a?b", "/a/%zz", "/a/%2", "/a b",
                             "/a#frag", "/a\r\n", "/a\"b", "/{id}"}) {
    segments out{"stale"};
    BOOST_TEST_CONTEXT("target '" << target << "'") {
      BOOST_TEST(!split_path(target, out));
      BOOST_TEST(out.empty()); // nothing left over from the previous request
    }
  }
}

BOOST_AUTO_TEST_CASE(split_path_clears_previous_segments) {
  segments out{"x", "y"};
  BOOST_REQUIRE(split_path("/a", out));
  BOOST_TEST(out == (segments{"a"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(split_pattern_keeps_raw_segments) {
  BOOST_TEST(split_pattern("/a/{id}/b%20c/") == (segments{"a", "{id}", "b%20c"}),
             boost::test_tools::per_element());
  BOOST_TEST(split_pattern("/").empty());
  BOOST_TEST(split_pattern("/a//b") == (segments{"a", "", "b"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
