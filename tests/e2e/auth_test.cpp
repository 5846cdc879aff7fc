// Identity and permissions end to end (SPEC §4.8, the read rule of §4.5), in-process nodes over
// real sockets: two users with their own keys, routes that grant Read to a group or admit only
// some callers, queries that return only what the caller may read, JWTs (HS256 and RS256 made
// with the `openssl` command line) with their expiry, leeway and refusals, signed stream URLs,
// group read and publish rights, and a stream ended when its credential expires.

#include "app/server.hpp"
#include "support/in_process_node.hpp"
#include "support/jwt_maker.hpp"
#include "support/node_process.hpp"
#include "support/sse_stream.hpp"
#include "support/task_client.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>
#include <csignal>
#include <fstream>
#include <set>
#include <string>
#include <vector>

using namespace herald::test;
using namespace std::chrono_literals;
namespace app = herald::app;
namespace net = herald::net;
namespace json = boost::json;

namespace {

constexpr std::string_view ann_key = "ann-key-0123456789abcdef";
constexpr std::string_view bob_key = "bob-key-0123456789abcdef";
constexpr std::string_view eve_key = "eve-key-0123456789abcdef";
constexpr std::string_view hs_secret = "an-hs256-secret-of-at-least-32-bytes!";
constexpr std::string_view stream_secret = "a-stream-secret-of-at-least-32-bytes";

/// The SHA-256 of `key` in hex, as an operator writes `key_sha256` (`sha256sum`).
std::string sha256_hex(std::string_view key, const scratch_dir& dir) {
  auto in = dir.path() / "key";
  {
    std::ofstream out{in, std::ios::binary};
    out << key;
  }
  auto out = dir.path() / "digest";
  if (std::system(("sha256sum '" + in.string() + "' > '" + out.string() + "'").c_str()) != 0)
    throw std::runtime_error("sha256sum failed");
  return read_file(out).substr(0, 64);
}

/// ann (group ops) and eve (group ops, role viewer) by digest, bob by plain key; JWTs with
/// an HS256 secret and `rsa`'s public key; a `news` group ops may read and editors publish.
std::string auth_document(const scratch_dir& dir, const rsa_keys& rsa, bool required) {
  json::object doc;
  json::array keys;
  keys.push_back({{"key_sha256", sha256_hex(ann_key, dir)}, {"user", "ann"}, {"groups", {"ops"}}});
  keys.push_back({{"key", bob_key}, {"user", "bob"}, {"scopes", {"publish:news"}}});
  keys.push_back({{"key_sha256", sha256_hex(eve_key, dir)},
                  {"user", "eve"},
                  {"groups", {"ops"}},
                  {"roles", {"viewer"}}});
  json::object jwt{{"hs256_secret", hs_secret},
                   {"public_keys", {rsa.public_pem.string()}},
                   {"issuer", "https://id.example"},
                   {"audience", "herald"},
                   {"leeway_s", 5}};
  doc["auth"] = {{"keys", keys},
                 {"jwt", jwt},
                 {"cookie", "herald_auth"},
                 {"stream_secret", stream_secret},
                 {"required", required}};
  doc["sse"] = {{"groups", {{"news", {{"read", {{"groups", {"ops"}}}}}}}}};
  return json::serialize(doc);
}

app::config auth_config(const scratch_dir& dir, const rsa_keys& rsa, bool required = false) {
  auto parsed = app::parse_config(auth_document(dir, rsa, required), quiet_config());
  if (!parsed.value)
    throw std::runtime_error("config: " + parsed.error);
  return *parsed.value;
}

std::string bearer(std::string_view credential) {
  return "Authorization: Bearer " + std::string{credential} + "\r\n";
}
std::string api_key(std::string_view key) {
  return "X-API-Key: " + std::string{key} + "\r\n";
}

/// The routes: `POST /jobs` (anyone; its tasks readable by group ops), `POST /hold` (waits to
/// be cancelled), `POST /private` (ann only), a plain `GET /whoami`.
void declare_routes(app::server& node) {
  app::async_options jobs;
  jobs.blocking = false;
  jobs.access.read.groups = {"ops"};
  node.async_route(net::verb::post, "/jobs", jobs, [](app::task_context& ctx) -> json::value {
    return json::value(ctx.user().value_or("nobody"));
  });
  app::async_options hold;
  hold.sse = app::async_options{}.sse;
  node.async_route(net::verb::post, "/hold", hold, [](app::task_context& ctx) -> json::value {
    ctx.sleep_for(10s);
    return "held";
  });
  app::async_options only_ann;
  only_ann.blocking = false;
  only_ann.access.allow.users = {"ann"};
  node.async_route(net::verb::post, "/private", only_ann,
                   [](app::task_context&) -> json::value { return "secret"; });
  node.get("/whoami", [](const net::request_context& rq) {
    return net::make_response(net::status::ok, rq.caller() ? rq.caller()->user : "anonymous");
  });
}

struct auth_fixture {
  scratch_dir dir;
  rsa_keys rsa = make_rsa_keys(dir.path());
};

std::string start(std::uint16_t port, std::string_view route, std::string_view who) {
  auto r = call(port, "POST", route, "{}", who);
  BOOST_REQUIRE_MESSAGE(r.status == 202,
                        "start " << route << ": " << r.status << " " << r.raw.body());
  return r.text("Id");
}

/// Waits (bounded) until `id` is terminal, reading it as `who`.
api_reply await_done(std::uint16_t port, std::string_view id, std::string_view who) {
  for (int i = 0; i < 20; ++i) {
    auto r = call(port, "GET", "/tasks/" + std::string{id} + "?wait=5", "", who);
    BOOST_REQUIRE_MESSAGE(r.status == 200, "task " << id << ": " << r.status);
    if (r.json.at("IsCompleted").as_bool())
      return r;
  }
  throw std::runtime_error("task did not finish in time");
}

/// A JWT payload for `user` with the node's issuer and audience, expiring `exp` from now.
std::string claims(std::string_view user, std::chrono::seconds exp = 300s,
                   std::string_view extra = "") {
  return R"({"iss":"https://id.example","aud":"herald","sub":")" + std::string{user} +
         R"(","exp":)" + std::to_string(unix_time(exp)) + std::string{extra} + "}";
}

