#include "app/config.hpp"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <vector>

namespace herald::app {

namespace json = boost::json;

namespace {

/// Thrown inside this file only, caught at its boundary and returned as a value.
struct config_failure {
  std::string message;
};

[[noreturn]] void fail(std::string_view key, std::string_view why) {
  throw config_failure{std::string{key} + ": " + std::string{why}};
}

std::int64_t integer(const json::value& v, std::string_view key, std::int64_t min,
                     std::int64_t max) {
  auto range = "must be between " + std::to_string(min) + " and " + std::to_string(max);
  if (v.is_uint64()) // Boost.JSON uses uint64 only above INT64_MAX
    fail(key, range);
  if (!v.is_int64())
    fail(key, "must be an integer");
  auto n = v.get_int64();
  if (n < min || n > max)
    fail(key, range);
  return n;
}

std::string text(const json::value& v, std::string_view key) {
  if (!v.is_string())
    fail(key, "must be a string");
  return std::string{v.get_string()};
}

std::string checked_bind(std::string value, std::string_view key) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(value, ec);
  if (ec)
    fail(key, "'" + value + "' is not an IPv4 or IPv6 address");
  return value;
}

log::level checked_level(std::string_view value, std::string_view key) {
  auto l = log::parse_level(value);
  if (!l)
    fail(key, "'" + std::string{value} + "' is not one of trace, debug, info, warn, error, off");
  return *l;
}

bool boolean(const json::value& v, std::string_view key) {
  if (!v.is_bool())
    fail(key, "must be true or false");
  return v.get_bool();
}

std::chrono::milliseconds millis(const json::value& v, std::string_view key, std::int64_t min,
                                 std::int64_t max) {
  return std::chrono::milliseconds{integer(v, key, min, max)};
}

/// One known key of an object and what to do with its value.
struct field {
  std::string_view name;
  std::function<void(const json::value&, const std::string& key)> apply;
};

/// Applies `fields` to `obj`; any key not among them stops start-up.
void walk(const json::value& v, std::string_view where, const std::vector<field>& fields) {
  if (!v.is_object())
    fail(where.empty() ? "configuration" : where, "must be a JSON object");
  for (const auto& [name, value] : v.get_object()) {
    std::string key =
        where.empty() ? std::string{name} : std::string{where} + "." + std::string{name};
    auto it = std::find_if(fields.begin(), fields.end(),
                           [n = std::string_view{name}](const field& f) { return f.name == n; });
    if (it == fields.end())
      fail(key, "unknown key");
    it->apply(value, key);
  }
}

constexpr std::int64_t hour_ms = 3'600'000;

void apply_limits(net::limits& l, const json::value& v) {
  walk(v, "limits",
       {
           {"max_connections",
            [&](auto& x, auto& k) {
              l.max_connections = integer(x, k, 1, 1'000'000);
            }},
           {"header_limit_bytes",
            [&](auto& x, auto& k) {
              l.header_limit = static_cast<std::uint32_t>(integer(x, k, 1024, 1024 * 1024));
            }},
           {"body_limit_bytes",
            [&](auto& x, auto& k) {
              l.body_limit = static_cast<std::uint64_t>(integer(x, k, 0, std::int64_t{1} << 32));
            }},
           {"chunk_framing_limit_bytes",
            [&](auto& x, auto& k) {
              l.chunk_framing_limit = static_cast<std::uint32_t>(integer(x, k, 64, 1024 * 1024));
            }},
           {"header_timeout_ms",
            [&](auto& x, auto& k) {
              l.header_timeout = millis(x, k, 10, hour_ms);
            }},
           {"body_timeout_ms",
            [&](auto& x, auto& k) {
              l.body_timeout = millis(x, k, 10, hour_ms);
            }},
           {"idle_timeout_ms",
            [&](auto& x, auto& k) {
              l.idle_timeout = millis(x, k, 10, 24 * hour_ms);
            }},
           {"write_timeout_ms",
            [&](auto& x, auto& k) {
              l.write_timeout = millis(x, k, 10, hour_ms);
            }},
       });
}

void apply_tasks(task_settings& t, const json::value& v) {
  walk(v, "tasks",
       {
           {"retention_ms",
            [&](auto& x, auto& k) {
              t.retention = millis(x, k, 0, 7 * 24 * hour_ms);
            }},
           {"max_retained",
            [&](auto& x, auto& k) {
              t.max_retained = static_cast<std::size_t>(integer(x, k, 1, 100'000'000));
            }},
           {"cancel_grace_ms",
            [&](auto& x, auto& k) {
              t.cancel_grace = millis(x, k, 0, hour_ms);
            }},
           {"query_max_value_bytes",
            [&](auto& x, auto& k) {
              t.query_max_value_bytes = static_cast<std::size_t>(integer(x, k, 16, 64 * 1024));
            }},
           {"max_held_bytes",
            [&](auto& x, auto& k) {
              t.max_held_bytes =
                  static_cast<std::uint64_t>(integer(x, k, 64 * 1024, std::int64_t{1} << 48));
            }},
       });
}

void apply_sse(sse_config& c, const json::value& v) {
  walk(v, "sse",
       {
           {"retry_ms",
            [&](auto& x, auto& k) {
              c.retry = millis(x, k, 0, hour_ms);
            }},
           {"heartbeat_ms",
            [&](auto& x, auto& k) {
              c.heartbeat = millis(x, k, 100, hour_ms);
            }},
           {"stream_lifetime_ms",
            [&](auto& x, auto& k) {
              c.stream_lifetime = millis(x, k, 0, 7 * 24 * hour_ms);
            }},
           {"max_lag_bytes",
            [&](auto& x, auto& k) {
              c.max_lag_bytes =
                  static_cast<std::uint64_t>(integer(x, k, 1024, std::int64_t{1} << 32));
            }},
           {"ring_events",
            [&](auto& x, auto& k) {
              c.ring_events = static_cast<std::size_t>(integer(x, k, 0, 10'000'000));
            }},
           {"ring_bytes",
            [&](auto& x, auto& k) {
              c.ring_bytes = static_cast<std::size_t>(integer(x, k, 0, std::int64_t{1} << 32));
            }},
           {"group_idle_ms",
            [&](auto& x, auto& k) {
              c.group_idle = millis(x, k, 10, 24 * hour_ms);
            }},
           {"publisher_key",
            [&](auto& x, auto& k) {
              c.publisher_key = text(x, k);
              if (!c.publisher_key.empty() && c.publisher_key.size() < 16)
                fail(k, "must be empty (publishing disabled) or at least 16 characters");
            }},
           {"publish_backlog",
            [&](auto& x, auto& k) {
              c.publish_backlog = static_cast<std::size_t>(integer(x, k, 1, 10'000'000));
            }},
           {"max_groups",
            [&](auto& x, auto& k) {
              c.max_groups = static_cast<std::size_t>(integer(x, k, 1, 1'000'000));
            }},
       });
}

void apply_demo(demo_settings& d, const json::value& v) {
  walk(v, "demo",
       {
           {"enabled",
            [&](auto& x, auto& k) {
              d.enabled = boolean(x, k);
            }},
           {"tick_ms",
            [&](auto& x, auto& k) {
              d.tick = millis(x, k, 1, hour_ms);
            }},
           {"report_ms",
            [&](auto& x, auto& k) {
              d.report = millis(x, k, 1, hour_ms);
            }},
           {"event_gap_ms",
            [&](auto& x, auto& k) {
              d.event_gap = millis(x, k, 1, hour_ms);
            }},
       });
}

void apply_admin(admin_config& a, const json::value& v) {
  walk(v, "admin",
       {
           {"enabled",
            [&](auto& x, auto& k) {
              a.enabled = boolean(x, k);
            }},
           {"bind",
            [&](auto& x, auto& k) {
              a.bind = checked_bind(text(x, k), k);
            }},
           {"port",
            [&](auto& x, auto& k) {
              a.port = static_cast<std::uint16_t>(integer(x, k, 0, 65535));
            }},
           {"key",
            [&](auto& x, auto& k) {
              a.key = text(x, k);
              if (!a.key.empty() && a.key.size() < 16)
                fail(k, "must be empty (admin API disabled) or at least 16 characters");
            }},
           {"metrics_top_groups",
            [&](auto& x, auto& k) {
              a.metrics_top_groups = static_cast<std::size_t>(integer(x, k, 0, 10'000));
            }},
       });
}

void apply_ui(ui_settings& u, const json::value& v) {
  walk(v, "ui",
       {
           {"enabled",
            [&](auto& x, auto& k) {
              u.enabled = boolean(x, k);
            }},
       });
}

void apply_document(config& c, const json::value& doc) {
  walk(doc, "",
       {
           {"bind",
            [&](auto& x, auto& k) {
              c.bind = checked_bind(text(x, k), k);
            }},
           {"port",
            [&](auto& x, auto& k) {
              c.port = static_cast<std::uint16_t>(integer(x, k, 0, 65535));
            }},
           {"log_level",
            [&](auto& x, auto& k) {
              c.log_level = checked_level(text(x, k), k);
            }},
           {"io_threads",
            [&](auto& x, auto& k) {
              c.io_threads = static_cast<unsigned>(integer(x, k, 1, 64));
            }},
           {"scheduler_threads",
            [&](auto& x, auto& k) {
              c.scheduler_threads = static_cast<unsigned>(integer(x, k, 1, 64));
            }},
           {"shutdown_grace_ms",
            [&](auto& x, auto& k) {
              c.shutdown_grace = millis(x, k, 0, 10 * 60'000);
            }},
           {"limits",
            [&](auto& x, auto&) {
              apply_limits(c.limits, x);
            }},
           {"sse",
            [&](auto& x, auto&) {
              apply_sse(c.sse, x);
            }},
           {"tasks",
            [&](auto& x, auto&) {
              apply_tasks(c.tasks, x);
            }},
           {"demo",
            [&](auto& x, auto&) {
              apply_demo(c.demo, x);
            }},
           {"admin",
            [&](auto& x, auto&) {
              apply_admin(c.admin, x);
            }},
           {"ui",
            [&](auto& x, auto&) {
              apply_ui(c.ui, x);
            }},
       });
}

std::uint16_t parse_port(std::string_view s, std::string_view key) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size() || value > 65535)
    fail(key, "'" + std::string{s} + "' is not a port number (0-65535)");
  return static_cast<std::uint16_t>(value);
}

} // namespace

config_result parse_config(std::string_view json_text, config base) {
  config_result out;
  boost::system::error_code ec;
  auto doc = json::parse(json_text, ec);
  if (ec) {
    out.error = "configuration is not valid JSON: " + ec.message();
    return out;
  }
  try {
    apply_document(base, doc);
    out.value = std::move(base);
  } catch (const config_failure& f) {
    out.error = f.message;
  }
  return out;
}

config_result load_config(int argc, const char* const* argv) {
  config_result out;
  std::vector<std::string_view> args(argv + 1, argv + argc);
  // The file first, so that flags override it wherever they stand.
  config cfg;
  try {
    for (std::size_t i = 0; i < args.size(); ++i) {
      if (args[i] == "--help" || args[i] == "-h") {
        out.help = true;
        return out;
      }
      if (args[i] != "--config")
        continue;
      if (i + 1 >= args.size())
        fail("--config", "needs a file name");
      std::string path{args[i + 1]};
      std::ifstream file{path};
      if (!file)
        fail("--config", "cannot read '" + path + "'");
      std::ostringstream content;
      content << file.rdbuf();
      auto parsed = parse_config(content.str(), cfg);
      if (!parsed.value)
        fail(path, parsed.error);
      cfg = std::move(*parsed.value);
    }
    // The admin key may come from the environment (kept out of files and process lists), as
    // `heraldctl` reads it; a key in the file wins.
    if (const char* env = std::getenv("HERALD_ADMIN_KEY"); env && *env && cfg.admin.key.empty()) {
      cfg.admin.key = env;
      if (cfg.admin.key.size() < 16)
        fail("HERALD_ADMIN_KEY", "must be at least 16 characters");
    }
    for (std::size_t i = 0; i < args.size(); ++i) {
      auto flag = args[i];
      auto next = [&]() -> std::string_view {
        if (i + 1 >= args.size())
          fail(flag, "needs a value");
        return args[++i];
      };
      if (flag == "--config")
        next();
      else if (flag == "--bind")
        cfg.bind = checked_bind(std::string{next()}, flag);
      else if (flag == "--port")
        cfg.port = parse_port(next(), flag);
      else if (flag == "--admin-port")
        cfg.admin.port = parse_port(next(), flag);
      else if (flag == "--log-level")
        cfg.log_level = checked_level(next(), flag);
      else
        fail(flag, "unknown option (see --help)");
    }
  } catch (const config_failure& f) {
    out.error = f.message;
    return out;
  }
  out.value = std::move(cfg);
  return out;
}

std::string_view usage() noexcept {
  return "usage: herald [--config FILE] [--bind ADDRESS] [--port PORT] [--admin-port PORT]\n"
         "              [--log-level LEVEL]\n"
         "\n"
         "  --config FILE      JSON configuration (see README: Configuration)\n"
         "  --bind ADDRESS     address to listen on (default 127.0.0.1)\n"
         "  --port PORT        port to listen on, 0 for any free one (default 8080)\n"
         "  --admin-port PORT  port of the admin API and /metrics, 0 for any free one\n"
         "                     (default 8081, on admin.bind: 127.0.0.1)\n"
         "  --log-level LEVEL  trace, debug, info, warn, error or off (default info)\n"
         "  --help             this text\n";
}

} // namespace herald::app
