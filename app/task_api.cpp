#include "app/task_api.hpp"

#include "actors/task_ledger.hpp"
#include "actors/task_query.hpp"
#include "app/access.hpp"
#include "app/authenticator.hpp"
#include "app/ids.hpp"
#include "app/sse_api.hpp"
#include "app/task_errors.hpp"
#include "net/http_url.hpp"
#include "net/responses.hpp"
#include "net/utf8.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/string.hpp>
#include <caf/send.hpp>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace herald::app {

namespace json = boost::json;
using actors::task_error;

namespace {

/// The representation asked for by `Accept`, or the 406 to answer.
std::optional<net::media_type> accepted(const net::request_context& rq, net::responder& res) {
  auto media = net::negotiate(rq.header("Accept"));
  if (!media)
    res(error_body(net::http_error::not_acceptable, {}, net::media_type::json));
  return media;
}

/// The representation asked for by a request that names a task (`{id}`), or nothing once the
/// 406 or the 400 for an id that is not a valid name has been answered.
std::optional<net::media_type> accepted_for_task(const net::request_context& rq,
                                                 net::responder& res) {
  auto media = accepted(rq, res);
  if (media && !net::valid_name(rq.param("id"))) {
    res(error_body(net::http_error::invalid_name, {}, *media));
    return std::nullopt;
  }
  return media;
}

/// A responder that actors can hold: their replies are copyable functions. A task the caller
/// may not `what` is answered 401 when it presented no credential, else 403.
actors::reply_fn reply_with(net::responder res, net::media_type media, net::status ok,
                            std::string root, actors::task_caller caller = nullptr,
                            std::string_view what = {}) {
  auto shared = std::make_shared<net::responder>(std::move(res));
  return [shared, media, ok, root = std::move(root), caller = std::move(caller),
          what = std::string{what}](actors::task_reply r) {
    if (r.error == task_error::forbidden) {
      (*shared)(refusal_response(not_entitled(caller.get(), what), r.id));
      return;
    }
    (*shared)(task_response(r, media, ok, root));
  };
}

/// Who owns a task that `caller` starts: the invoker in Read and Write, plus what the route
/// grants.
std::shared_ptr<const actors::task_permission> permission_of(const net::identity& caller,
                                                             const route_access& access) {
  net::access_rule owner;
  owner.users.push_back(caller.user);
  return std::make_shared<const actors::task_permission>(
      actors::task_permission{net::merged(owner, access.read), net::merged(owner, access.write)});
}

/// The callback of a task of a route with `callback`: its fixed URL, or the URL the request
/// body's field names (nullopt without one: the task has no callback). A URL that is not
/// absolute http(s) is refused before any task exists; whether its host may be called is
/// decided when the callback is sent (names resolve then).
struct callback_choice {
  std::shared_ptr<const actors::callback_target> target;
  std::string error; ///< set when the request must be refused
};

callback_choice choose_callback(const actors::route_spec& spec, std::string_view body,
                                const json::value& parsed) {
  const auto& opts = *spec.callback;
  std::shared_ptr<const actors::callback_options> shared{spec.callback_shared};
  if (!opts.url.empty())
    return {std::make_shared<const actors::callback_target>(opts.url, shared), {}};
  // A route that takes any body (a command route's) still finds the field in a JSON one.
  json::value reparsed;
  const json::value* doc = &parsed;
  if (!spec.json_body) {
    boost::system::error_code ec;
    reparsed = json::parse(body, ec);
    if (ec)
      return {};
    doc = &reparsed;
  }
  const auto* obj = doc->if_object();
  const auto* field = obj ? obj->if_contains(opts.url_field) : nullptr;
  if (!field || field->is_null())
    return {};
  if (!field->is_string())
    return {nullptr, opts.url_field + ": must be a string (an http or https URL)"};
  std::string why;
  auto url = net::parse_http_url(field->get_string(), why);
  if (!url)
    return {nullptr, opts.url_field + ": " + why};
  return {std::make_shared<const actors::callback_target>(url->text, shared), {}};
}

/// `?wait=` in seconds (fractions allowed), 0–60.
std::optional<std::chrono::milliseconds> parse_wait(std::string_view text) {
  double seconds = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(seconds) ||
      seconds < 0 || seconds > 60)
    return std::nullopt;
  return std::chrono::milliseconds{static_cast<long long>(std::llround(seconds * 1000))};
}

} // namespace

