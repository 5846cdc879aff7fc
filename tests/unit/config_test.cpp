#include "app/config.hpp"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using herald::app::config;
using herald::app::config_result;
using herald::app::load_config;
using herald::app::parse_config;
using herald::log::level;
using namespace std::chrono_literals;

namespace fs = std::filesystem;

BOOST_TEST_DONT_PRINT_LOG_VALUE(level)

namespace {

/// A private folder under the system's temporary directory, removed with its files.
class temp_dir {
 public:
  temp_dir() {
    auto pattern = (fs::temp_directory_path() / "herald-config-test-XXXXXX").string();
    BOOST_REQUIRE_MESSAGE(::mkdtemp(pattern.data()) != nullptr, "mkdtemp failed");
    path_ = pattern;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  std::string write(std::string_view name, std::string_view content) const {
    auto file = path_ / name;
    std::ofstream out{file, std::ios::binary};
    out << content;
    BOOST_REQUIRE(out.good());
    return file.string();
  }
  /// Writes `name` with mode `mode` (0755: a program).
  std::string write(std::string_view name, std::string_view content, fs::perms mode) const {
    auto file = write(name, content);
    fs::permissions(file, mode);
    return file;
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

/// `PATH` set to `value` while it lives, then restored.
class path_variable {
 public:
  explicit path_variable(const std::string& value) {
    if (const char* old = std::getenv("PATH"))
      old_ = old;
    ::setenv("PATH", value.c_str(), 1);
  }
  ~path_variable() {
    if (old_)
      ::setenv("PATH", old_->c_str(), 1);
    else
      ::unsetenv("PATH");
  }
  path_variable(const path_variable&) = delete;
  path_variable& operator=(const path_variable&) = delete;

 private:
  std::optional<std::string> old_;
};

/// load_config over a command line given as words, without the program name.
config_result run(std::initializer_list<std::string_view> words) {
  std::vector<std::string> storage{"herald"};
  for (auto w : words)
    storage.emplace_back(w);
  std::vector<const char*> argv;
  for (const auto& s : storage)
    argv.push_back(s.c_str());
  argv.push_back(nullptr);
  return load_config(static_cast<int>(storage.size()), argv.data());
}

/// The parsed configuration; fails the test with the error when there is none.
config accepted(const config_result& r) {
  BOOST_REQUIRE_MESSAGE(r.value.has_value(), "rejected: " << r.error);
  BOOST_TEST(r.error.empty());
  BOOST_TEST(!r.help);
  return *r.value;
}

/// The error message; fails the test when the input was accepted.
std::string rejected(const config_result& r) {
  BOOST_TEST(!r.value.has_value());
  BOOST_TEST(!r.help);
  BOOST_TEST(!r.error.empty());
  return r.error;
}

const char* const full_document = R"({
  "bind": "0.0.0.0",
  "port": 9000,
  "log_level": "debug",
  "io_threads": 4,
  "scheduler_threads": 3,
  "shutdown_grace_ms": 2500,
  "limits": {
    "max_connections": 500,
    "header_limit_bytes": 8192,
    "body_limit_bytes": 65536,
    "chunk_framing_limit_bytes": 2048,
    "header_timeout_ms": 1000,
    "body_timeout_ms": 2000,
    "idle_timeout_ms": 3000,
    "write_timeout_ms": 4000,
    "stream_send_buffer_bytes": 0
  }
})";

} // namespace

BOOST_AUTO_TEST_SUITE(config_test)

// -- defaults ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(defaults_are_the_documented_ones) {
  config c;
  BOOST_TEST(c.bind == "127.0.0.1");
  BOOST_TEST(c.port == 8080);
  BOOST_TEST(c.log_level == level::info);
  BOOST_TEST(c.io_threads == 1u);
  BOOST_TEST(c.scheduler_threads == 1u);
  BOOST_TEST(c.shutdown_grace.count() == 10'000);
  BOOST_TEST(c.limits.max_connections == 10'000u);
  BOOST_TEST(c.limits.header_limit == 16u * 1024);
  BOOST_TEST(c.limits.body_limit == 1024u * 1024);
  BOOST_TEST(c.limits.chunk_framing_limit == 4u * 1024);
  BOOST_TEST(c.limits.header_timeout.count() == 10'000);
  BOOST_TEST(c.limits.body_timeout.count() == 30'000);
  BOOST_TEST(c.limits.idle_timeout.count() == 60'000);
  BOOST_TEST(c.limits.write_timeout.count() == 30'000);
  BOOST_TEST(c.limits.stream_send_buffer == 65536u);
}

BOOST_AUTO_TEST_CASE(empty_document_keeps_the_defaults) {
  auto c = accepted(parse_config("{}"));
  config d;
  BOOST_TEST(c.bind == d.bind);
  BOOST_TEST(c.port == d.port);
  BOOST_TEST(c.limits.body_limit == d.limits.body_limit);
  BOOST_TEST(c.limits.idle_timeout.count() == d.limits.idle_timeout.count());
}

BOOST_AUTO_TEST_CASE(empty_command_line_gives_the_defaults) {
  auto c = accepted(run({}));
  BOOST_TEST(c.bind == "127.0.0.1");
  BOOST_TEST(c.port == 8080);
  BOOST_TEST(c.log_level == level::info);
}

// -- documents --------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(full_document_sets_every_field) {
  auto c = accepted(parse_config(full_document));
  BOOST_TEST(c.bind == "0.0.0.0");
  BOOST_TEST(c.port == 9000);
  BOOST_TEST(c.log_level == level::debug);
  BOOST_TEST(c.io_threads == 4u);
  BOOST_TEST(c.scheduler_threads == 3u);
  BOOST_TEST(c.shutdown_grace.count() == 2500);
  BOOST_TEST(c.limits.max_connections == 500u);
  BOOST_TEST(c.limits.header_limit == 8192u);
  BOOST_TEST(c.limits.body_limit == 65536u);
  BOOST_TEST(c.limits.chunk_framing_limit == 2048u);
  BOOST_TEST(c.limits.header_timeout.count() == 1000);
  BOOST_TEST(c.limits.body_timeout.count() == 2000);
  BOOST_TEST(c.limits.idle_timeout.count() == 3000);
  BOOST_TEST(c.limits.write_timeout.count() == 4000);
  BOOST_TEST(c.limits.stream_send_buffer == 0u);
}

BOOST_AUTO_TEST_CASE(document_overrides_only_its_keys_over_the_base) {
  config base;
  base.port = 1234;
  base.limits.body_limit = 77;
  auto c = accepted(parse_config(R"({"bind": "::1", "limits": {"max_connections": 5}})", base));
  BOOST_TEST(c.bind == "::1");
  BOOST_TEST(c.port == 1234);
  BOOST_TEST(c.limits.max_connections == 5u);
  BOOST_TEST(c.limits.body_limit == 77u);
}

BOOST_AUTO_TEST_CASE(task_and_demo_settings_have_documented_defaults_and_are_read) {
  config d;
  BOOST_TEST(d.tasks.registry.retention.count() == 600'000);
  BOOST_TEST(d.tasks.supervisor.cancel_grace.count() == 5'000);
  BOOST_TEST(d.tasks.registry.max_retained == 100'000u);
  BOOST_TEST(d.tasks.query_max_value_bytes == 1024u);
  BOOST_TEST(d.tasks.registry.max_held_bytes == 268'435'456u);
  BOOST_TEST(d.demo.enabled);
  BOOST_TEST(d.demo.tick.count() == 1'000);
  BOOST_TEST(d.demo.report.count() == 10'000);
  BOOST_TEST(d.demo.event_gap.count() == 10'000);
  auto c = accepted(parse_config(
      R"({"tasks": {"retention_ms": 1500, "cancel_grace_ms": 20, "max_retained": 9,
                    "query_max_value_bytes": 4096, "max_held_bytes": 300000},
          "demo": {"enabled": false, "tick_ms": 5, "report_ms": 6, "event_gap_ms": 7}})"));
  BOOST_TEST(c.tasks.registry.retention.count() == 1500);
  BOOST_TEST(c.tasks.supervisor.cancel_grace.count() == 20);
  BOOST_TEST(c.tasks.registry.max_retained == 9u);
  BOOST_TEST(c.tasks.query_max_value_bytes == 4096u);
  BOOST_TEST(c.tasks.registry.max_held_bytes == 300'000u);
  BOOST_TEST(!c.demo.enabled);
  BOOST_TEST(c.demo.tick.count() == 5);
  BOOST_TEST(c.demo.report.count() == 6);
  BOOST_TEST(c.demo.event_gap.count() == 7);
}

BOOST_AUTO_TEST_CASE(bad_task_and_demo_settings_are_named) {
  BOOST_TEST(rejected(parse_config(R"({"demo": {"enabled": 1}})")) ==
             "demo.enabled: must be true or false");
  BOOST_TEST(rejected(parse_config(R"({"demo": {"tick_ms": 0}})")) ==
             "demo.tick_ms: must be between 1 and 3600000");
  BOOST_TEST(rejected(parse_config(R"({"tasks": {"retention_ms": -1}})")) ==
             "tasks.retention_ms: must be between 0 and 604800000");
  BOOST_TEST(rejected(parse_config(R"({"tasks": {"grace": 1}})")) == "tasks.grace: unknown key");
  BOOST_TEST(rejected(parse_config(R"({"tasks": {"query_max_value_bytes": 15}})")) ==
             "tasks.query_max_value_bytes: must be between 16 and 65536");
  BOOST_TEST(rejected(parse_config(R"({"tasks": {"query_max_value_bytes": "1k"}})")) ==
             "tasks.query_max_value_bytes: must be an integer");
  // Below 64 KiB not even one task with a small body fits.
  BOOST_TEST(rejected(parse_config(R"({"tasks": {"max_held_bytes": 1000}})")) ==
             "tasks.max_held_bytes: must be between 65536 and 281474976710656");
  BOOST_TEST(rejected(parse_config(R"({"tasks": {"max_held_bytes": "1G"}})")) ==
             "tasks.max_held_bytes: must be an integer");
}

BOOST_AUTO_TEST_CASE(admin_settings_have_documented_defaults_and_are_read) {
  config d;
  BOOST_TEST(d.admin.enabled);
  BOOST_TEST(d.admin.bind == "127.0.0.1");
  BOOST_TEST(d.admin.port == 8081);
  BOOST_TEST(d.admin.key.empty());
  auto c = accepted(parse_config(R"({"admin": {"enabled": false, "bind": "::1", "port": 0,
                                                "key": "0123456789abcdef"}})"));
  BOOST_TEST(!c.admin.enabled);
  BOOST_TEST(c.admin.bind == "::1");
  BOOST_TEST(c.admin.port == 0);
  BOOST_TEST(c.admin.key == "0123456789abcdef");
  BOOST_TEST(rejected(parse_config(R"({"admin": {"key": "short"}})")) ==
             "admin.key: must be empty (admin API disabled) or at least 16 characters");
  BOOST_TEST(rejected(parse_config(R"({"admin": {"bind": "localhost"}})")) ==
             "admin.bind: 'localhost' is not an IPv4 or IPv6 address");
  BOOST_TEST(rejected(parse_config(R"({"admin": {"port": 70000}})")) ==
             "admin.port: must be between 0 and 65535");
  BOOST_TEST(accepted(run({"--admin-port", "0"})).admin.port == 0);
  BOOST_TEST(rejected(run({"--admin-port", "x"})) ==
             "--admin-port: 'x' is not a port number (0-65535)");
}

BOOST_AUTO_TEST_CASE(group_bound_and_metrics_top_groups_have_documented_defaults_and_are_read) {
  config d;
  BOOST_TEST(d.sse.groups.max_groups == 10'000u);
  BOOST_TEST(d.admin.metrics_top_groups == 50u);
  auto c =
      accepted(parse_config(R"({"sse": {"max_groups": 3}, "admin": {"metrics_top_groups": 0}})"));
  BOOST_TEST(c.sse.groups.max_groups == 3u);
  BOOST_TEST(c.admin.metrics_top_groups == 0u);
  BOOST_TEST(rejected(parse_config(R"({"sse": {"max_groups": 0}})")) ==
             "sse.max_groups: must be between 1 and 1000000");
  BOOST_TEST(rejected(parse_config(R"({"admin": {"metrics_top_groups": 10001}})")) ==
             "admin.metrics_top_groups: must be between 0 and 10000");
  BOOST_TEST(
      rejected(parse_config(R"({"sse": {"max_groups": "many"}})")).starts_with("sse.max_groups: "));
}

BOOST_AUTO_TEST_CASE(the_admin_key_can_come_from_the_environment) {
  temp_dir dir;
  ::setenv("HERALD_ADMIN_KEY", "env-admin-key-0123456789", 1);
  BOOST_TEST(accepted(run({})).admin.key == "env-admin-key-0123456789");
  // A key in the file wins.
  auto file = dir.write("c.json", R"({"admin": {"key": "file-admin-key-0123456789"}})");
  BOOST_TEST(accepted(run({"--config", file})).admin.key == "file-admin-key-0123456789");
  ::setenv("HERALD_ADMIN_KEY", "short", 1);
  BOOST_TEST(rejected(run({})) == "HERALD_ADMIN_KEY: must be at least 16 characters");
  ::unsetenv("HERALD_ADMIN_KEY");
  BOOST_TEST(accepted(run({})).admin.key.empty());
}

BOOST_AUTO_TEST_CASE(the_demo_page_is_on_by_default_and_can_be_turned_off) {
  BOOST_TEST(config{}.ui.enabled);
  BOOST_TEST(accepted(parse_config("{}")).ui.enabled);
  BOOST_TEST(accepted(parse_config(R"({"ui": {}})")).ui.enabled);
  BOOST_TEST(!accepted(parse_config(R"({"ui": {"enabled": false}})")).ui.enabled);
  BOOST_TEST(accepted(parse_config(R"({"ui": {"enabled": true}})")).ui.enabled);
}

BOOST_AUTO_TEST_CASE(bad_ui_settings_are_named) {
  BOOST_TEST(rejected(parse_config(R"({"ui": {"enabled": "no"}})")) ==
             "ui.enabled: must be true or false");
  BOOST_TEST(rejected(parse_config(R"({"ui": {"path": "/"}})")) == "ui.path: unknown key");
  BOOST_TEST(rejected(parse_config(R"({"ui": false})")) == "ui: must be a JSON object");
}

BOOST_AUTO_TEST_CASE(every_log_level_is_accepted) {
  const std::pair<const char*, level> levels[] = {{"trace", level::trace}, {"debug", level::debug},
                                                  {"info", level::info},   {"warn", level::warn},
                                                  {"error", level::error}, {"off", level::off}};
  for (const auto& [name, l] : levels) {
    BOOST_TEST_CONTEXT(name) {
      auto c = accepted(parse_config(std::string{R"({"log_level": ")"} + name + "\"}"));
      BOOST_TEST(c.log_level == l);
    }
  }
}

BOOST_AUTO_TEST_CASE(range_bounds_are_inclusive) {
  for (const char* doc : {
           R"({"port": 0})",
           R"({"port": 65535})",
           R"({"io_threads": 64, "scheduler_threads": 64})",
           R"({"shutdown_grace_ms": 0})",
           R"({"shutdown_grace_ms": 600000})",
           R"({"limits": {"max_connections": 1}})",
           R"({"limits": {"max_connections": 1000000}})",
           R"({"limits": {"header_limit_bytes": 1024}})",
           R"({"limits": {"header_limit_bytes": 1048576}})",
           R"({"limits": {"body_limit_bytes": 0}})",
           R"({"limits": {"body_limit_bytes": 4294967296}})",
           R"({"limits": {"header_timeout_ms": 10, "body_timeout_ms": 3600000}})",
           R"({"limits": {"idle_timeout_ms": 86400000, "write_timeout_ms": 10}})",
       }) {
    BOOST_TEST_CONTEXT(doc) {
      accepted(parse_config(doc));
    }
  }
  BOOST_TEST(
      accepted(parse_config(R"({"limits": {"body_limit_bytes": 4294967296}})")).limits.body_limit ==
      4294967296u);
}

BOOST_AUTO_TEST_CASE(ipv6_and_any_addresses_are_accepted) {
  for (const char* bind : {"::", "::1", "0.0.0.0", "192.168.1.20", "fe80::1"}) {
    BOOST_TEST_CONTEXT(bind) {
      auto c = accepted(parse_config(std::string{R"({"bind": ")"} + bind + "\"}"));
      BOOST_TEST(c.bind == bind);
    }
  }
}

// -- rejected documents -----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(unknown_top_level_key_is_named) {
  BOOST_TEST(rejected(parse_config(R"({"port": 1, "nope": 2})")) == "nope: unknown key");
}

BOOST_AUTO_TEST_CASE(unknown_nested_key_is_named_with_its_path) {
  BOOST_TEST(rejected(parse_config(R"({"limits": {"nope": 1}})")) == "limits.nope: unknown key");
}

BOOST_AUTO_TEST_CASE(keys_are_case_sensitive) {
  BOOST_TEST(rejected(parse_config(R"({"Port": 80})")) == "Port: unknown key");
}

BOOST_AUTO_TEST_CASE(wrong_type_names_the_key) {
  BOOST_TEST(rejected(parse_config(R"({"port": "80"})")) == "port: must be an integer");
  BOOST_TEST(rejected(parse_config(R"({"bind": 127})")) == "bind: must be a string");
  BOOST_TEST(rejected(parse_config(R"({"log_level": null})")) == "log_level: must be a string");
  BOOST_TEST(rejected(parse_config(R"({"io_threads": true})")) == "io_threads: must be an integer");
  BOOST_TEST(rejected(parse_config(R"({"limits": {"body_limit_bytes": [1]}})")) ==
             "limits.body_limit_bytes: must be an integer");
  BOOST_TEST(rejected(parse_config(R"({"limits": 5})")) == "limits: must be a JSON object");
}

BOOST_AUTO_TEST_CASE(fractional_numbers_are_not_integers) {
  BOOST_TEST(rejected(parse_config(R"({"port": 80.5})")) == "port: must be an integer");
  BOOST_TEST(rejected(parse_config(R"({"port": 80.0})")) == "port: must be an integer");
  BOOST_TEST(rejected(parse_config(R"({"shutdown_grace_ms": 1e3})")) ==
             "shutdown_grace_ms: must be an integer");
}

BOOST_AUTO_TEST_CASE(out_of_range_names_the_key_and_the_range) {
  BOOST_TEST(rejected(parse_config(R"({"port": 70000})")) == "port: must be between 0 and 65535");
  BOOST_TEST(rejected(parse_config(R"({"port": -1})")) == "port: must be between 0 and 65535");
  BOOST_TEST(rejected(parse_config(R"({"io_threads": 0})")) ==
             "io_threads: must be between 1 and 64");
  BOOST_TEST(rejected(parse_config(R"({"scheduler_threads": 65})")) ==
             "scheduler_threads: must be between 1 and 64");
  BOOST_TEST(rejected(parse_config(R"({"shutdown_grace_ms": 600001})")) ==
             "shutdown_grace_ms: must be between 0 and 600000");
  BOOST_TEST(rejected(parse_config(R"({"limits": {"header_limit_bytes": 1023}})")) ==
             "limits.header_limit_bytes: must be between 1024 and 1048576");
  BOOST_TEST(rejected(parse_config(R"({"limits": {"body_limit_bytes": 4294967297}})")) ==
             "limits.body_limit_bytes: must be between 0 and 4294967296");
  BOOST_TEST(rejected(parse_config(R"({"limits": {"max_connections": 0}})")) ==
             "limits.max_connections: must be between 1 and 1000000");
  BOOST_TEST(rejected(parse_config(R"({"limits": {"header_timeout_ms": 9}})")) ==
             "limits.header_timeout_ms: must be between 10 and 3600000");
  BOOST_TEST(rejected(parse_config(R"({"limits": {"idle_timeout_ms": 86400001}})")) ==
             "limits.idle_timeout_ms: must be between 10 and 86400000");
}

BOOST_AUTO_TEST_CASE(numbers_beyond_int64_are_out_of_range_not_wrapped) {
  BOOST_TEST(rejected(parse_config(R"({"port": 18446744073709551615})")) ==
             "port: must be between 0 and 65535");
  BOOST_TEST(rejected(parse_config(R"({"limits": {"body_limit_bytes": 9223372036854775808}})")) ==
             "limits.body_limit_bytes: must be between 0 and 4294967296");
  // Beyond uint64, Boost.JSON reads a double: still not an acceptable port.
  BOOST_TEST(!parse_config(R"({"port": 100000000000000000000})").value.has_value());
}

BOOST_AUTO_TEST_CASE(invalid_json_is_reported_as_such) {
  for (const char* doc : {"", "{", "{\"port\": }", "{'port': 1}", "{\"port\": 1,}",
                          "{\"port\": 1} x", "// comment\n{}", "{\"port\": 0x10}"}) {
    BOOST_TEST_CONTEXT("document '" << doc << "'") {
      auto error = rejected(parse_config(doc));
      BOOST_TEST(error.starts_with("configuration is not valid JSON: "), error);
    }
  }
}

BOOST_AUTO_TEST_CASE(non_object_document_is_rejected) {
  for (const char* doc : {"[]", "[{\"port\": 1}]", "42", "\"port\"", "null", "true"}) {
    BOOST_TEST_CONTEXT("document " << doc) {
      BOOST_TEST(rejected(parse_config(doc)) == "configuration: must be a JSON object");
    }
  }
}

BOOST_AUTO_TEST_CASE(invalid_bind_address_is_named) {
  BOOST_TEST(rejected(parse_config(R"({"bind": "localhost"})")) ==
             "bind: 'localhost' is not an IPv4 or IPv6 address");
  for (const char* bind : {"", "256.0.0.1", "1.2.3", "::g", "127.0.0.1:80", " 127.0.0.1"}) {
    BOOST_TEST_CONTEXT("bind '" << bind << "'") {
      auto error = rejected(parse_config(std::string{R"({"bind": ")"} + bind + "\"}"));
      BOOST_TEST(error.starts_with("bind: "), error);
    }
  }
}

BOOST_AUTO_TEST_CASE(unknown_log_level_is_named) {
  BOOST_TEST(rejected(parse_config(R"({"log_level": "verbose"})")) ==
             "log_level: 'verbose' is not one of trace, debug, info, warn, error, off");
  BOOST_TEST(rejected(parse_config(R"({"log_level": "INFO"})")).starts_with("log_level: "));
}

BOOST_AUTO_TEST_CASE(first_error_stops_parsing_without_a_partial_value) {
  auto r = parse_config(R"({"port": 1, "io_threads": 0, "nope": 1})");
  BOOST_TEST(!r.value.has_value());
  BOOST_TEST(r.error == "io_threads: must be between 1 and 64");
}

// -- command line -----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(config_file_is_read) {
  temp_dir dir;
  auto file = dir.write("herald.json", full_document);
  auto c = accepted(run({"--config", file}));
  BOOST_TEST(c.port == 9000);
  BOOST_TEST(c.limits.write_timeout.count() == 4000);
}

BOOST_AUTO_TEST_CASE(flags_override_the_file_wherever_they_stand) {
  temp_dir dir;
  auto file =
      dir.write("herald.json", R"({"bind": "0.0.0.0", "port": 9000, "log_level": "debug"})");
  for (auto c :
       {accepted(run({"--config", file, "--port", "9001", "--bind", "::1", "--log-level", "warn"})),
        accepted(
            run({"--port", "9001", "--bind", "::1", "--log-level", "warn", "--config", file}))}) {
    BOOST_TEST(c.port == 9001);
    BOOST_TEST(c.bind == "::1");
    BOOST_TEST(c.log_level == level::warn);
  }
}

BOOST_AUTO_TEST_CASE(file_values_stay_when_no_flag_overrides_them) {
  temp_dir dir;
  auto file = dir.write("herald.json", R"({"bind": "0.0.0.0", "io_threads": 8})");
  auto c = accepted(run({"--port", "1", "--config", file}));
  BOOST_TEST(c.bind == "0.0.0.0");
  BOOST_TEST(c.io_threads == 8u);
  BOOST_TEST(c.port == 1);
}

BOOST_AUTO_TEST_CASE(later_config_file_overrides_an_earlier_one) {
  temp_dir dir;
  auto first = dir.write("a.json", R"({"port": 1, "io_threads": 2})");
  auto second = dir.write("b.json", R"({"port": 3})");
  auto c = accepted(run({"--config", first, "--config", second}));
  BOOST_TEST(c.port == 3);
  BOOST_TEST(c.io_threads == 2u);
}

BOOST_AUTO_TEST_CASE(port_flag_accepts_its_bounds) {
  BOOST_TEST(accepted(run({"--port", "0"})).port == 0);
  BOOST_TEST(accepted(run({"--port", "65535"})).port == 65535);
}

BOOST_AUTO_TEST_CASE(bad_port_flag_is_rejected_naming_port) {
  for (const char* port :
       {"abc", "70000", "65536", "-1", "", "80x", "+80", " 80", "8.0", "99999999999999999999"}) {
    BOOST_TEST_CONTEXT("--port '" << port << "'") {
      auto error = rejected(run({"--port", port}));
      BOOST_TEST(error.starts_with("--port: "), error);
    }
  }
}

BOOST_AUTO_TEST_CASE(bad_bind_and_log_level_flags_are_named) {
  BOOST_TEST(rejected(run({"--bind", "localhost"})).starts_with("--bind: "));
  BOOST_TEST(rejected(run({"--log-level", "loud"})).starts_with("--log-level: "));
}

BOOST_AUTO_TEST_CASE(unknown_flag_is_rejected) {
  BOOST_TEST(rejected(run({"--nope"})) == "--nope: unknown option (see --help)");
  BOOST_TEST(rejected(run({"stray"})).starts_with("stray: "));
  BOOST_TEST(rejected(run({"--port=80"})).starts_with("--port=80: "));
}

BOOST_AUTO_TEST_CASE(flag_without_value_is_rejected) {
  BOOST_TEST(rejected(run({"--port"})) == "--port: needs a value");
  BOOST_TEST(rejected(run({"--bind"})) == "--bind: needs a value");
  BOOST_TEST(rejected(run({"--log-level"})) == "--log-level: needs a value");
  BOOST_TEST(rejected(run({"--config"})) == "--config: needs a file name");
}

BOOST_AUTO_TEST_CASE(help_flag_asks_for_help) {
  for (const char* flag : {"--help", "-h"}) {
    BOOST_TEST_CONTEXT(flag) {
      auto r = run({"--port", "80", flag});
      BOOST_TEST(r.help);
      BOOST_TEST(r.error.empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(usage_mentions_every_flag) {
  auto text = herald::app::usage();
  for (const char* flag : {"--config", "--bind", "--port", "--admin-port", "--log-level", "--help"})
    BOOST_TEST(text.find(flag) != std::string_view::npos, flag);
}

BOOST_AUTO_TEST_CASE(missing_config_file_is_named) {
  temp_dir dir;
  auto missing = (dir.path() / "absent.json").string();
  BOOST_TEST(rejected(run({"--config", missing})) == "--config: cannot read '" + missing + "'");
}

BOOST_AUTO_TEST_CASE(bad_config_file_error_names_the_file_and_the_key) {
  temp_dir dir;
  auto file = dir.write("bad.json", R"({"limits": {"nope": 1}})");
  BOOST_TEST(rejected(run({"--config", file})) == file + ": limits.nope: unknown key");
  auto broken = dir.write("broken.json", "{");
  auto error = rejected(run({"--config", broken}));
  BOOST_TEST(error.starts_with(broken + ": configuration is not valid JSON"), error);
}

BOOST_AUTO_TEST_CASE(temp_dir_is_removed) {
  fs::path where;
  {
    temp_dir dir;
    where = dir.path();
    dir.write("x.json", "{}");
    BOOST_TEST(fs::exists(where));
  }
  BOOST_TEST(!fs::exists(where));
}

// -- auth and group rules ---------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(auth_is_off_by_default) {
  config d;
  BOOST_TEST(d.auth.keys.empty());
  BOOST_TEST(!d.auth.jwt.has_value());
  BOOST_TEST(d.auth.cookie.empty());
  BOOST_TEST(d.auth.stream_secret.empty());
  BOOST_TEST(!d.auth.required);
  BOOST_TEST(!d.auth.enabled());
  BOOST_TEST(d.sse.group_rules.empty());
}

BOOST_AUTO_TEST_CASE(api_keys_are_read_by_digest_or_in_plain) {
  auto c = accepted(parse_config(R"({"auth": {"required": true, "keys": [
    {"key_sha256": "7BAFAA96AA2351E6B7FBC258246B08EE66ADE6196C76850108303B1DD6D6EB62",
     "user": "alice", "groups": ["ops"], "roles": ["admin", "dev"], "scopes": ["tasks:read"]},
    {"key": "carol-key-0123456789", "user": "carol"},
    {"key": "bob-key-0123456789", "user": "bob"}]}})"));
  BOOST_TEST(c.auth.required);
  BOOST_TEST(c.auth.enabled());
  BOOST_REQUIRE(c.auth.keys.size() == 3u);
  const auto& a = c.auth.keys[0];
  BOOST_TEST(a.digest[0] == 0x7b);
  BOOST_TEST(a.digest[31] == 0x62);
  BOOST_TEST(!a.plain);
  BOOST_TEST(a.who.user == "alice");
  BOOST_TEST(a.who.groups == std::vector<std::string>{"ops"});
  BOOST_TEST(a.who.roles == (std::vector<std::string>{"admin", "dev"}));
  BOOST_TEST(a.who.scopes == std::vector<std::string>{"tasks:read"});
  BOOST_TEST(!a.who.expires.has_value());
  BOOST_TEST(c.auth.keys[2].plain);
  BOOST_TEST(c.auth.keys[2].who.user == "bob");
  BOOST_TEST(c.auth.keys[2].who.groups.empty());
}

BOOST_AUTO_TEST_CASE(a_plain_key_and_its_digest_are_the_same_key) {
  // The second entry is the first one's key in plain: the same credential twice.
  auto error = rejected(parse_config(R"({"auth": {"keys": [
    {"key_sha256": "7bafaa96aa2351e6b7fbc258246b08ee66ade6196c76850108303b1dd6d6eb62",
     "user": "alice"},
    {"key": "alice-key-0123456789", "user": "mallory"}]}})"));
  BOOST_TEST(error == "auth.keys[1]: is the same key as auth.keys[0]");
  BOOST_TEST(rejected(parse_config(R"({"auth": {"keys": [{"key": "bob-key-0123456789",
    "user": "a"}, {"key": "other-key-0123456789", "user": "b"}, {"key": "bob-key-0123456789",
    "user": "c"}]}})")) == "auth.keys[2]: is the same key as auth.keys[0]");
}

BOOST_AUTO_TEST_CASE(bad_api_key_entries_are_named) {
  auto bad = [](std::string_view entry) {
    return rejected(parse_config(R"({"auth": {"keys": [{"key": "bob-key-0123456789",
                                   "user": "bob"}, )" +
                                 std::string{entry} + "]}}"));
  };
  BOOST_TEST(bad(R"({"key": "alice-key-0123456789", "user": "a", "foo": 1})") ==
             "auth.keys[1].foo: unknown key");
  BOOST_TEST(bad(R"({"key": "alice-key-0123456789", "user": "a", "users": ["x"]})") ==
             "auth.keys[1].users: unknown key");
  BOOST_TEST(bad(R"({"user": "a"})") == "auth.keys[1]: needs exactly one of key_sha256 and key");
  BOOST_TEST(bad(R"({"key": "alice-key-0123456789", "user": "a", "key_sha256":
    "7bafaa96aa2351e6b7fbc258246b08ee66ade6196c76850108303b1dd6d6eb62"})") ==
             "auth.keys[1]: needs exactly one of key_sha256 and key");
  BOOST_TEST(bad(R"({"key": "too-short", "user": "a"})") ==
             "auth.keys[1].key: must be at least 16 characters");
  BOOST_TEST(bad(R"({"key_sha256": "7bafaa96", "user": "a"})") ==
             "auth.keys[1].key_sha256: must be 64 hexadecimal digits (a SHA-256)");
  BOOST_TEST(bad(R"({"key_sha256":
    "7bafaa96aa2351e6b7fbc258246b08ee66ade6196c76850108303b1dd6d6eb6g", "user": "a"})") ==
             "auth.keys[1].key_sha256: must be 64 hexadecimal digits (a SHA-256)");
  BOOST_TEST(bad(R"({"key": "alice-key-0123456789"})") == "auth.keys[1].user: is required");
  BOOST_TEST(bad(R"({"key": "alice-key-0123456789", "user": ""})") ==
             "auth.keys[1].user: must not be empty");
  BOOST_TEST(bad(R"({"key": "alice-key-0123456789", "user": 7})") ==
             "auth.keys[1].user: must be a string");
  BOOST_TEST(bad(R"({"key": "alice-key-0123456789", "user": "a", "groups": "ops"})") ==
             "auth.keys[1].groups: must be an array of strings");
  BOOST_TEST(bad(R"({"key": "alice-key-0123456789", "user": "a", "roles": [1]})") ==
             "auth.keys[1].roles: must be an array of non-empty strings");
  BOOST_TEST(bad(R"("alice-key-0123456789")") == "auth.keys[1]: must be a JSON object");
  BOOST_TEST(rejected(parse_config(R"({"auth": {"keys": {}}})")) ==
             "auth.keys: must be an array of objects");
}

BOOST_AUTO_TEST_CASE(jwt_settings_are_read) {
  auto c = accepted(parse_config(R"({"auth": {"jwt": {
    "hs256_secret": "0123456789abcdef0123456789abcdef",
    "public_keys": ["/etc/herald/idp.pem", "/etc/herald/idp2.pem"],
    "jwks_file": "/etc/herald/jwks.json", "issuer": "https://idp.example",
    "audience": "herald", "leeway_s": 5,
    "claims": {"user": "email", "groups": "grp", "roles": "realm_roles", "scopes": "scp"}}}})"));
  BOOST_REQUIRE(c.auth.jwt.has_value());
  const auto& j = *c.auth.jwt;
  BOOST_TEST(j.hs256_secret == "0123456789abcdef0123456789abcdef");
  BOOST_TEST(j.public_key_files ==
             (std::vector<std::string>{"/etc/herald/idp.pem", "/etc/herald/idp2.pem"}));
  BOOST_TEST(j.jwks_file == "/etc/herald/jwks.json");
  BOOST_TEST(j.issuer == "https://idp.example");
  BOOST_TEST(j.audience == "herald");
  BOOST_TEST(j.leeway.count() == 5);
  BOOST_TEST(j.user_claim == "email");
  BOOST_TEST(j.groups_claim == "grp");
  BOOST_TEST(j.roles_claim == "realm_roles");
  BOOST_TEST(j.scopes_claim == "scp");
  BOOST_TEST(c.auth.enabled());

