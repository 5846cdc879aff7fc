#include "tools/heraldctl/render.hpp"

#include "net/json_text.hpp"
#include "tools/heraldctl/exit_code.hpp"

#include <algorithm>
#include <boost/json/value.hpp>
#include <cmath>
#include <cstdio>

namespace herald::ctl {

namespace json = boost::json;

namespace {

constexpr std::string_view replacement = "\xEF\xBF\xBD"; // U+FFFD

/// The code point starting at `text[i]` and its length in bytes; nullopt (length 1) for a
/// byte that does not start a well-formed UTF-8 sequence (overlong, surrogate, > U+10FFFF).
std::pair<std::optional<char32_t>, std::size_t> decode(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) {
    return static_cast<unsigned char>(text[k]);
  };
  unsigned char b0 = byte(i);
  if (b0 < 0x80)
    return {b0, 1};
  std::size_t len = b0 >= 0xF0 && b0 <= 0xF4 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC2 && b0 < 0xE0 ? 2 : 0;
  if (len == 0 || b0 > 0xF4 || i + len > text.size())
    return {std::nullopt, 1};
  char32_t cp = b0 & (0x7F >> len);
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80)
      return {std::nullopt, 1};
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
  if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return {std::nullopt, 1};
  return {cp, len};
}

std::size_t code_point_width(char32_t cp) {
  auto in = [cp](char32_t lo, char32_t hi) {
    return cp >= lo && cp <= hi;
  };
  if (in(0x0300, 0x036F) || in(0x1AB0, 0x1AFF) || in(0x1DC0, 0x1DFF) || in(0x20D0, 0x20FF) ||
      in(0xFE20, 0xFE2F) || in(0x200B, 0x200F) || in(0xFE00, 0xFE0F))
    return 0;
  if (in(0x1100, 0x115F) || in(0x2E80, 0x303E) || in(0x3041, 0x33FF) || in(0x3400, 0x4DBF) ||
      in(0x4E00, 0x9FFF) || in(0xA000, 0xA4CF) || in(0xAC00, 0xD7A3) || in(0xF900, 0xFAFF) ||
      in(0xFE30, 0xFE4F) || in(0xFF00, 0xFF60) || in(0xFFE0, 0xFFE6) || in(0x1F300, 0x1F64F) ||
      in(0x1F900, 0x1F9FF) || in(0x20000, 0x3FFFD))
    return 2;
  return 1;
}

bool is_control(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

std::string pad(std::string_view text, std::size_t width, bool right) {
  auto w = display_width(text);
  std::string fill(width > w ? width - w : 0, ' ');
  return right ? fill + std::string{text} : std::string{text} + fill;
}

// -- reading the API's objects --------------------------------------------------------------

const json::value* field(const json::value& object, std::string_view name) {
  return object.is_object() ? object.as_object().if_contains(name) : nullptr;
}

const json::array& list_of(const json::value& answer, std::string_view what) {
  if (!answer.is_array())
    throw ctl_error(exit_code::unexpected,
                    "the node's answer is not a list of " + std::string{what});
  return answer.as_array();
}

const json::object& object_of(const json::value& answer, std::string_view what) {
  if (!answer.is_object())
    throw ctl_error(exit_code::unexpected, "the node's answer is not " + std::string{what});
  return answer.as_object();
}

std::optional<double> number(const json::value* v) {
  if (v == nullptr || !v->is_number())
    return std::nullopt;
  return v->to_number<double>();
}

/// `2026-11-24T10:00:00.1234567Z` as `2026-11-24T10:00:00Z`: tables have no room for the
/// seven decimals (`task ID` and `--json` show them).
std::string short_time(const json::value* v) {
  if (v == nullptr || !v->is_string())
    return "-";
  std::string t = printable(v->as_string());
  if (auto dot = t.find('.'); dot != std::string::npos && t.ends_with('Z'))
    t = t.substr(0, dot) + "Z";
  return t;
}

std::string percent_cell(const json::value* v) {
  auto p = number(v);
  if (!p)
    return "-";
  std::string s = format_percent(*p);
  return s.substr(s.find_first_not_of(' '));
}

std::string seconds_cell(const json::value* v, int decimals) {
  auto s = number(v);
  if (!s)
    return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*fs", decimals, *s);
  return buf;
}

std::string subscription_cell(const json::value* v) {
  if (v == nullptr || !v->is_object())
    return "-";
  std::string s = cell(field(*v, "Group"));
  if (auto* task = field(*v, "Task"); task && task->is_string())
    s += " (task " + cell(task) + ")";
  return s;
}

} // namespace

