#include "app/sse_api.hpp"

#include "actors/connection.hpp"
#include "actors/sse_messages.hpp"
#include "actors/task_stream.hpp"
#include "app/ids.hpp"
#include "app/keys.hpp"
#include "app/responses.hpp"
#include "app/sse_errors.hpp"
#include "app/task_errors.hpp"
#include "net/negotiate.hpp"
#include "net/responses.hpp"
#include "net/sse_frame.hpp"
#include "net/text.hpp"
#include "net/utf8.hpp"

#include <boost/json/parse.hpp>
#include <caf/send.hpp>
#include <stdexcept>

namespace herald::app {

namespace json = boost::json;

namespace {

/// What a stream request asks for.
struct stream_target {
  std::string group;
  std::string name;     ///< `X-Pode-Sse-Name` and `pode.open`'s `name`
  std::string task_id;  ///< a per-task stream when set
  std::string route_id; ///< the route such a task must belong to
};

/// Where a resuming client left off: `Last-Event-ID`, else `?lastEventId=`. An id that does
/// not parse is treated as none (the client starts afresh).
std::optional<actors::sse_position> resume_point(const net::request_context& rq) {
  auto header = rq.header("Last-Event-ID");
  if (!header.empty())
    return actors::parse_event_id(net::trim(header));
  if (auto q = rq.query("lastEventId"))
    return actors::parse_event_id(*q);
  return std::nullopt;
}

net::stream_head stream_head_for(const sse_settings& cfg, const stream_target& t,
                                 std::string_view client_id, std::string replay) {
  net::stream_head h;
  h.head = net::response{net::status::ok, 11};
  h.head.set(net::http::field::content_type, "text/event-stream; charset=utf-8");
  h.head.set(net::http::field::cache_control, "no-cache, no-store, no-transform");
  h.head.set("X-Accel-Buffering", "no");
  h.head.set("X-Pode-Sse-Client-Id", client_id);
  h.head.set("X-Pode-Sse-Name", t.name);
  h.head.set("X-Pode-Sse-Group", t.group);
  h.preface = net::sse_retry(cfg.retry);
  actors::append_open_event(h.preface, client_id, t.group, t.name, t.task_id);
  h.preface += replay;
  // At shutdown: browsers following Pode's client pattern close on `pode.close`. It carries
  // no id, so a client that reconnects anyway resumes from the last real event.
  static const net::shared_bytes farewell = [] {
    std::string close;
    actors::append_close_event(close, "");
    return std::make_shared<const std::string>(std::move(close));
  }();
  static const net::shared_bytes ping =
      std::make_shared<const std::string>(net::sse_comment("ping"));
  h.farewell = farewell;
  h.heartbeat = ping;
  h.heartbeat_interval = cfg.heartbeat;
  h.lifetime = cfg.stream_lifetime;
  return h;
}

/// 503 for a new group past `sse.max_groups`. Room comes back when idle groups stop, at the
/// latest one idle period after their last use: that is the `Retry-After`.
net::response no_room_response(std::chrono::milliseconds group_idle) {
  auto out = error_response(sse_api_error::too_many_groups);
  auto seconds = (group_idle.count() + 999) / 1000;
  out.set(net::http::field::retry_after, std::to_string(std::max<std::int64_t>(1, seconds)));
  return out;
}

/// The 400 for a group name that cannot be one.
net::response invalid_group_name() {
  return error_body(net::http_error::invalid_name, {},
                    "The group name must be 1 to 256 bytes of UTF-8 without control characters");
}

/// Subscribes the connection carrying `res` to `t`; the group answers by opening the stream,
/// or the request is answered 404 (no such task) or 204 (a finished task's stream was seen
/// to its end: browsers stop reconnecting).
void open_stream(const sse_context& ctx, const net::request_context& rq, net::responder res,
                 stream_target t) {
  if (!net::accepts_event_stream(rq.header("Accept"))) {
    res(error_response(sse_api_error::not_event_stream));
    return;
  }
  const auto* connection = actors::connection_of(res.connection().get());
  if (!connection || !connection->actor() || !res.can_stream())
    throw std::logic_error("this connection cannot carry an event stream");
  actors::sse_subscription sub;
  sub.subscriber = connection->actor();
  sub.session = connection->session();
  sub.task_id = t.task_id;
  sub.route_id = t.route_id;
  sub.last = resume_point(rq);
  auto shared = std::make_shared<net::responder>(std::move(res));
  auto client_id = random_client_id();
  sub.accept = [shared, cfg = ctx.cfg, t, client_id](actors::sse_acceptance a) {
    shared->open_stream(stream_head_for(cfg, t, client_id, std::move(a.replay)));
  };
  sub.refuse = [shared, id = t.task_id,
                retry = ctx.cfg.groups.idle_timeout](actors::sse_refusal why) {
    if (why == actors::sse_refusal::finished)
      (*shared)(net::response{net::status::no_content, 11});
    else if (why == actors::sse_refusal::no_room)
      (*shared)(no_room_response(retry));
    else
      (*shared)(error_body(answer_of(task_api_error::not_found), id));
  };
  auto group = t.group;
  caf::anon_send(ctx.directory, actors::sse_subscribe_atom::value, std::move(group),
                 std::move(sub));
}

/// Takes one more publication unless the backlog is at its bound.
bool reserve(const sse_context& ctx) {
  auto& backlog = *ctx.backlog;
  if (backlog.fetch_add(1, std::memory_order_relaxed) >=
      static_cast<std::int64_t>(ctx.cfg.publish_backlog)) {
    backlog.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  return true;
}

void handle_publish(const std::shared_ptr<const sse_context>& ctx, const net::request_context& rq,
                    net::responder res) {
  if (ctx->cfg.publisher_key.empty()) {
    res(error_response(sse_api_error::publishing_disabled));
    return;
  }
  if (!same_key(presented_key(rq), ctx->cfg.publisher_key)) {
    auto out = net::error_response(net::http_error::unauthorized);
    out.set(net::http::field::www_authenticate, "Bearer realm=\"herald\"");
    res(std::move(out));
    return;
  }
  std::string group{rq.param("group")};
  if (!valid_group_name(group)) {
    res(invalid_group_name());
    return;
  }
  boost::system::error_code ec;
  auto body = json::parse(rq.body(), ec);
  if (ec) {
    res(invalid_json(ec));
    return;
  }
  const auto* obj = body.if_object();
  auto bad = [&](std::string_view why) {
    res(error_body(answer_of(sse_api_error::invalid_event), {}, why));
  };
  if (!obj)
    return bad(R"(The body must be an object: {"event": "...", "data": ..., "id": "..."})");
  for (const auto& [name, value] : *obj)
    if (name != "event" && name != "data" && name != "id")
      return bad("Unknown field '" + std::string{name} + "' (allowed: event, data, id)");
  actors::sse_publication pub;
  if (const auto* e = obj->if_contains("event")) {
    if (!e->is_string())
      return bad("event must be a string");
    pub.event = std::string{e->get_string()};
    if (!net::valid_name(pub.event) || pub.event.size() > 256)
      return bad("event must be at most 256 bytes of UTF-8 without control characters");
  }
  const auto* data = obj->if_contains("data");
  if (!data)
    return bad("data is required (a string is sent as is, anything else as JSON)");
  pub.data = actors::event_data_text(*data);
  if (const auto* id = obj->if_contains("id")) {
    if (!id->is_string() || id->get_string().empty() || id->get_string().size() > 256 ||
        !net::valid_name(id->get_string()))
      return bad("id must be a string of 1 to 256 bytes of UTF-8 without control characters");
    pub.key = std::string{id->get_string()};
  }
  if (!reserve(*ctx)) {
    auto out = error_response(sse_api_error::publish_backlog);
    out.set(net::http::field::retry_after, "1");
    res(std::move(out));
    return;
  }
  pub.backlog = ctx->backlog;
  auto shared = std::make_shared<net::responder>(std::move(res));
  pub.reply = [shared, group,
               retry = ctx->cfg.groups.idle_timeout](const actors::sse_published& p) {
    if (p.no_room) {
      (*shared)(no_room_response(retry));
      return;
    }
    json::object out;
    out["Group"] = group;
    out["Id"] = p.id;
    out["Subscribers"] = p.subscribers;
    if (p.duplicate)
      out["Duplicate"] = true;
    (*shared)(net::json_response(net::status::accepted, out));
  };
  caf::anon_send(ctx->directory, actors::sse_publish_atom::value, std::move(group), std::move(pub));
}

} // namespace

void stream_group(const sse_context& ctx, const net::request_context& rq, net::responder res,
                  std::string group, std::string name) {
  open_stream(ctx, rq, std::move(res), stream_target{std::move(group), std::move(name), {}, {}});
}

std::string events_pattern(std::string_view route_pattern) {
  auto segments = net::split_pattern(route_pattern);
  std::string out{route_pattern};
  while (out.size() > 1 && out.back() == '/')
    out.pop_back();
  if (!segments.empty() && segments.back().starts_with('{'))
    return out + "/_events";
  return out == "/" ? "/_events" : out + "_events";
}

std::string events_path(std::string_view pattern, const net::path_params& params) {
  std::string out;
  for (const auto& seg : net::split_pattern(pattern)) {
    out += '/';
    if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
      auto name = std::string_view{seg}.substr(1, seg.size() - 2);
      for (const auto& [key, value] : params)
        if (key == name) {
          out += path_segment(value);
          break;
        }
    } else {
      out += seg;
    }
  }
  return out.empty() ? "/" : out;
}

bool valid_group_name(std::string_view name) noexcept {
  return !name.empty() && name.size() <= 256 && net::valid_name(name);
}

void add_route_events(net::service& svc, std::shared_ptr<const sse_context> ctx,
                      const actors::route_spec& spec) {
  svc.add_deferred(net::verb::get, spec.events_pattern,
                   [ctx, group = spec.sse_group, pattern = spec.events_pattern,
                    route_id = spec.route_id](const net::request_context& rq, net::responder res) {
                     stream_target t;
                     t.group = group;
                     t.name = events_path(pattern, rq.params());
                     if (auto id = rq.query("Id")) {
                       t.task_id = *id;
                       t.route_id = route_id;
                       if (t.task_id.empty()) {
                         res(error_body(answer_of(task_api_error::not_found), {}));
                         return;
                       }
                       if (!net::valid_name(t.task_id)) {
                         res(error_body(net::http_error::invalid_name, {}));
                         return;
                       }
                     }
                     open_stream(*ctx, rq, std::move(res), std::move(t));
                   });
}

void add_group_stream(net::service& svc, std::shared_ptr<const sse_context> ctx,
                      std::string_view pattern, std::string group) {
  if (!valid_group_name(group))
    throw std::invalid_argument("SSE route " + std::string{pattern} + ": invalid group name");
  svc.add_deferred(net::verb::get, pattern,
                   [ctx, group = std::move(group), name = std::string{pattern}](
                       const net::request_context& rq, net::responder res) {
                     open_stream(*ctx, rq, std::move(res), stream_target{group, name, {}, {}});
                   });
}

void add_sse_endpoints(net::service& svc, std::shared_ptr<const sse_context> ctx) {
  svc.add_deferred(net::verb::get, "/sse/{group}",
                   [ctx](const net::request_context& rq, net::responder res) {
                     std::string group{rq.param("group")};
                     if (!valid_group_name(group)) {
                       res(invalid_group_name());
                       return;
                     }
                     auto name = "/sse/" + path_segment(group);
                     open_stream(*ctx, rq, std::move(res),
                                 stream_target{std::move(group), std::move(name), {}, {}});
                   });
  svc.add_deferred(net::verb::post, "/sse/{group}",
                   [ctx](const net::request_context& rq, net::responder res) {
                     handle_publish(ctx, rq, std::move(res));
                   });
}

bool publish(const sse_context& ctx, std::string group, std::string event, std::string data,
             std::string key) {
  if (!valid_group_name(group) || !net::valid_name(event) || !reserve(ctx))
    return false;
  actors::sse_publication pub;
  pub.event = std::move(event);
  pub.data = std::move(data);
  pub.key = std::move(key);
  pub.backlog = ctx.backlog;
  caf::anon_send(ctx.directory, actors::sse_publish_atom::value, std::move(group), std::move(pub));
  return true;
}

} // namespace herald::app
