// The real `heraldctl` against a real node: every command as a table and as JSON, every
// error with its exit code, and `watch` on a pseudo-terminal and through a pipe.

#include "support/ctl_process.hpp"
#include "support/http_client.hpp"
#include "support/node_process.hpp"
#include "support/sse_stream.hpp"
#include "support/task_client.hpp"

#include <arpa/inet.h>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <csignal>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace herald::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

const std::string key = "admin-key-0123456789abcdef";

/// A node with the admin key and a fast demo (`/process-data`: 20 ticks of `tick_ms`).
std::string config(int tick_ms = 50, std::string_view admin_key = key) {
  return R"({"log_level": "warn", "admin": {"key": ")" + std::string{admin_key} +
         R"("}, "demo": {"tick_ms": )" + std::to_string(tick_ms) +
         R"(, "report_ms": 300, "event_gap_ms": 100}})";
}

std::string url(const node_process& node) {
  return "http://127.0.0.1:" + std::to_string(node.admin_port());
}

/// `heraldctl --url <node> --key <key> args...`
run_result ctl(const node_process& node, std::vector<std::string> args) {
  args.insert(args.begin(), {"--url", url(node), "--key", key});
  return run_ctl(args);
}

/// Runs and requires exit 0; the parsed stdout for `--json` runs.
json::value ctl_json(const node_process& node, std::vector<std::string> args) {
  args.push_back("--json");
  auto r = ctl(node, args);
  BOOST_REQUIRE_MESSAGE(r.exit_code.value_or(-1) == 0,
                        "exit " << r.exit_code.value_or(-1) << ": " << r.err);
  BOOST_TEST(r.err.empty());
  return json::parse(r.out);
}

std::string ctl_text(const node_process& node, std::vector<std::string> args) {
  auto r = ctl(node, std::move(args));
  BOOST_REQUIRE_MESSAGE(r.exit_code.value_or(-1) == 0,
                        "exit " << r.exit_code.value_or(-1) << ": " << r.err);
  BOOST_TEST(r.err.empty());
  return r.out;
}

bool has(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

std::string invoke(const node_process& node, std::string_view method, std::string_view path) {
  auto r = call(node.port(), method, path);
  if (r.status != 202)
    throw std::runtime_error(std::string{path} + " answered " + std::to_string(r.status));
  return r.text("Id");
}

/// A port nothing listens on (bound, then closed).
std::uint16_t closed_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

/// A listener that takes connections into its backlog and never answers.
struct silent_listener {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  std::uint16_t port = 0;
  silent_listener() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd, 8);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~silent_listener() { close(fd); }
};

} // namespace

BOOST_AUTO_TEST_SUITE(heraldctl)

BOOST_AUTO_TEST_CASE(routes_as_a_table_and_as_json) {
  node_process node{config()};
  auto id = invoke(node, "POST", "/process-data");
  await_terminal(node.port(), id);
  auto table = ctl_text(node, {"routes"});
  BOOST_TEST(table.starts_with("ROUTE "));
  BOOST_TEST(has(table, "[POST]/process-data"));
  BOOST_TEST(has(table, "DataProcess"));
  BOOST_TEST(has(table, "[GET]/generate-report"));
  auto routes = ctl_json(node, {"routes"});
  bool found = false;
  for (const auto& r : routes.as_array())
    if (r.at("Id").as_string() == "[POST]/process-data") {
      found = true;
      BOOST_TEST(r.at("Outcomes").at("Completed").to_number<int>() == 1);
      BOOST_TEST(r.at("MaxConcurrent").to_number<int>() == 2);
    }
  BOOST_TEST(found);
}

