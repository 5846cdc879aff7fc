// Completion callbacks end to end (SPEC §4.7): nodes on 127.0.0.1 calling a real receiver
// (tests/support/callback_sink.py, a Python process that checks each signature with Python's
// own hmac), over HTTP and over HTTPS with a certificate made by `openssl req`: the payload and
// headers as sent, retries and their gaps, Retry-After, 410, redirects, timeouts, the
// allow-list against loopback, link-local and unlisted hosts, a thousand callbacks at once,
// and shutdown.

#include "app/config.hpp"
#include "app/server.hpp"
#include "support/callback_sink.hpp"
#include "support/in_process_node.hpp"
#include "support/node_process.hpp"
#include "support/prometheus.hpp"
#include "support/task_client.hpp"

#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace herald::test;
using namespace std::chrono_literals;
namespace app = herald::app;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

app::config callback_config(std::vector<std::string> allow = {"127.0.0.1"}) {
  auto cfg = quiet_config();
  cfg.callbacks.allow = std::move(allow);
  cfg.callbacks.secrets = {secret};
  cfg.callbacks.backoff = 100ms;
  cfg.callbacks.max_backoff = 2s;
  cfg.callbacks.response_timeout = 2s;
  cfg.shutdown_grace = 1s;
  return cfg;
}

/// `POST /job`: a task that ends at once with `{"done": true}` (or fails when its body has
/// `"fail": true`); its callback goes to the body's `callbackUrl`.
void add_job(app::server& node, bool send_result = true) {
  app::async_options o;
  o.blocking = false;
  o.max_concurrent = 8;
  o.max_queued = 5000;
  o.callback = herald::actors::callback_options{};
  o.callback->send_result = send_result;
  node.async_route(herald::net::verb::post, "/job", o, [](app::task_context& ctx) -> json::value {
    const auto* body = ctx.body().if_object();
    if (body && body->contains("fail"))
      throw std::runtime_error("asked to fail");
    return json::object{{"done", true}};
  });
}

/// Starts a task of `POST /job` calling back `url`; its id.
std::string start_job(std::uint16_t port, const std::string& url, std::string extra = "") {
  auto body = R"({"callbackUrl":")" + url + "\"" + extra + "}";
  auto r = call(port, "POST", "/job", body);
  BOOST_REQUIRE_EQUAL(r.status, 202u);
  return r.text("Id");
}

/// Waits (bounded) until the task's `CallbackInfo.State` is no longer `Running`; the task.
json::object await_callback(std::uint16_t port, const std::string& id,
                            std::chrono::milliseconds timeout = 20s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = get_task(port, id);
    if (r.status == 200 && r.has("CallbackInfo")) {
      const auto& info = r.object().at("CallbackInfo").as_object();
      if (info.at("State").as_string() != "Running")
        return r.object();
    }
    std::this_thread::sleep_for(50ms);
  }
  BOOST_FAIL("the callback of task " + id + " did not end in time");
  return {};
}

std::string info_state(const json::object& task) {
  return std::string{task.at("CallbackInfo").at("State").as_string()};
}

std::int64_t tentative(const json::object& task) {
  return task.at("CallbackInfo").at("Tentative").as_int64();
}

std::string info_error(const json::object& task) {
  const auto* e = task.at("CallbackInfo").as_object().if_contains("Error");
  return e ? std::string{e->as_string()} : std::string{};
}

/// A self-signed certificate for `san` (e.g. `DNS:localhost,IP:127.0.0.1`), made with
/// `openssl req` in `dir`: {cert, key}.
std::pair<std::string, std::string> make_certificate(const fs::path& dir, const std::string& san) {
  auto cert = (dir / "cert.pem").string();
  auto key = (dir / "key.pem").string();
  auto r = run_program("/usr/bin/openssl",
                       {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-days", "2", "-subj", "/CN=herald-test", "-addext",
                        "subjectAltName=" + san, "-keyout", key, "-out", cert},
                       std::nullopt, 20s);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, "openssl req failed: " + r.err);
  return {cert, key};
}

} // namespace

BOOST_AUTO_TEST_SUITE(callbacks)

