// The ids the node makes and the API-key helpers (app/ids.hpp, app/keys.hpp).

#include "app/ids.hpp"
#include "app/keys.hpp"
#include "net/request_context.hpp"

#include <boost/test/unit_test.hpp>
#include <regex>
#include <set>
#include <string>

namespace http = boost::beast::http;
using herald::net::request;
using herald::net::request_context;

namespace {

/// Version 4, RFC 4122 variant, lower case: the form of Pode's ids.
const std::regex guid_format{
    R"(^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$)"};

request with_header(http::field name, std::string_view value) {
  request req{http::verb::post, "/sse/g", 11};
  req.set(name, value);
  return req;
}

} // namespace

BOOST_AUTO_TEST_SUITE(ids_and_keys)

BOOST_AUTO_TEST_CASE(task_and_client_ids_are_fresh_version_4_guids) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto task = herald::app::random_task_id();
    auto client = herald::app::random_client_id();
    BOOST_TEST(std::regex_match(task, guid_format), task);
    BOOST_TEST(std::regex_match(client, guid_format), client);
    seen.insert(task);
    seen.insert(client);
  }
  BOOST_TEST(seen.size() == 2000u);
}

BOOST_AUTO_TEST_CASE(keys_compare_whole) {
  using herald::app::same_key;
  BOOST_TEST(same_key("secret", "secret"));
  BOOST_TEST(!same_key("secre", "secret"));
  BOOST_TEST(!same_key("secretx", "secret"));
  BOOST_TEST(!same_key("Secret", "secret"));
  BOOST_TEST(!same_key("", "secret"));
  BOOST_TEST(same_key("", ""));
}

BOOST_AUTO_TEST_CASE(a_key_is_presented_by_header_or_bearer_token) {
  using herald::app::presented_key;
  request api{http::verb::post, "/sse/g", 11};
  api.set("X-API-Key", " k1 ");
  BOOST_TEST(presented_key(request_context{api, {}}) == "k1");
  auto bearer = with_header(http::field::authorization, "bearer  k2");
  BOOST_TEST(presented_key(request_context{bearer, {}}) == "k2");
  auto basic = with_header(http::field::authorization, "Basic k3");
  BOOST_TEST(presented_key(request_context{basic, {}}).empty());
  request none{http::verb::post, "/sse/g", 11};
  BOOST_TEST(presented_key(request_context{none, {}}).empty());
}

BOOST_AUTO_TEST_SUITE_END()
