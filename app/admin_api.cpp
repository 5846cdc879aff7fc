#include "app/admin_api.hpp"

#include "actors/inspect.hpp"
#include "actors/sse_messages.hpp"
#include "actors/task_messages.hpp"
#include "actors/task_record.hpp"
#include "app/admin_errors.hpp"
#include "app/ids.hpp"
#include "app/keys.hpp"
#include "app/metrics.hpp"
#include "app/responses.hpp"
#include "app/task_api.hpp"
#include "app/task_errors.hpp"
#include "net/responses.hpp"
#include "net/utf8.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/make_message.hpp>
#include <caf/send.hpp>
#include <charconv>

namespace herald::app {

namespace json = boost::json;

namespace {

using ctx_ptr = std::shared_ptr<const admin_context>;
/// A responder that a callback can copy (the answer comes from an actor's thread).
using shared_responder = std::shared_ptr<net::responder>;

shared_responder share(net::responder res) {
  return std::make_shared<net::responder>(std::move(res));
}

/// Most tasks `GET /admin/tasks` lists, and how many by default.
constexpr std::uint64_t max_task_limit = 100'000;
constexpr std::uint64_t default_task_limit = 1'000;

/// Nullopt when the request carries the admin key; else the answer: 403 when the node has
/// no admin key, 401 (with a challenge) for a missing or wrong one.
std::optional<net::response> refusal(const admin_context& ctx, const net::request_context& rq) {
  if (ctx.key.empty())
    return error_response(admin_api_error::disabled);
  if (same_key(presented_key(rq), ctx.key))
    return std::nullopt;
  auto out = net::error_response(net::http_error::unauthorized);
  out.set(net::http::field::www_authenticate, "Bearer realm=\"herald-admin\"");
  return out;
}

/// Registers `GET|DELETE pattern` behind the admin key.
void add_keyed(net::service& svc, net::verb method, std::string_view pattern, const ctx_ptr& ctx,
               std::function<void(const net::request_context&, net::responder)> h) {
  svc.add_deferred(method, pattern,
                   [ctx, h = std::move(h)](const net::request_context& rq, net::responder res) {
                     if (auto refused = refusal(*ctx, rq)) {
                       res(std::move(*refused));
                       return;
                     }
                     h(rq, std::move(res));
                   });
}

/// Answers with the JSON an actor gave; a missing answer (the actor stopped, or missed the
/// deadline) is a 503 rather than a made-up value.
void answer_json(const shared_responder& res, json::value v) {
  if (v.is_null()) {
    (*res)(net::error_response(net::status::service_unavailable,
                               "The node did not answer in time; retry"));
    return;
  }
  (*res)(net::json_response(net::status::ok, v));
}

/// The registry, then the supervisors: each answers `inspect_atom` with its JSON (declared in
/// its protocol); `gather` asks actors of every kind, so it takes untyped handles.
std::vector<caf::actor> task_actors(const admin_context& ctx) {
  std::vector<caf::actor> out{caf::actor_cast<caf::actor>(ctx.registry)};
  for (const auto& sup : ctx.supervisors)
    out.push_back(caf::actor_cast<caf::actor>(sup));
  return out;
}

/// The routes: each supervisor's own state, with the registry's outcomes for its tasks.
void list_routes(const ctx_ptr& ctx, net::responder res) {
  auto targets = task_actors(*ctx);
  actors::gather(*ctx->system, std::move(targets), caf::make_message(actors::inspect_atom::value),
                 ctx->deadline, [res = share(std::move(res))](std::vector<json::value> answers) {
                   const auto* per_route = answers.front().if_object();
                   json::array out;
                   for (std::size_t i = 1; i < answers.size(); ++i) {
                     auto* route = answers[i].if_object();
                     if (!route)
                       continue;
                     const json::value* totals = nullptr;
                     if (per_route)
                       totals = per_route->if_contains(route->at("Id").as_string());
                     json::object outcomes{{"Completed", 0}, {"Failed", 0}, {"Aborted", 0}};
                     if (totals && totals->is_object())
                       if (const auto* o = totals->as_object().if_contains("Outcomes"))
                         outcomes = o->as_object();
                     (*route)["Outcomes"] = std::move(outcomes);
                     out.push_back(std::move(*route));
                   }
                   (*res)(net::json_response(net::status::ok, out));
                 });
}

std::optional<std::uint64_t> parse_limit(std::string_view s) {
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc{} || end != s.data() + s.size() || n < 1 || n > max_task_limit)
    return std::nullopt;
  return n;
}

void list_tasks(const ctx_ptr& ctx, const net::request_context& rq, net::responder res) {
  std::string state;
  if (auto s = rq.query("state"); s && !s->empty()) {
    auto parsed = actors::parse_task_state(*s);
    if (!parsed) {
      res(error_body(net::http_error::invalid_parameter, {},
                     "state must be one of NotStarted, Running, Completed, Failed, Aborted"));
      return;
    }
    state = std::string{actors::to_string(*parsed)};
  }
  auto limit = default_task_limit;
  if (auto l = rq.query("limit")) {
    auto parsed = parse_limit(*l);
    if (!parsed) {
      res(error_body(net::http_error::invalid_parameter, {},
                     "limit must be an integer from 1 to " + std::to_string(max_task_limit)));
      return;
    }
    limit = *parsed;
  }
  auto route = rq.query("route").value_or("");
  actors::ask(
      *ctx->system, caf::actor_cast<caf::actor>(ctx->registry),
      caf::make_message(actors::inspect_atom::value, std::move(state), std::move(route), limit),
      ctx->deadline,
      [res = share(std::move(res))](json::value v) { answer_json(res, std::move(v)); });
}

void show_task(const ctx_ptr& ctx, const net::request_context& rq, net::responder res) {
  std::string id{rq.param("id")};
  if (!net::valid_name(id)) {
    res(error_body(net::http_error::invalid_name, {}));
    return;
  }
  actors::ask(*ctx->system, caf::actor_cast<caf::actor>(ctx->registry),
              caf::make_message(actors::inspect_atom::value, id), ctx->deadline,
              [res = share(std::move(res)), id](json::value v) {
                if (v.is_null())
                  (*res)(error_body(answer_of(task_api_error::not_found), id));
                else
                  (*res)(net::json_response(net::status::ok, v));
              });
}

void cancel_task(const ctx_ptr& ctx, const net::request_context& rq, net::responder res) {
  if (!net::valid_name(rq.param("id"))) {
    res(error_body(net::http_error::invalid_name, {}));
    return;
  }
  auto shared = std::make_shared<net::responder>(std::move(res));
  actors::task_cancel c;
  c.id = std::string{rq.param("id")};
  c.reply = [shared](actors::task_reply r) {
    (*shared)(task_response(r, net::media_type::json, net::status::ok));
  };
  caf::anon_send(ctx->registry, caf::delete_atom::value, std::move(c));
}

void show_group(const ctx_ptr& ctx, const net::request_context& rq, net::responder res) {
  std::string name{rq.param("name")};
  if (!net::valid_name(name)) {
    res(error_body(net::http_error::invalid_name, {}));
    return;
  }
  actors::ask(*ctx->system, ctx->directory, caf::make_message(actors::inspect_atom::value, name),
              ctx->deadline, [res = share(std::move(res))](json::value v) {
                if (v.is_null())
                  (*res)(error_response(admin_api_error::group_not_found));
                else
                  (*res)(net::json_response(net::status::ok, v));
              });
}

void list_connections(const ctx_ptr& ctx, net::responder res) {
  actors::gather(
      *ctx->system, ctx->connections(), caf::make_message(actors::inspect_atom::value),
      ctx->deadline, [res = share(std::move(res))](std::vector<json::value> answers) {
        json::array out;
        for (auto& a : answers)
          if (a.is_object()) // a connection that closed meanwhile says nothing
            out.push_back(std::move(a));
        std::sort(out.begin(), out.end(), [](const json::value& a, const json::value& b) {
          return a.at("Id").to_number<std::uint64_t>() < b.at("Id").to_number<std::uint64_t>();
        });
        (*res)(net::json_response(net::status::ok, out));
      });
}

/// The groups' figures come from the directory in one message (it reads what each group
/// keeps current, asking none of them), cut to the busiest `top_groups`; the other actors
/// answer `inspect_atom`. The directory is asked on its own: its answer must not wait
/// behind the others, nor a late one be mistaken for "no groups".
void scrape(const ctx_ptr& ctx, net::responder res) {
  auto targets = task_actors(*ctx);
  targets.push_back(ctx->callbacks); // last
  auto shared = share(std::move(res));
  actors::ask(
      *ctx->system, ctx->directory,
      caf::make_message(actors::sse_stats_atom::value, std::uint64_t{ctx->top_groups}),
      ctx->deadline, [ctx, shared, targets = std::move(targets)](json::value groups) mutable {
        actors::gather(
            *ctx->system, std::move(targets), caf::make_message(actors::inspect_atom::value),
            ctx->deadline,
            [ctx, shared, groups = std::move(groups)](std::vector<json::value> answers) mutable {
              metrics_input in;
              in.node = ctx->counters();
              in.registry = std::move(answers[0]);
              in.groups = std::move(groups);
              in.callbacks = std::move(answers.back());
              if (ctx->store)
                in.store = ctx->store();
              in.routes.assign(std::make_move_iterator(answers.begin() + 1),
                               std::make_move_iterator(answers.end() - 1));
              if (ctx->latency)
                in.publish_latency = ctx->latency->snapshot();
              if (ctx->sse)
                in.publish_backlog = ctx->sse->backlog->load(std::memory_order_relaxed);
              (*shared)(net::make_response(net::status::ok, render_metrics(in),
                                           "text/plain; version=0.0.4; charset=utf-8"));
            });
      });
}

} // namespace