BOOST_AUTO_TEST_CASE(tasks_with_filters_and_one_task_with_its_events) {
  node_process node{config()};
  auto done = invoke(node, "POST", "/process-data");
  await_terminal(node.port(), done);
  auto report = invoke(node, "GET", "/generate-report");
  await_terminal(node.port(), report);

  auto table = ctl_text(node, {"tasks"});
  BOOST_TEST(table.starts_with("ID "));
  BOOST_TEST(has(table, done)); // full ids, for copying
  BOOST_TEST(has(table, report));
  BOOST_TEST(has(table, "100.00%"));
  auto only = ctl_text(node, {"tasks", "--route", "/process-data", "--state", "Completed"});
  BOOST_TEST(has(only, done));
  BOOST_TEST(!has(only, report));
  BOOST_TEST(ctl_text(node, {"--state", "Running", "tasks"}) == "no tasks\n");
  auto list = ctl_json(node, {"tasks", "--route", "[GET]/generate-report"});
  BOOST_REQUIRE(list.as_array().size() == 1u);
  BOOST_TEST(list.at(0).at("Id").as_string() == report);
  BOOST_TEST(list.at(0).at("EventCount").to_number<int>() > 0);
  BOOST_TEST(ctl_json(node, {"tasks", "--limit", "1"}).as_array().size() == 1u);

  auto detail = ctl_text(node, {"task", done});
  BOOST_TEST(has(detail, "Id:"));
  BOOST_TEST(has(detail, done));
  BOOST_TEST(has(detail, "Completed"));
  BOOST_TEST(has(detail, "[####################] 100.00%"));
  BOOST_TEST(has(detail, "SEQ  EVENT"));
  BOOST_TEST(has(detail, "pode.taskCompleted"));
  auto task = ctl_json(node, {"task", done});
  BOOST_TEST(task.at("State").as_string() == "Completed");
  BOOST_TEST(task.at("Events").as_array().back().at("Event").as_string() == "pode.taskCompleted");
}

