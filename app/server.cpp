#include "app/server.hpp"

#include "actors/connection.hpp"
#include "actors/route_supervisor.hpp"
#include "actors/task_messages.hpp"
#include "actors/task_registry.hpp"
#include "app/task_api.hpp"
#include "net/listener.hpp"
#include "net/log.hpp"

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <stdexcept>
#include <sys/resource.h>
#include <system_error>
#include <thread>
#include <vector>

namespace herald::app {

namespace asio = boost::asio;

namespace {

class system_config : public caf::actor_system_config {
 public:
  explicit system_config(unsigned workers) {
    set("scheduler.max-threads", static_cast<std::size_t>(workers));
  }
};

/// Lets the process hold as many sockets as the hard limit allows.
void raise_file_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

} // namespace

struct server::impl {
  explicit impl(config c)
      : cfg(std::move(c)), ioc(static_cast<int>(cfg.io_threads)), work(ioc.get_executor()),
        system_cfg(cfg.scheduler_threads), system(system_cfg) {}

  // Declared in destruction order's reverse: the io_context outlives the actors, whose
  // state holds the sessions, whose sockets need it.
  const config cfg;
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  system_config system_cfg;
  caf::actor_system system;
  // Declared after the system, so released before it waits for its actors.
  caf::actor registry;
  std::vector<caf::actor> supervisors;
  std::shared_ptr<actors::task_census> census = std::make_shared<actors::task_census>();
  std::size_t abandoned = 0;

  std::shared_ptr<net::service> service = std::make_shared<net::service>();
  std::shared_ptr<net::listener> listener;
  std::unique_ptr<asio::signal_set> signals;
  std::vector<std::thread> threads;

  std::mutex stop_mutex;
  std::condition_variable stop_cv;
  bool stop_requested = false;
  std::atomic<bool> draining{false};
  bool started = false;
  bool finished = false;

