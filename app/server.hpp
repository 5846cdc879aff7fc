#pragma once

#include "actors/async_route.hpp"
#include "app/access.hpp"
#include "app/config.hpp"
#include "net/request_context.hpp"
#include "net/responses.hpp"
#include "net/service.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace caf {
class actor_system;
}

namespace boost::asio {
class io_context;
}

namespace herald::app {

/// What a task body receives and returns (see actors/task_context.hpp).
using task_context = actors::task_context;
using task_body = actors::task_body;

/// The options of an async route (SPEC §3): the limits of `actors::route_options` (every
/// default is Pode's) and how task ids are made.
struct async_options : actors::route_options {
  /// Makes each task's id; default `random_task_id` (128 random bits, GUID form). Ids must be
  /// unique: an id in use is answered 409.
  std::function<std::string()> id_generator;
  /// Who may invoke it, and who may read and cancel its tasks besides the invoker (SPEC §4.8).
  /// Its SSE group is read under the same rule unless `sse.groups` names the group.
  route_access access;
};

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
/// Every node also answers `GET /health`, `GET /ready`, the task endpoints
/// `GET /tasks/{id}`, `DELETE /tasks/{id}` and `POST /tasks/query`, and the SSE endpoints
/// `GET /sse/{group}` and `POST /sse/{group}` (with `sse.publisher_key`), and, unless
/// `ui.enabled` is false, the demo page: `GET /`, `GET /ui/{file}`, `GET /ui/routes` (so an app
/// with its own `GET /` turns the page off). Unless `admin.enabled` is false, a second
/// listener on `admin.bind:admin.port` serves the admin API (with `admin.key`) and
/// `GET /metrics` (see admin_api.hpp).
class server {
 public:
  /// Throws auth_setup_error (authenticator.hpp) when a key or file of `auth` cannot be used.
  explicit server(config cfg);
  ~server();

  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // -- declaring routes (before start) --------------------------------------------------------

  /// Serves `method pattern` with `h`; `{name}` segments capture path parameters. Throws
  /// std::invalid_argument for a malformed or duplicate pattern, std::logic_error after start.
  /// `access` says who may call it (by default: anyone, or anyone with a credential when
  /// `auth.required`); the handler finds the caller in `request_context::caller()`.
  server& route(net::verb method, std::string_view pattern, net::handler h,
                route_access access = {});
  server& get(std::string_view pattern, net::handler h, route_access access = {});
  server& post(std::string_view pattern, net::handler h, route_access access = {});
  server& put(std::string_view pattern, net::handler h, route_access access = {});
  server& patch(std::string_view pattern, net::handler h, route_access access = {});
  server& del(std::string_view pattern, net::handler h, route_access access = {});

  /// Serves `method pattern` with a handler that answers later, from any thread, through the
  /// `net::responder` it receives (which answers 500 if dropped unanswered).
  server& deferred(net::verb method, std::string_view pattern, net::deferred_handler h,
                   route_access access = {});

  /// Serves `method pattern` as an async route: each call creates a task running `body` under
  /// the route's supervisor and answers 202 with the task object at once. Task state is read
  /// and changed through `/tasks/{id}` and `/tasks/query`. Throws std::invalid_argument for
  /// a malformed pattern or options (`max_concurrent` 0, a negative timeout, no body).
  server& async_route(net::verb method, std::string_view pattern, async_options options,
                      task_body body);

  /// The same, for work that runs outside any task thread: `start` receives the task's
  /// `task_run`, returns at once, and the work calls `finish` later, from any thread (a child
  /// process driven by the I/O threads, say). `blocking` does not apply.
  server& async_route(net::verb method, std::string_view pattern, async_options options,
                      actors::task_starter start);

  /// Serves a command route (SPEC §4.11): an async route whose tasks run `r.program`. Its
  /// program is `r.program.program`, or `argv[0]` found now (on `PATH` when it has no `/`).
  /// Throws std::invalid_argument naming the route when there is no program to run, or for
  /// what `async_route` refuses. The routes of `config::routes` are declared by the
  /// constructor.
  server& command_route(const app::command_route& r);

  /// Serves `GET pattern` as the event stream of SSE group `group` (a plain SSE route: any
  /// code publishes into the group with `publish`). Every group is also streamed at
  /// `GET /sse/{group}`. The group is read under `access` unless `sse.groups` names it.
  server& sse_route(std::string_view pattern, std::string group, route_access access = {});

  /// Publishes an event into SSE group `group` (thread-safe, returns at once): every stream
  /// of the group receives `event: <event>` (none when empty: a `message`) and `data`, with
  /// the group's next id. With a `key`, a repeat of a key still in the group's replay ring is
  /// not delivered again. False, publishing nothing, when `sse.publish_backlog` events are
  /// already waiting (retry later) or the group or event name is invalid.
  bool publish(std::string group, std::string event, std::string data, std::string key = {});

  // -- running --------------------------------------------------------------------------------

  /// Binds, then serves in the background. Throws std::system_error naming the address when
  /// it cannot listen.
  void start();

  /// The bound port (the real one when the config asked for port 0).
  std::uint16_t port() const;

  /// The admin listener's bound port; nullopt when `admin.enabled` is false.
  std::optional<std::uint16_t> admin_port() const;

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

  /// Task bodies still running after `wait` gave up on them (they ignored cancellation).
  std::size_t abandoned_tasks() const;

  /// The actor system, for code that spawns its own actors next to the node's.
  caf::actor_system& actors();

  /// The I/O threads' context, for work that runs on them (child processes' pipes).
  boost::asio::io_context& io_context();

 private:
  server& add_async_route(net::verb method, std::string_view pattern, async_options options,
                          task_body body, actors::task_starter start);

  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace herald::app