  auto d = accepted(parse_config(R"({"auth": {"required": true,
                                             "jwt": {"jwks_file": "/j.json"}}})"));
  BOOST_TEST(d.auth.jwt->leeway.count() == 60);
  BOOST_TEST(d.auth.jwt->user_claim == "sub");
  BOOST_TEST(d.auth.jwt->scopes_claim == "scope");
}

BOOST_AUTO_TEST_CASE(bad_jwt_settings_are_named) {
  BOOST_TEST(rejected(parse_config(R"({"auth": {"jwt": {"issuer": "x"}}})")) ==
             "auth.jwt: needs hs256_secret, public_keys or jwks_file");
  BOOST_TEST(rejected(parse_config(R"({"auth": {"jwt": {"hs256_secret": "short"}}})")) ==
             "auth.jwt.hs256_secret: must be empty or at least 32 characters");
  BOOST_TEST(
      rejected(parse_config(R"({"auth": {"jwt": {"jwks_file": "/j", "leeway_s": 3601}}})")) ==
      "auth.jwt.leeway_s: must be between 0 and 3600");
  BOOST_TEST(rejected(parse_config(R"({"auth": {"jwt": {"jwks_file": "/j", "leeway_s": -1}}})")) ==
             "auth.jwt.leeway_s: must be between 0 and 3600");
  BOOST_TEST(rejected(parse_config(R"({"auth": {"jwt": {"public_keys": "/k.pem"}}})")) ==
             "auth.jwt.public_keys: must be an array of strings");
  BOOST_TEST(rejected(parse_config(R"({"auth": {"jwt": {"jwks_file": "/j", "alg": "none"}}})")) ==
             "auth.jwt.alg: unknown key");
  BOOST_TEST(rejected(parse_config(
                 R"({"auth": {"jwt": {"jwks_file": "/j", "claims": {"email": "e"}}}})")) ==
             "auth.jwt.claims.email: unknown key");
  BOOST_TEST(
      rejected(parse_config(R"({"auth": {"jwt": {"jwks_file": "/j", "claims": {"user": ""}}}})")) ==
      "auth.jwt.claims.user: must not be empty");
  BOOST_TEST(rejected(parse_config(R"({"auth": {"jwt": true}})")) ==
             "auth.jwt: must be a JSON object");
}