BOOST_AUTO_TEST_CASE(a_completed_task_calls_back_once_with_pode_payload_signed_and_verified) {
  callback_sink sink{{secret}};
  app::server node{callback_config()};
  add_job(node);
  in_process_node running{node};
  auto id = start_job(running.port(), sink.url("/ok"));
  auto task = await_callback(running.port(), id);
  BOOST_TEST(info_state(task) == "Completed");
  BOOST_TEST(tentative(task) == 1);
  BOOST_TEST(task.at("CallbackInfo").at("Url").as_string() == sink.url("/ok"));

  auto all = sink.requests();
  BOOST_REQUIRE_EQUAL(all.size(), 1u);
  const auto& rq = all[0].as_object();
  BOOST_TEST(rq.at("method").as_string() == "POST");
  BOOST_TEST(rq.at("signature_ok").as_bool()); // Python's hmac, with the secret
  const auto& h = rq.at("headers").as_object();
  BOOST_TEST(std::string{h.at("webhook-id").as_string()}.starts_with("msg_"));
  BOOST_TEST(h.at("content-type").as_string() == "application/json");
  auto stamp = std::stoll(std::string{h.at("webhook-timestamp").as_string()});
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  BOOST_TEST(std::llabs(now - stamp) <= 30);
  auto payload = json::parse(rq.at("body").as_string()).as_object();
  BOOST_TEST(payload.at("Url").as_string() == "/job");
  BOOST_TEST(payload.at("Method").as_string() == "post");
  BOOST_TEST(payload.at("EventName").as_string() == "_job_Callback");
  BOOST_TEST(payload.at("State").as_string() == "Completed");
  BOOST_TEST((payload.at("Result") == json::parse(R"({"done":true})")));
  BOOST_TEST(!payload.contains("Error"));
  BOOST_TEST(payload.at("Id").as_string() == id);
  BOOST_TEST(payload.at("AsyncRouteId").as_string() == "[POST]/job");
}

BOOST_AUTO_TEST_CASE(a_failed_task_sends_its_error_and_a_wrong_secret_does_not_verify) {
  callback_sink sink{{"whsec_" + std::string(32, 'A')}}; // not the node's secret
  app::server node{callback_config()};
  add_job(node, false);
  in_process_node running{node};
  auto id = start_job(running.port(), sink.url("/ok"), R"(,"fail":true)");
  auto task = await_callback(running.port(), id);
  BOOST_TEST(info_state(task) == "Completed");
  auto all = sink.requests();
  BOOST_REQUIRE_EQUAL(all.size(), 1u);
  BOOST_TEST(!all[0].at("signature_ok").as_bool());
  auto payload = json::parse(all[0].at("body").as_string()).as_object();
  BOOST_TEST(payload.at("State").as_string() == "Failed");
  BOOST_TEST(payload.at("Error").as_string() == "asked to fail");
  BOOST_TEST(!payload.contains("Result"));
}

BOOST_AUTO_TEST_CASE(rotating_secrets_sign_with_each_so_either_verifies) {
  auto next = "whsec_" + std::string(40, 'B');
  callback_sink old_receiver{{secret}};
  callback_sink new_receiver{{next}};
  auto cfg = callback_config();
  cfg.callbacks.secrets = {secret, next};
  app::server node{cfg};
  add_job(node);
  in_process_node running{node};
  for (auto* sink : {&old_receiver, &new_receiver}) {
    auto id = start_job(running.port(), sink->url("/ok"));
    BOOST_TEST(info_state(await_callback(running.port(), id)) == "Completed");
    auto all = sink->requests();
    BOOST_REQUIRE_EQUAL(all.size(), 1u);
    BOOST_TEST(all[0].at("signature_ok").as_bool());
    std::string header{all[0].at("headers").at("webhook-signature").as_string()};
    BOOST_TEST(header.find(' ') != std::string::npos); // two `v1,` entries
  }
}

