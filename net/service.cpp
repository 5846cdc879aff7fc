#include "net/service.hpp"

#include "net/responses.hpp"

#include <exception>

namespace herald::net {

void service::add(verb method, std::string_view pattern, handler h) {
  auto id = router_.add(method, pattern);
  handlers_.resize(id + 1);
  patterns_.resize(id + 1);
  handlers_[id] = std::move(h);
  patterns_[id] = std::string{http::to_string(method)} + " " + std::string{pattern};
}

response service::handle(const request& req) const {
  // Per thread, so the segment strings keep their capacity from one request to the next.
  thread_local std::vector<std::string> segments;
  response res;
  if (!split_path(req.target(), segments)) {
    res = error_response(http_error::bad_target);
  } else {
    auto found = router_.match(req.method(), segments);
    switch (found.result) {
    case route_match::outcome::not_found:
      res = error_response(http_error::not_found);
      break;
    case route_match::outcome::method_not_allowed:
      res = error_response(http_error::method_not_allowed);
      res.set(http::field::allow, found.allow);
      break;
    case route_match::outcome::found:
      try {
        res = handlers_[found.route](request_context{req, std::move(found.params)});
      } catch (const std::exception& e) {
        if (on_error_)
          on_error_(patterns_[found.route], e.what());
        res = error_response(http_error::internal);
      } catch (...) {
        if (on_error_)
          on_error_(patterns_[found.route], "unknown exception");
        res = error_response(http_error::internal);
      }
      break;
    }
  }
  return res;
}

} // namespace herald::net
