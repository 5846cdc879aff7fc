#include "actors/task_record.hpp"

#include "actors/task_time_key.hpp"
#include "net/json_text.hpp"
#include "net/text.hpp"

#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace herald::actors {

namespace {

namespace chrono = std::chrono;

constexpr std::int64_t ns_per_tick = 100;
constexpr std::int64_t ticks_per_second = 10'000'000;
constexpr std::int64_t ticks_per_day = 86'400 * ticks_per_second;
constexpr std::int64_t ns_per_day = ticks_per_day * ns_per_tick;

constexpr std::array<std::string_view, 5> state_names = {"NotStarted", "Running", "Completed",
                                                         "Failed", "Aborted"};

using herald::net::iequals;

/// Writes `value` as exactly `width` decimal digits at `at` (value >= 0 and fits); returns the
/// position after them.
char* put_digits(char* at, std::int64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    at[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return at + width;
}

/// Reads exactly `width` ASCII digits at `pos`, or -1.
int read_digits(std::string_view s, std::size_t pos, std::size_t width) noexcept {
  if (pos + width > s.size())
    return -1;
  int value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    value = value * 10 + (s[i] - '0');
  }
  return value;
}

constexpr detail::time_key sentinel_key() noexcept {
  // .NET's DateTime.MaxValue, which Pode writes for "no timeout": the last tick of 9999.
  return {chrono::sys_days{chrono::year{9999} / 12 / 31}.time_since_epoch().count(),
          ticks_per_day - 1};
}

} // namespace

namespace detail {

std::optional<time_key> parse_time_key(std::string_view text) noexcept {
  // yyyy-MM-ddTHH:mm:ss is 19 characters; then an optional fraction, then Z.
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text.back() != 'Z')
    return std::nullopt;
  int y = read_digits(text, 0, 4);
  int mo = read_digits(text, 5, 2);
  int d = read_digits(text, 8, 2);
  int h = read_digits(text, 11, 2);
  int mi = read_digits(text, 14, 2);
  int s = read_digits(text, 17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0 || h > 23 || mi > 59 || s > 59)
    return std::nullopt;
  std::int64_t fraction = 0;
  auto rest = text.substr(19, text.size() - 20); // between the seconds and the Z
  if (!rest.empty()) {
    if (rest.front() != '.' || rest.size() < 2 || rest.size() > 8)
      return std::nullopt;
    auto digits = rest.substr(1);
    int value = read_digits(digits, 0, digits.size());
    if (value < 0)
      return std::nullopt;
    fraction = value;
    for (auto n = digits.size(); n < 7; ++n)
      fraction *= 10;
  }
  chrono::year_month_day date{chrono::year{y}, chrono::month{static_cast<unsigned>(mo)},
                              chrono::day{static_cast<unsigned>(d)}};
  if (!date.ok())
    return std::nullopt;
  return time_key{chrono::sys_days{date}.time_since_epoch().count(),
                  ((h * 60 + mi) * 60 + s) * ticks_per_second + fraction};
}

time_key time_key_of(task_time t) noexcept {
  if (t == no_expiry())
    return sentinel_key();
  // Straight from the count: chrono::floor<days> of times near the clock's ends would
  // overflow when converted back to nanoseconds.
  auto ns = t.time_since_epoch().count();
  auto days = ns / ns_per_day;
  auto rest = ns % ns_per_day;
  if (rest < 0) {
    rest += ns_per_day;
    --days;
  }
  return {days, rest / ns_per_tick};
}

} // namespace detail

std::string_view to_string(task_state s) noexcept {
  auto i = static_cast<std::size_t>(s);
  return i < state_names.size() ? state_names[i] : std::string_view{"Unknown"};
}

std::optional<task_state> parse_task_state(std::string_view name) noexcept {
  for (std::size_t i = 0; i < state_names.size(); ++i)
    if (iequals(name, state_names[i]))
      return static_cast<task_state>(i);
  return std::nullopt;
}

