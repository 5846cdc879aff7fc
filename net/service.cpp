#include "net/service.hpp"

#include "net/responses.hpp"

#include <exception>
#include <utility>

namespace herald::net {

responder::responder(responder&& other) noexcept
    : sink_(std::exchange(other.sink_, nullptr)),
      stream_sink_(std::exchange(other.stream_sink_, nullptr)),
      connection_(std::move(other.connection_)) {}

responder& responder::operator=(responder&& other) noexcept {
  if (this != &other) {
    if (sink_)
      (*this)(error_response(http_error::internal));
    sink_ = std::exchange(other.sink_, nullptr);
    stream_sink_ = std::exchange(other.stream_sink_, nullptr);
    connection_ = std::move(other.connection_);
  }
  return *this;
}

responder::~responder() {
  if (sink_)
    (*this)(error_response(http_error::internal));
}

void responder::operator()(response res) {
  stream_sink_ = nullptr;
  if (auto s = std::exchange(sink_, nullptr))
    s(std::move(res));
}

void responder::open_stream(stream_head head) {
  if (!sink_)
    return;
  if (!stream_sink_) {
    (*this)(error_response(http_error::internal));
    return;
  }
  sink_ = nullptr;
  std::exchange(stream_sink_, nullptr)(std::move(head));
}

service::route_code& service::declare(verb method, std::string_view pattern) {
  auto id = router_.add(method, pattern);
  handlers_.resize(id + 1);
  patterns_.resize(id + 1);
  patterns_[id] = std::string{http::to_string(method)} + " " + std::string{pattern};
  return handlers_[id];
}

void service::add(verb method, std::string_view pattern, handler h) {
  declare(method, pattern).plain = std::move(h);
}

void service::add_deferred(verb method, std::string_view pattern, deferred_handler h) {
  declare(method, pattern).deferred = std::move(h);
}

response service::handle(const request& req) const {
  return *dispatch(req, {});
}

std::optional<response> service::dispatch(const request& req,
                                          const responder_factory& make_responder) const {
  // Per thread, so the segment strings keep their capacity from one request to the next.
  thread_local std::vector<std::string> segments;
  if (!split_path(req.target(), segments))
    return error_response(http_error::bad_target);
  auto found = router_.match(req.method(), segments);
  switch (found.result) {
  case route_match::outcome::not_found:
    return error_response(http_error::not_found);
  case route_match::outcome::method_not_allowed: {
    auto res = error_response(http_error::method_not_allowed);
    res.set(http::field::allow, found.allow);
    return res;
  }
  case route_match::outcome::found:
    break;
  }
  const auto& code = handlers_[found.route];
  request_context ctx{req, std::move(found.params)};
  if (code.plain) {
    try {
      return code.plain(ctx);
    } catch (const std::exception& e) {
      report_failure(found.route, e.what());
    } catch (...) {
      report_failure(found.route, "unknown exception");
    }
    return error_response(http_error::internal);
  }
  if (!make_responder) {
    report_failure(found.route, "deferred route called without a way to answer later");
    return error_response(http_error::internal);
  }
  try {
    code.deferred(ctx, make_responder());
  } catch (const std::exception& e) {
    report_failure(found.route, e.what());
  } catch (...) {
    report_failure(found.route, "unknown exception");
  }
  // Answered through the responder, also when the handler threw: the responder, destroyed on
  // the way out, answered 500 then.
  return std::nullopt;
}

void service::report_failure(std::size_t route, std::string_view what) const {
  if (on_error_)
    on_error_(patterns_[route], what);
}

} // namespace herald::net