// -- text ------------------------------------------------------------------------------------

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < text.size();) {
    auto [cp, len] = decode(text, i);
    width += cp ? code_point_width(*cp) : 1;
    i += len;
  }
  return width;
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    auto [cp, len] = decode(text, i);
    if (!cp)
      out += replacement;
    else if (is_control(*cp))
      out += ' ';
    else
      out.append(text.substr(i, len));
    i += len;
  }
  return out;
}

std::string fit_width(std::string_view text, std::size_t width) {
  if (display_width(text) <= width)
    return std::string{text};
  if (width == 0)
    return {};
  std::string out;
  std::size_t used = 0;
  for (std::size_t i = 0; i < text.size();) {
    auto [cp, len] = decode(text, i);
    auto w = cp ? code_point_width(*cp) : 1;
    if (used + w > width - 1) // keep a column for the ellipsis
      break;
    out.append(cp ? text.substr(i, len) : replacement);
    used += w;
    i += len;
  }
  return out + "\xE2\x80\xA6"; // …
}

// -- layouts ---------------------------------------------------------------------------------

std::string render_table(const std::vector<column>& columns, const std::vector<row>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& c : columns)
    widths.push_back(display_width(c.header));
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], display_width(r[i]));

  auto line = [&](auto cell_at) {
    std::string out;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (i > 0)
        out += "  ";
      out += pad(cell_at(i), widths[i], columns[i].right);
    }
    while (!out.empty() && out.back() == ' ')
      out.pop_back();
    return out + '\n';
  };
  std::string out = line([&](std::size_t i) -> std::string_view { return columns[i].header; });
  for (const auto& r : rows)
    out += line(
        [&](std::size_t i) { return i < r.size() ? std::string_view{r[i]} : std::string_view{}; });
  return out;
}

std::string render_fields(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::size_t width = 0;
  for (const auto& [name, value] : fields)
    width = std::max(width, display_width(name) + 1);
  std::string out;
  for (const auto& [name, value] : fields)
    out += pad(name + ":", width, false) + "  " + value + '\n';
  return out;
}

std::string format_percent(double percent) {
  if (!std::isfinite(percent))
    percent = 0;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%6.2f%%", std::clamp(percent, -999.99, 999.99));
  return buf;
}

std::string progress_bar(double percent, std::size_t width) {
  double p = std::isfinite(percent) ? std::clamp(percent, 0.0, 100.0) : 0.0;
  // Rounded down, so the bar is full only at 100 (99.99 while running shows a gap).
  auto filled = static_cast<std::size_t>(std::floor(p * static_cast<double>(width) / 100.0));
  return '[' + std::string(filled, '#') + std::string(width - filled, '-') + "] " +
         format_percent(p);
}

// -- the admin API's answers -----------------------------------------------------------------

std::string cell(const json::value* value) {
  if (value == nullptr || value->is_null())
    return "-";
  if (value->is_string())
    return printable(value->as_string());
  if (value->is_bool())
    return value->as_bool() ? "yes" : "no";
  return printable(net::json_text(*value));
}