actors::task_time stream_token_expiry(const actors::task_record& record,
                                      const task_ownership& owners) {
  // Readable until its retention ends after its timeout; a task without a timeout may run
  // for ever, and its token is bounded instead (the stream then ends with `pode.close`).
  auto bound = record.creation + owners.max_stream_token;
  if (record.expire == actors::no_expiry())
    return bound;
  return std::min(bound, record.expire + owners.retention);
}

net::response task_response(const actors::task_reply& reply, net::media_type media, net::status ok,
                            std::string_view root) {
  if (!reply.error && reply.task) {
    if (media != net::media_type::json)
      return encoded(ok, actors::to_json(*reply.task), media, root);
    std::string text;
    text.reserve(512); // a task object, in one allocation
    actors::append_task_json(text, *reply.task);
    return net::make_response(ok, std::move(text), net::content_type(media));
  }
  if (!reply.error)
    return encoded(ok, reply.body, media, root);
  auto e = answer_of(*reply.error);
  auto res = error_body(e, reply.id, media);
  if (*reply.error == task_error::queue_full || *reply.error == task_error::over_budget)
    res.set(net::http::field::retry_after,
            std::to_string(std::max<long long>(1, reply.retry_after.count())));
  return res;
}

net::deferred_handler invoke_handler(std::shared_ptr<const actors::route_spec> spec,
                                     actors::route_supervisor_actor supervisor,
                                     std::function<std::string()> make_id,
                                     std::shared_ptr<const task_ownership> owners) {
  return [spec = std::move(spec), supervisor = std::move(supervisor), make_id = std::move(make_id),
          owners = std::move(owners)](const net::request_context& rq, net::responder res) {
    // The whole body has been read under the node's limit; the route's own is checked before
    // anything is parsed or created.
    if (spec->max_body_bytes && rq.body().size() > *spec->max_body_bytes) {
      res(error_body(net::http_error::body_too_large, {},
                     "Request body too large: this route takes at most " +
                         std::to_string(*spec->max_body_bytes) + " bytes"));
      return;
    }
    auto input = std::make_shared<actors::task_input>();
    if (!spec->json_body) {
      if (!rq.body().empty())
        input->body = json::string{rq.body()};
    } else if (!rq.body().empty()) {
      boost::system::error_code ec;
      input->body = json::parse(rq.body(), ec);
      if (ec) {
        res(invalid_json(ec, net::media_type::json));
        return;
      }
    }
    for (const auto& [name, value] : rq.params())
      input->params.emplace_back(std::string{name}, std::string{value});
    input->target = std::string{rq.target()};
    std::shared_ptr<const actors::callback_target> callback;
    if (spec->callback) {
      auto choice = choose_callback(*spec, rq.body(), input->body);
      if (!choice.error.empty()) {
        res(error_body(net::http_error::invalid_parameter, {}, choice.error));
        return;
      }
      callback = std::move(choice.target);
    }

    actors::task_record record;
    record.id = make_id();
    if (record.id.empty())
      throw std::runtime_error("the route's id generator returned an empty id");
    record.route_id = spec->route_id;
    record.method = spec->method;
    record.url = input->target;
    record.cancellable = spec->cancellable;
    record.creation = actors::task_clock::now();
    record.expire = spec->timeout ? record.creation + *spec->timeout : actors::no_expiry();
    record.pending_callback = std::move(callback);
    const auto& caller = rq.caller();
    if (caller) {
      input->user = caller->user;
      record.user = caller->user;
      record.permission = permission_of(*caller, owners->access);
    }
    if (spec->sse) {
      auto name = events_path(spec->events_pattern, rq.params());
      auto url = name + "?Id=" + path_segment(record.id);
      // An owned task's stream needs Read: its URL carries a token that grants it, so that a
      // browser's EventSource (which sends no headers) can open it. The token lives as long
      // as the task may be read.
      if (caller)
        url += "&token=" +
               owners->auth->stream_token(record.id, *caller, stream_token_expiry(record, *owners));
      record.sse = actors::sse_info{std::move(name), spec->sse_group, std::move(url),
                                    spec->sse->send_result};
    }

    auto location = "/tasks/" + path_segment(record.id);
    auto shared = std::make_shared<net::responder>(std::move(res));
    actors::reply_fn reply = [shared, location](actors::task_reply r) {
      auto out = task_response(r, net::media_type::json, net::status::accepted);
      if (!r.error)
        out.set(net::http::field::location, location);
      (*shared)(std::move(out));
    };
    auto weight = actors::input_bytes(*input);
    caf::anon_send(
        supervisor, actors::submit_atom::value,
        actors::task_submission{std::move(record), std::move(input), std::move(reply), weight});
  };
}

