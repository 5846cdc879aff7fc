#pragma once

#include "app/config.hpp"
#include "net/request_context.hpp"
#include "net/responses.hpp"
#include "net/service.hpp"

#include <cstdint>
#include <memory>
#include <string_view>

namespace caf {
class actor_system;
}

namespace herald::app {

/// A herald node: the routes it serves and the machinery that serves them (listener, I/O
/// threads, CAF actor system). Declare routes, `start`, then `wait` until a signal or `stop`.
///
///     herald::app::server node{cfg};
///     node.get("/hello/{name}", [](const herald::net::request_context& rq) {
///       return herald::net::make_response(herald::net::status::ok,
///                                         "hello " + std::string{rq.param("name")});
///     });
///     node.start();
///     node.stop_on_signals();
///     node.wait();
///
/// Every node also answers `GET /health` and `GET /ready`.
class server {
 public:
  explicit server(config cfg);
  ~server();

  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // -- declaring routes (before start) --------------------------------------------------------

  /// Serves `method pattern` with `h`; `{name}` segments capture path parameters. Throws
  /// std::invalid_argument for a malformed or duplicate pattern, std::logic_error after start.
  server& route(net::verb method, std::string_view pattern, net::handler h);
  server& get(std::string_view pattern, net::handler h);
  server& post(std::string_view pattern, net::handler h);
  server& put(std::string_view pattern, net::handler h);
  server& patch(std::string_view pattern, net::handler h);
  server& del(std::string_view pattern, net::handler h);

  /// Serves `method pattern` with a handler that answers later, from any thread, through the
  /// `net::responder` it receives (which answers 500 if dropped unanswered).
  server& deferred(net::verb method, std::string_view pattern, net::deferred_handler h);

  // -- running --------------------------------------------------------------------------------

  /// Binds, then serves in the background. Throws std::system_error naming the address when
  /// it cannot listen.
  void start();

  /// The bound port (the real one when the config asked for port 0).
  std::uint16_t port() const;

  /// Makes SIGINT and SIGTERM request a graceful stop.
  void stop_on_signals();

  /// Requests a graceful stop; thread-safe, returns at once.
  void stop();

  /// Blocks until a stop is requested, then stops accepting, lets in-flight exchanges finish
  /// (bounded by `shutdown_grace`), closes what is left and stops every thread.
  void wait();

  /// True from the moment a stop is requested.
  bool draining() const noexcept;

  const config& settings() const noexcept;

  /// Connections open right now (0 before start).
  std::size_t open_connections() const;

  /// The actor system, for code that spawns its own actors next to the node's.
  caf::actor_system& actors();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace herald::app