BOOST_AUTO_TEST_CASE(cancel_aborts_a_running_task_and_refuses_a_finished_one) {
  node_process node{config(10'000)};
  auto running = invoke(node, "POST", "/process-data");
  await_state(node.port(), running, "Running");
  auto out = ctl_text(node, {"cancel", running});
  BOOST_TEST(out == "task " + running + " is now Aborted (Aborted by the user)\n");
  BOOST_TEST(get_task(node.port(), running).text("State") == "Aborted");

  auto second = invoke(node, "POST", "/process-data");
  await_state(node.port(), second, "Running");
  auto aborted = ctl_json(node, {"cancel", second});
  BOOST_TEST(aborted.at("State").as_string() == "Aborted");
  BOOST_TEST(aborted.at("Error").as_string() == "Aborted by the user");

  auto again = ctl(node, {"cancel", running});
  BOOST_TEST(again.exit_code.value_or(-1) == 6);
  BOOST_TEST(again.out.empty());
  BOOST_TEST(again.err.starts_with("heraldctl: task " + running + " has already finished (410)"));
}

BOOST_AUTO_TEST_CASE(unknown_ids_and_groups_exit_5) {
  node_process node{config()};
  for (auto cmd : {"task", "cancel"}) {
    auto r = ctl(node, {cmd, "no-such-task"});
    BOOST_TEST(r.exit_code.value_or(-1) == 5);
    BOOST_TEST(r.err == "heraldctl: no task no-such-task\n");
    BOOST_TEST(r.out.empty());
  }
  auto g = ctl(node, {"group", "No such group"});
  BOOST_TEST(g.exit_code.value_or(-1) == 5);
  BOOST_TEST(g.err == "heraldctl: no group No such group\n");
  auto j = ctl(node, {"group", "nope", "--json"});
  BOOST_TEST(j.exit_code.value_or(-1) == 5);
  BOOST_TEST(j.out.empty());
}

BOOST_AUTO_TEST_CASE(groups_a_group_and_connections_show_a_live_subscriber) {
  node_process node{config()};
  sse_stream stream{node.port(), "/sse/DataProcess"};
  BOOST_REQUIRE(stream.read_head());
  BOOST_REQUIRE(stream.wait_events(1)); // pode.open: subscribed

  auto groups = ctl_text(node, {"groups"});
  BOOST_TEST(groups.starts_with("GROUP "));
  BOOST_TEST(has(groups, "DataProcess"));
  bool listed = false;
  auto all = ctl_json(node, {"groups"});
  for (const auto& g : all.as_array())
    listed = listed || g.at("Name").as_string() == "DataProcess";
  BOOST_TEST(listed);

  auto group = ctl_text(node, {"group", "DataProcess"});
  BOOST_TEST(has(group, "Group:             DataProcess"));
  BOOST_TEST(has(group, "SUBSCRIBER  CONNECTION"));
  auto g = ctl_json(node, {"group", "DataProcess"});
  BOOST_TEST(g.at("SubscriberList").as_array().size() == 1u);
  BOOST_TEST(g.at("GroupSubscribers").to_number<int>() == 1);

  auto conns = ctl_text(node, {"connections"});
  BOOST_TEST(conns.starts_with("ID "));
  BOOST_TEST(has(conns, " sse "));
  BOOST_TEST(has(conns, "DataProcess"));
  bool subscribed = false;
  auto connections = ctl_json(node, {"connections"});
  for (const auto& c : connections.as_array())
    if (const auto* s = c.as_object().if_contains("Subscription"); s && s->is_object())
      subscribed = subscribed || s->at("Group").as_string() == "DataProcess";
  BOOST_TEST(subscribed);
}

BOOST_AUTO_TEST_CASE(a_group_name_with_a_space_reaches_the_node) {
  node_process node{config()};
  sse_stream stream{node.port(), "/sse/Test%20events"};
  BOOST_REQUIRE(stream.read_head());
  BOOST_REQUIRE(stream.wait_events(1));
  auto g = ctl_json(node, {"group", "Test events"});
  BOOST_TEST(g.at("Name").as_string() == "Test events");
}

BOOST_AUTO_TEST_CASE(a_wrong_or_missing_key_exits_4) {
  node_process node{config()};
  auto wrong = run_ctl({"--url", url(node), "--key", "not-the-key-at-all", "routes"});
  BOOST_TEST(wrong.exit_code.value_or(-1) == 4);
  BOOST_TEST(wrong.err.starts_with("heraldctl: the admin key was refused (401): "));
  BOOST_TEST(wrong.out.empty());
  auto missing = run_ctl({"--url", url(node), "tasks"});
  BOOST_TEST(missing.exit_code.value_or(-1) == 4);
  BOOST_TEST(has(missing.err, "(give it with --key or HERALD_ADMIN_KEY)"));
  // The environment gives both.
  auto env = run_ctl({"routes"}, {{"HERALD_ADMIN_URL", url(node)}, {"HERALD_ADMIN_KEY", key}});
  BOOST_TEST(env.exit_code.value_or(-1) == 0);
  BOOST_TEST(has(env.out, "[POST]/process-data"));
  auto watch = run_ctl({"--url", url(node), "--key", "not-the-key-at-all", "watch", "G"});
  BOOST_TEST(watch.exit_code.value_or(-1) == 4);
}

BOOST_AUTO_TEST_CASE(a_node_without_an_admin_key_exits_4_as_disabled) {
  node_process node{config(50, "")};
  auto r = ctl(node, {"routes"});
  BOOST_TEST(r.exit_code.value_or(-1) == 4);
  BOOST_TEST(r.err.starts_with("heraldctl: the admin API is disabled on the node (403): "));
}

BOOST_AUTO_TEST_CASE(an_unreachable_or_silent_node_exits_3_in_time) {
  auto port = std::to_string(closed_port());
  auto r = run_ctl({"--url", "http://127.0.0.1:" + port, "--key", key, "routes"});
  BOOST_TEST(r.exit_code.value_or(-1) == 3);
  BOOST_TEST(r.err == "heraldctl: cannot reach the node at http://127.0.0.1:" + port +
                          ": Connection refused\n");
  auto w = run_ctl({"--url", "http://127.0.0.1:" + port, "watch"});
  BOOST_TEST(w.exit_code.value_or(-1) == 3);

  silent_listener silent;
  auto begin = std::chrono::steady_clock::now();
  auto s = run_ctl(
      {"--url", "http://127.0.0.1:" + std::to_string(silent.port), "--timeout", "0.5", "tasks"});
  BOOST_TEST(s.exit_code.value_or(-1) == 3);
  BOOST_TEST(has(s.err, "no answer within 0.5 s"));
  BOOST_TEST(ms_since(begin) < 3000);
  auto sw = run_ctl({"--url", "http://127.0.0.1:" + std::to_string(silent.port), "--timeout", "0.5",
                     "watch", "DataProcess"});
  BOOST_TEST(sw.exit_code.value_or(-1) == 3);
}

BOOST_AUTO_TEST_CASE(the_main_port_is_not_the_admin_api_and_exits_1) {
  node_process node{config()};
  auto r =
      run_ctl({"--url", "http://127.0.0.1:" + std::to_string(node.port()), "--key", key, "routes"});
  BOOST_TEST(r.exit_code.value_or(-1) == 1);
  BOOST_TEST(has(r.err, "404"));
}

BOOST_AUTO_TEST_CASE(bad_usage_exits_2_and_help_exits_0) {
  auto bad = run_ctl({"frobnicate"});
  BOOST_TEST(bad.exit_code.value_or(-1) == 2);
  BOOST_TEST(bad.err == "heraldctl: unknown command frobnicate (see heraldctl --help)\n");
  BOOST_TEST(run_ctl({"task"}).exit_code.value_or(-1) == 2);
  BOOST_TEST(run_ctl({"tasks", "--state", "Done"}).exit_code.value_or(-1) == 2);
  BOOST_TEST(run_ctl({"routes", "--url", "ftp://x"}).exit_code.value_or(-1) == 2);
  auto help = run_ctl({"--help"});
  BOOST_TEST(help.exit_code.value_or(-1) == 0);
  BOOST_TEST(help.out.starts_with("usage: heraldctl"));
  BOOST_TEST(has(help.out, "Exit codes"));
}

BOOST_AUTO_TEST_CASE(watch_on_a_terminal_redraws_bars_in_place_until_ctrl_c) {
  node_process node{config(50)};
  ctl_terminal term{{"--url", url(node), "--key", key, "watch", "DataProcess"}};
  BOOST_REQUIRE_MESSAGE(
      term.wait_for([](const std::string& o) { return has(o, "group DataProcess: "); }, 5s),
      "no first frame: " << term.output());
  auto id = invoke(node, "POST", "/process-data");
  BOOST_TEST_REQUIRE(term.wait_for(
                         [&](const std::string& o) {
                           return has(o, id + "  [####################] 100.00%  Completed");
                         },
                         10s),
                     "no completed bar: " << term.output());
  const auto& out = term.output();
  BOOST_TEST(has(out, "\x1b[?25l")); // cursor hidden
  BOOST_TEST(has(out, "\x1b[2A"));   // up over the status line and a row
  BOOST_TEST(has(out, "\r\x1b[2K")); // each line cleared as it is redrawn
  BOOST_TEST(has(out, "1 finished"));
  BOOST_TEST(has(out, "%  Running")); // a bar while it ran
  term.type("\x03");
  BOOST_TEST(term.wait_exit(5s).value_or(-1) == 0);
  BOOST_TEST(term.output().ends_with("\x1b[?25h")); // cursor shown again
}

BOOST_AUTO_TEST_CASE(watch_through_a_pipe_prints_a_line_per_change_and_stops_after_for) {
  node_process node{config(150)}; // 3 s: still running once the watch has started
  auto running = invoke(node, "POST", "/process-data"); // seeded from the task list
  await_state(node.port(), running, "Running");
  auto r = ctl(node, {"watch", "DataProcess", "--for", "5"});
  BOOST_TEST(r.exit_code.value_or(-1) == 0, r.err);
  BOOST_TEST(r.out.find('\x1b') == std::string::npos); // no escapes into a file
  BOOST_TEST(has(r.out, running + "  [####################] 100.00%  Completed\n"));
  BOOST_TEST(has(r.out, running + "  [#"));
}

BOOST_AUTO_TEST_CASE(watch_without_a_group_polls_every_task_and_json_gives_lines) {
  node_process node{config(50)};
  auto before = invoke(node, "GET", "/generate-report");
  await_terminal(node.port(), before); // ended before the watch: not shown
  std::string started;                 // by a task invoked while the watch runs
  std::thread starter{[&] {
    std::this_thread::sleep_for(700ms);
    try {
      started = invoke(node, "POST", "/process-data");
    } catch (const std::exception& e) {
      started = std::string{"failed: "} + e.what();
    }
  }};
  auto r = ctl(node, {"watch", "--json", "--for", "3"});
  starter.join();
  BOOST_TEST(!started.starts_with("failed"), started);
  BOOST_TEST(has(r.out, started));
  BOOST_TEST(r.exit_code.value_or(-1) == 0, r.err);
  BOOST_TEST(!has(r.out, before));
  bool completed = false;
  std::istringstream lines{r.out};
  for (std::string line; std::getline(lines, line);) {
    auto row = json::parse(line);
    if (row.at("State").as_string() == "Completed") {
      completed = true;
      BOOST_TEST(row.at("Progress").to_number<double>() == 100);
    }
  }
  BOOST_TEST(completed);
}

BOOST_AUTO_TEST_CASE(watch_exits_3_when_the_node_goes) {
  node_process node{config(50)};
  ctl_terminal term{{"--url", url(node), "--key", key, "watch", "DataProcess"}};
  BOOST_REQUIRE(
      term.wait_for([](const std::string& o) { return has(o, "group DataProcess: "); }, 5s));
  BOOST_REQUIRE(node.stop(SIGTERM, 10s).value_or(-1) == 0);
  BOOST_TEST(term.wait_exit(5s).value_or(-1) == 3);
  BOOST_TEST(has(term.output(), "heraldctl: the node ended the event stream of group DataProcess"));
  BOOST_TEST(has(term.output(), "\x1b[?25h"));
}

BOOST_AUTO_TEST_SUITE_END()