void add_task_endpoints(net::service& svc, actors::task_registry_actor registry,
                        std::size_t query_max_value_bytes,
                        std::shared_ptr<const authenticator> auth) {
  // Each answers only what the caller may see (the registry compares with each task's
  // Permission); with `auth.required` they need a credential first.
  auto guard = [&auth](net::deferred_handler h) {
    return guarded(auth, {}, std::move(h));
  };
  svc.add_deferred(net::verb::get, "/tasks/{id}",
                   guard([registry](const net::request_context& rq, net::responder res) {
                     auto media = accepted_for_task(rq, res);
                     if (!media)
                       return;
                     std::chrono::milliseconds wait{0};
                     if (auto w = rq.query("wait")) {
                       auto parsed = parse_wait(*w);
                       if (!parsed) {
                         res(error_body(net::http_error::invalid_parameter, rq.param("id"),
                                        "wait must be a number of seconds from 0 to 60", *media));
                         return;
                       }
                       wait = *parsed;
                     }
                     caf::anon_send(
                         registry, caf::get_atom::value,
                         actors::task_lookup{std::string{rq.param("id")}, wait,
                                             reply_with(std::move(res), *media, net::status::ok,
                                                        "Task", rq.caller(), "read this task"),
                                             rq.caller()});
                   }));
  svc.add_deferred(net::verb::delete_, "/tasks/{id}",
                   guard([registry](const net::request_context& rq, net::responder res) {
                     auto media = accepted_for_task(rq, res);
                     if (!media)
                       return;
                     caf::anon_send(
                         registry, caf::delete_atom::value,
                         actors::task_cancel{std::string{rq.param("id")},
                                             reply_with(std::move(res), *media, net::status::ok,
                                                        "Task", rq.caller(), "cancel this task"),
                                             rq.caller()});
                   }));
  svc.add_deferred(
      net::verb::post, "/tasks/query",
      guard([registry, query_max_value_bytes](const net::request_context& rq, net::responder res) {
        auto media = accepted(rq, res);
        if (!media)
          return;
        json::value filter = json::object{};
        if (!rq.body().empty()) {
          boost::system::error_code ec;
          filter = json::parse(rq.body(), ec);
          if (ec) {
            res(invalid_json(ec, *media));
            return;
          }
        }
        auto parsed = actors::task_query::parse(filter, query_max_value_bytes);
        if (auto* err = std::get_if<actors::query_error>(&parsed)) {
          res(error_body(answer_of(task_api_error::invalid_query), {}, err->message, *media));
          return;
        }
        auto query = std::make_shared<const actors::task_query>(
            std::get<actors::task_query>(std::move(parsed)));
        caf::anon_send(
            registry, caf::get_atom::value,
            actors::task_search{query, reply_with(std::move(res), *media, net::status::ok, "Tasks"),
                                rq.caller()});
      }));
}

} // namespace herald::app
