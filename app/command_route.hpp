#pragma once

// Command routes (SPEC §4.11): async routes whose tasks are programs, declared in the
// configuration. What one such route is, as values: read and checked at start by the
// configuration (`routes: [...]`), run by `command_runner`.

#include "actors/async_route.hpp"
#include "app/access.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace herald::app {

/// The program a command route runs for each task, and how.
struct command_spec {
  /// `command`: the argv; `argv[0]` as written (`/usr/bin/python3`, or `python3` found on
  /// `PATH`).
  std::vector<std::string> argv;
  /// `argv[0]` resolved at start: an absolute path to an executable file.
  std::string program;
  /// `cwd`: where the program starts (an existing directory); empty: the node's own.
  std::string cwd;
  /// `env`: variables added to the environment (after the node's own minus its secrets, and
  /// before `HERALD_TASK_ID`, `HERALD_ROUTE`, `HERALD_USER`, `HERALD_PARAM_<NAME>`,
  /// `HERALD_QUERY_<NAME>`, which always win).
  std::vector<std::pair<std::string, std::string>> env;
  /// `stdin`: `"body"` (the request body goes to the program's stdin, then EOF) or `"none"`
  /// (stdin is `/dev/null`).
  bool stdin_body = true;
  /// `max_output_bytes`: stdout kept as the result (directive lines excluded); past it the
  /// task fails with a clear error.
  std::size_t max_output_bytes = 1024 * 1024;
  /// `kill_grace_ms`: after SIGTERM (cancel, timeout, shutdown), how long before SIGKILL.
  std::chrono::milliseconds kill_grace{5000};
  /// `limits.cpu_s`, `limits.memory_mb`, `limits.open_files` (setrlimit in the child).
  std::optional<std::uint64_t> cpu_seconds;
  std::optional<std::uint64_t> memory_mb;
  std::optional<std::uint64_t> open_files;
};

/// One entry of `routes`.
struct command_route {
  /// `method` (GET, POST, PUT, PATCH, DELETE) and `path` (with `{param}` segments).
  std::string method = "POST";
  std::string path;
  command_spec program;
  /// The async options every route has: `max_concurrent`, `max_queued`, `timeout_s` (0:
  /// none), `cancellable`, `sse.group`, `sse.send_result` (`sse: false` turns SSE off).
  std::size_t max_concurrent = 2;
  std::size_t max_queued = 1000;
  std::optional<std::chrono::seconds> timeout = std::chrono::hours{8};
  bool cancellable = true;
  bool sse = true;
  std::string sse_group;
  bool sse_send_result = false;
  /// `auth`: `{"required": bool, "allow": RULE, "read": RULE, "write": RULE}`.
  route_access access;
  /// `callback`: true (the URL from the body's `callbackUrl`), or `{"url", "url_field",
  /// "method", "headers", "send_result", "event_name", "secrets"}`.
  std::optional<actors::callback_options> callback;
};

} // namespace herald::app