constexpr std::string_view hs_header = R"({"alg":"HS256","typ":"JWT"})";
constexpr std::string_view rs_header = R"({"alg":"RS256","typ":"JWT"})";

std::set<std::string> ids_of(const api_reply& r) {
  std::set<std::string> out;
  for (const auto& t : r.json.as_array())
    out.insert(std::string{t.at("Id").as_string()});
  return out;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(auth_test, auth_fixture)

BOOST_AUTO_TEST_CASE(each_user_reads_and_cancels_only_their_own_tasks) {
  app::server node{auth_config(dir, rsa)};
  declare_routes(node);
  in_process_node run{node};
  auto p = run.port();
  auto ann_task = start(p, "/hold", bearer(ann_key));
  auto bob_task = start(p, "/hold", api_key(bob_key));

  auto own = get_task(p, ann_task, bearer(ann_key));
  BOOST_TEST(own.status == 200u);
  BOOST_TEST(own.text("User") == "ann");
  auto perm = own.object().at("Permission");
  BOOST_TEST(json::serialize(perm.at("Read").at("Users")) == R"(["ann"])");
  BOOST_TEST(json::serialize(perm.at("Write").at("Users")) == R"(["ann"])");

  auto foreign = get_task(p, ann_task, api_key(bob_key));
  BOOST_TEST(foreign.status == 403u);
  BOOST_TEST(foreign.text("Id") == ann_task);
  BOOST_TEST(!foreign.text("Error").empty());
  BOOST_TEST(!foreign.has("State")); // nothing of the task leaks

  auto anonymous = get_task(p, ann_task);
  BOOST_TEST(anonymous.status == 401u);
  BOOST_TEST(anonymous.header("WWW-Authenticate").starts_with("Bearer realm=\"herald\""));

  BOOST_TEST(call(p, "DELETE", "/tasks/" + ann_task, "", api_key(bob_key)).status == 403u);
  BOOST_TEST(call(p, "GET", "/tasks/" + ann_task + "?wait=1", "", api_key(bob_key)).status == 403u);

  auto ann_list = call(p, "POST", "/tasks/query", "{}", bearer(ann_key));
  BOOST_TEST(ann_list.status == 200u);
  BOOST_TEST((ids_of(ann_list) == std::set<std::string>{ann_task}));
  auto bob_list = call(p, "POST", "/tasks/query", "{}", bearer(bob_key));
  BOOST_TEST((ids_of(bob_list) == std::set<std::string>{bob_task}));
  // Someone without a credential sees only tasks nobody owns: none here.
  BOOST_TEST(call(p, "POST", "/tasks/query", "{}").json.as_array().empty());

  auto cancelled = call(p, "DELETE", "/tasks/" + ann_task, "", bearer(ann_key));
  BOOST_TEST(cancelled.status == 200u);
  BOOST_TEST(cancelled.text("State") == "Aborted");
  BOOST_TEST(call(p, "DELETE", "/tasks/" + bob_task, "", bearer(bob_key)).status == 200u);
}

BOOST_AUTO_TEST_CASE(a_route_granting_read_to_a_group_lets_its_members_read_but_not_cancel) {
  app::server node{auth_config(dir, rsa)};
  declare_routes(node);
  in_process_node run{node};
  auto p = run.port();
  auto id = start(p, "/jobs", api_key(bob_key));
  auto done = await_done(p, id, api_key(bob_key));
  BOOST_TEST(done.object().at("Result").as_string() == "bob"); // the body knows its invoker
  auto read = get_task(p, id, api_key(ann_key));               // ann is in group ops
  BOOST_TEST(read.status == 200u);
  BOOST_TEST(json::serialize(read.object().at("Permission").at("Read").at("Groups")) ==
             R"(["ops"])");
  BOOST_TEST(call(p, "DELETE", "/tasks/" + id, "", api_key(ann_key)).status == 403u);
  // Queries: ann sees bob's job (Read through ops) and finds it by User.
  auto by_user =
      call(p, "POST", "/tasks/query", R"({"User":{"op":"EQ","value":"bob"}})", api_key(ann_key));
  BOOST_TEST(by_user.status == 200u);
  BOOST_TEST((ids_of(by_user) == std::set<std::string>{id}));
  auto ann_own =
      call(p, "POST", "/tasks/query", R"({"User":{"op":"EQ","value":"ann"}})", api_key(ann_key));
  BOOST_TEST(ann_own.json.as_array().empty());
}

BOOST_AUTO_TEST_CASE(a_route_may_admit_only_some_callers) {
  app::server node{auth_config(dir, rsa)};
  declare_routes(node);
  in_process_node run{node};
  auto p = run.port();
  BOOST_TEST(call(p, "POST", "/private", "{}", api_key(ann_key)).status == 202u);
  auto bob = call(p, "POST", "/private", "{}", api_key(bob_key));
  BOOST_TEST(bob.status == 403u);
  BOOST_TEST(bob.text("Error").find("bob") != std::string::npos);
  auto nobody = call(p, "POST", "/private", "{}");
  BOOST_TEST(nobody.status == 401u);
  BOOST_TEST(!nobody.header("WWW-Authenticate").empty());
  // Routes that name nobody work as without auth, and anonymous tasks are everyone's.
  auto open = start(p, "/jobs", "");
  BOOST_TEST(await_terminal(p, open).object().at("Result").as_string() == "nobody");
  BOOST_TEST(!get_task(p, open).has("User"));
  BOOST_TEST(http_get(p, "/whoami").body() == "anonymous");
  BOOST_TEST(call(p, "GET", "/whoami", "", api_key(eve_key)).raw.body() == "eve");
}

BOOST_AUTO_TEST_CASE(auth_required_closes_every_route_but_the_probes) {
  app::server node{auth_config(dir, rsa, true)};
  declare_routes(node);
  in_process_node run{node};
  auto p = run.port();
  BOOST_TEST(call(p, "POST", "/jobs", "{}").status == 401u);
  BOOST_TEST(call(p, "POST", "/tasks/query", "{}").status == 401u);
  BOOST_TEST(call(p, "GET", "/whoami").status == 401u);
  BOOST_TEST(call(p, "GET", "/health").status == 200u);
  BOOST_TEST(call(p, "GET", "/ready").status == 200u);
  BOOST_TEST(call(p, "POST", "/jobs", "{}", api_key(bob_key)).status == 202u);
}

BOOST_AUTO_TEST_CASE(bad_credentials_get_a_clear_401_and_the_node_keeps_serving) {
  app::server node{auth_config(dir, rsa)};
  declare_routes(node);
  in_process_node run{node};
  auto p = run.port();
  auto expect_401 = [&](const std::string& header, std::string_view what) {
    auto r = call(p, "GET", "/whoami", "", header);
    BOOST_TEST(r.status == 401u, what);
    BOOST_TEST(!r.text("Error").empty(), what);
    BOOST_TEST(r.header("WWW-Authenticate").find("invalid_token") != std::string::npos, what);
  };
  expect_401(api_key("not-a-key-of-this-node-000"), "unknown key");
  expect_401(bearer(std::string(9000, 'k')), "oversize");
  expect_401(bearer("a.b.c"), "malformed token");
  expect_401("Authorization: Basic YW5uOnB3\r\n", "other scheme");
  auto now = unix_time();
  expect_401(bearer(sign_hs256(hs_header, claims("ann", -60s), hs_secret, dir.path())), "expired");
  expect_401(
      bearer(sign_hs256(hs_header, claims("ann", 300s, ",\"nbf\":" + std::to_string(now + 120)),
                        hs_secret, dir.path())),
      "not yet valid");
  expect_401(bearer(sign_hs256(hs_header, claims("ann"), "another-secret-of-32-bytes-or-more!",
                               dir.path())),
             "wrong signature");
  expect_401(bearer(sign_hs256(hs_header,
                               R"({"iss":"https://id.example","aud":"other","sub":"ann","exp":)" +
                                   std::to_string(now + 300) + "}",
                               hs_secret, dir.path())),
             "wrong audience");
  auto none = base64url(R"({"alg":"none","typ":"JWT"})") + "." + base64url(claims("ann")) + ".";
  expect_401(bearer(none), "alg none");
  // Algorithm confusion: an HS256 token whose secret is the RSA public key's PEM.
  auto pem = read_file(rsa.public_pem);
  expect_401(bearer(sign_hs256(hs_header, claims("mallory"), pem, dir.path())), "alg confusion");
  BOOST_TEST(http_get(p, "/health").result_int() == 200);
}

BOOST_AUTO_TEST_CASE(jwts_hs256_and_rs256_name_the_caller_within_the_leeway) {
  app::server node{auth_config(dir, rsa)};
  declare_routes(node);
  in_process_node run{node};
  auto p = run.port();
  auto hs = sign_hs256(hs_header, claims("ann"), hs_secret, dir.path());
  BOOST_TEST(call(p, "GET", "/whoami", "", bearer(hs)).raw.body() == "ann");
  auto rs = sign_rs256(rs_header, claims("carol", 300s, R"(,"groups":["ops"])"), rsa, dir.path());
  BOOST_TEST(call(p, "GET", "/whoami", "", bearer(rs)).raw.body() == "carol");
  // Expired 2 s ago, within the 5 s leeway.
  auto late = sign_hs256(hs_header, claims("ann", -2s), hs_secret, dir.path());
  BOOST_TEST(call(p, "GET", "/whoami", "", bearer(late)).status == 200u);
  // A JWT's group grants Read like a key's: carol (ops) reads bob's job.
  auto id = start(p, "/jobs", api_key(bob_key));
  await_done(p, id, api_key(bob_key));
  BOOST_TEST(get_task(p, id, bearer(rs)).status == 200u);
  // The cookie, on GET only.
  BOOST_TEST(call(p, "GET", "/whoami", "", "Cookie: herald_auth=" + hs + "\r\n").raw.body() ==
             "ann");
}

BOOST_AUTO_TEST_CASE(a_task_stream_opens_with_its_signed_url_and_nothing_else_does) {
  app::server node{auth_config(dir, rsa)};
  declare_routes(node);
  in_process_node run{node};
  auto p = run.port();
  auto started = call(p, "POST", "/hold", "{}", api_key(ann_key));
  BOOST_REQUIRE(started.status == 202u);
  auto id = started.text("Id");
  auto url = std::string{started.object().at("Sse").at("Url").as_string()};
  BOOST_TEST(url.find("&token=") != std::string::npos);
  BOOST_TEST(url.find(std::string{ann_key}) == std::string::npos);
  {
    sse_stream s{p, url};
    BOOST_REQUIRE(s.read_head());
    BOOST_TEST(s.status() == 200);
  }
  auto token = url.substr(url.find("&token=") + 7);
  auto tampered = token;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  auto status_of = [&](const std::string& target, std::string_view extra = "") {
    sse_stream s{p, target, extra};
    return s.read_head() ? s.status() : -1;
  };
  BOOST_TEST(status_of("/hold_events?Id=" + id + "&token=" + tampered) == 401);
  // Ann's token for another task.
  auto other = call(p, "POST", "/hold", "{}", api_key(ann_key));
  BOOST_TEST(status_of("/hold_events?Id=" + other.text("Id") + "&token=" + token) == 401);
  // Without a token: the owner's key works, another user is refused, nobody is asked for one.
  BOOST_TEST(status_of("/hold_events?Id=" + id, api_key(ann_key)) == 200);
  BOOST_TEST(status_of("/hold_events?Id=" + id, api_key(bob_key)) == 403);
  BOOST_TEST(status_of("/hold_events?Id=" + id) == 401);
  // The token grants nothing but the stream.
  BOOST_TEST(call(p, "GET", "/tasks/" + id, "", bearer(token)).status == 401u);
  call(p, "DELETE", "/tasks/" + id, "", api_key(ann_key));
  call(p, "DELETE", "/tasks/" + other.text("Id"), "", api_key(ann_key));
}

BOOST_AUTO_TEST_CASE(group_streams_need_read_on_the_group_and_publishing_a_right) {
  auto cfg = auth_config(dir, rsa);
  cfg.sse.publisher_key = "a-publisher-key-0123456789";
  app::server node{cfg};
  declare_routes(node);
  in_process_node run{node};
  auto p = run.port();
  auto status_of = [&](const std::string& target, std::string_view extra = "") {
    sse_stream s{p, target, extra};
    return s.read_head() ? s.status() : -1;
  };
  BOOST_TEST(status_of("/sse/news", api_key(ann_key)) == 200);
  BOOST_TEST(status_of("/sse/news", api_key(bob_key)) == 403);
  BOOST_TEST(status_of("/sse/news") == 401);
  // A group nobody is named for is read by nobody, and asking does not create it.
  BOOST_TEST(status_of("/sse/made-up", api_key(ann_key)) == 403);
  // A route's group follows the route: /hold names nobody, so anyone reads it.
  BOOST_TEST(status_of("/hold_events") == 200);

  sse_stream reader{p, "/sse/news", api_key(eve_key)};
  BOOST_REQUIRE(reader.read_head());
  BOOST_REQUIRE(reader.status() == 200);
  auto publish = [&](std::string_view who) {
    return call(p, "POST", "/sse/news", R"({"event":"headline","data":"hi"})", who).status;
  };
  BOOST_TEST(publish(api_key(bob_key)) == 202u); // scope publish:news
  BOOST_TEST(publish(api_key(ann_key)) == 403u);
  BOOST_TEST(publish("") == 401u);
  BOOST_TEST(publish(api_key("a-publisher-key-0123456789")) == 202u);
  BOOST_TEST(reader.wait_for([&] {
    std::size_t n = 0;
    for (const auto& e : reader.events())
      n += e.type == "headline";
    return n == 2;
  }));
}

BOOST_AUTO_TEST_CASE(a_stream_ends_with_pode_close_when_its_token_expires) {
  app::server node{auth_config(dir, rsa)};
  declare_routes(node);
  in_process_node run{node};
  auto p = run.port();
  // Expires in 2 s; the leeway (5 s) lets it in and does not extend the stream.
  auto soon =
      sign_hs256(hs_header, claims("ann", 2s, R"(,"groups":["ops"])"), hs_secret, dir.path());
  auto started = std::chrono::steady_clock::now();
  sse_stream s{p, "/sse/news", bearer(soon)};
  BOOST_REQUIRE(s.read_head());
  BOOST_REQUIRE(s.status() == 200);
  BOOST_TEST(s.wait_closed(8s));
  BOOST_TEST(ms_since(started) < 7000);
  BOOST_REQUIRE(!s.events().empty());
  BOOST_TEST(s.events().back().type == "pode.close");
}

BOOST_AUTO_TEST_CASE(no_secret_or_token_reaches_the_log) {
  auto doc = json::parse(auth_document(dir, rsa, true));
  doc.as_object()["log_level"] = "debug";
  node_process node{json::serialize(doc)};
  auto p = node.port();
  auto token = sign_hs256(hs_header, claims("ann"), hs_secret, dir.path());
  auto bad = sign_hs256(hs_header, claims("ann", -600s), hs_secret, dir.path());
  BOOST_TEST(call(p, "POST", "/process-data", "{}", bearer(token)).status == 202u);
  BOOST_TEST(call(p, "POST", "/process-data", "{}", bearer(bad)).status == 401u);
  BOOST_TEST(call(p, "POST", "/process-data", "{}", api_key(ann_key)).status == 202u);
  BOOST_TEST(call(p, "POST", "/process-data", "{}", api_key("wrong-key-0123456789")).status ==
             401u);
  BOOST_TEST(call(p, "POST", "/process-data", "{}").status == 401u);
  BOOST_TEST((node.stop(SIGTERM, 10s) == 0));
  auto log = node.log();
  for (std::string_view secret :
       {std::string_view{ann_key}, std::string_view{bob_key}, hs_secret, stream_secret,
        std::string_view{token}, std::string_view{bad}, std::string_view{"wrong-key-0123456789"}})
    BOOST_TEST(log.find(secret) == std::string::npos, "the log holds a secret");
  // Bob's key is written in the clear: start-up says so, without the key.
  BOOST_TEST(log.find("user 'bob'") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