BOOST_AUTO_TEST_CASE(retries_after_500s_and_dropped_connections_with_growing_gaps) {
  app::server node{callback_config()};
  add_job(node);
  in_process_node running{node};
  for (std::string path : {"/fail/2/500", "/drop/2"}) {
    // A receiver of its own each: a request on a kept-alive connection that the receiver
    // closes before answering is sent again at once on a new one (the usual remedy for a
    // connection closed while idle), which would count one attempt twice here.
    callback_sink sink{{secret}};
    auto id = start_job(running.port(), sink.url(path));
    auto task = await_callback(running.port(), id);
    BOOST_TEST(info_state(task) == "Completed", path);
    BOOST_TEST(tentative(task) == 3, path);
    std::vector<double> at;
    std::set<std::string> ids;
    for (const auto& r : sink.requests())
      if (r.at("path").as_string() == path) {
        at.push_back(r.at("at").to_number<double>());
        ids.insert(std::string{r.at("headers").at("webhook-id").as_string()});
      }
    BOOST_REQUIRE_EQUAL(at.size(), 3u);
    BOOST_TEST(ids.size() == 1u, path << ": the webhook-id is stable across retries");
    // 100 ms then 200 ms, each ±20 %: the second gap is always the longer.
    auto first = at[1] - at[0];
    auto second = at[2] - at[1];
    BOOST_TEST(first >= 0.07, path << " first gap " << first);
    BOOST_TEST(second > first, path << " gaps " << first << ", " << second);
  }
}

BOOST_AUTO_TEST_CASE(retry_after_is_honoured) {
  callback_sink sink{{secret}};
  app::server node{callback_config()};
  add_job(node);
  in_process_node running{node};
  auto id = start_job(running.port(), sink.url("/retry-after/1"));
  auto task = await_callback(running.port(), id);
  BOOST_TEST(info_state(task) == "Completed");
  auto all = sink.requests();
  BOOST_REQUIRE_EQUAL(all.size(), 2u);
  auto gap = all[1].at("at").to_number<double>() - all[0].at("at").to_number<double>();
  BOOST_TEST(gap >= 0.95, "waited " << gap << " s, Retry-After said 1 s, backoff 0.1 s");
}

BOOST_AUTO_TEST_CASE(a_410_and_a_redirect_end_the_callback_at_once) {
  callback_sink sink{{secret}};
  app::server node{callback_config()};
  add_job(node);
  in_process_node running{node};
  auto gone = start_job(running.port(), sink.url("/status/410"));
  auto moved = start_job(running.port(), sink.url("/status/302"));
  auto gone_task = await_callback(running.port(), gone);
  auto moved_task = await_callback(running.port(), moved);
  BOOST_TEST(info_state(gone_task) == "Failed");
  BOOST_TEST(tentative(gone_task) == 1);
  BOOST_TEST(info_error(gone_task).find("410") != std::string::npos, info_error(gone_task));
  BOOST_TEST(info_state(moved_task) == "Failed");
  BOOST_TEST(tentative(moved_task) == 1);
  BOOST_TEST(info_error(moved_task).find("not followed") != std::string::npos);
  std::this_thread::sleep_for(300ms);
  auto all = sink.requests();
  BOOST_TEST(all.size() == 2u); // nothing went to the redirect's /ok
  for (const auto& r : all)
    BOOST_TEST(r.at("path").as_string() != "/ok");
}

BOOST_AUTO_TEST_CASE(a_receiver_that_never_answers_times_out_each_attempt_then_fails) {
  callback_sink sink{{secret}};
  auto cfg = callback_config();
  cfg.callbacks.response_timeout = 300ms;
  cfg.callbacks.attempts = 2;
  app::server node{cfg};
  add_job(node);
  in_process_node running{node};
  auto started = std::chrono::steady_clock::now();
  auto id = start_job(running.port(), sink.url("/hang"));
  // Meanwhile the node answers at once.
  auto health = call(running.port(), "GET", "/health", "", "", 1s);
  BOOST_TEST(health.status == 200u);
  auto task = await_callback(running.port(), id);
  auto took = std::chrono::steady_clock::now() - started;
  BOOST_TEST(info_state(task) == "Failed");
  BOOST_TEST(tentative(task) == 2);
  BOOST_TEST(info_error(task).find("no response") != std::string::npos, info_error(task));
  BOOST_TEST((took < 5s));
  BOOST_TEST(sink.requests().size() == 2u);
}