BOOST_AUTO_TEST_CASE(cookie_stream_secret_and_required_are_checked) {
  auto c = accepted(parse_config(R"({"auth": {"cookie": "herald_Key-1",
    "stream_secret": "0123456789abcdef0123456789abcdef", "keys": [
    {"key": "bob-key-0123456789", "user": "bob"}], "required": false}})"));
  BOOST_TEST(c.auth.cookie == "herald_Key-1");
  BOOST_TEST(c.auth.stream_secret == "0123456789abcdef0123456789abcdef");
  BOOST_TEST(!c.auth.required);
  BOOST_TEST(accepted(parse_config(R"({"auth": {"cookie": ")" + std::string(64, 'c') + "\"}}"))
                 .auth.cookie.size() == 64u);

  const std::string cookie_error =
      "auth.cookie: must be a cookie name: 1 to 64 characters of A-Z, a-z, 0-9, _ and -";
  BOOST_TEST(rejected(parse_config(R"({"auth": {"cookie": ""}})")) == cookie_error);
  BOOST_TEST(rejected(parse_config(R"({"auth": {"cookie": "a=b"}})")) == cookie_error);
  BOOST_TEST(rejected(parse_config(R"({"auth": {"cookie": "a b"}})")) == cookie_error);
  BOOST_TEST(rejected(parse_config(R"({"auth": {"cookie": ")" + std::string(65, 'c') + "\"}}")) ==
             cookie_error);
  BOOST_TEST(rejected(parse_config(R"({"auth": {"stream_secret": "0123456789abcdef"}})")) ==
             "auth.stream_secret: must be empty (a random secret per start) or at least 32 "
             "characters");
  BOOST_TEST(rejected(parse_config(R"({"auth": {"required": "yes"}})")) ==
             "auth.required: must be true or false");
  BOOST_TEST(rejected(parse_config(R"({"auth": {"required": true}})")) ==
             "auth.required: needs auth.keys or auth.jwt");
  // Wherever the keys stand in the section.
  BOOST_TEST(accepted(parse_config(R"({"auth": {"required": true,
    "keys": [{"key": "bob-key-0123456789", "user": "bob"}]}})"))
                 .auth.required);
  BOOST_TEST(accepted(parse_config(R"({"auth": {"jwt": {"jwks_file": "/j"},
                                                "required": true}})"))
                 .auth.required);
  BOOST_TEST(rejected(parse_config(R"({"auth": {"token": 1}})")) == "auth.token: unknown key");
  BOOST_TEST(rejected(parse_config(R"({"auth": 1})")) == "auth: must be a JSON object");
  BOOST_TEST(rejected(parse_config(R"({"auth.required": true})")) == "auth.required: unknown key");
}

