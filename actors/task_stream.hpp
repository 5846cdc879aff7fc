#pragma once

// How task events look on the wire (SPEC §4.5): pure functions from a task event to its SSE
// frame, in the two forms a group sends — on the task's own stream (`pode.progress` as a bare
// number, custom data as sent) and on a group stream (wrapped with the task's `Id`) — plus the
// built-in `pode.open` / `pode.close` events and the event ids `<epoch>.<seq>`.

#include "actors/sse_messages.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace herald::actors {

/// Where a task event goes.
enum class stream_form {
  task,  ///< the task's own stream: `<path>_events?Id=<task>`
  group, ///< a group stream: every task of the group, so each event names its task
};

/// `<epoch>.<seq>`: the epoch (a time the stream's numbering began) tells a client resuming
/// across a restart or a re-created group that the sequence numbers are not continuous.
std::string format_event_id(sse_position p);

/// Reads `<epoch>.<seq>` (decimal digits only); nullopt for anything else.
std::optional<sse_position> parse_event_id(std::string_view text) noexcept;

/// The data of a custom event as the client reads it: a JSON string as its text, anything
/// else as compact JSON.
std::string event_data_text(const boost::json::value& data);

/// The event's name as a client sees it: `pode.progress`, `pode.taskCompleted`, or a custom
/// event's type (`message` when it has none).
std::string_view event_name(const task_stream_event& ev) noexcept;

/// Appends the frame of `ev`, an event of task `task_id`, in `form`, with id `id`.
void append_task_event(std::string& out, const task_stream_event& ev, std::string_view task_id,
                       stream_form form, std::string_view id);

/// Appends `pode.close` (empty data) with id `id` (none when empty).
void append_close_event(std::string& out, std::string_view id);

/// Appends `pode.open` (no id): `{"clientId","group","name"}` plus `"asyncRouteTaskId"` on a
/// per-task stream.
void append_open_event(std::string& out, std::string_view client_id, std::string_view group,
                       std::string_view name, std::string_view task_id);

/// The `pode.taskCompleted` data of a task that reached a terminal state.
boost::json::object completion_data(std::string_view task_id, std::string_view state,
                                    const std::optional<boost::json::value>& result,
                                    const std::optional<std::string>& error);

} // namespace herald::actors