BOOST_AUTO_TEST_CASE(hosts_and_addresses_off_the_list_are_refused_and_never_called) {
  callback_sink sink{{secret}};
  // `localhost` is listed by name: a name is trusted only with public addresses, and it
  // resolves to loopback. 127.0.0.1 itself is not listed.
  auto cfg = callback_config({"localhost", "hooks.example.com"});
  cfg.admin.key = "admin-key-0123456789";
  app::server node{cfg};
  add_job(node);
  in_process_node running{node};
  auto port = std::to_string(sink.port());
  struct refusal {
    std::string url;
    std::string says;
  };
  for (const auto& [url, says] :
       {refusal{"http://127.0.0.1:" + port + "/ok", "not on callbacks.allow"},
        refusal{"http://localhost:" + port + "/ok", "loopback"},
        refusal{"http://169.254.169.254/latest/meta-data/", "not on callbacks.allow"},
        refusal{"http://unlisted.example/hook", "not on callbacks.allow"}}) {
    auto id = start_job(running.port(), url);
    auto task = await_callback(running.port(), id);
    BOOST_TEST(info_state(task) == "Refused", url);
    BOOST_TEST(tentative(task) == 0, url);
    BOOST_TEST(info_error(task).find(says) != std::string::npos, url << ": " << info_error(task));
  }
  BOOST_TEST(sink.requests().empty());
  auto admin = call(*node.admin_port(), "GET", "/admin/callbacks", "",
                    "X-API-Key: admin-key-0123456789\r\n");
  BOOST_REQUIRE_EQUAL(admin.status, 200u);
  BOOST_TEST(admin.json.at("Refused").to_number<int>() == 4);
  BOOST_TEST(admin.json.at("Attempts").to_number<int>() == 0);
  BOOST_TEST((admin.json.at("Allow") == json::parse(R"(["localhost","hooks.example.com"])")),
             json::serialize(admin.json.at("Allow")));
}

BOOST_AUTO_TEST_CASE(the_metadata_address_is_refused_even_when_its_host_name_is_listed) {
  app::server node{callback_config({"169.254.169.254.nip.example", "10.0.0.0/8"})};
  add_job(node);
  in_process_node running{node};
  auto id = start_job(running.port(), "http://169.254.169.254/latest/meta-data/");
  auto task = await_callback(running.port(), id);
  BOOST_TEST(info_state(task) == "Refused");
  BOOST_TEST(info_error(task).find("169.254.169.254") != std::string::npos, info_error(task));
}

