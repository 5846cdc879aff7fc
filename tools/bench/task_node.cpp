// herald-bench-node: a herald node with the async routes that tools/bench/tasks measures.
//
//   POST /trivial         non-blocking body on an actor worker, returns 1 (the cheapest task)
//   POST /trivial-thread  the same body, blocking: it runs on the route's pool of threads
//   POST /parked          one slot whose body sleeps until cancelled, so every later task
//                         stays queued (NotStarted): what a waiting task costs in memory
//
// Usage: herald-bench-node [--config FILE] [--port N] [--retention-ms N] [--admin-key KEY]
// A config file (herald's format, e.g. an `auth` section) is read over the benchmark's defaults
// (127.0.0.1, port 0, warnings only); the flags override it.
// Prints "herald admin API on 127.0.0.1:PORT", then "herald listening on 127.0.0.1:PORT" once
// it accepts connections.

#include "app/config.hpp"
#include "app/server.hpp"
#include "tools/bench/client/program.hpp"

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <limits>
#include <optional>
#include <sstream>
#include <string_view>

namespace {

namespace app = herald::app;
using herald::bench::read_flags;
using herald::bench::usage_error;
namespace json = boost::json;

constexpr std::string_view usage_text =
    "usage: herald-bench-node [--config FILE] [--port N] [--retention-ms N] [--admin-key KEY]\n"
    "  --config FILE     a herald configuration (JSON) read over these defaults, e.g. `auth`\n"
    "  --port N          port on 127.0.0.1 (default 0: a free one, printed at start-up)\n"
    "  --retention-ms N  how long finished tasks stay readable (default 30000)\n"
    "  --admin-key KEY   the admin API's key (16+ characters; its port is printed at start-up)\n";

template <typename T> std::optional<T> parse_number(std::string_view text, T max) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > max)
    return std::nullopt;
  return value;
}

/// The configuration in file `path` over `base`; a file that cannot be read or parsed is a
/// usage error naming the key at fault.
app::config read_config(const std::string& path, app::config base) {
  std::ifstream in{path, std::ios::binary};
  std::ostringstream text;
  if (!in || !(text << in.rdbuf()))
    usage_error("--config: cannot read '" + path + "'");
  auto parsed = app::parse_config(text.str(), std::move(base));
  if (!parsed.value)
    usage_error("--config " + path + ": " + parsed.error);
  return std::move(*parsed.value);
}

app::config parse_args(int argc, char** argv) {
  app::config cfg;
  cfg.bind = "127.0.0.1";
  cfg.port = 0;
  cfg.admin.port = 0;
  // Warnings only: a benchmark must not pay for logging every request.
  cfg.log_level = herald::log::level::warn;
  cfg.tasks.registry.retention = std::chrono::seconds{30};
  auto flags = read_flags(argc, argv, {"config", "port", "retention-ms", "admin-key"});
  // The file first, whatever its place on the command line: the flags override it.
  for (const auto& [arg, value] : flags)
    if (arg == "--config")
      cfg = read_config(value, std::move(cfg));
  for (const auto& [arg, value] : flags) {
    if (arg == "--port") {
      auto port = parse_number<unsigned>(value, 65535);
      if (!port)
        usage_error("--port needs a number from 0 to 65535, got '" + value + "'");
      cfg.port = static_cast<std::uint16_t>(*port);
    } else if (arg == "--retention-ms") {
      auto ms = parse_number<long long>(value, std::numeric_limits<int>::max());
      if (!ms)
        usage_error("--retention-ms needs a non-negative number, got '" + value + "'");
      cfg.tasks.registry.retention = std::chrono::milliseconds{*ms};
    } else if (arg == "--admin-key") {
      if (value.size() < 16)
        usage_error("--admin-key needs at least 16 characters");
      cfg.admin.key = value;
    }
  }
  return cfg;
}

void declare_routes(app::server& node) {
  auto one = [](app::task_context&) -> json::value {
    return 1;
  };

  app::async_options trivial;
  trivial.max_concurrent = 64;
  // Deep enough that a load client never meets 429 at full speed.
  trivial.max_queued = 100'000;
  trivial.blocking = false;
  node.async_route(herald::net::verb::post, "/trivial", trivial, one);

  app::async_options thread = trivial;
  thread.blocking = true;
  node.async_route(herald::net::verb::post, "/trivial-thread", thread, one);

  app::async_options parked;
  parked.max_concurrent = 1;
  parked.max_queued = 200'000;
  // No timeout: an expiry timer per task would be part of what is measured.
  parked.timeout = std::nullopt;
  parked.blocking = true;
  node.async_route(herald::net::verb::post, "/parked", parked,
                   [](app::task_context& ctx) -> json::value {
                     // Wakes on cancellation (DELETE or shutdown), so stopping stays quick.
                     ctx.sleep_for(std::chrono::hours{1});
                     return nullptr;
                   });
}

} // namespace

int main(int argc, char** argv) {
  herald::bench::identify("herald-bench-node", usage_text);
  auto cfg = parse_args(argc, argv);
  try {
    app::server node{cfg};
    declare_routes(node);
    // Before start: a SIGTERM right after the ready line must already stop gracefully.
    node.stop_on_signals();
    node.start();
    if (auto admin = node.admin_port())
      std::cout << "herald admin API on " << cfg.bind << ":" << *admin << "\n";
    // The line scripts wait for: the node accepts connections from now on.
    std::cout << "herald listening on " << cfg.bind << ":" << node.port() << std::endl;
    node.wait();
    if (node.abandoned_tasks() > 0) {
      // Their threads cannot be stopped from outside and the actor system would wait for
      // them forever: leave without destroying it.
      std::cout.flush();
      std::_Exit(0);
    }
  } catch (const std::exception& e) {
    std::cerr << "herald-bench-node: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