  void shutdown();
  void stop_actors();
};

server::server(config cfg) : impl_(std::make_unique<impl>(std::move(cfg))) {
  log::set_level(impl_->cfg.log_level);
  actors::registry_settings registry_settings;
  registry_settings.retention = impl_->cfg.tasks.retention;
  registry_settings.max_retained = impl_->cfg.tasks.max_retained;
  impl_->registry = actors::spawn_task_registry(impl_->system, registry_settings);
  add_task_endpoints(*impl_->service, impl_->registry);
  impl_->service->on_error([](std::string_view route, std::string_view what) {
    log::error("handler of ", route, " failed: ", what);
  });
  get("/health", [](const net::request_context&) {
    return net::make_response(net::status::ok, R"({"status":"ok"})", "application/json");
  });
  get("/ready", [state = impl_.get()](const net::request_context&) {
    if (state->draining.load(std::memory_order_relaxed))
      return net::error_response(net::http_error::shutting_down);
    return net::make_response(net::status::ok, R"({"status":"ready"})", "application/json");
  });
}

server::~server() {
  if (impl_->started && !impl_->finished) {
    stop();
    wait();
  }
  if (!impl_->started)
    impl_->stop_actors();
}

server& server::route(net::verb method, std::string_view pattern, net::handler h) {
  if (impl_->started)
    throw std::logic_error("routes must be declared before the server starts");
  impl_->service->add(method, pattern, std::move(h));
  return *this;
}

server& server::deferred(net::verb method, std::string_view pattern, net::deferred_handler h) {
  if (impl_->started)
    throw std::logic_error("routes must be declared before the server starts");
  impl_->service->add_deferred(method, pattern, std::move(h));
  return *this;
}

server& server::async_route(net::verb method, std::string_view pattern, async_options options,
                            task_body body) {
  if (impl_->started)
    throw std::logic_error("routes must be declared before the server starts");
  auto refuse = [&](std::string_view why) {
    throw std::invalid_argument("async route " + std::string{pattern} + ": " + std::string{why});
  };
  if (options.max_concurrent == 0)
    refuse("max_concurrent must be at least 1");
  if (options.timeout && options.timeout->count() < 0)
    refuse("timeout must not be negative (nullopt for none)");
  if (options.timeout && *options.timeout > std::chrono::hours{24 * 366 * 100})
    refuse("timeout above 100 years; use nullopt for none");
  if (!body)
    refuse("no task body");
  auto spec = std::make_shared<actors::route_spec>();
  spec->method = std::string{net::http::to_string(method)};
  spec->path = std::string{pattern};
  spec->route_id = "[" + spec->method + "]" + spec->path;
  static_cast<actors::route_options&>(*spec) = options;
  spec->body = std::move(body);
  auto make_id = options.id_generator ? std::move(options.id_generator)
                                      : std::function<std::string()>{random_task_id};
  // Declare the route first: a malformed or duplicate pattern throws before any actor exists.
  auto& s = *impl_;
  actors::supervisor_settings settings;
  settings.cancel_grace = s.cfg.tasks.cancel_grace;
  auto supervisor = actors::spawn_route_supervisor(s.system, spec, s.registry, settings, s.census);
  try {
    s.service->add_deferred(method, pattern, invoke_handler(spec, supervisor, std::move(make_id)));
  } catch (...) {
    caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
    throw;
  }
  s.supervisors.push_back(std::move(supervisor));
  return *this;
}

server& server::get(std::string_view p, net::handler h) {
  return route(net::verb::get, p, std::move(h));
}
server& server::post(std::string_view p, net::handler h) {
  return route(net::verb::post, p, std::move(h));
}
server& server::put(std::string_view p, net::handler h) {
  return route(net::verb::put, p, std::move(h));
}
server& server::patch(std::string_view p, net::handler h) {
  return route(net::verb::patch, p, std::move(h));
}
server& server::del(std::string_view p, net::handler h) {
  return route(net::verb::delete_, p, std::move(h));
}

void server::start() {
  auto& s = *impl_;
  if (s.started)
    throw std::logic_error("server already started");
  raise_file_limit();
  std::signal(SIGPIPE, SIG_IGN);
  asio::ip::tcp::endpoint endpoint{asio::ip::make_address(s.cfg.bind), s.cfg.port};
  std::shared_ptr<const net::service> svc = s.service;
  try {
    s.listener = std::make_shared<net::listener>(
        s.ioc, endpoint, s.cfg.limits,
        [&system = s.system, svc](std::shared_ptr<net::session> session) {
          actors::spawn_connection(system, std::move(session), svc);
        },
        [](std::string_view what) { log::warn(what); });
  } catch (const boost::system::system_error& e) {
    throw std::system_error(e.code(),
                            "cannot listen on " + s.cfg.bind + ":" + std::to_string(s.cfg.port));
  }
  s.listener->start();
  s.started = true;
  for (unsigned i = 0; i < s.cfg.io_threads; ++i)
    s.threads.emplace_back([&ioc = s.ioc] { ioc.run(); });
  log::info("herald listening on ", s.cfg.bind, ":", port(), " (", s.cfg.io_threads,
            " I/O thread(s), ", s.cfg.scheduler_threads, " actor worker(s))");
}

std::uint16_t server::port() const {
  return impl_->listener ? impl_->listener->local_endpoint().port() : impl_->cfg.port;
}

void server::stop_on_signals() {
  auto& s = *impl_;
  s.signals = std::make_unique<asio::signal_set>(s.ioc, SIGINT, SIGTERM);
  s.signals->async_wait([this](boost::system::error_code ec, int signo) {
    if (ec)
      return;
    log::info("received ", signo == SIGINT ? "SIGINT" : "SIGTERM", ", stopping");
    stop();
  });
}

void server::stop() {
  auto& s = *impl_;
  s.draining.store(true, std::memory_order_relaxed);
  {
    std::lock_guard guard{s.stop_mutex};
    s.stop_requested = true;
  }
  s.stop_cv.notify_all();
}

void server::wait() {
  auto& s = *impl_;
  if (!s.started || s.finished)
    return;
  {
    std::unique_lock guard{s.stop_mutex};
    s.stop_cv.wait(guard, [&] { return s.stop_requested; });
  }
  s.shutdown();
}

void server::impl::shutdown() {
  // 1. No new connections; 2. every connection finishes the exchange it is in and closes;
  // 3. after the grace period whatever is left is closed; 4. the threads run dry and stop.
  listener->stop_accepting();
  // Unfinished tasks end as "Aborted by System" and their bodies are asked to stop; `?wait=`
  // holds are answered, so the connections below can finish.
  caf::anon_send(registry, actors::shutdown_atom::value);
  auto started_at = std::chrono::steady_clock::now();
  auto& sessions = listener->sessions();
  log::info("draining ", sessions.size(), " connection(s), grace ", cfg.shutdown_grace.count(),
            " ms");
  sessions.start_draining();
  sessions.for_each([](net::session& x) { x.drain(); });
  if (!sessions.wait_empty(cfg.shutdown_grace)) {
    log::warn("closing ", sessions.size(), " connection(s) still open after the grace period");
    sessions.for_each([](net::session& x) { x.close(); });
    sessions.wait_empty(std::chrono::seconds{2});
  }
  // Task bodies get what is left of the grace period to return.
  auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started_at);
  auto left = std::max(std::chrono::milliseconds{100}, cfg.shutdown_grace - spent);
  abandoned = census->wait_empty(left);
  if (abandoned > 0)
    log::error(abandoned, " task bod", abandoned == 1 ? "y" : "ies",
               " still running after the grace period (they ignore cancellation)");
  stop_actors();
  if (signals) {
    boost::system::error_code ignored;
    signals->cancel(ignored);
  }
  work.reset();
  // The io_context returns from run() once the last closing handlers have run; bound the wait.
  for (int i = 0; i < 300 && !ioc.stopped(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  ioc.stop();
  for (auto& t : threads)
    t.join();
  threads.clear();
  // Run what was posted but not yet run (connection actors' last messages), so every actor
  // has stopped before the actor system waits for them.
  ioc.restart();
  ioc.poll();
  finished = true;
  log::info("stopped");
}

void server::impl::stop_actors() {
  for (auto& sup : supervisors)
    caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
  if (registry)
    caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
  supervisors.clear();
  registry = nullptr;
}

std::size_t server::abandoned_tasks() const {
  return impl_->abandoned;
}

bool server::draining() const noexcept {
  return impl_->draining.load(std::memory_order_relaxed);
}

std::size_t server::open_connections() const {
  return impl_->listener ? impl_->listener->sessions().size() : 0;
}

const config& server::settings() const noexcept {
  return impl_->cfg;
}

caf::actor_system& server::actors() {
  return impl_->system;
}

} // namespace herald::app