BOOST_AUTO_TEST_CASE(a_callback_url_that_is_not_http_is_refused_before_any_task_exists) {
  app::server node{callback_config()};
  add_job(node);
  in_process_node running{node};
  for (std::string body :
       {R"({"callbackUrl":"ftp://127.0.0.1/x"})", R"({"callbackUrl":"x"})", R"({"callbackUrl":42})",
        R"({"callbackUrl":"http://user:pw@127.0.0.1/"})"}) {
    auto r = call(running.port(), "POST", "/job", body);
    BOOST_TEST(r.status == 400u, body);
    BOOST_TEST(r.text("Error").starts_with("callbackUrl"), body << ": " << r.text("Error"));
  }
  // Without the field the task runs without a callback.
  auto r = call(running.port(), "POST", "/job", "{}");
  BOOST_REQUIRE_EQUAL(r.status, 202u);
  auto done = await_terminal(running.port(), r.text("Id"));
  BOOST_TEST(!done.has("CallbackInfo"));
}

BOOST_AUTO_TEST_CASE(https_receivers_are_verified_against_ca_file_and_their_host_name) {
  auto dir = make_temp_dir();
  auto [cert, key] = make_certificate(dir, "DNS:localhost,IP:127.0.0.1");
  callback_sink tls_sink{{secret}, cert, key};
  auto other_dir = make_temp_dir();
  auto [other_cert, other_key] = make_certificate(other_dir, "DNS:other.example");
  callback_sink other_sink{{secret}, other_cert, other_key};
  auto https = [](const callback_sink& s) {
    return "https://localhost:" + std::to_string(s.port()) + "/ok";
  };

  {
    auto cfg = callback_config({"127.0.0.1"});
    cfg.callbacks.attempts = 1;
    cfg.callbacks.ca_file = cert;
    app::server node{cfg};
    add_job(node);
    in_process_node running{node};
    auto trusted = await_callback(running.port(), start_job(running.port(), https(tls_sink)));
    BOOST_TEST(info_state(trusted) == "Completed", info_error(trusted));
    // The other receiver's certificate is not for `localhost` (nor trusted).
    auto mismatch = await_callback(running.port(), start_job(running.port(), https(other_sink)));
    BOOST_TEST(info_state(mismatch) == "Failed");
    BOOST_TEST(info_error(mismatch).find("TLS") != std::string::npos, info_error(mismatch));
  }
  {
    auto cfg = callback_config({"127.0.0.1"});
    cfg.callbacks.attempts = 1;
    cfg.callbacks.ca_file = other_cert; // trusted, but names other.example only
    app::server node{cfg};
    add_job(node);
    in_process_node running{node};
    auto mismatch = await_callback(running.port(), start_job(running.port(), https(other_sink)));
    BOOST_TEST(info_state(mismatch) == "Failed");
    BOOST_TEST(info_error(mismatch).find("TLS") != std::string::npos, info_error(mismatch));
    auto untrusted = await_callback(running.port(), start_job(running.port(), https(tls_sink)));
    BOOST_TEST(info_state(untrusted) == "Failed");
    BOOST_TEST(info_error(untrusted).find("TLS") != std::string::npos, info_error(untrusted));
  }
  fs::remove_all(dir);
  fs::remove_all(other_dir);
}

BOOST_AUTO_TEST_CASE(a_thousand_tasks_ending_at_once_each_call_back_once_while_the_node_answers) {
  callback_sink sink{{secret}};
  app::server node{callback_config()};
  add_job(node);
  in_process_node running{node};
  const int n = 1000;
  std::vector<std::string> ids;
  ids.reserve(n);
  {
    connection c{running.port()};
    auto body = R"({"callbackUrl":")" + sink.url("/ok") + "\"}";
    for (int i = 0; i < n; ++i) {
      auto res = c.exchange(request_with_body("POST", "/job", body), 10s);
      BOOST_REQUIRE_EQUAL(res.result_int(), 202u);
      ids.push_back(std::string{json::parse(res.body()).at("Id").as_string()});
    }
  }
  // The node keeps answering while the callbacks go out.
  auto health_started = std::chrono::steady_clock::now();
  auto health = call(running.port(), "GET", "/health", "", "", 2s);
  BOOST_TEST(health.status == 200u);
  BOOST_TEST((std::chrono::steady_clock::now() - health_started < 1s));
  auto deadline = std::chrono::steady_clock::now() + 60s;
  json::array all;
  while (std::chrono::steady_clock::now() < deadline) {
    all = sink.requests();
    if (all.size() >= static_cast<std::size_t>(n))
      break;
    std::this_thread::sleep_for(200ms);
  }
  std::this_thread::sleep_for(300ms);
  all = sink.requests();
  std::map<std::string, int> by_webhook;
  std::set<std::string> task_ids;
  for (const auto& r : all) {
    ++by_webhook[std::string{r.at("headers").at("webhook-id").as_string()}];
    task_ids.insert(std::string{json::parse(r.at("body").as_string()).at("Id").as_string()});
  }
  BOOST_TEST(all.size() == static_cast<std::size_t>(n));
  BOOST_TEST(by_webhook.size() == static_cast<std::size_t>(n));
  BOOST_TEST(task_ids == std::set<std::string>(ids.begin(), ids.end()));
  for (const auto& [webhook, count] : by_webhook)
    BOOST_TEST(count == 1, webhook);

  // The sender's figures, as /metrics shows them.
  BOOST_REQUIRE(node.admin_port().has_value());
  auto scrape = parse_prometheus(call(*node.admin_port(), "GET", "/metrics").raw.body());
  BOOST_TEST(scrape.error.empty(), scrape.error);
  BOOST_TEST(scrape.value(R"(herald_callbacks_total{outcome="delivered"})") == n);
  BOOST_TEST(scrape.value(R"(herald_callbacks_total{outcome="failed"})") == 0);
  BOOST_TEST(scrape.value("herald_callback_attempts_total") == n);
  BOOST_TEST(scrape.value("herald_callbacks_pending") == 0);
}