BOOST_AUTO_TEST_CASE(group_rules_are_read) {
  auto c = accepted(parse_config(R"({"sse": {"groups": {
    "news": {"read": {"users": ["*"]}, "publish": {"roles": ["editor"], "scopes": ["news:w"]}},
    "ops": {"read": {"groups": ["ops"], "users": ["alice", "bob"]}},
    "sealed": {}}}})"));
  BOOST_REQUIRE(c.sse.group_rules.size() == 3u);
  const auto& news = c.sse.group_rules.at("news");
  BOOST_TEST(news.read.users == std::vector<std::string>{"*"});
  BOOST_TEST(news.publish.roles == std::vector<std::string>{"editor"});
  BOOST_TEST(news.publish.scopes == std::vector<std::string>{"news:w"});
  BOOST_TEST(news.publish.users.empty());
  const auto& ops = c.sse.group_rules.at("ops");
  BOOST_TEST(ops.read.groups == std::vector<std::string>{"ops"});
  BOOST_TEST(ops.read.users == (std::vector<std::string>{"alice", "bob"}));
  BOOST_TEST(ops.publish.empty());
  BOOST_TEST(c.sse.group_rules.at("sealed").read.empty());
  BOOST_TEST(
      accepted(parse_config(R"({"sse": {"groups": {")" + std::string(256, 'g') + R"(": {}}}})"))
          .sse.group_rules.size() == 1u);
}

