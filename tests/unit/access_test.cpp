// Who may call a route (app/access.hpp) and the rules it is made of (net/identity.hpp): each
// decision of `admit` and `allows`, and the 401/403 answers, without sockets.

#include "app/access.hpp"
#include "app/authenticator.hpp"
#include "app/config.hpp"
#include "net/identity.hpp"
#include "net/request_context.hpp"

#include <boost/test/unit_test.hpp>
#include <memory>
#include <string>
#include <variant>

namespace app = herald::app;
namespace net = herald::net;

namespace {

/// An authenticator with two keys (ann in group ops, bob with scope publish:news).
std::shared_ptr<const app::authenticator> two_users(bool required = false) {
  auto parsed = app::parse_config(std::string{R"({"auth": {"required": )"} +
                                  (required ? "true" : "false") + R"(, "keys": [
        {"key": "ann-key-0123456789ab", "user": "ann", "groups": ["ops"]},
        {"key": "bob-key-0123456789ab", "user": "bob", "scopes": ["publish:news"]}]}})");
  BOOST_REQUIRE_MESSAGE(parsed.value.has_value(), parsed.error);
  return std::make_shared<const app::authenticator>(parsed.value->auth);
}

net::request get(std::string_view key) {
  net::request rq{net::verb::get, "/x", 11};
  if (!key.empty())
    rq.set("X-API-Key", key);
  return rq;
}

/// "none", "anonymous", the user's name, or the refusal's status.
std::string decision(const app::authenticator& auth, const app::route_access& route,
                     std::string_view key) {
  auto rq = get(key);
  auto admitted = app::admit(auth, route, net::request_context{rq, {}});
  if (const auto* refusal = std::get_if<app::access_refusal>(&admitted))
    return std::to_string(static_cast<unsigned>(app::refusal_response(*refusal).result_int()));
  const auto& who = std::get<std::shared_ptr<const net::identity>>(admitted);
  return who ? who->user : "anonymous";
}

} // namespace

BOOST_AUTO_TEST_SUITE(access_test)

BOOST_AUTO_TEST_CASE(a_rule_names_users_groups_roles_or_scopes) {
  net::identity ann{"ann", {"ops"}, {"viewer"}, {"read:x"}, {}, {}};
  net::access_rule rule;
  BOOST_TEST(!net::allows(rule, ann)); // an empty rule names nobody
  rule.users = {"bob"};
  BOOST_TEST(!net::allows(rule, ann));
  for (auto set : {+[](net::access_rule& r) { r.users.push_back("ann"); },
                   +[](net::access_rule& r) { r.groups.push_back("ops"); },
                   +[](net::access_rule& r) { r.roles.push_back("viewer"); },
                   +[](net::access_rule& r) { r.scopes.push_back("read:x"); },
                   +[](net::access_rule& r) {
                     r.users.push_back("*");
                   }}) {
    net::access_rule r;
    set(r);
    BOOST_TEST(net::allows(r, ann));
  }
  BOOST_TEST(net::has_scope(ann, "read:x"));
  BOOST_TEST(!net::has_scope(ann, "read"));
  auto both = net::merged(rule, net::access_rule{{"ann", "bob"}, {"ops"}, {}, {}});
  BOOST_TEST((both.users == std::vector<std::string>{"bob", "ann"}));
  BOOST_TEST((both.groups == std::vector<std::string>{"ops"}));
}

BOOST_AUTO_TEST_CASE(without_auth_nothing_is_read) {
  app::authenticator off{app::auth_settings{}};
  BOOST_TEST(decision(off, {}, "ann-key-0123456789ab") == "anonymous");
  BOOST_TEST(decision(off, app::route_access{.credential = true}, "") == "anonymous");
}

BOOST_AUTO_TEST_CASE(a_route_that_names_nobody_takes_anyone_and_knows_who_called) {
  auto auth = two_users();
  BOOST_TEST(decision(*auth, {}, "") == "anonymous");
  BOOST_TEST(decision(*auth, {}, "ann-key-0123456789ab") == "ann");
  BOOST_TEST(decision(*auth, {}, "not-a-key-0123456789") == "401"); // a bad one is refused
}

BOOST_AUTO_TEST_CASE(a_route_rule_admits_only_whom_it_names) {
  auto auth = two_users();
  app::route_access ops;
  ops.allow.groups = {"ops"};
  BOOST_TEST(decision(*auth, ops, "ann-key-0123456789ab") == "ann");
  BOOST_TEST(decision(*auth, ops, "bob-key-0123456789ab") == "403");
  BOOST_TEST(decision(*auth, ops, "") == "401");
}

BOOST_AUTO_TEST_CASE(auth_required_needs_a_credential_unless_the_route_is_open) {
  auto auth = two_users(true);
  BOOST_TEST(decision(*auth, {}, "") == "401");
  BOOST_TEST(decision(*auth, {}, "bob-key-0123456789ab") == "bob");
  BOOST_TEST(decision(*auth, app::route_access::open(), "") == "anonymous");
}

BOOST_AUTO_TEST_CASE(refusals_say_how_to_authenticate) {
  auto unauthenticated = app::refusal_response({app::access_error::unauthenticated, {}}, "task-1");
  BOOST_TEST(unauthenticated.result_int() == 401u);
  BOOST_TEST(unauthenticated[net::http::field::www_authenticate] == "Bearer realm=\"herald\"");
  BOOST_TEST(unauthenticated.body().find(R"("Id":"task-1")") != std::string::npos);
  auto invalid = app::refusal_response({app::access_error::invalid, "token \"expired\""});
  BOOST_TEST(
      invalid[net::http::field::www_authenticate] ==
      R"(Bearer realm="herald", error="invalid_token", error_description="token \"expired\"")");
  auto forbidden = app::refusal_response(app::not_entitled(nullptr, "x"));
  BOOST_TEST(forbidden.result_int() == 401u); // nobody asked: a credential might do
  net::identity bob{"bob", {}, {}, {}, {}, {}};
  auto refused = app::refusal_response(app::not_entitled(&bob, "read this task"));
  BOOST_TEST(refused.result_int() == 403u);
  BOOST_TEST(refused.body().find("User 'bob' may not read this task") != std::string::npos);
  BOOST_TEST(refused[net::http::field::www_authenticate].empty());
}

BOOST_AUTO_TEST_SUITE_END()
