#pragma once

// Pure text rendering for heraldctl: aligned tables, field lists and progress bars, and the
// admin API's JSON answers turned into them. Everything shown is sanitised first, so task
// data or group names can never send escape sequences to the user's terminal.

#include <boost/json/fwd.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herald::ctl {

// -- text --------------------------------------------------------------------------------------

/// Columns `text` takes on a terminal: UTF-8 code points, East Asian wide ones and emoji as
/// two, combining marks and zero-width ones as none (an approximation of wcwidth that needs
/// no locale).
std::size_t display_width(std::string_view text);

/// `text` fit for one terminal line: control characters (C0, DEL, C1) become spaces, bytes
/// that are not UTF-8 become U+FFFD.
std::string printable(std::string_view text);

/// `text` cut to at most `width` columns, ending in "…" when something was cut.
std::string fit_width(std::string_view text, std::size_t width);

// -- layouts -----------------------------------------------------------------------------------

struct column {
  std::string header;
  bool right = false; ///< numbers are right-aligned
};

using row = std::vector<std::string>;

/// A header line and one line per row, columns two spaces apart and padded to the widest
/// cell (by display width); no trailing blanks.
std::string render_table(const std::vector<column>& columns, const std::vector<row>& rows);

/// `Name:  value` lines with the values aligned.
std::string render_fields(const std::vector<std::pair<std::string, std::string>>& fields);

/// `50` as ` 50.00%`: two decimals, right-aligned in 7 columns.
std::string format_percent(double percent);

/// `[##########----------]  50.00%`: `width` cells between the brackets, filled in proportion
/// (clamped to 0..100).
std::string progress_bar(double percent, std::size_t width = 20);

// -- the admin API's answers -------------------------------------------------------------------

/// A JSON value as a table cell: strings as they are (sanitised), numbers in their shortest
/// form, booleans yes/no, null or absent as "-", objects and arrays as compact JSON.
std::string cell(const boost::json::value* value);

/// `GET /admin/routes`
std::string routes_table(const boost::json::value& routes);
/// `GET /admin/tasks`
std::string tasks_table(const boost::json::value& tasks);
/// `GET /admin/tasks/{id}`: its fields, then its event log.
std::string task_detail(const boost::json::value& task);
/// `DELETE /admin/tasks/{id}`: the task's new state.
std::string cancel_text(const boost::json::value& task);
/// `GET /admin/groups`
std::string groups_table(const boost::json::value& groups);
/// `GET /admin/groups/{name}`: its fields, then its subscribers.
std::string group_detail(const boost::json::value& group);
/// `GET /admin/connections`
std::string connections_table(const boost::json::value& connections);

} // namespace herald::ctl