BOOST_AUTO_TEST_CASE(bad_group_rules_are_named) {
  BOOST_TEST(rejected(parse_config(R"({"sse": {"groups": []}})")) ==
             "sse.groups: must be a JSON object");
  BOOST_TEST(rejected(parse_config(R"({"sse": {"groups": {"": {}}}})")) ==
             "sse.groups: a group name must be 1 to 256 bytes");
  BOOST_TEST(
      rejected(parse_config(R"({"sse": {"groups": {")" + std::string(257, 'g') + R"(": {}}}})")) ==
      "sse.groups: a group name must be 1 to 256 bytes");
  BOOST_TEST(rejected(parse_config(R"({"sse": {"groups": {"g": {"write": {}}}}})")) ==
             "sse.groups.g.write: unknown key");
  BOOST_TEST(rejected(parse_config(R"({"sse": {"groups": {"g": {"read": {"user": ["a"]}}}}})")) ==
             "sse.groups.g.read.user: unknown key");
  BOOST_TEST(rejected(parse_config(R"({"sse": {"groups": {"g": {"read": {"users": "a"}}}}})")) ==
             "sse.groups.g.read.users: must be an array of strings");
  BOOST_TEST(rejected(parse_config(R"({"sse": {"groups": {"g": {"publish": []}}}})")) ==
             "sse.groups.g.publish: must be a JSON object");
  BOOST_TEST(rejected(parse_config(R"({"sse": {"groups": {"g": 1}}})")) ==
             "sse.groups.g: must be a JSON object");
}

// -- command routes ---------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(no_command_routes_by_default) {
  BOOST_TEST(config{}.routes.empty());
  BOOST_TEST(accepted(parse_config(R"({"routes": []})")).routes.empty());
}

