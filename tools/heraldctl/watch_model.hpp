#pragma once

// What `heraldctl watch` shows: one row per task (progress, state, last custom event), fed by
// a group's events or by polled task objects, and drawn as text lines. Pure: time comes in
// as an argument, so tests replay a stream and check the lines.

#include <boost/json/fwd.hpp>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace herald::ctl {

struct task_row {
  std::string id;
  std::string state = "Running";
  std::optional<double> progress;
  std::string last_event; ///< `type: data` of the last custom event, or the task's error
  /// When the row turned terminal (it stays visible for the linger time after).
  std::optional<std::chrono::steady_clock::time_point> finished;
};

class watch_model {
 public:
  using clock = std::chrono::steady_clock;

  /// `linger`: how long a finished task stays on screen.
  explicit watch_model(std::chrono::milliseconds linger = std::chrono::seconds{10})
      : linger_(linger) {}

  // -- input -------------------------------------------------------------------------------

  /// A task object (`GET /admin/tasks`). A task not yet shown that is already terminal is
  /// shown only when `admit_finished` (false for the tasks that ended before watch began).
  /// Returns the row when it changed, else nullptr.
  const task_row* apply_task(const boost::json::value& task, clock::time_point now,
                             bool admit_finished = true);

  /// One event of a group stream (SPEC §4.5, group form). Returns the row it changed, else
  /// nullptr (`pode.open`, hub events without a task, repeats, tasks already gone).
  const task_row* apply_event(std::string_view type, std::string_view data, clock::time_point now);

  /// Removes the rows finished longer than the linger time ago; true when any went. Their ids
  /// are remembered so that a later poll does not bring them back.
  bool expire(clock::time_point now);

  /// Forgets remembered ids that are not in `present` (the node no longer lists them), so
  /// the memory of a long watch stays bounded.
  void keep_retired_only(const std::unordered_set<std::string>& present);

  // -- output ------------------------------------------------------------------------------

  const std::vector<task_row>& rows() const noexcept { return rows_; }
  std::size_t events() const noexcept { return events_; }

  /// One row as a line: `id  [####----]  50.00%  Running     message: hello`, ids padded to
  /// the longest shown, cut to `width` columns.
  std::string line(const task_row& row, std::size_t width = 1'000) const;

  /// The whole picture for a terminal of `width` × `height`: a status line (`title` and the
  /// counts), then one line per task; rows that do not fit are summed up in a last line.
  std::vector<std::string> frame(std::string_view title, std::size_t width,
                                 std::size_t height) const;

  /// A row as one compact JSON object (`watch --json`).
  static std::string json_line(const task_row& row);

 private:
  task_row* find(std::string_view id);
  task_row& row_for(std::string_view id);

  std::chrono::milliseconds linger_;
  std::vector<task_row> rows_; ///< in the order first seen (creation order for polled tasks)
  std::unordered_set<std::string> retired_;
  std::size_t events_ = 0;
};

} // namespace herald::ctl
