#pragma once

// The task object of an async route (SPEC §4.2), as data: what the task registry stores and
// what the task endpoints answer. Pure: no actors, no I/O.

#include "net/identity.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace herald::actors {

/// A task's lifecycle; the last three are terminal and final.
enum class task_state { not_started, running, completed, failed, aborted };

/// Pode's names: `NotStarted`, `Running`, `Completed`, `Failed`, `Aborted`.
std::string_view to_string(task_state s) noexcept;

/// The state named `name` (exact Pode spelling, case-insensitive), or nullopt.
std::optional<task_state> parse_task_state(std::string_view name) noexcept;

bool is_terminal(task_state s) noexcept;

using task_clock = std::chrono::system_clock;
using task_time = task_clock::time_point;

/// The `ExpireTime` of a task without a timeout; formats as `9999-12-31T23:59:59.9999999Z`.
task_time no_expiry() noexcept;

/// Pode's UTC time format with seven fractional digits: `2026-11-23T21:03:00.1234567Z`.
/// `no_expiry()` gives `9999-12-31T23:59:59.9999999Z`.
std::string format_time(task_time t);

/// Appends `format_time(t)` to `out`.
void append_time(std::string& out, task_time t);

/// Reads the format above; also accepts 0–7 fractional digits;
/// nullopt for anything else.
std::optional<task_time> parse_time(std::string_view text) noexcept;

/// `Sse` of a task whose route has SSE.
struct sse_info {
  std::string name;  ///< the route's events path, `/process-data_events`
  std::string group; ///< the SSE group its events go to
  std::string url;   ///< its own stream, `/process-data_events?Id=<Id>`
  /// Whether `pode.taskCompleted` carries the result (not part of the task object).
  bool send_result = false;
};

/// `CallbackInfo` of a task whose callback was attempted (SPEC §4.7). `State` is Pode's
/// `Running` (attempts go on), `Completed` (a 2xx answer) or `Failed` (out of attempts, or an
/// answer that ends them: 410, a redirect), or herald's `Refused` (the URL's host or an
/// address it resolves to is not allowed: never attempted, never retried).
struct callback_info {
  std::string url;
  int tentative = 0; ///< attempts made so far
  std::string state;
  /// Why the last attempt failed or why it was refused; shown as `Error` when not empty.
  std::string error;
};

struct callback_options;

/// Where a task's callback goes: its URL (fixed, or from its request) and its route's options.
struct callback_target {
  // A constructor, not only an aggregate: clang before 16 has no make_shared(url, options) of
  // an aggregate (parenthesised aggregate initialisation).
  callback_target() = default;
  callback_target(std::string u, std::shared_ptr<const callback_options> o)
      : url(std::move(u)), options(std::move(o)) {}

  std::string url;
  std::shared_ptr<const callback_options> options;
};

/// `Permission` of a task whose invoker was authenticated (SPEC §4.8): who may read it (`GET`,
/// `?wait=`, its stream, queries) and who may cancel it. The invoker is in both.
struct task_permission {
  net::access_rule read;
  net::access_rule write;
};

/// One task, as the registry keeps it.
struct task_record {
  std::string id;
  std::string route_id; ///< `[METHOD]/path`, e.g. `[POST]/process-data`
  std::string method;   ///< `POST` (queryable as `Method`)
  std::string url;      ///< the route path, e.g. `/process-data` (queryable as `Url`)
  task_state state = task_state::not_started;
  bool cancellable = true;
  task_time creation{};
  task_time expire{};
  std::optional<task_time> starting;
  std::optional<task_time> completed;
  std::optional<double> progress;           ///< 0–100, once reported
  std::optional<boost::json::value> result; ///< `Completed` with a value (0, false, "" kept)
  std::optional<std::string> error;         ///< `Failed` / `Aborted`
  std::optional<std::string> user;          ///< the authenticated invoker
  /// With `user`; shared, since the tasks of one invoker on one route have the same.
  std::shared_ptr<const task_permission> permission;
  std::optional<sse_info> sse;
  /// Shared and replaced whole on each change: most tasks have none, and a pointer is what
  /// costs least then.
  std::shared_ptr<const callback_info> callback;
  /// The callback to send when the task ends; not part of the task object.
  std::shared_ptr<const callback_target> pending_callback;
  std::optional<std::size_t> queue_position; ///< while `NotStarted`
};

// -- who may see it --------------------------------------------------------------------------

/// Whether `caller` (null: no credential) may read `r`: anyone may read a task without
/// `Permission` (its invoker was anonymous), else its Read rule must name the caller.
bool may_read(const task_record& r, const net::identity* caller) noexcept;

/// The same for cancelling, with the Write rule.
bool may_write(const task_record& r, const net::identity* caller) noexcept;

/// Pode's `{Users, Groups, Roles, Scopes}` of a rule.
boost::json::object to_json(const net::access_rule& rule);

// -- what a record weighs -----------------------------------------------------------------------

/// Roughly the bytes `v` occupies on the heap beyond its own `sizeof`: string characters
/// beyond the inline buffer, array and object tables (elements, keys, index) and everything
/// nested. Walks the value once (iteratively: no recursion depth to worry about); counts
/// capacities, so that it follows the allocations rather than the text.
std::size_t json_bytes(const boost::json::value& v);

/// The bytes a record's variable parts occupy: its strings (`Id`, route, method, target with
/// its query, SSE names, user, error, callback) and its JSON values (result, permission). What
/// it holds beyond that is a fixed cost per task (see `task_ledger`).
std::size_t record_bytes(const task_record& r);

/// A progress value as it is shown: rounded to 2 decimals, whole values as integers.
boost::json::value progress_value(double progress);

/// The task object with Pode's field names (SPEC §4.2): always `Id`, `AsyncRouteId`, `State`,
/// `IsCompleted`, `Cancellable`, `CreationTime`, `ExpireTime`; the others only when present.
/// `Progress` is rounded to 2 decimals.
boost::json::object to_json(const task_record& r);

/// Appends the task object as compact JSON text to `out`: the same bytes as
/// `net::json_text(to_json(r))`, written straight from the record (no JSON value is built),
/// since every answer of the task path carries one.
void append_task_json(std::string& out, const task_record& r);

} // namespace herald::actors