BOOST_AUTO_TEST_CASE(a_command_route_is_read_whole) {
  temp_dir dir;
  auto job = dir.write("job", "#!/bin/sh\n", fs::perms::owner_all);
  fs::create_directory(dir.path() / "work");
  path_variable path{"/nonexistent:" + dir.path().string()};
  auto c = accepted(parse_config(R"({"auth": {"keys": [{"key": "bob-key-0123456789",
      "user": "bob"}]},
    "routes": [{"method": "PUT", "path": "/jobs/{kind}/{id}", "command": ["job", "--fast", ""],
      "cwd": ")" + (dir.path() / "work/").string() +
                                 R"(", "env": {"MODE": "x", "_a1": ""},
      "stdin": "none", "max_output_bytes": 2048, "kill_grace_ms": 250,
      "limits": {"cpu_s": 60, "memory_mb": 512, "open_files": 64},
      "max_concurrent": 8, "max_queued": 0, "timeout_s": 90, "cancellable": false,
      "sse": {"group": "Jobs ✓", "send_result": true},
      "auth": {"required": true, "allow": {"roles": ["ops"]}, "read": {"users": ["*"]},
               "write": {"groups": ["admins"], "scopes": ["jobs:w"]}}},
     {"path": "/true", "command": ["/bin/true"]}]})"));
  BOOST_REQUIRE(c.routes.size() == 2u);
  const auto& r = c.routes[0];
  BOOST_TEST(r.method == "PUT");
  BOOST_TEST(r.path == "/jobs/{kind}/{id}");
  BOOST_TEST(r.program.argv == (std::vector<std::string>{"job", "--fast", ""}));
  BOOST_TEST(r.program.program == job);
  BOOST_TEST(r.program.cwd == (dir.path() / "work").string());
  BOOST_TEST(r.program.env.size() == 2u);
  BOOST_TEST((r.program.env[0] == std::pair<std::string, std::string>{"MODE", "x"}));
  BOOST_TEST((r.program.env[1] == std::pair<std::string, std::string>{"_a1", ""}));
  BOOST_TEST(!r.program.stdin_body);
  BOOST_TEST(r.program.max_output_bytes == 2048u);
  BOOST_TEST(r.program.kill_grace.count() == 250);
  BOOST_TEST((r.program.cpu_seconds == std::optional<std::uint64_t>{60}));
  BOOST_TEST((r.program.memory_mb == std::optional<std::uint64_t>{512}));
  BOOST_TEST((r.program.open_files == std::optional<std::uint64_t>{64}));
  BOOST_TEST(r.max_concurrent == 8u);
  BOOST_TEST(r.max_queued == 0u);
  BOOST_REQUIRE(r.timeout.has_value());
  BOOST_TEST(r.timeout->count() == 90);
  BOOST_TEST(!r.cancellable);
  BOOST_TEST(r.sse);
  BOOST_TEST(r.sse_group == "Jobs ✓");
  BOOST_TEST(r.sse_send_result);
  BOOST_TEST((r.access.credential == std::optional<bool>{true}));
  BOOST_TEST(r.access.allow.roles == std::vector<std::string>{"ops"});
  BOOST_TEST(r.access.read.users == std::vector<std::string>{"*"});
  BOOST_TEST(r.access.write.groups == std::vector<std::string>{"admins"});
  BOOST_TEST(r.access.write.scopes == std::vector<std::string>{"jobs:w"});
  BOOST_TEST(c.routes[1].program.program == "/bin/true");
}

BOOST_AUTO_TEST_CASE(a_command_route_has_the_documented_defaults) {
  auto c = accepted(parse_config(R"({"routes": [{"path": "/t", "command": ["/bin/true"]}]})"));
  BOOST_REQUIRE(c.routes.size() == 1u);
  const auto& r = c.routes[0];
  BOOST_TEST(r.method == "POST");
  BOOST_TEST(r.program.argv == std::vector<std::string>{"/bin/true"});
  BOOST_TEST(r.program.cwd.empty());
  BOOST_TEST(r.program.env.empty());
  BOOST_TEST(r.program.stdin_body);
  BOOST_TEST(r.program.max_output_bytes == 1024u * 1024);
  BOOST_TEST(r.program.kill_grace.count() == 5000);
  BOOST_TEST(!r.program.cpu_seconds.has_value());
  BOOST_TEST(!r.program.memory_mb.has_value());
  BOOST_TEST(!r.program.open_files.has_value());
  BOOST_TEST(r.max_concurrent == 2u);
  BOOST_TEST(r.max_queued == 1000u);
  BOOST_REQUIRE(r.timeout.has_value());
  BOOST_TEST(r.timeout->count() == 8 * 3600);
  BOOST_TEST(r.cancellable);
  BOOST_TEST(r.sse);
  BOOST_TEST(r.sse_group.empty());
  BOOST_TEST(!r.sse_send_result);
  BOOST_TEST(!r.access.credential.has_value());
  BOOST_TEST(r.access.allow.empty());
}

BOOST_AUTO_TEST_CASE(command_route_options_at_their_bounds) {
  auto one = [](std::string_view options) {
    auto c = accepted(parse_config(R"({"routes": [{"path": "/t", "command": ["/bin/true"], )" +
                                   std::string{options} + "}]}"));
    BOOST_REQUIRE(c.routes.size() == 1u);
    return c.routes[0];
  };
  BOOST_TEST(!one(R"("timeout_s": 0)").timeout.has_value());
  BOOST_TEST(one(R"("timeout_s": 10000000)").timeout->count() == 10'000'000);
  BOOST_TEST(!one(R"("sse": false)").sse);
  BOOST_TEST(one(R"("sse": true)").sse);
  BOOST_TEST(one(R"("sse": {})").sse_group.empty());
  BOOST_TEST(one(R"("sse": {"group": ")" + std::string(256, 'g') + R"("})").sse_group.size() ==
             256u);
  BOOST_TEST(one(R"("max_output_bytes": 1)").program.max_output_bytes == 1u);
  BOOST_TEST(one(R"("max_output_bytes": 1073741824)").program.max_output_bytes == 1u << 30);
  BOOST_TEST(one(R"("kill_grace_ms": 0)").program.kill_grace.count() == 0);
  BOOST_TEST(one(R"("kill_grace_ms": 3600000)").program.kill_grace.count() == 3'600'000);
  BOOST_TEST(one(R"("max_concurrent": 10000)").max_concurrent == 10'000u);
  BOOST_TEST(one(R"("max_queued": 10000000)").max_queued == 10'000'000u);
  BOOST_TEST(*one(R"("limits": {"open_files": 3})").program.open_files == 3u);
  BOOST_TEST(*one(R"("limits": {"cpu_s": 1000000})").program.cpu_seconds == 1'000'000u);
  BOOST_TEST(one(R"("stdin": "body")").program.stdin_body);
  BOOST_TEST(one(R"("path": "/")").path == "/");
  BOOST_TEST(one(R"("method": "DELETE")").method == "DELETE");
  BOOST_TEST((one(R"("auth": {"required": false})").access.credential == std::optional{false}));
  // A relative directory is the node's own directory's.
  BOOST_TEST(one(R"("cwd": ".")").program.cwd == fs::current_path().string());
}

BOOST_AUTO_TEST_CASE(a_program_name_is_found_on_path_in_order) {
  temp_dir a;
  temp_dir b;
  a.write("tool", "not executable", fs::perms::owner_read | fs::perms::owner_write);
  fs::create_directory(a.path() / "dir-tool");
  fs::create_directory(a.path() / "tool2");
  auto tool = b.write("tool", "#!/bin/sh\n", fs::perms::owner_all);
  auto tool2 = b.write("tool2", "#!/bin/sh\n", fs::perms::owner_all);
  auto first = a.write("first", "#!/bin/sh\n", fs::perms::owner_all);
  b.write("first", "#!/bin/sh\n", fs::perms::owner_all);
  path_variable path{a.path().string() + "::" + b.path().string() + "/"};
  auto program = [](std::string_view name) {
    auto c = accepted(parse_config(R"({"routes": [{"path": "/t", "command": [")" +
                                   std::string{name} + R"("]}]})"));
    return c.routes.at(0).program.program;
  };
  // Files that are not executable, and directories, are passed over.
  BOOST_TEST(program("tool") == tool);
  BOOST_TEST(program("tool2") == tool2);
  BOOST_TEST(program("first") == first);
}

BOOST_AUTO_TEST_CASE(a_relative_program_path_is_taken_against_the_node_directory) {
  temp_dir dir;
  fs::create_directory(dir.path() / "bin");
  auto tool = dir.write("bin/tool", "#!/bin/sh\n", fs::perms::owner_all);
  dir.write("bin/data", "", fs::perms::owner_read);
  // Restores the node's directory whatever the test does.
  struct directory_guard {
    fs::path old = fs::current_path();
    ~directory_guard() { fs::current_path(old); }
  } guard;
  fs::current_path(dir.path());
  auto program = [](std::string_view name) {
    return parse_config(R"({"routes": [{"path": "/t", "command": [")" + std::string{name} +
                        R"("]}]})");
  };
  BOOST_TEST(accepted(program("bin/tool")).routes.at(0).program.program == tool);
  BOOST_TEST(accepted(program("./bin/../bin/tool")).routes.at(0).program.program == tool);
  BOOST_TEST(accepted(program("bin/tool")).routes.at(0).program.argv.front() == "bin/tool");
  BOOST_TEST(rejected(program("bin/data")) == "routes[0].command: 'bin/data' is not executable");
  BOOST_TEST(rejected(program("bin")) == "routes[0].command: 'bin' not found on PATH");
  BOOST_TEST(rejected(program("./bin")) == "routes[0].command: './bin' is not a regular file");
}