std::string routes_table(const json::value& routes) {
  std::vector<row> rows;
  for (const auto& r : list_of(routes, "routes")) {
    const auto* outcomes = field(r, "Outcomes");
    auto outcome = [&](std::string_view name) {
      return outcomes ? cell(field(*outcomes, name)) : "-";
    };
    const auto* sse = field(r, "Sse");
    const auto* timeout = field(r, "Timeout");
    rows.push_back({cell(field(r, "Id")), cell(field(r, "Running")), cell(field(r, "Queued")),
                    cell(field(r, "MaxConcurrent")) + "/" + cell(field(r, "MaxQueued")),
                    cell(field(r, "Admitted")), cell(field(r, "Refused")), outcome("Completed"),
                    outcome("Failed"), outcome("Aborted"), cell(field(r, "Cancellable")),
                    timeout && timeout->is_number() ? seconds_cell(timeout, 0) : "-",
                    sse && sse->is_object() ? cell(field(*sse, "Group")) : "-"});
  }
  return render_table({{"ROUTE"},
                       {"RUNNING", true},
                       {"QUEUED", true},
                       {"MAX RUN/QUEUE", true},
                       {"ADMITTED", true},
                       {"REFUSED", true},
                       {"COMPLETED", true},
                       {"FAILED", true},
                       {"ABORTED", true},
                       {"CANCEL"},
                       {"TIMEOUT", true},
                       {"SSE GROUP"}},
                      rows);
}

std::string tasks_table(const json::value& tasks) {
  std::vector<row> rows;
  for (const auto& t : list_of(tasks, "tasks")) {
    std::string state = cell(field(t, "State"));
    if (auto* q = field(t, "QueuePosition"); q && q->is_number())
      state += " #" + cell(q);
    rows.push_back({cell(field(t, "Id")), cell(field(t, "AsyncRouteId")), state,
                    percent_cell(field(t, "Progress")), short_time(field(t, "CreationTime")),
                    cell(field(t, "EventCount"))});
  }
  if (rows.empty())
    return "no tasks\n";
  return render_table(
      {{"ID"}, {"ROUTE"}, {"STATE"}, {"PROGRESS", true}, {"CREATED"}, {"EVENTS", true}}, rows);
}

std::string task_detail(const json::value& task) {
  const auto& t = object_of(task, "a task");
  std::vector<std::pair<std::string, std::string>> fields{
      {"Id", cell(t.if_contains("Id"))},
      {"Route", cell(t.if_contains("AsyncRouteId"))},
      {"State", cell(t.if_contains("State"))}};
  auto add = [&](std::string name, std::string_view key) {
    if (auto* v = t.if_contains(key))
      fields.emplace_back(std::move(name), cell(v));
  };
  if (auto* p = t.if_contains("Progress"); p && p->is_number())
    fields.emplace_back("Progress", progress_bar(p->to_number<double>()));
  add("Queue position", "QueuePosition");
  add("Cancellable", "Cancellable");
  add("Created", "CreationTime");
  add("Started", "StartingTime");
  add("Completed", "CompletedTime");
  add("Expires", "ExpireTime");
  add("Error", "Error");
  add("Result", "Result");
  add("User", "User");
  if (auto* sse = t.if_contains("Sse"); sse && sse->is_object()) {
    fields.emplace_back("SSE group", cell(field(*sse, "Group")));
    fields.emplace_back("SSE stream", cell(field(*sse, "Url")));
  }
  std::string out = render_fields(fields);

  const auto* events = t.if_contains("Events");
  if (events == nullptr || !events->is_array())
    return out;
  if (events->as_array().empty())
    return out + "\nno events\n";
  std::vector<row> rows;
  for (const auto& e : events->as_array())
    rows.push_back({cell(field(e, "Seq")), cell(field(e, "Event")), cell(field(e, "Data"))});
  return out + "\n" + render_table({{"SEQ", true}, {"EVENT"}, {"DATA"}}, rows);
}

std::string cancel_text(const json::value& task) {
  const auto& t = object_of(task, "a task");
  std::string out = "task " + cell(t.if_contains("Id")) + " is now " + cell(t.if_contains("State"));
  if (auto* e = t.if_contains("Error"); e && e->is_string())
    out += " (" + cell(e) + ")";
  return out + '\n';
}