bool is_terminal(task_state s) noexcept {
  return s == task_state::completed || s == task_state::failed || s == task_state::aborted;
}

// The clock's largest value stands for "never": real times end in 2262, and a sentinel keeps
// ordering right (it is later than every real time).
task_time no_expiry() noexcept {
  return task_time::max();
}

void append_time(std::string& out, task_time t) {
  auto key = detail::time_key_of(t);
  chrono::year_month_day date{chrono::sys_days{chrono::days{key.days}}};
  auto seconds = key.ticks / ticks_per_second;
  // Written in place, then appended once: every task object carries two to four of these.
  std::array<char, 28> text{};
  char* at = put_digits(text.data(), static_cast<int>(date.year()), 4);
  *at++ = '-';
  at = put_digits(at, static_cast<unsigned>(date.month()), 2);
  *at++ = '-';
  at = put_digits(at, static_cast<unsigned>(date.day()), 2);
  *at++ = 'T';
  at = put_digits(at, seconds / 3600, 2);
  *at++ = ':';
  at = put_digits(at, seconds / 60 % 60, 2);
  *at++ = ':';
  at = put_digits(at, seconds % 60, 2);
  *at++ = '.';
  at = put_digits(at, key.ticks % ticks_per_second, 7);
  *at++ = 'Z';
  out.append(text.data(), static_cast<std::size_t>(at - text.data()));
}

std::string format_time(task_time t) {
  std::string out;
  out.reserve(28);
  append_time(out, t);
  return out;
}

std::optional<task_time> parse_time(std::string_view text) noexcept {
  auto key = detail::parse_time_key(text);
  if (!key)
    return std::nullopt;
  if (*key == sentinel_key())
    return no_expiry();
  // Anything else must fit the clock; the sentinel's own value (the clock's maximum) is not a
  // multiple of 100 ns, so no parsed time collides with it.
  std::int64_t day_ns = 0;
  std::int64_t ns = 0;
  if (__builtin_mul_overflow(key->days, ns_per_day, &day_ns) ||
      __builtin_add_overflow(day_ns, key->ticks * ns_per_tick, &ns)) {
    // The first day of the clock's range starts before its minimum: count from the next day.
    if (__builtin_mul_overflow(key->days + 1, ns_per_day, &day_ns) ||
        __builtin_add_overflow(day_ns, key->ticks * ns_per_tick - ns_per_day, &ns))
      return std::nullopt;
  }
  return task_time{task_clock::duration{ns}};
}

std::size_t json_bytes(const boost::json::value& v) {
  // Boost.JSON: a string keeps up to 14 characters inline; beyond, a block with a size and
  // capacity header. Arrays and objects keep one table (size, capacity, elements); an object's
  // element is a key_value_pair with its key in a block of its own, plus an index slot.
  constexpr std::size_t inline_chars = 14;
  constexpr std::size_t table_header = 16;
  constexpr std::size_t index_slot = sizeof(std::uint32_t);
  auto string_bytes = [](std::size_t capacity) -> std::size_t {
    return capacity > inline_chars ? table_header + capacity + 1 : 0;
  };
  std::size_t total = 0;
  std::vector<const boost::json::value*> pending{&v};
  while (!pending.empty()) {
    const auto* x = pending.back();
    pending.pop_back();
    if (const auto* s = x->if_string()) {
      total += string_bytes(s->capacity());
    } else if (const auto* a = x->if_array()) {
      if (a->capacity() != 0)
        total += table_header + a->capacity() * sizeof(boost::json::value);
      for (const auto& item : *a)
        pending.push_back(&item);
    } else if (const auto* o = x->if_object()) {
      if (o->capacity() != 0)
        total += table_header + o->capacity() * (sizeof(boost::json::key_value_pair) + index_slot);
      for (const auto& kv : *o) {
        total += kv.key().size() + 1;
        pending.push_back(&kv.value());
      }
    }
  }
  return total;
}