BOOST_AUTO_TEST_CASE(path_defaults_to_usr_bin_and_bin) {
  path_variable path{""};
  auto c = accepted(parse_config(R"({"routes": [{"path": "/t", "command": ["true"]}]})"));
  BOOST_TEST(c.routes.at(0).program.program == "/usr/bin/true");
}

BOOST_AUTO_TEST_CASE(bad_command_routes_are_named) {
  temp_dir dir;
  auto plain = dir.write("plain", "data", fs::perms::owner_read | fs::perms::owner_write);
  path_variable path{dir.path().string()};
  auto bad = [](std::string_view entry) {
    return rejected(parse_config(R"({"routes": [{"path": "/ok", "command": ["/bin/true"]}, )" +
                                 std::string{entry} + "]}"));
  };
  BOOST_TEST(rejected(parse_config(R"({"routes": {}})")) == "routes: must be an array of objects");
  BOOST_TEST(bad("1") == "routes[1]: must be a JSON object");
  BOOST_TEST(bad(R"({"command": ["/bin/true"]})") == "routes[1].path: is required");
  BOOST_TEST(bad(R"({"path": "/t"})") == "routes[1].command: is required");
  BOOST_TEST(bad(R"({"path": "/t", "command": ["/bin/true"], "user": "x"})") ==
             "routes[1].user: unknown key");
  BOOST_TEST(bad(R"({"path": "/t", "command": ["/bin/true"], "method": "HEAD"})") ==
             "routes[1].method: 'HEAD' is not one of GET, POST, PUT, PATCH, DELETE");
  BOOST_TEST(bad(R"({"path": "/t", "command": ["/bin/true"], "method": "post"})") ==
             "routes[1].method: 'post' is not one of GET, POST, PUT, PATCH, DELETE");
  BOOST_TEST(bad(R"({"path": "t", "command": ["/bin/true"]})") ==
             "routes[1].path: route pattern must start with '/': t");
  BOOST_TEST(bad(R"({"path": "/a//b", "command": ["/bin/true"]})") ==
             "routes[1].path: route pattern has an empty segment: /a//b");
  BOOST_TEST(bad(R"({"path": "/a/{b", "command": ["/bin/true"]})") ==
             "routes[1].path: route pattern has a malformed {param}: /a/{b");
  BOOST_TEST(bad(R"({"path": "/a/{b}/{b}", "command": ["/bin/true"]})") ==
             "routes[1].path: route pattern captures {b} twice: /a/{b}/{b}");
  BOOST_TEST(bad(R"({"path": "/a?x", "command": ["/bin/true"]})") ==
             "routes[1].path: route pattern has a stray '{', '}', '?' or '#': /a?x");
  BOOST_TEST(bad(R"({"path": 1, "command": ["/bin/true"]})") == "routes[1].path: must be a string");
  BOOST_TEST(bad(R"({"path": "/t", "command": []})") ==
             "routes[1].command: must be a non-empty array of strings");
  BOOST_TEST(bad(R"({"path": "/t", "command": "/bin/true"})") ==
             "routes[1].command: must be a non-empty array of strings");
  BOOST_TEST(bad(R"({"path": "/t", "command": ["/bin/true", 1]})") ==
             "routes[1].command: must be a non-empty array of strings");
  BOOST_TEST(bad(R"({"path": "/t", "command": ["/bin/true", "a\u0000b"]})") ==
             "routes[1].command: must not contain NUL bytes");
  BOOST_TEST(bad(R"({"path": "/t", "command": [""]})") == "routes[1].command: must not be empty");
  BOOST_TEST(bad(R"({"path": "/t", "command": ["nosuch"]})") ==
             "routes[1].command: 'nosuch' not found on PATH");
  BOOST_TEST(bad(R"({"path": "/t", "command": ["plain"]})") ==
             "routes[1].command: 'plain' not found on PATH");
  BOOST_TEST(bad(R"({"path": "/t", "command": ["/nosuch/program"]})") ==
             "routes[1].command: '/nosuch/program' does not exist");
  BOOST_TEST(bad(R"({"path": "/t", "command": ["/tmp"]})") ==
             "routes[1].command: '/tmp' is not a regular file");
  BOOST_TEST(bad(R"({"path": "/t", "command": [")" + plain + R"("]})") ==
             "routes[1].command: '" + plain + "' is not executable");
  BOOST_TEST(bad(R"({"path": "/t", "command": ["./no-such-program"]})") ==
             "routes[1].command: './no-such-program' does not exist");
}

BOOST_AUTO_TEST_CASE(bad_command_route_options_are_named) {
  auto bad = [](std::string_view options) {
    return rejected(parse_config(R"({"routes": [{"path": "/t", "command": ["/bin/true"], )" +
                                 std::string{options} + "}]}"));
  };
  BOOST_TEST(bad(R"("cwd": "/nope")") == "routes[0].cwd: '/nope' is not a directory");
  BOOST_TEST(bad(R"("cwd": "no-such-dir")") == "routes[0].cwd: 'no-such-dir' is not a directory");
  BOOST_TEST(bad(R"("cwd": "/bin/true")") == "routes[0].cwd: '/bin/true' is not a directory");
  BOOST_TEST(bad(R"("cwd": "")") == "routes[0].cwd: must not be empty");
  BOOST_TEST(bad(R"("env": ["A=b"])") == "routes[0].env: must be a JSON object of strings");
  BOOST_TEST(bad(R"("env": {"A": 1})") == "routes[0].env.A: must be a string");
  BOOST_TEST(bad(R"("env": {"A": "x\u0000y"})") == "routes[0].env.A: must not contain NUL bytes");
  const std::string bad_name =
      ": a variable name must be letters, digits and _, not starting with a digit";
  BOOST_TEST(bad(R"("env": {"1A": ""})") == "routes[0].env.1A" + bad_name);
  BOOST_TEST(bad(R"("env": {"A-B": ""})") == "routes[0].env.A-B" + bad_name);
  BOOST_TEST(bad(R"("env": {"A=B": ""})") == "routes[0].env.A=B" + bad_name);
  BOOST_TEST(bad(R"("env": {"": ""})") == "routes[0].env." + bad_name);
  BOOST_TEST(bad(R"("env": {"HERALD_TASK_ID": "x"})") ==
             "routes[0].env.HERALD_TASK_ID: HERALD_ variables are set by the node");
  BOOST_TEST(bad(R"("stdin": "file")") == "routes[0].stdin: 'file' is not one of body, none");
  BOOST_TEST(bad(R"("stdin": false)") == "routes[0].stdin: must be a string");
  BOOST_TEST(bad(R"("max_output_bytes": 0)") ==
             "routes[0].max_output_bytes: must be between 1 and 1073741824");
  BOOST_TEST(bad(R"("max_output_bytes": 1073741825)") ==
             "routes[0].max_output_bytes: must be between 1 and 1073741824");
  BOOST_TEST(bad(R"("kill_grace_ms": -1)") ==
             "routes[0].kill_grace_ms: must be between 0 and 3600000");
  BOOST_TEST(bad(R"("limits": {"cpu_s": 0})") ==
             "routes[0].limits.cpu_s: must be between 1 and 1000000");
  BOOST_TEST(bad(R"("limits": {"memory_mb": 1000001})") ==
             "routes[0].limits.memory_mb: must be between 1 and 1000000");
  BOOST_TEST(bad(R"("limits": {"open_files": 2})") ==
             "routes[0].limits.open_files: must be between 3 and 1000000");
  BOOST_TEST(bad(R"("limits": {"nproc": 2})") == "routes[0].limits.nproc: unknown key");
  BOOST_TEST(bad(R"("limits": 5)") == "routes[0].limits: must be a JSON object");
  BOOST_TEST(bad(R"("max_concurrent": 0)") ==
             "routes[0].max_concurrent: must be between 1 and 10000");
  BOOST_TEST(bad(R"("max_queued": -1)") == "routes[0].max_queued: must be between 0 and 10000000");
  BOOST_TEST(bad(R"("timeout_s": 10000001)") ==
             "routes[0].timeout_s: must be between 0 and 10000000");
  BOOST_TEST(bad(R"("timeout_s": 1.5)") == "routes[0].timeout_s: must be an integer");
  BOOST_TEST(bad(R"("cancellable": 1)") == "routes[0].cancellable: must be true or false");
  BOOST_TEST(bad(R"("sse": "Jobs")") == "routes[0].sse: must be false or a JSON object");
  BOOST_TEST(bad(R"("sse": {"group": ""})") ==
             "routes[0].sse.group: must be 1 to 256 bytes of UTF-8 without control characters");
  BOOST_TEST(bad(R"("sse": {"group": ")" + std::string(257, 'g') + R"("})") ==
             "routes[0].sse.group: must be 1 to 256 bytes of UTF-8 without control characters");
  BOOST_TEST(bad(R"("sse": {"group": "a\nb"})") ==
             "routes[0].sse.group: must be 1 to 256 bytes of UTF-8 without control characters");
  BOOST_TEST(bad(R"("sse": {"send_result": "yes"})") ==
             "routes[0].sse.send_result: must be true or false");
  BOOST_TEST(bad(R"("sse": {"group": "g", "replay": true})") ==
             "routes[0].sse.replay: unknown key");
  BOOST_TEST(bad(R"("auth": {"allow": {"user": ["a"]}})") ==
             "routes[0].auth.allow.user: unknown key");
  BOOST_TEST(bad(R"("auth": {"publish": {}})") == "routes[0].auth.publish: unknown key");
  BOOST_TEST(bad(R"("auth": {"required": "no"})") ==
             "routes[0].auth.required: must be true or false");
}

BOOST_AUTO_TEST_CASE(two_routes_with_one_method_and_path_are_refused) {
  auto two = [](std::string_view a, std::string_view b) {
    return parse_config(R"({"routes": [{"command": ["/bin/true"], )" + std::string{a} +
                        R"(}, {"command": ["/bin/true"], )" + std::string{b} + "}]}");
  };
  BOOST_TEST(rejected(two(R"("path": "/a")", R"("path": "/a")")) ==
             "routes[1]: is the same method and path as routes[0]");
  BOOST_TEST(rejected(two(R"("path": "/a/{x}")", R"("path": "/a/{y}/", "method": "POST")")) ==
             "routes[1]: is the same method and path as routes[0]");
  BOOST_TEST(accepted(two(R"("path": "/a")", R"("path": "/a", "method": "PUT")")).routes.size() ==
             2u);
  BOOST_TEST(accepted(two(R"("path": "/a/{x}")", R"("path": "/a/b")")).routes.size() == 2u);
  BOOST_TEST(accepted(two(R"("path": "/a")", R"("path": "/a/b")")).routes.size() == 2u);
}

BOOST_AUTO_TEST_CASE(route_rules_need_credentials_configured) {
  auto route = [](std::string_view auth) {
    return R"({"path": "/t", "command": ["/bin/true"], "auth": )" + std::string{auth} + "}";
  };
  BOOST_TEST(rejected(parse_config(R"({"routes": [)" + route(R"({"required": true})") + "]}")) ==
             "routes[0].auth: needs auth.keys or auth.jwt");
  BOOST_TEST(rejected(parse_config(R"({"routes": [)" + route("{}") + ", " +
                                   R"({"path": "/u", "command": ["/bin/true"], "auth":
                                       {"read": {"users": ["bob"]}}}]})")) ==
             "routes[1].auth: needs auth.keys or auth.jwt");
  // Wherever the credentials stand.
  BOOST_TEST(accepted(parse_config(R"({"routes": [)" + route(R"({"allow": {"users": ["bob"]}})") +
                                   R"(], "auth": {"jwt": {"jwks_file": "/j"}}})"))
                 .routes.size() == 1u);
}

