#pragma once

#include "net/http.hpp"
#include "net/request_context.hpp"
#include "net/router.hpp"

#include <functional>
#include <string_view>
#include <vector>

namespace herald::net {

/// A plain route's code: from a request to its response. Runs on the connection's actor, so
/// it must not block; a thrown exception becomes a 500 and is logged by `on_error`.
using handler = std::function<response(const request_context&)>;

/// The routes of a running node: a router plus the handler of each route. Built once by the
/// app before the listener starts, then shared read-only by every connection.
class service {
 public:
  /// Called with the route and the exception text when a handler throws.
  using error_reporter = std::function<void(std::string_view route, std::string_view what)>;

  /// Declares `method pattern` answered by `h`. Throws std::invalid_argument for a malformed or
  /// duplicate pattern.
  void add(verb method, std::string_view pattern, handler h);

  void on_error(error_reporter reporter) { on_error_ = std::move(reporter); }

  /// The whole of request handling, without I/O: routes `req`, runs its handler and maps
  /// every failure to its error response. (How the response is framed on the wire, HEAD and
  /// keep-alive included, is the session's business: see wire.hpp.)
  response handle(const request& req) const;

  const router& routes() const noexcept { return router_; }

 private:
  router router_;
  std::vector<handler> handlers_;
  std::vector<std::string> patterns_;
  error_reporter on_error_;
};

} // namespace herald::net
