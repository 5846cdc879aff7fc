#include "app/task_api.hpp"

#include "actors/task_ledger.hpp"
#include "actors/task_query.hpp"
#include "app/ids.hpp"
#include "app/sse_api.hpp"
#include "app/task_errors.hpp"
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

/// A responder that actors can hold: their replies are copyable functions.
actors::reply_fn reply_with(net::responder res, net::media_type media, net::status ok,
                            std::string root) {
  auto shared = std::make_shared<net::responder>(std::move(res));
  return [shared, media, ok, root = std::move(root)](actors::task_reply r) {
    (*shared)(task_response(r, media, ok, root));
  };
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

net::response task_response(const actors::task_reply& reply, net::media_type media, net::status ok,
                            std::string_view root) {
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
                                     std::function<std::string()> make_id) {
  return [spec = std::move(spec), supervisor = std::move(supervisor),
          make_id = std::move(make_id)](const net::request_context& rq, net::responder res) {
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
    record.user = input->user;
    if (spec->sse) {
      auto name = events_path(spec->events_pattern, rq.params());
      auto url = name + "?Id=" + path_segment(record.id);
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
                        std::size_t query_max_value_bytes) {
  svc.add_deferred(net::verb::get, "/tasks/{id}",
                   [registry](const net::request_context& rq, net::responder res) {
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
                     caf::anon_send(registry, caf::get_atom::value,
                                    actors::task_lookup{std::string{rq.param("id")}, wait,
                                                        reply_with(std::move(res), *media,
                                                                   net::status::ok, "Task")});
                   });
  svc.add_deferred(net::verb::delete_, "/tasks/{id}",
                   [registry](const net::request_context& rq, net::responder res) {
                     auto media = accepted_for_task(rq, res);
                     if (!media)
                       return;
                     caf::anon_send(registry, caf::delete_atom::value,
                                    actors::task_cancel{std::string{rq.param("id")},
                                                        reply_with(std::move(res), *media,
                                                                   net::status::ok, "Task")});
                   });
  svc.add_deferred(
      net::verb::post, "/tasks/query",
      [registry, query_max_value_bytes](const net::request_context& rq, net::responder res) {
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
        caf::anon_send(registry, caf::get_atom::value,
                       actors::task_search{
                           query, reply_with(std::move(res), *media, net::status::ok, "Tasks")});
      });
}

} // namespace herald::app
