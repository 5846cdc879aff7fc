// heraldctl's command line: defaults from the environment, flags anywhere, and a clear usage
// error (exit 2) for everything it cannot take.

#include "app/ids.hpp"
#include "tools/heraldctl/admin_client.hpp"
#include "tools/heraldctl/cli.hpp"

#include <boost/test/unit_test.hpp>
#include <map>

using namespace herald::ctl;

namespace {

std::map<std::string, std::string> environment;

cli_result parse(std::vector<std::string_view> args) {
  return parse_command_line(args, [](std::string_view name) -> std::optional<std::string> {
    auto it = environment.find(std::string{name});
    return it == environment.end() ? std::nullopt : std::optional<std::string>{it->second};
  });
}

options ok(std::vector<std::string_view> args) {
  auto r = parse(std::move(args));
  BOOST_REQUIRE_MESSAGE(r.value, "refused: " + r.error);
  return *r.value;
}

std::string error(std::vector<std::string_view> args) {
  auto r = parse(std::move(args));
  BOOST_REQUIRE(!r.value);
  BOOST_REQUIRE(!r.help);
  return r.error;
}

struct clean_environment {
  clean_environment() { environment.clear(); }
  ~clean_environment() { environment.clear(); }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(heraldctl_cli_test, clean_environment)

BOOST_AUTO_TEST_CASE(defaults_are_the_local_admin_port_and_no_key) {
  auto o = ok({"routes"});
  BOOST_TEST(o.url == "http://127.0.0.1:8081");
  BOOST_TEST(o.node.host == "127.0.0.1");
  BOOST_TEST(o.node.port == 8081);
  BOOST_TEST(o.node.prefix == "");
  BOOST_TEST(o.key == "");
  BOOST_TEST(!o.json);
  BOOST_TEST(o.timeout.count() == 5000);
  BOOST_TEST((o.cmd == command::routes));
}

BOOST_AUTO_TEST_CASE(the_environment_gives_url_and_key_and_flags_win) {
  environment["HERALD_ADMIN_URL"] = "http://localhost:9000";
  environment["HERALD_ADMIN_KEY"] = "from-env";
  auto o = ok({"groups"});
  BOOST_TEST(o.node.host == "localhost");
  BOOST_TEST(o.node.port == 9000);
  BOOST_TEST(o.key == "from-env");
  auto f = ok({"--url", "http://127.0.0.1:7000", "--key", "from-flag", "groups"});
  BOOST_TEST(f.node.port == 7000);
  BOOST_TEST(f.key == "from-flag");
}

BOOST_AUTO_TEST_CASE(flags_may_stand_before_or_after_the_command_and_take_equals) {
  auto before = ok({"--json", "--key", "k", "task", "abc"});
  auto after = ok({"task", "abc", "--key=k", "--json"});
  for (const auto& o : {before, after}) {
    BOOST_TEST((o.cmd == command::task));
    BOOST_TEST(o.argument == "abc");
    BOOST_TEST(o.key == "k");
    BOOST_TEST(o.json);
  }
  BOOST_TEST(ok({"routes", "--timeout", "0.25"}).timeout.count() == 250);
}

BOOST_AUTO_TEST_CASE(every_command_is_recognised) {
  BOOST_TEST((ok({"routes"}).cmd == command::routes));
  BOOST_TEST((ok({"tasks"}).cmd == command::tasks));
  BOOST_TEST((ok({"task", "x"}).cmd == command::task));
  BOOST_TEST((ok({"cancel", "x"}).cmd == command::cancel));
  BOOST_TEST((ok({"groups"}).cmd == command::groups));
  BOOST_TEST((ok({"group", "Test events"}).cmd == command::group));
  BOOST_TEST(ok({"group", "Test events"}).argument == "Test events");
  BOOST_TEST((ok({"connections"}).cmd == command::connections));
  BOOST_TEST((ok({"watch"}).cmd == command::watch));
  BOOST_TEST(ok({"watch"}).argument == "");
  BOOST_TEST(ok({"watch", "DataProcess", "--for", "2.5"}).run_for->count() == 2500);
}

BOOST_AUTO_TEST_CASE(tasks_takes_state_route_and_limit) {
  auto o = ok({"tasks", "--state", "Running", "--route", "[POST]/process-data", "--limit", "10"});
  BOOST_TEST(*o.state == "Running");
  BOOST_TEST(*o.route == "[POST]/process-data");
  BOOST_TEST(*o.limit == 10u);
}

BOOST_AUTO_TEST_CASE(help_is_asked_wherever_it_stands) {
  BOOST_TEST(parse({"--help"}).help);
  BOOST_TEST(parse({"tasks", "-h"}).help);
  BOOST_TEST(parse({"bogus", "--help"}).help == false); // the unknown command is seen first
  auto text = std::string{usage()};
  for (std::string_view word :
       {"routes", "tasks", "task ID", "cancel ID", "groups", "group NAME", "connections",
        "watch [GROUP]", "--url", "--key", "--json", "--timeout", "--for", "Exit codes"})
    BOOST_TEST(text.find(word) != std::string::npos, word);
  for (char code = '0'; code <= '6'; ++code)
    BOOST_TEST(text.find(std::string{"  "} + code + "  ") != std::string::npos, code);
}

BOOST_AUTO_TEST_CASE(usage_errors_name_what_is_wrong) {
  BOOST_TEST(error({}) == "no command given (see heraldctl --help)");
  BOOST_TEST(error({"bogus"}) == "unknown command bogus (see heraldctl --help)");
  BOOST_TEST(error({"routes", "--bogus"}) == "unknown option --bogus");
  BOOST_TEST(error({"task"}) == "task needs a task id");
  BOOST_TEST(error({"cancel"}) == "cancel needs a task id");
  BOOST_TEST(error({"group"}) == "group needs a group name");
  BOOST_TEST(error({"routes", "extra"}) == "unexpected argument extra for routes");
  BOOST_TEST(error({"task", "a", "b"}) == "unexpected argument b for task");
  BOOST_TEST(error({"task", ""}) == "task: empty argument");
  BOOST_TEST(error({"routes", "--key"}) == "--key needs a value");
  BOOST_TEST(error({"routes", "--url"}) == "--url needs a value");
  BOOST_TEST(error({"routes", "--json=yes"}) == "--json takes no value");
  BOOST_TEST(error({"routes", "--timeout", "soon"}) == "--timeout: not a number of seconds: soon");
  BOOST_TEST(error({"routes", "--timeout", "0"}) == "--timeout: not a number of seconds: 0");
  BOOST_TEST(error({"routes", "--timeout", "-1"}) == "--timeout: not a number of seconds: -1");
  BOOST_TEST(error({"tasks", "--state", "Done"}) ==
             "--state: Done is not one of NotStarted, Running, Completed, Failed, Aborted");
  BOOST_TEST(error({"tasks", "--limit", "0"}) == "--limit: not a count from 1 to 100000: 0");
  BOOST_TEST(error({"tasks", "--limit", "100001"}) ==
             "--limit: not a count from 1 to 100000: 100001");
  BOOST_TEST(error({"routes", "--state", "Running"}) == "--state does not apply to routes");
  BOOST_TEST(error({"tasks", "--for", "1"}) == "--for does not apply to tasks");
  BOOST_TEST(error({"watch", "a", "b"}) == "unexpected argument b for watch");
  BOOST_TEST(error({"--url", "https://127.0.0.1:8081", "routes"}) ==
             "--url: not an http://host[:port] URL: https://127.0.0.1:8081");
}

BOOST_AUTO_TEST_CASE(a_bad_url_in_the_environment_is_a_usage_error_too) {
  environment["HERALD_ADMIN_URL"] = "127.0.0.1:8081";
  BOOST_TEST(error({"routes"}) == "--url: not an http://host[:port] URL: 127.0.0.1:8081");
}

BOOST_AUTO_TEST_CASE(urls_are_http_host_port_and_an_optional_prefix) {
  auto plain = parse_url("http://example.test");
  BOOST_REQUIRE(plain);
  BOOST_TEST(plain->host == "example.test");
  BOOST_TEST(plain->port == 80);
  auto prefixed = parse_url("http://127.0.0.1:8081/herald/");
  BOOST_REQUIRE(prefixed);
  BOOST_TEST(prefixed->port == 8081);
  BOOST_TEST(prefixed->prefix == "/herald");
  auto v6 = parse_url("http://[::1]:9000");
  BOOST_REQUIRE(v6);
  BOOST_TEST(v6->host == "::1");
  BOOST_TEST(v6->port == 9000);
  for (std::string_view bad : {"", "http://", "http://:80", "ftp://h", "https://h", "http://h:0",
                               "http://h:65536", "http://h:x", "http://h:", "http://[::1",
                               "http://[::1]x", "http://u@h", "http://h/?q", "http://h/#f"})
    BOOST_TEST(!parse_url(bad), bad);
}

BOOST_AUTO_TEST_CASE(ids_groups_and_filters_are_percent_encoded_for_urls) {
  // Unreserved characters stay; everything else, bytes of UTF-8 included, becomes %XX.
  BOOST_TEST(path_segment("a-b_c.d~9") == "a-b_c.d~9");
  BOOST_TEST(path_segment("Test events/[x]?") == "Test%20events%2F%5Bx%5D%3F");
  BOOST_TEST(path_segment("\xc3\xbc%") == "%C3%BC%25");
  BOOST_TEST(query_value("[POST]/process-data") == "%5BPOST%5D/process-data");
  // The node writes the same form into its events paths.
  BOOST_TEST(herald::app::path_segment("Test events/[x]?") == "Test%20events%2F%5Bx%5D%3F");
}

BOOST_AUTO_TEST_SUITE_END()