void add_admin_endpoints(net::service& svc, std::shared_ptr<const admin_context> ctx) {
  using net::verb;
  add_keyed(
      svc, verb::get, "/admin/routes", ctx,
      [ctx](const net::request_context&, net::responder res) { list_routes(ctx, std::move(res)); });
  add_keyed(svc, verb::get, "/admin/tasks", ctx,
            [ctx](const net::request_context& rq, net::responder res) {
              list_tasks(ctx, rq, std::move(res));
            });
  add_keyed(svc, verb::get, "/admin/tasks/{id}", ctx,
            [ctx](const net::request_context& rq, net::responder res) {
              show_task(ctx, rq, std::move(res));
            });
  add_keyed(svc, verb::delete_, "/admin/tasks/{id}", ctx,
            [ctx](const net::request_context& rq, net::responder res) {
              cancel_task(ctx, rq, std::move(res));
            });
  add_keyed(
      svc, verb::get, "/admin/groups", ctx, [ctx](const net::request_context&, net::responder res) {
        actors::ask(*ctx->system, ctx->directory, caf::make_message(actors::inspect_atom::value),
                    ctx->deadline, [res = share(std::move(res))](json::value v) {
                      answer_json(res, std::move(v));
                    });
      });
  add_keyed(svc, verb::get, "/admin/groups/{name}", ctx,
            [ctx](const net::request_context& rq, net::responder res) {
              show_group(ctx, rq, std::move(res));
            });
  add_keyed(svc, verb::get, "/admin/groups/{name}/events", ctx,
            [ctx](const net::request_context& rq, net::responder res) {
              std::string group{rq.param("name")};
              if (!valid_group_name(group)) {
                res(error_body(net::http_error::invalid_name, {},
                               "The group name must be 1 to 256 bytes of UTF-8 without control "
                               "characters"));
                return;
              }
              auto name = "/admin/groups/" + path_segment(group) + "/events";
              stream_group(*ctx->sse, rq, std::move(res), std::move(group), std::move(name));
            });
  add_keyed(svc, verb::get, "/admin/connections", ctx,
            [ctx](const net::request_context&, net::responder res) {
              list_connections(ctx, std::move(res));
            });
  add_keyed(svc, verb::get, "/admin/callbacks", ctx,
            [ctx](const net::request_context&, net::responder res) {
              actors::ask(
                  *ctx->system, ctx->callbacks, caf::make_message(actors::inspect_atom::value),
                  ctx->deadline,
                  [res = share(std::move(res))](json::value v) { answer_json(res, std::move(v)); });
            });
  add_keyed(
      svc, verb::get, "/admin/store", ctx, [ctx](const net::request_context&, net::responder res) {
        res(net::json_response(net::status::ok, ctx->store ? ctx->store() : boost::json::value{}));
      });
  svc.add_deferred(verb::get, "/metrics", [ctx](const net::request_context&, net::responder res) {
    scrape(ctx, std::move(res));
  });
}

} // namespace herald::app
