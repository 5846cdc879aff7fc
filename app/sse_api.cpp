#include "app/sse_api.hpp"

#include "actors/connection.hpp"
#include "actors/sse_messages.hpp"
#include "actors/task_stream.hpp"
#include "app/authenticator.hpp"
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
  /// When the caller's credential expires: the stream ends then, with `pode.close`.
  std::optional<std::chrono::system_clock::time_point> expires;
};

using caller_ptr = std::shared_ptr<const net::identity>;
using admission = std::variant<caller_ptr, access_refusal>;

/// The caller of `rq`, credential checked (none when the node has no `auth`).
/// The group or task rule decides afterwards, so the route itself is open here.
admission caller_of(const sse_context& ctx, const net::request_context& rq) {
  if (!ctx.auth)
    return caller_ptr{};
  return admit(*ctx.auth, route_access::open(), rq);
}

/// Whether the caller of `rq` may read `group` (SPEC §4.5): the group's policy decides; a
/// group without one is read by nobody once credentials are configured.
admission group_reader(const sse_context& ctx, const net::request_context& rq,
                       std::string_view group) {
  auto admitted = caller_of(ctx, rq);
  auto* who = std::get_if<caller_ptr>(&admitted);
  if (!who || !ctx.auth || !ctx.auth->enabled())
    return admitted;
  auto what = "read group '" + std::string{group} + "'";
  auto it = ctx.groups.find(group);
  if (it == ctx.groups.end())
    return not_entitled(who->get(), what);
  const auto& policy = it->second;
  if (!policy.read.empty())
    return *who && net::allows(policy.read, **who) ? admitted
                                                   : admission{not_entitled(who->get(), what)};
  if (!*who && policy.credential.value_or(ctx.auth->required()))
    return access_refusal{access_error::unauthenticated, {}};
  return admitted;
}

/// Whether the caller of `rq` may publish into `group`: the publisher key, a `publish:<group>`
/// or `publish:*` scope, or the group's publish rule.
std::optional<access_refusal>
publish_refusal(const sse_context& ctx, const net::request_context& rq, std::string_view group) {
  if (!ctx.cfg.publisher_key.empty() && same_key(presented_key(rq), ctx.cfg.publisher_key))
    return std::nullopt;
  auto admitted = caller_of(ctx, rq);
  if (auto* refusal = std::get_if<access_refusal>(&admitted))
    return std::move(*refusal);
  const auto& who = std::get<caller_ptr>(admitted);
  if (who) {
    if (net::has_scope(*who, "publish:*") || net::has_scope(*who, "publish:" + std::string{group}))
      return std::nullopt;
    auto it = ctx.groups.find(group);
    if (it != ctx.groups.end() && net::allows(it->second.publish, *who))
      return std::nullopt;
  }
  return not_entitled(who.get(), "publish into group '" + std::string{group} + "'");
}

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
  if (t.expires) {
    auto left =
        std::chrono::ceil<std::chrono::milliseconds>(*t.expires - std::chrono::system_clock::now());
    left = std::max(left, std::chrono::milliseconds{1});
    if (h.lifetime.count() == 0 || left < h.lifetime) {
      h.lifetime = left;
      h.farewell_at_end = true;
    }
  }
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

