#include "actors/task_stream.hpp"

#include "net/json_text.hpp"
#include "net/sse_frame.hpp"
#include "net/text.hpp"

#include <boost/json/object.hpp>
#include <charconv>

namespace herald::actors {

namespace {

std::optional<std::uint64_t> read_number(std::string_view text) noexcept {
  if (text.empty() || text.size() > 20)
    return std::nullopt;
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size())
    return std::nullopt;
  return n;
}

/// Custom events of type `message` go out without `event:`: the client's default.
std::string_view wire_type(const task_stream_event& ev) noexcept {
  switch (ev.kind) {
  case task_stream_kind::progress:
    return "pode.progress";
  case task_stream_kind::completed:
    return "pode.taskCompleted";
  case task_stream_kind::custom:
    break;
  }
  return ev.type == "message" ? std::string_view{} : std::string_view{ev.type};
}

} // namespace

std::string_view event_name(const task_stream_event& ev) noexcept {
  if (ev.kind == task_stream_kind::custom && ev.type.empty())
    return "message";
  auto t = wire_type(ev);
  return t.empty() ? std::string_view{"message"} : t;
}

std::string format_event_id(sse_position p) {
  std::string out;
  net::append_decimal(out, p.epoch);
  out += '.';
  net::append_decimal(out, p.seq);
  return out;
}

std::optional<sse_position> parse_event_id(std::string_view text) noexcept {
  auto dot = text.find('.');
  if (dot == std::string_view::npos)
    return std::nullopt;
  auto epoch = read_number(text.substr(0, dot));
  auto seq = read_number(text.substr(dot + 1));
  if (!epoch || !seq)
    return std::nullopt;
  return sse_position{*epoch, *seq};
}

std::string event_data_text(const boost::json::value& data) {
  if (const auto* s = data.if_string())
    return std::string{s->data(), s->size()};
  return net::json_text(data);
}

void append_task_event(std::string& out, const task_stream_event& ev, std::string_view task_id,
                       stream_form form, std::string_view id) {
  std::string data;
  if (form == stream_form::task || ev.kind == task_stream_kind::completed) {
    data = ev.kind == task_stream_kind::custom ? event_data_text(ev.data) : net::json_text(ev.data);
  } else {
    boost::json::object wrapped;
    wrapped["Id"] = task_id;
    wrapped[ev.kind == task_stream_kind::progress ? "Progress" : "Data"] = ev.data;
    data = net::json_text(wrapped);
  }
  // The type was checked when the body sent it; a frame is never refused here.
  net::append_sse_event(out, net::sse_event{wire_type(ev), data, id});
}

void append_close_event(std::string& out, std::string_view id) {
  net::append_sse_event(out, net::sse_event{"pode.close", "", id});
}

void append_open_event(std::string& out, std::string_view client_id, std::string_view group,
                       std::string_view name, std::string_view task_id) {
  boost::json::object data;
  data["clientId"] = client_id;
  data["group"] = group;
  data["name"] = name;
  if (!task_id.empty())
    data["asyncRouteTaskId"] = task_id;
  net::append_sse_event(out, net::sse_event{"pode.open", net::json_text(data), ""});
}

boost::json::object completion_data(std::string_view task_id, std::string_view state,
                                    const std::optional<boost::json::value>& result,
                                    const std::optional<std::string>& error) {
  boost::json::object o;
  o["Id"] = task_id;
  o["State"] = state;
  if (result)
    o["Result"] = *result;
  if (error)
    o["Error"] = *error;
  return o;
}

} // namespace herald::actors
