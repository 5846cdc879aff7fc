#pragma once

#include "actors/route_supervisor.hpp"
#include "actors/sse_group.hpp"
#include "actors/task_registry.hpp"
#include "app/auth_settings.hpp"
#include "app/callback_settings.hpp"
#include "app/command_route.hpp"
#include "net/identity.hpp"
#include "net/limits.hpp"
#include "net/log.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald::app {

/// Tasks (SPEC §4.3): the registry's and the supervisors' own settings, where their fields
/// and defaults are written, and what the task endpoints add.
///
/// Read from the configuration: `registry.retention` (`tasks.retention_ms`: how long a
/// finished task stays readable before `GET /tasks/{id}` answers 404), `registry.max_retained`
/// (finished tasks kept at most; beyond it the oldest are forgotten before their retention
/// ends), `registry.max_held_bytes` (bytes the held tasks may occupy: request bodies and
/// targets while a task is unfinished, results, errors, event logs and a fixed part per task;
/// to admit a task past it the oldest finished tasks are forgotten first, and when unfinished
/// tasks fill it invocations are answered 503 with `Retry-After` and nothing is created), and
/// `supervisor.cancel_grace` (`tasks.cancel_grace_ms`: how long an aborted task's body may
/// take to return before its slot goes to the next task).
struct task_settings {
  actors::registry_settings registry;
  actors::supervisor_settings supervisor;
  /// A `POST /tasks/query` filter whose string value (a LIKE pattern, say) is longer than this
  /// is refused with 400: matching costs grow with the pattern (a run of it with `?` costs a
  /// machine word per 64 of its characters per character of the field). 16 to 65536.
  std::size_t query_max_value_bytes = 1024;
  /// `tasks.store`: `memory` (nothing outlives the node) or `sqlite:PATH` (task records and
  /// the event logs of per-task streams outlive restarts, SPEC §7).
  std::string store = "memory";
  /// `tasks.store_sync`: `normal` (survives the node's crash or kill) or `full` (each batch is
  /// on the disk before it is acknowledged: survives a power loss, at a cost per batch).
  std::string store_sync = "normal";
  /// `tasks.store_max_bytes`: the store file's size at most (0: no bound); past it writes fail
  /// as on a full disk and the node serves from memory.
  std::uint64_t store_max_bytes = 0;
};

/// Who may stream a group, and who may publish into it.
struct group_access {
  net::access_rule read;
  net::access_rule publish;
};