std::size_t record_bytes(const task_record& r) {
  // Characters beyond what a std::string keeps inline (15) are a heap block of their own.
  auto text = [](const std::string& s) -> std::size_t {
    return s.size() > 15 ? s.capacity() + 1 : 0;
  };
  std::size_t total = text(r.id) + text(r.route_id) + text(r.method) + text(r.url);
  if (r.result)
    total += json_bytes(*r.result);
  if (r.error)
    total += text(*r.error);
  if (r.user)
    total += text(*r.user);
  if (r.permission && r.permission.use_count() == 1) {
    // Shared by the tasks of one invoker when the route makes them so; counted once here
    // when it is this task's own.
    for (const auto* rule : {&r.permission->read, &r.permission->write})
      for (const auto* list : {&rule->users, &rule->groups, &rule->roles, &rule->scopes})
        for (const auto& name : *list)
          total += sizeof(std::string) + text(name);
  }
  if (r.sse)
    total += text(r.sse->name) + text(r.sse->group) + text(r.sse->url);
  if (r.callback)
    total += sizeof(callback_info) + text(r.callback->url) + text(r.callback->state) +
             text(r.callback->error);
  if (r.pending_callback && r.pending_callback.use_count() == 1)
    total += sizeof(callback_target) + text(r.pending_callback->url);
  return total;
}

bool may_read(const task_record& r, const net::identity* caller) noexcept {
  return !r.permission || (caller && net::allows(r.permission->read, *caller));
}

bool may_write(const task_record& r, const net::identity* caller) noexcept {
  return !r.permission || (caller && net::allows(r.permission->write, *caller));
}

boost::json::object to_json(const net::access_rule& rule) {
  auto list = [](const std::vector<std::string>& names) {
    boost::json::array out;
    for (const auto& n : names)
      out.emplace_back(n);
    return out;
  };
  return {{"Users", list(rule.users)},
          {"Groups", list(rule.groups)},
          {"Roles", list(rule.roles)},
          {"Scopes", list(rule.scopes)}};
}

boost::json::value progress_value(double progress) {
  auto rounded = std::round(progress * 100) / 100;
  // Whole values go out as integers: `100`, not `1E2`.
  if (rounded == std::trunc(rounded) && std::abs(rounded) < 1e15)
    return static_cast<std::int64_t>(rounded);
  return rounded;
}

namespace {

// Which optional members the task object shows: one answer for both writers below. Result and
// Error follow the state, so the object never contradicts itself.
bool shows_progress(const task_record& r) noexcept {
  return r.progress && std::isfinite(*r.progress);
}

bool shows_result(const task_record& r) noexcept {
  return r.result && r.state == task_state::completed;
}

bool shows_error(const task_record& r) noexcept {
  return r.error && (r.state == task_state::failed || r.state == task_state::aborted);
}

bool shows_queue_position(const task_record& r) noexcept {
  return r.queue_position && r.state == task_state::not_started;
}

} // namespace

boost::json::object to_json(const task_record& r) {
  boost::json::object o;
  o["Id"] = r.id;
  o["AsyncRouteId"] = r.route_id;
  o["State"] = to_string(r.state);
  o["IsCompleted"] = is_terminal(r.state);
  o["Cancellable"] = r.cancellable;
  o["CreationTime"] = format_time(r.creation);
  o["ExpireTime"] = format_time(r.expire);
  if (r.starting)
    o["StartingTime"] = format_time(*r.starting);
  if (r.completed)
    o["CompletedTime"] = format_time(*r.completed);
  if (shows_progress(r))
    o["Progress"] = progress_value(*r.progress);
  if (shows_result(r))
    o["Result"] = *r.result;
  if (shows_error(r))
    o["Error"] = *r.error;
  if (r.user)
    o["User"] = *r.user;
  if (r.permission)
    o["Permission"] = {{"Read", to_json(r.permission->read)},
                       {"Write", to_json(r.permission->write)}};
  if (r.sse)
    o["Sse"] = {{"Name", r.sse->name}, {"Group", r.sse->group}, {"Url", r.sse->url}};
  if (r.callback) {
    boost::json::object info{{"Url", r.callback->url},
                             {"Tentative", r.callback->tentative},
                             {"State", r.callback->state}};
    if (!r.callback->error.empty())
      info["Error"] = r.callback->error;
    o["CallbackInfo"] = std::move(info);
  }
  if (shows_queue_position(r))
    o["QueuePosition"] = *r.queue_position;
  return o;
}