std::string groups_table(const json::value& groups) {
  std::vector<row> rows;
  for (const auto& g : list_of(groups, "groups")) {
    const auto* ring = field(g, "Ring");
    rows.push_back({cell(field(g, "Name")), cell(field(g, "Subscribers")),
                    cell(field(g, "GroupSubscribers")), cell(field(g, "TaskSubscribers")),
                    cell(field(g, "Published")), cell(field(g, "Delivered")),
                    cell(field(g, "Dropped")), cell(field(g, "SlowDisconnects")),
                    cell(field(g, "Waiting")),
                    ring ? cell(field(*ring, "Events")) + "/" + cell(field(*ring, "Bytes")) : "-",
                    seconds_cell(field(g, "IdleSeconds"), 1)});
  }
  if (rows.empty())
    return "no live groups\n";
  return render_table({{"GROUP"},
                       {"SUBSCRIBERS", true},
                       {"OF GROUP", true},
                       {"OF TASKS", true},
                       {"PUBLISHED", true},
                       {"DELIVERED", true},
                       {"DROPPED", true},
                       {"SLOW", true},
                       {"WAITING", true},
                       {"RING EVENTS/BYTES", true},
                       {"IDLE", true}},
                      rows);
}

std::string group_detail(const json::value& group) {
  const auto& g = object_of(group, "a group");
  const auto* ring = g.if_contains("Ring");
  std::string out = render_fields(
      {{"Group", cell(g.if_contains("Name"))},
       {"Epoch", cell(g.if_contains("Epoch"))},
       {"Last seq", cell(g.if_contains("LastSeq"))},
       {"Subscribers", cell(g.if_contains("Subscribers")) + " (" +
                           cell(g.if_contains("GroupSubscribers")) + " of the group, " +
                           cell(g.if_contains("TaskSubscribers")) + " of tasks)"},
       {"Ring",
        ring ? cell(field(*ring, "Events")) + " events, " + cell(field(*ring, "Bytes")) + " bytes"
             : "-"},
       {"Published", cell(g.if_contains("Published"))},
       {"Delivered", cell(g.if_contains("Delivered"))},
       {"Dropped", cell(g.if_contains("Dropped"))},
       {"Slow disconnects", cell(g.if_contains("SlowDisconnects"))},
       {"Waiting", cell(g.if_contains("Waiting"))},
       {"Idle", seconds_cell(g.if_contains("IdleSeconds"), 1)}});
  const auto* subs = g.if_contains("SubscriberList");
  if (subs == nullptr || !subs->is_array())
    return out;
  if (subs->as_array().empty())
    return out + "\nno subscribers\n";
  std::vector<row> rows;
  for (const auto& s : subs->as_array())
    rows.push_back({cell(field(s, "Subscriber")), cell(field(s, "Connection")),
                    cell(field(s, "Task")), cell(field(s, "LagBytes")), cell(field(s, "Holding"))});
  return out + "\n" +
         render_table({{"SUBSCRIBER", true},
                       {"CONNECTION", true},
                       {"TASK"},
                       {"LAG BYTES", true},
                       {"HOLDING"}},
                      rows);
}

std::string connections_table(const json::value& connections) {
  std::vector<row> rows;
  for (const auto& c : list_of(connections, "connections"))
    rows.push_back({cell(field(c, "Id")), cell(field(c, "Peer")), cell(field(c, "Kind")),
                    seconds_cell(field(c, "AgeSeconds"), 1), cell(field(c, "Requests")),
                    cell(field(c, "QueuedBytes")), cell(field(c, "WrittenBytes")),
                    cell(field(c, "LagBytes")), subscription_cell(field(c, "Subscription"))});
  if (rows.empty())
    return "no connections\n";
  return render_table({{"ID", true},
                       {"PEER"},
                       {"KIND"},
                       {"AGE", true},
                       {"REQUESTS", true},
                       {"QUEUED", true},
                       {"WRITTEN", true},
                       {"LAG", true},
                       {"SUBSCRIPTION"}},
                      rows);
}

} // namespace herald::ctl
