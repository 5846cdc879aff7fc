#pragma once

#include "net/connection_owner.hpp"
#include "net/http.hpp"
#include "net/request_context.hpp"
#include "net/router.hpp"
#include "net/stream.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace herald::net {

/// A plain route's code: from a request to its response. Runs on the connection's actor, so
/// it must not block; a thrown exception becomes a 500 and is logged by `on_error`.
using handler = std::function<response(const request_context&)>;

/// Answers one request exactly once, from any thread: with a response, or by turning the
/// exchange into a stream (when the connection can carry one). A responder dropped unanswered
/// answers 500, so that no request is ever left without a response.
class responder {
 public:
  using sink = std::function<void(response)>;
  using stream_sink = std::function<void(stream_head)>;

  responder() = default;
  explicit responder(sink s) : sink_(std::move(s)) {}
  /// `connection` is what carries the answer (herald's connection actor), for code that must
  /// address it later, such as the SSE group a stream subscribes to.
  responder(sink s, stream_sink streams, std::shared_ptr<const connection_owner> connection)
      : sink_(std::move(s)), stream_sink_(std::move(streams)), connection_(std::move(connection)) {}
  responder(responder&& other) noexcept;
  responder& operator=(responder&& other) noexcept;
  responder(const responder&) = delete;
  responder& operator=(const responder&) = delete;
  ~responder();

  /// Sends the answer; any later call does nothing.
  void operator()(response res);

  /// Answers with an endless body: what the connection receives afterwards goes on the
  /// stream. Without stream support it answers 500. Any later call does nothing.
  void open_stream(stream_head head);

  /// Whether the answer is still owed.
  bool pending() const noexcept { return static_cast<bool>(sink_); }

  /// Whether `open_stream` is supported.
  bool can_stream() const noexcept { return static_cast<bool>(stream_sink_); }

  /// The connection that carries the answer (null when unknown).
  const std::shared_ptr<const connection_owner>& connection() const noexcept { return connection_; }

 private:
  sink sink_;
  stream_sink stream_sink_;
  std::shared_ptr<const connection_owner> connection_;
};

/// A route whose answer comes later (from another actor, say): it gets the request and a
/// responder. The context is a view valid only during the call, so the handler copies what it
/// keeps. Runs on the connection's actor like a plain handler and must not block either.
using deferred_handler = std::function<void(const request_context&, responder)>;

/// Makes the responder for one request (the connection actor's way back to its socket).
using responder_factory = std::function<responder()>;

/// The routes of a running node: a router plus the handler of each route. Built once by the
/// app before the listener starts, then shared read-only by every connection.
class service {
 public:
  /// Called with the route and the exception text when a handler throws.
  using error_reporter = std::function<void(std::string_view route, std::string_view what)>;

  /// Declares `method pattern` answered by `h`. Throws std::invalid_argument for a malformed or
  /// duplicate pattern.
  void add(verb method, std::string_view pattern, handler h);

  /// Declares `method pattern` answered later through a responder.
  void add_deferred(verb method, std::string_view pattern, deferred_handler h);

  void on_error(error_reporter reporter) { on_error_ = std::move(reporter); }

  /// The whole of request handling, without I/O: routes `req`, runs its handler and maps
  /// every failure to its error response. (How the response is framed on the wire, HEAD and
  /// keep-alive included, is the session's business: see wire.hpp.)
  response handle(const request& req) const;

  /// As `handle`, but a deferred route gets `make_responder()` and the result is nullopt: its
  /// answer arrives through the responder. Without a factory a deferred route answers 500.
  std::optional<response> dispatch(const request& req,
                                   const responder_factory& make_responder) const;

  const router& routes() const noexcept { return router_; }

 private:
  router router_;
  /// The code of one route: exactly one of the two is set.
  struct route_code {
    handler plain;
    deferred_handler deferred;
  };

  route_code& declare(verb method, std::string_view pattern);
  void report_failure(std::size_t route, std::string_view what) const;

  std::vector<route_code> handlers_;
  std::vector<std::string> patterns_;
  error_reporter on_error_;
};

} // namespace herald::net
