#include "tools/heraldctl/watch_model.hpp"

#include "net/json_text.hpp"
#include "tools/heraldctl/render.hpp"

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace herald::ctl {

namespace json = boost::json;

namespace {

bool terminal(std::string_view state) {
  return state == "Completed" || state == "Failed" || state == "Aborted";
}

std::string text_of(const json::value& v) {
  return v.is_string() ? std::string{v.as_string()} : net::json_text(v);
}

} // namespace

task_row* watch_model::find(std::string_view id) {
  auto it = std::find_if(rows_.begin(), rows_.end(), [&](const task_row& r) { return r.id == id; });
  return it == rows_.end() ? nullptr : &*it;
}

task_row& watch_model::row_for(std::string_view id) {
  if (auto* r = find(id))
    return *r;
  task_row r;
  r.id = id;
  rows_.push_back(std::move(r));
  return rows_.back();
}

const task_row* watch_model::apply_task(const json::value& task, clock::time_point now,
                                        bool admit_finished) {
  const auto* t = task.if_object();
  if (t == nullptr)
    return nullptr;
  const auto* id = t->if_contains("Id");
  const auto* state = t->if_contains("State");
  if (id == nullptr || !id->is_string() || state == nullptr || !state->is_string())
    return nullptr;
  std::string_view id_text = id->as_string();
  if (retired_.contains(std::string{id_text}))
    return nullptr;
  auto* existing = find(id_text);
  if (existing == nullptr && terminal(state->as_string()) && !admit_finished) {
    retired_.insert(std::string{id_text});
    return nullptr;
  }
  task_row before = existing ? *existing : task_row{};
  auto& r = existing ? *existing : row_for(id_text);
  if (r.finished) // terminal states are final; a poll cannot take them back
    return existing ? nullptr : &r;
  r.state = state->as_string();
  if (const auto* p = t->if_contains("Progress"); p && p->is_number())
    r.progress = p->to_number<double>();
  if (terminal(r.state)) {
    r.finished = now;
    if (const auto* e = t->if_contains("Error"); e && e->is_string())
      r.last_event = e->as_string();
  }
  bool changed = existing == nullptr || before.state != r.state || before.progress != r.progress ||
                 before.last_event != r.last_event;
  return changed ? &r : nullptr;
}

const task_row* watch_model::apply_event(std::string_view type, std::string_view data,
                                         clock::time_point now) {
  ++events_;
  if (type == "pode.open")
    return nullptr;
  boost::system::error_code ec;
  auto parsed = json::parse(data, ec);
  const auto* body = ec ? nullptr : parsed.if_object();
  const auto* id = body ? body->if_contains("Id") : nullptr;
  if (id == nullptr || !id->is_string()) // a hub event: not about a task
    return nullptr;
  std::string_view id_text = id->as_string();
  if (retired_.contains(std::string{id_text}))
    return nullptr;
  auto* existing = find(id_text);
  if (existing && existing->finished) // late or repeated events of a finished task
    return nullptr;
  auto& r = existing ? *existing : row_for(id_text);
  task_row before = r;

  if (type == "pode.progress") {
    if (const auto* p = body->if_contains("Progress"); p && p->is_number())
      r.progress = p->to_number<double>();
    r.state = "Running";
  } else if (type == "pode.taskCompleted") {
    const auto* s = body->if_contains("State");
    r.state = s && s->is_string() ? std::string{s->as_string()} : "Completed";
    if (r.state == "Completed")
      r.progress = 100; // SPEC §4.4: Completed sets 100
    if (const auto* e = body->if_contains("Error"); e && e->is_string())
      r.last_event = e->as_string();
    else if (const auto* res = body->if_contains("Result"))
      r.last_event = "result: " + text_of(*res);
    r.finished = now;
  } else { // a custom event of the task: `{"Id","Data"}`
    const auto* d = body->if_contains("Data");
    r.last_event = std::string{type} + ": " + (d ? text_of(*d) : std::string{});
    r.state = "Running";
  }
  bool changed = existing == nullptr || before.state != r.state || before.progress != r.progress ||
                 before.last_event != r.last_event || before.finished != r.finished;
  return changed ? &r : nullptr;
}

bool watch_model::expire(clock::time_point now) {
  auto old = [&](const task_row& r) {
    return r.finished && now - *r.finished >= linger_;
  };
  bool any = false;
  for (const auto& r : rows_)
    if (old(r)) {
      retired_.insert(r.id);
      any = true;
    }
  std::erase_if(rows_, old);
  return any;
}

void watch_model::keep_retired_only(const std::unordered_set<std::string>& present) {
  std::erase_if(retired_, [&](const std::string& id) { return !present.contains(id); });
}

std::string watch_model::line(const task_row& row, std::size_t width) const {
  std::size_t id_width = 0;
  for (const auto& r : rows_)
    id_width = std::max(id_width, display_width(printable(r.id)));
  std::string id = printable(row.id);
  id += std::string(id_width > display_width(id) ? id_width - display_width(id) : 0, ' ');
  std::string state = printable(row.state);
  state.resize(std::max<std::size_t>(state.size(), 10), ' '); // "NotStarted" is the longest
  std::string text = id + "  " + progress_bar(row.progress.value_or(0)) + "  " + state;
  if (!row.last_event.empty())
    text += "  " + printable(row.last_event);
  while (!text.empty() && text.back() == ' ')
    text.pop_back();
  return fit_width(text, width);
}

std::vector<std::string> watch_model::frame(std::string_view title, std::size_t width,
                                            std::size_t height) const {
  std::size_t running = 0, queued = 0, finished = 0;
  for (const auto& r : rows_) {
    if (r.finished)
      ++finished;
    else if (r.state == "NotStarted")
      ++queued;
    else
      ++running;
  }
  std::vector<std::string> lines{fit_width(printable(title) + ": " + std::to_string(running) +
                                               " running, " + std::to_string(queued) + " queued, " +
                                               std::to_string(finished) + " finished, " +
                                               std::to_string(events_) + " events",
                                           width)};
  // The frame must fit the screen, or moving the cursor up would not reach its top.
  std::size_t room = height > 2 ? height - 2 : 1;
  std::size_t shown = rows_.size() <= room ? rows_.size() : room - 1;
  for (std::size_t i = 0; i < shown; ++i)
    lines.push_back(line(rows_[i], width));
  if (shown < rows_.size())
    lines.push_back(fit_width("… and " + std::to_string(rows_.size() - shown) + " more", width));
  return lines;
}

std::string watch_model::json_line(const task_row& row) {
  json::object o;
  o["Id"] = row.id;
  o["State"] = row.state;
  if (row.progress)
    o["Progress"] = *row.progress;
  if (!row.last_event.empty())
    o["Event"] = row.last_event;
  return net::json_text(o);
}

} // namespace herald::ctl