BOOST_AUTO_TEST_CASE(callbacks_past_max_pending_are_refused_while_a_receiver_stalls) {
  callback_sink sink{{secret}};
  auto cfg = callback_config();
  cfg.callbacks.max_pending = 2;
  cfg.callbacks.response_timeout = 30s;
  cfg.shutdown_grace = 200ms;
  app::server node{cfg};
  add_job(node);
  in_process_node running{node};
  auto first = start_job(running.port(), sink.url("/hang"));
  auto second = start_job(running.port(), sink.url("/hang"));
  // Both held by the receiver before the third ends.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline && sink.requests().size() < 2)
    std::this_thread::sleep_for(50ms);
  BOOST_REQUIRE_EQUAL(sink.requests().size(), 2u);
  auto third = await_callback(running.port(), start_job(running.port(), sink.url("/ok")));
  BOOST_TEST(info_state(third) == "Refused");
  BOOST_TEST(tentative(third) == 0);
  BOOST_TEST(info_error(third).find("callbacks.max_pending") != std::string::npos,
             info_error(third));
  for (const auto& id : {first, second})
    BOOST_TEST(get_task(running.port(), id).object().at("CallbackInfo").at("State").as_string() ==
               "Running");
  BOOST_TEST(sink.requests().size() == 2u); // nothing sent for the third
}

BOOST_AUTO_TEST_CASE(a_command_route_calls_back_and_shutdown_logs_what_is_still_pending) {
  callback_sink sink{{secret}};
  auto config = R"({"log_level": "info", "shutdown_grace_ms": 800,
    "callbacks": {"allow": ["127.0.0.1"], "secrets": [")" +
                secret + R"("], "response_timeout_ms": 60000},
    "routes": [
      {"path": "/done", "command": ["/bin/echo", "{\"ok\": 1}"],
       "callback": {"url": ")" +
                sink.url("/ok") + R"(", "send_result": true, "event_name": "done"}},
      {"path": "/stuck", "command": ["/bin/true"],
       "callback": {"url": ")" +
                sink.url("/hang") + R"(", "method": "PUT", "headers": {"X-Tenant": "t1"}}}]})";
  node_process node{config};
  auto done = call(node.port(), "POST", "/done", "");
  BOOST_REQUIRE_EQUAL(done.status, 202u);
  auto task = await_callback(node.port(), done.text("Id"));
  BOOST_TEST(info_state(task) == "Completed");
  auto first = sink.requests();
  BOOST_REQUIRE_EQUAL(first.size(), 1u);
  auto payload = json::parse(first[0].at("body").as_string());
  BOOST_TEST(payload.at("EventName").as_string() == "done");
  BOOST_TEST((payload.at("Result") == json::parse(R"({"ok":1})")));

  auto stuck = call(node.port(), "POST", "/stuck", "");
  BOOST_REQUIRE_EQUAL(stuck.status, 202u);
  // Wait until the receiver holds the request, then stop the node.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  json::array all;
  while (std::chrono::steady_clock::now() < deadline && (all = sink.requests()).size() < 2)
    std::this_thread::sleep_for(50ms);
  BOOST_REQUIRE_EQUAL(all.size(), 2u);
  BOOST_TEST(all[1].at("method").as_string() == "PUT");
  BOOST_TEST(all[1].at("headers").at("x-tenant").as_string() == "t1");
  std::string webhook{all[1].at("headers").at("webhook-id").as_string()};
  auto started = std::chrono::steady_clock::now();
  auto code = node.stop(SIGTERM, 10s);
  BOOST_TEST((code == 0));
  BOOST_TEST((std::chrono::steady_clock::now() - started < 5s));
  auto log = node.log();
  BOOST_TEST(log.find(webhook) != std::string::npos, log);
  BOOST_TEST(log.find(stuck.text("Id")) != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
