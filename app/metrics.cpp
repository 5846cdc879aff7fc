#include "app/metrics.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <span>

namespace herald::app {

namespace json = boost::json;

namespace {

double as_number(const json::value& v) {
  return v.is_number() ? v.to_number<double>() : 0;
}

/// A number of a snapshot object; 0 when absent or not a number (a field an older or
/// stopping actor did not give must not break the scrape).
double number(const json::value& obj, std::string_view key) {
  const auto* o = obj.if_object();
  if (!o)
    return 0;
  auto it = o->find(key);
  return it == o->end() ? 0 : as_number(it->value());
}

std::string_view text(const json::value& obj, std::string_view key) {
  const auto* o = obj.if_object();
  if (!o)
    return {};
  auto it = o->find(key);
  if (it == o->end() || !it->value().is_string())
    return {};
  return it->value().get_string();
}

/// Member `key` of an object; null when absent.
const json::value& member(const json::value& obj, std::string_view key) {
  static const json::value none;
  const auto* o = obj.if_object();
  if (!o)
    return none;
  const auto* v = o->if_contains(key);
  return v ? *v : none;
}

/// A histogram as the registry writes it (`{Bounds, Cumulative, Count, Sum}`).
net::histogram_snapshot histogram_of(const json::value& v) {
  net::histogram_snapshot h;
  const auto* o = v.if_object();
  if (!o)
    return h;
  if (const auto* b = o->if_contains("Bounds"); b && b->is_array())
    for (const auto& x : b->get_array())
      h.bounds.push_back(x.to_number<double>());
  if (const auto* c = o->if_contains("Cumulative"); c && c->is_array())
    for (const auto& x : c->get_array())
      h.cumulative.push_back(x.to_number<std::uint64_t>());
  h.cumulative.resize(h.bounds.size());
  h.count = static_cast<std::uint64_t>(number(v, "Count"));
  h.sum = number(v, "Sum");
  return h;
}

/// A family whose samples are one field of each snapshot of a list, labelled by the snapshot.
struct field_family {
  std::string_view name;
  std::string_view type;
  std::string_view help;
  std::string_view field;
};

/// Writes each family of `families` with one sample per object of `list`, labelled
/// `label` = its `key` field.
template <class List, std::size_t N>
void field_series(net::prometheus_text& out, const field_family (&families)[N], const List& list,
                  std::string_view label, std::string_view key) {
  for (const auto& f : families) {
    out.family(f.name, f.type, f.help);
    for (const auto& x : list)
      if (x.is_object())
        out.sample(f.name, {{label, text(x, key)}}, number(x, f.field));
  }
}

void node_series(net::prometheus_text& out, const node_counters& n) {
  out.family("herald_uptime_seconds", "gauge", "Seconds since the node started.");
  out.sample("herald_uptime_seconds", {}, n.uptime_seconds);
  out.family("herald_actors", "gauge", "Actors running in the node's actor system.");
  out.sample("herald_actors", {}, static_cast<double>(n.actors_running));
  out.family("herald_connections", "gauge", "Open connections of the public listener.");
  out.sample("herald_connections", {}, static_cast<double>(n.open_connections));
  out.family("herald_connections_accepted_total", "counter",
             "Connections accepted by the public listener.");
  out.sample("herald_connections_accepted_total", {}, static_cast<double>(n.accepted));
  out.family("herald_connections_refused_total", "counter",
             "Connections refused: 503 past max_connections, 429 past max_connections_per_ip.");
  out.sample("herald_connections_refused_total", {}, static_cast<double>(n.refused));
  out.family("herald_http_rate_limited_total", "counter",
             "Requests answered 429 because their address passed "
             "limits.requests_per_second_per_ip.");
  out.sample("herald_http_rate_limited_total", {}, static_cast<double>(n.rate_limited));
  out.family("herald_http_responses_total", "counter",
             "Responses of the public listener by status class (event streams count once).");
  static constexpr std::array<std::string_view, 5> classes{"1xx", "2xx", "3xx", "4xx", "5xx"};
  for (std::size_t i = 0; i < classes.size(); ++i)
    out.sample("herald_http_responses_total", {{"code", classes[i]}},
               static_cast<double>(n.responses[i]));
}

/// Per-group series for the busiest groups the directory picked (`Top`), then totals over
/// every group: the text stays bounded however many groups live.
void group_series(net::prometheus_text& out, const json::value& groups, const metrics_input& in) {
  const json::array empty;
  const auto& top = member(groups, "Top");
  const auto& list = top.is_array() ? top.get_array() : empty;
  const auto& totals = member(groups, "Totals");
  // A directory that did not answer leaves the figures out rather than report zeros.
  const bool known = groups.is_object();
  auto count = [&](std::string_view name, double value) {
    if (known)
      out.sample(name, {}, value);
  };
  out.family("herald_sse_groups", "gauge", "Live SSE groups.");
  count("herald_sse_groups", number(groups, "Groups"));
  out.family("herald_sse_open_groups", "gauge",
             "Live SSE groups that no route declared (bounded by sse.max_groups).");
  count("herald_sse_open_groups", number(groups, "OpenGroups"));
  out.family("herald_sse_max_groups", "gauge", "sse.max_groups.");
  count("herald_sse_max_groups", number(groups, "MaxGroups"));
  out.family("herald_sse_groups_refused_total", "counter",
             "New groups refused with 503 because sse.max_groups groups lived.");
  count("herald_sse_groups_refused_total", number(groups, "Refused"));
  out.family("herald_sse_groups_shown", "gauge",
             "Groups with per-group series here (the busiest, at most admin.metrics_top_groups).");
  count("herald_sse_groups_shown", static_cast<double>(list.size()));
  static constexpr field_family node_families[] = {
      {"herald_sse_all_subscribers", "gauge", "Streams subscribed to any group.", "Subscribers"},
      {"herald_sse_all_events_published_total", "counter",
       "Events numbered by every group since the node started.", "Published"},
      {"herald_sse_all_events_delivered_total", "counter",
       "Event deliveries handed to streams by every group since the node started.", "Delivered"},
      {"herald_sse_all_events_dropped_total", "counter",
       "Event deliveries not made because a stream fell behind, all groups.", "Dropped"},
      {"herald_sse_all_slow_disconnects_total", "counter",
       "Streams disconnected for falling more than sse.max_lag_bytes behind, all groups.",
       "SlowDisconnects"},
      {"herald_sse_all_waiting_publications", "gauge",
       "Publications held back while slow subscribers catch up, all groups.", "Waiting"},
      {"herald_sse_all_ring_events", "gauge", "Events in every group's replay ring.", "RingEvents"},
      {"herald_sse_all_ring_bytes", "gauge", "Bytes of every group's replay ring.", "RingBytes"},
  };
  for (const auto& f : node_families) {
    out.family(f.name, f.type, f.help);
    count(f.name, number(totals, f.field));
  }
  static constexpr field_family families[] = {
      {"herald_sse_subscribers", "gauge", "Streams subscribed to the group.", "Subscribers"},
      {"herald_sse_events_published_total", "counter",
       "Events the group numbered since it started (task events and hub publications).",
       "Published"},
      {"herald_sse_events_delivered_total", "counter",
       "Event deliveries handed to the group's streams since it started.", "Delivered"},
      {"herald_sse_events_dropped_total", "counter",
       "Event deliveries not made because the stream was disconnected for falling behind.",
       "Dropped"},
      {"herald_sse_slow_disconnects_total", "counter",
       "Streams disconnected for falling more than sse.max_lag_bytes behind.", "SlowDisconnects"},
      {"herald_sse_waiting_publications", "gauge",
       "Publications held back while a slow subscriber catches up.", "Waiting"},
  };
  field_series(out, families, list, "group", "Name");
  out.family("herald_sse_ring_events", "gauge", "Events in the group's replay ring.");
  for (const auto& g : list)
    out.sample("herald_sse_ring_events", {{"group", text(g, "Name")}},
               number(member(g, "Ring"), "Events"));
  out.family("herald_sse_ring_bytes", "gauge", "Bytes of the group's replay ring.");
  for (const auto& g : list)
    out.sample("herald_sse_ring_bytes", {{"group", text(g, "Name")}},
               number(member(g, "Ring"), "Bytes"));
  out.family("herald_sse_publish_backlog", "gauge",
             "Hub publications sent to groups and not yet handled.");
  out.sample("herald_sse_publish_backlog", {}, static_cast<double>(in.publish_backlog));
  out.family("herald_sse_publish_to_write_seconds", "histogram",
             "From an event's publication until its batch was handed to every subscribed "
             "socket.");
  out.histogram("herald_sse_publish_to_write_seconds", {}, in.publish_latency);
}

void route_series(net::prometheus_text& out, const metrics_input& in) {
  static constexpr field_family families[] = {
      {"herald_route_running_tasks", "gauge", "Tasks of the route running now.", "Running"},
      {"herald_route_queue_depth", "gauge", "Tasks of the route waiting for a slot.", "Queued"},
      {"herald_route_max_concurrent", "gauge", "The route's max_concurrent.", "MaxConcurrent"},
      {"herald_route_max_queued", "gauge", "The route's max_queued.", "MaxQueued"},
      {"herald_route_admitted_total", "counter", "Tasks the route admitted since start.",
       "Admitted"},
      {"herald_route_refused_total", "counter",
       "Invocations refused with 429 because the route's queue was full.", "Refused"},
      {"herald_tasks_held_bytes", "gauge", "Bytes held for the route's tasks.", "HeldBytes"},
  };
  field_series(out, families, in.routes, "route", "Id");
  // Every declared route has its series, zeros included, so that rates work from the start.
  std::vector<std::string_view> ids;
  for (const auto& r : in.routes)
    if (auto id = text(r, "Id"); !id.empty())
      ids.push_back(id);
  static constexpr std::array<std::string_view, 5> states{"NotStarted", "Running", "Completed",
                                                          "Failed", "Aborted"};
  out.family("herald_tasks", "gauge", "Tasks the registry holds, by route and state.");
  for (auto id : ids)
    for (auto state : states)
      out.sample("herald_tasks", {{"route", id}, {"state", state}},
                 number(member(member(in.registry, id), "States"), state));
  out.family("herald_tasks_finished_total", "counter",
             "Tasks that reached a terminal state since start, by route and state.");
  for (auto id : ids)
    for (auto state : std::span{states}.subspan(2))
      out.sample("herald_tasks_finished_total", {{"route", id}, {"state", state}},
                 number(member(member(in.registry, id), "Outcomes"), state));
  out.family("herald_task_duration_seconds", "histogram",
             "From StartingTime to CompletedTime of the tasks that started, by route.");
  for (auto id : ids) {
    auto h = histogram_of(member(member(in.registry, id), "Durations"));
    if (h.bounds.empty()) // no task of the route has finished yet: empty buckets
      h = net::histogram{}.snapshot();
    out.histogram("herald_task_duration_seconds", {{"route", id}}, h);
  }
}

/// The durable store's series, only when there is one.
void store_series(net::prometheus_text& out, const json::value& st) {
  if (text(st, "Kind") != "sqlite")
    return;
  out.family("herald_store_failing", "gauge",
             "1 while the task store cannot write (the node serves from memory).");
  const auto* failing = member(st, "Failing").if_bool();
  out.sample("herald_store_failing", {}, failing && *failing ? 1 : 0);
  out.family("herald_store_batches_total", "counter", "Transactions the task store committed.");
  out.sample("herald_store_batches_total", {}, number(st, "Batches"));
  out.family("herald_store_writes_total", "counter", "Task changes the task store wrote.");
  out.sample("herald_store_writes_total", {}, number(st, "Writes"));
  out.family("herald_store_errors_total", "counter", "Task store batches that failed.");
  out.sample("herald_store_errors_total", {}, number(st, "Errors"));
  out.family("herald_store_file_bytes", "gauge", "The task store's file with its log, in bytes.");
  out.sample("herald_store_file_bytes", {}, number(st, "FileBytes"));
}

void callback_series(net::prometheus_text& out, const json::value& cb) {
  out.family("herald_callbacks_pending", "gauge",
             "Completion callbacks not yet delivered, failed or refused.");
  out.sample("herald_callbacks_pending", {}, number(cb, "Pending"));
  out.family("herald_callbacks_in_flight", "gauge", "Callback requests under way.");
  out.sample("herald_callbacks_in_flight", {}, number(cb, "InFlight"));
  out.family("herald_callbacks_waiting", "gauge", "Callbacks waiting out a backoff to retry.");
  out.sample("herald_callbacks_waiting", {}, number(cb, "Waiting"));
  out.family("herald_callbacks_total", "counter",
             "Callbacks that ended since start, by outcome: delivered (a 2xx answer), failed "
             "(out of attempts, 410, a redirect) or refused (off callbacks.allow).");
  for (auto [outcome, field] : {std::pair{"delivered", "Delivered"}, std::pair{"failed", "Failed"},
                                std::pair{"refused", "Refused"}})
    out.sample("herald_callbacks_total", {{"outcome", outcome}}, number(cb, field));
  out.family("herald_callback_attempts_total", "counter", "Callback requests made since start.");
  out.sample("herald_callback_attempts_total", {}, number(cb, "Attempts"));
}

} // namespace

std::string render_metrics(const metrics_input& in) {
  net::prometheus_text out;
  node_series(out, in.node);
  group_series(out, in.groups, in);
  route_series(out, in);
  callback_series(out, in.callbacks);
  store_series(out, in.store);
  return out.take();
}

} // namespace herald::app