BOOST_AUTO_TEST_CASE(callbacks_are_read_with_their_routes) {
  auto c = accepted(parse_config(R"({
    "callbacks": {"allow": ["hooks.example.com", "10.0.0.0/8"],
                  "secrets": ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "a-raw-secret-of-16+"],
                  "attempts": 6, "backoff_ms": 250, "max_backoff_ms": 5000,
                  "connect_timeout_ms": 1500, "response_timeout_ms": 2500, "max_in_flight": 8,
                  "max_pending": 50, "max_pending_bytes": 65536},
    "routes": [
      {"path": "/a", "command": ["/bin/true"], "callback": true},
      {"path": "/b", "command": ["/bin/true"],
       "callback": {"url": "https://hooks.example.com/b", "method": "PUT", "send_result": true,
                    "headers": {"X-Tenant": "acme"}, "event_name": "b-done",
                    "secrets": ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]}},
      {"path": "/c", "command": ["/bin/true"], "callback": false}]})"));
  BOOST_TEST(c.callbacks.allow.size() == 2u);
  BOOST_TEST(c.callbacks.secrets.size() == 2u);
  BOOST_TEST(c.callbacks.attempts == 6);
  BOOST_TEST(c.callbacks.backoff.count() == 250);
  BOOST_TEST(c.callbacks.max_backoff.count() == 5000);
  BOOST_TEST(c.callbacks.connect_timeout.count() == 1500);
  BOOST_TEST(c.callbacks.response_timeout.count() == 2500);
  BOOST_TEST(c.callbacks.max_in_flight == 8u);
  BOOST_TEST(c.callbacks.max_pending == 50u);
  BOOST_TEST(c.callbacks.max_pending_bytes == 65536u);
  BOOST_REQUIRE(c.routes[0].callback.has_value());
  BOOST_TEST(c.routes[0].callback->url.empty());
  BOOST_TEST(c.routes[0].callback->url_field == "callbackUrl");
  BOOST_TEST(c.routes[0].callback->method == "POST");
  BOOST_REQUIRE(c.routes[1].callback.has_value());
  const auto& b = *c.routes[1].callback;
  BOOST_TEST(b.url == "https://hooks.example.com/b");
  BOOST_TEST(b.method == "PUT");
  BOOST_TEST(b.send_result);
  BOOST_TEST(b.event_name == "b-done");
  BOOST_REQUIRE_EQUAL(b.headers.size(), 1u);
  BOOST_TEST(b.headers[0].first == "X-Tenant");
  BOOST_TEST(!c.routes[2].callback.has_value());
  // Off by default.
  BOOST_TEST(accepted(parse_config("{}")).callbacks.allow.empty());
}

BOOST_AUTO_TEST_CASE(bad_callback_settings_are_named) {
  auto bad = [](std::string_view callbacks) {
    return rejected(parse_config(R"({"callbacks": )" + std::string{callbacks} + "}"));
  };
  BOOST_TEST(bad(R"({"allow": "hooks.example.com"})") ==
             "callbacks.allow: must be an array of strings");
  BOOST_TEST(bad(R"({"allow": ["10.0.0.0/33"]})").starts_with("callbacks.allow: "));
  BOOST_TEST(bad(R"({"allow": ["bad host!"]})").starts_with("callbacks.allow: "));
  BOOST_TEST(bad(R"({"secrets": ["short"]})").starts_with("callbacks.secrets: "));
  BOOST_TEST(bad(R"({"secrets": ["whsec_!!!"]})").starts_with("callbacks.secrets: "));
  BOOST_TEST(bad(R"({"ca_file": "/no/such/ca.pem"})") ==
             "callbacks.ca_file: cannot read '/no/such/ca.pem'");
  BOOST_TEST(bad(R"({"attempts": 0})") == "callbacks.attempts: must be between 1 and 20");
  BOOST_TEST(bad(R"({"backoff_ms": 2000, "max_backoff_ms": 1000})") ==
             "callbacks.max_backoff_ms: must not be below callbacks.backoff_ms");
  BOOST_TEST(bad(R"({"retries": 3})") == "callbacks.retries: unknown key");
  BOOST_TEST(bad(R"({"max_pending": 0})") ==
             "callbacks.max_pending: must be between 1 and 10000000");

  auto bad_route = [](std::string_view callback) {
    return rejected(parse_config(R"({"routes": [{"path": "/t", "command": ["/bin/true"], )"
                                 R"("callback": )" +
                                 std::string{callback} + "}]}"));
  };
  BOOST_TEST(bad_route(R"("yes")") == "routes[0].callback: must be true, false or a JSON object");
  BOOST_TEST(bad_route(R"({"method": "GET"})") ==
             "routes[0].callback.method: 'GET' is not one of POST, PUT");
  BOOST_TEST(bad_route(R"({"url": "ftp://x/"})").starts_with("routes[0].callback.url: "));
  BOOST_TEST(bad_route(R"({"url": ""})") == "routes[0].callback.url: must not be empty");
  BOOST_TEST(bad_route(R"({"headers": {"Bad Name": "x"}})") ==
             "routes[0].callback.headers.Bad Name: is not a header name");
  BOOST_TEST(bad_route(R"({"headers": {"X-A": "a\nb"}})") ==
             "routes[0].callback.headers.X-A: must not hold control characters");
  BOOST_TEST(bad_route(R"({"secrets": ["short"]})").starts_with("routes[0].callback.secrets: "));
  BOOST_TEST(bad_route(R"({"headers": {"webhook-id": "x"}})") ==
             "routes[0].callback.headers.webhook-id: is set by the node");
  BOOST_TEST(
      bad_route(R"({"headers": {"Host": "x"}})").starts_with("routes[0].callback.headers.Host: "));
  BOOST_TEST(bad_route(R"({"retry": 1})") == "routes[0].callback.retry: unknown key");
}

BOOST_AUTO_TEST_SUITE_END()