/// Server-Sent Events (SPEC §4.5–§4.6): the groups' own settings, where their fields and
/// defaults are written, and what the SSE endpoints add.
///
/// Read from the configuration into `groups`: `max_lag_bytes` (bytes a subscriber may have
/// unwritten before it is disconnected as too slow), `ring_events` and `ring_bytes` (the
/// replay ring of each group), `idle_timeout` (`sse.group_idle_ms`: a group with no
/// subscribers and no events for this long stops, re-created on demand) and `max_groups`
/// (live groups that no route declared, at most: past it, subscribing to or publishing into a
/// new group answers 503 with `Retry-After` until idle groups stop; groups of routes do not
/// count).
struct sse_settings {
  actors::sse_settings groups;
  /// The `retry:` each stream starts with: how long a browser waits before reconnecting.
  std::chrono::milliseconds retry{3'000};
  /// A `: ping` comment goes out on a stream that sent nothing for this long.
  std::chrono::milliseconds heartbeat{15'000};
  /// A stream is ended after this long (clients reconnect and resume with `Last-Event-ID`),
  /// so long-lived connections are spread again over the nodes behind a balancer; 0: never.
  std::chrono::milliseconds stream_lifetime{0};
  /// The key that allows `POST /sse/{group}` (`X-API-Key` or `Authorization: Bearer`); empty
  /// means publishing over HTTP is disabled (403).
  std::string publisher_key;
  /// Publications waiting to be handled beyond which publishing is refused for a moment
  /// (C++ `publish` returns false, HTTP answers 503 with `Retry-After`).
  std::size_t publish_backlog = 10'000;
  /// `sse.groups.{name}.read` and `.publish`: who may stream and who may publish into a named
  /// group when credentials are configured (`auth`). A group a route declares defaults to the
  /// route's rule; any other group nobody is named for may be read by nobody and is not
  /// created by asking for it.
  std::map<std::string, group_access, std::less<>> group_rules;
};

/// The demo app of SPEC §6, served by the binary unless disabled; durations configurable so
/// that tests and demos can run it fast.
struct demo_settings {
  bool enabled = true;
  /// `POST /process-data`: the time between its 20 progress ticks.
  std::chrono::milliseconds tick{1'000};
  /// `GET /generate-report`: how long the report takes.
  std::chrono::milliseconds report{10'000};
  /// `GET /sse`: the time between its "Start" and "End" events.
  std::chrono::milliseconds event_gap{10'000};
};

/// The admin API and `/metrics` (SPEC §4.9): a listener of their own, on loopback unless
/// configured otherwise, so that operations traffic never shares a port with the public one.
struct admin_settings {
  /// False: no admin listener at all.
  bool enabled = true;
  std::string bind = "127.0.0.1";
  /// 0 picks a free port (printed at start-up).
  std::uint16_t port = 8081;
  /// The key every `/admin/...` request must carry (`X-API-Key` or `Authorization: Bearer`);
  /// empty means those endpoints answer 403. `/metrics` needs no key. On the command line
  /// (`load_config`), `HERALD_ADMIN_KEY` from the environment fills it when the file does not.
  std::string key;
  /// `/metrics` gives per-group series for this many groups, the busiest (most subscribers,
  /// then most events published); the node-wide totals cover every group.
  std::size_t metrics_top_groups = 50;
};

/// The demo page (`GET /`, `GET /ui/{file}`, `GET /ui/routes`), served unless disabled.
struct ui_settings {
  bool enabled = true;
};

/// The node's whole configuration: one immutable value, validated before anything starts.
/// Every field's default is written once, here or in the settings of the component it
/// configures, and documented in the README.
struct config {
  /// Address to listen on.
  std::string bind = "127.0.0.1";
  /// Port to listen on; 0 picks a free one (printed at start-up).
  std::uint16_t port = 8080;
  log::level log_level = log::level::info;
  /// Threads running the sockets (one Asio io_context shared by all).
  unsigned io_threads = 1;
  /// CAF scheduler workers (task, supervisor and group actors).
  unsigned scheduler_threads = 1;
  /// How long a SIGINT/SIGTERM waits for in-flight exchanges before closing what is left.
  std::chrono::milliseconds shutdown_grace{10'000};
  net::limits limits;
  task_settings tasks;
  sse_settings sse;
  demo_settings demo;
  admin_settings admin;
  ui_settings ui;
  auth_settings auth;
  callback_settings callbacks;
  /// `routes`: command routes, served by the node besides any declared in C++ (SPEC §4.11).
  std::vector<command_route> routes;
};

/// What loading the configuration gave: a config, a request for help, or an error message
/// that names the offending key or flag.
struct config_result {
  std::optional<config> value;
  bool help = false;
  std::string error;
};

/// `tasks.store`: the SQLite file of `sqlite:PATH`, empty for `memory`; nullopt for anything
/// else.
std::optional<std::string> parse_store_url(std::string_view text);

/// Reads a JSON configuration document over `base`. Unknown keys, wrong types and values out
/// of range are errors naming the key (`limits.body_limit_bytes: must be ...`).
config_result parse_config(std::string_view json_text, config base = {});

/// The node's command line: `--config FILE` first, then `--bind`, `--port`, `--admin-port`,
/// `--log-level` override the file. `--help` asks for the usage text.
config_result load_config(int argc, const char* const* argv);

/// The usage text printed by `herald --help`.
std::string_view usage() noexcept;

} // namespace herald::app