/// Subscribes the connection carrying `res` to `t`, resuming after `last`; the group answers
/// by opening the stream, or the request is answered 404 (no such task) or 204 (a finished
/// task's stream was seen to its end: browsers stop reconnecting).
void subscribe(const sse_context& ctx, net::responder res, stream_target t,
               std::optional<actors::sse_position> last) {
  const auto* connection = actors::connection_of(res.connection().get());
  if (!connection || !connection->actor() || !res.can_stream())
    throw std::logic_error("this connection cannot carry an event stream");
  actors::sse_subscription sub;
  sub.subscriber = connection->actor();
  sub.session = connection->session();
  sub.task_id = t.task_id;
  sub.route_id = t.route_id;
  sub.last = last;
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

/// Whether `rq` accepts an event stream; answers 406 when not.
bool accepts_stream(const net::request_context& rq, net::responder& res) {
  if (net::accepts_event_stream(rq.header("Accept")))
    return true;
  res(error_response(sse_api_error::not_event_stream));
  return false;
}

/// Subscribes the caller `admitted` names to `t`, or answers its refusal.
void open_stream(const sse_context& ctx, const net::request_context& rq, net::responder res,
                 stream_target t, const admission& admitted = caller_ptr{}) {
  if (!accepts_stream(rq, res))
    return;
  if (const auto* refusal = std::get_if<access_refusal>(&admitted)) {
    res(refusal_response(*refusal));
    return;
  }
  if (const auto& who = std::get<caller_ptr>(admitted))
    t.expires = who->expires;
  subscribe(ctx, std::move(res), std::move(t), resume_point(rq));
}

/// A task's own stream (SPEC §4.5): with credentials configured it needs a stream token made
/// for the task (what `Sse.Url` carries), or a caller who may read the task.
void open_task_stream(const std::shared_ptr<const sse_context>& ctx, const net::request_context& rq,
                      net::responder res, stream_target t) {
  if (!ctx->auth || !ctx->auth->enabled())
    return open_stream(*ctx, rq, std::move(res), std::move(t));
  if (!accepts_stream(rq, res))
    return;
  auto now = std::chrono::system_clock::now();
  if (auto token = rq.query("token")) {
    auto outcome = ctx->auth->check_stream_token(*token, t.task_id, now);
    if (outcome.result != auth_outcome::kind::valid) {
      res(refusal_response({access_error::invalid, std::move(outcome.reason)}, t.task_id));
      return;
    }
    t.expires = outcome.who->expires;
    return subscribe(*ctx, std::move(res), std::move(t), resume_point(rq));
  }
  auto admitted = caller_of(*ctx, rq);
  if (const auto* refusal = std::get_if<access_refusal>(&admitted)) {
    res(refusal_response(*refusal, t.task_id));
    return;
  }
  auto caller = std::get<caller_ptr>(std::move(admitted));
  if (caller)
    t.expires = caller->expires;
  // Read on the task is its Permission's to say: the registry holds it.
  auto shared = std::make_shared<net::responder>(std::move(res));
  auto id = t.task_id;
  actors::reply_fn reply = [ctx, shared, t = std::move(t), last = resume_point(rq),
                            caller](actors::task_reply r) mutable {
    if (r.error == actors::task_error::forbidden)
      return (*shared)(refusal_response(not_entitled(caller.get(), "read this task"), r.id));
    if (r.error)
      return (*shared)(error_body(answer_of(*r.error), r.id));
    subscribe(*ctx, std::move(*shared), std::move(t), last);
  };
  caf::anon_send(ctx->registry, caf::get_atom::value,
                 actors::task_lookup{std::move(id), std::chrono::milliseconds{0}, std::move(reply),
                                     std::move(caller), false});
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
  bool auth_on = ctx->auth && ctx->auth->enabled();
  if (ctx->cfg.publisher_key.empty() && !auth_on) {
    res(error_response(sse_api_error::publishing_disabled));
    return;
  }
  if (!auth_on && !same_key(presented_key(rq), ctx->cfg.publisher_key)) {
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
  if (auto refusal = auth_on ? publish_refusal(*ctx, rq, group) : std::nullopt) {
    res(refusal_response(*refusal));
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
  open_stream(ctx, rq, std::move(res),
              stream_target{std::move(group), std::move(name), {}, {}, {}});
}

void declare_group(sse_context& ctx, const std::string& group, const route_access& access) {
  if (ctx.groups.contains(group))
    return;
  group_policy policy;
  policy.credential = access.credential;
  policy.read = access.allow;
  ctx.groups.emplace(group, std::move(policy));
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
                       return open_task_stream(ctx, rq, std::move(res), std::move(t));
                     }
                     auto admitted = group_reader(*ctx, rq, t.group);
                     open_stream(*ctx, rq, std::move(res), std::move(t), admitted);
                   });
}

void add_group_stream(net::service& svc, std::shared_ptr<const sse_context> ctx,
                      std::string_view pattern, std::string group) {
  if (!valid_group_name(group))
    throw std::invalid_argument("SSE route " + std::string{pattern} + ": invalid group name");
  svc.add_deferred(net::verb::get, pattern,
                   [ctx, group = std::move(group), name = std::string{pattern}](
                       const net::request_context& rq, net::responder res) {
                     open_stream(*ctx, rq, std::move(res), stream_target{group, name, {}, {}, {}},
                                 group_reader(*ctx, rq, group));
                   });
}

void add_sse_endpoints(net::service& svc, std::shared_ptr<const sse_context> ctx) {
  svc.add_deferred(
      net::verb::get, "/sse/{group}", [ctx](const net::request_context& rq, net::responder res) {
        std::string group{rq.param("group")};
        if (!valid_group_name(group)) {
          res(invalid_group_name());
          return;
        }
        auto name = "/sse/" + path_segment(group);
        auto admitted = group_reader(*ctx, rq, group);
        open_stream(*ctx, rq, std::move(res),
                    stream_target{std::move(group), std::move(name), {}, {}, {}}, admitted);
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