namespace {

/// `"Name":` — the key of a member (the names are plain ASCII).
void put_key(std::string& out, std::string_view name) {
  out += '"';
  out += name;
  out += "\":";
}

void put_rule(std::string& out, const net::access_rule& rule) {
  auto list = [&out](std::string_view name, const std::vector<std::string>& names) {
    put_key(out, name);
    out += '[';
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (i != 0)
        out += ',';
      net::append_json_string(out, names[i]);
    }
    out += ']';
  };
  out += '{';
  list("Users", rule.users);
  out += ',';
  list("Groups", rule.groups);
  out += ',';
  list("Roles", rule.roles);
  out += ',';
  list("Scopes", rule.scopes);
  out += '}';
}

void put_time(std::string& out, std::string_view name, task_time t) {
  out += ',';
  put_key(out, name);
  out += '"';
  append_time(out, t);
  out += '"';
}

void put_text(std::string& out, std::string_view name, std::string_view text) {
  put_key(out, name);
  net::append_json_string(out, text);
}

} // namespace

// Member for member what to_json builds, in the same order and under the same conditions (the
// shows_* above): a test compares the two over records of every shape.
void append_task_json(std::string& out, const task_record& r) {
  out += '{';
  put_text(out, "Id", r.id);
  out += ',';
  put_text(out, "AsyncRouteId", r.route_id);
  out += ',';
  put_text(out, "State", to_string(r.state));
  out += ',';
  put_key(out, "IsCompleted");
  out += is_terminal(r.state) ? "true" : "false";
  out += ',';
  put_key(out, "Cancellable");
  out += r.cancellable ? "true" : "false";
  put_time(out, "CreationTime", r.creation);
  put_time(out, "ExpireTime", r.expire);
  if (r.starting)
    put_time(out, "StartingTime", *r.starting);
  if (r.completed)
    put_time(out, "CompletedTime", *r.completed);
  if (shows_progress(r)) {
    out += ',';
    put_key(out, "Progress");
    net::append_json_text(out, progress_value(*r.progress));
  }
  if (shows_result(r)) {
    out += ',';
    put_key(out, "Result");
    net::append_json_text(out, *r.result);
  }
  if (shows_error(r)) {
    out += ',';
    put_text(out, "Error", *r.error);
  }
  if (r.user) {
    out += ',';
    put_text(out, "User", *r.user);
  }
  if (r.permission) {
    out += ',';
    put_key(out, "Permission");
    out += '{';
    put_key(out, "Read");
    put_rule(out, r.permission->read);
    out += ',';
    put_key(out, "Write");
    put_rule(out, r.permission->write);
    out += '}';
  }
  if (r.sse) {
    out += ',';
    put_key(out, "Sse");
    out += '{';
    put_text(out, "Name", r.sse->name);
    out += ',';
    put_text(out, "Group", r.sse->group);
    out += ',';
    put_text(out, "Url", r.sse->url);
    out += '}';
  }
  if (r.callback) {
    out += ',';
    put_key(out, "CallbackInfo");
    out += '{';
    put_text(out, "Url", r.callback->url);
    out += ',';
    put_key(out, "Tentative");
    out += std::to_string(r.callback->tentative);
    out += ',';
    put_text(out, "State", r.callback->state);
    if (!r.callback->error.empty()) {
      out += ',';
      put_text(out, "Error", r.callback->error);
    }
    out += '}';
  }
  if (shows_queue_position(r)) {
    out += ',';
    put_key(out, "QueuePosition");
    out += std::to_string(*r.queue_position);
  }
  out += '}';
}

} // namespace herald::actors
