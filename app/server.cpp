#include "app/server.hpp"

#include "actors/actor_scheduler.hpp"
#include "actors/connection.hpp"
#include "actors/route_supervisor.hpp"
#include "actors/sse_directory.hpp"
#include "actors/sse_messages.hpp"
#include "actors/task_messages.hpp"
#include "actors/task_registry.hpp"
#include "app/admin_api.hpp"
#include "app/authenticator.hpp"
#include "app/callback_sender.hpp"
#include "app/command_runner.hpp"
#include "app/ids.hpp"
#include "app/sqlite_store.hpp"
#include "app/sse_api.hpp"
#include "app/store_writer.hpp"
#include "app/task_api.hpp"
#include "app/web_ui.hpp"
#include "app/webhook_signature.hpp"
#include "net/allow_list.hpp"
#include "net/http_client.hpp"
#include "net/http_url.hpp"
#include "net/listener.hpp"
#include "net/log.hpp"
#include "net/metrics.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <set>
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
    // Work sharing: workers wait on a condition variable when idle. CAF's default (work
    // stealing) polls with short sleeps for a while after each message: under light, steady
    // load (a paced SSE publisher) that kept a core busy waking up, and halved fan-out
    // throughput.
    actors::use_node_scheduler(*this);
  }
};

/// What start-up says of `auth`: which credentials are accepted (never a secret), and a
/// warning for each key written in the clear.
void log_auth(const auth_settings& a) {
  if (!a.enabled())
    return;
  for (const auto& k : a.keys)
    if (k.plain)
      log::warn("auth.keys: the key of user '", k.who.user,
                "' is written in the clear; store its key_sha256 instead");
  log::info("auth: ", a.keys.size(), " API key(s)", a.jwt ? ", JWTs" : "",
            a.cookie.empty() ? "" : ", cookie '" + a.cookie + "'",
            a.required ? "; every route needs a credential unless it says otherwise" : "");
}

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
      : cfg(std::move(c)), auth(std::make_shared<const authenticator>(cfg.auth)),
        ioc(static_cast<int>(cfg.io_threads)), work(ioc.get_executor()),
        system_cfg(cfg.scheduler_threads), system(system_cfg) {}

  // Declared in destruction order's reverse: the io_context outlives the actors, whose
  // state holds the sessions, whose sockets need it.
  const config cfg;
  /// Checks credentials (SPEC §4.8); built first, so that a bad `auth` stops start-up before
  /// anything runs.
  std::shared_ptr<const authenticator> auth;
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  system_config system_cfg;
  caf::actor_system system;
  // Declared after the system, so released before it waits for its actors.
  /// Runs the programs of command routes; made with the first one.
  std::unique_ptr<command_runner> commands;
  /// Completion callbacks (SPEC §4.7): their HTTP client and the actor that owns them.
  std::shared_ptr<net::http_client> callback_client;
  callback_sender_actor callbacks;
  /// The durable task store's writer (`tasks.store: "sqlite:PATH"`; null for `memory`), where
  /// it writes, and how it is doing (`/ready`, `/metrics`, `GET /admin/store`).
  actors::task_store_actor store;
  std::string store_path;
  std::shared_ptr<actors::store_health> store_health;
  actors::task_registry_actor registry;
  actors::sse_directory_actor sse_directory;
  std::shared_ptr<sse_context> sse;
  std::vector<actors::route_supervisor_actor> supervisors;
  std::shared_ptr<actors::task_census> census = std::make_shared<actors::task_census>();
  std::size_t abandoned = 0;
  std::set<std::string> events_patterns;
  /// Publish-to-write latency of every group's fan-outs (`/metrics`).
  std::shared_ptr<net::histogram> publish_latency = std::make_shared<net::histogram>();
  std::chrono::steady_clock::time_point started_at = std::chrono::steady_clock::now();
  /// The async routes as declared, for the demo page's route list.
  std::vector<std::shared_ptr<const actors::route_spec>> async_routes;

  std::shared_ptr<net::service> service = std::make_shared<net::service>();
  std::shared_ptr<net::listener> listener;
  /// The admin API and `/metrics`, on a listener of their own (`admin.*`).
  std::shared_ptr<net::service> admin_service;
  std::shared_ptr<net::listener> admin_listener;
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
  void start_callbacks();
  actors::registry_store open_store(actors::sse_links& links);
  std::shared_ptr<net::listener> listen(const std::string& bind, std::uint16_t port,
                                        std::shared_ptr<const net::service> svc,
                                        std::shared_ptr<net::client_limits> clients = nullptr);
  void start_admin();
};

server::server(config cfg) : impl_(std::make_unique<impl>(std::move(cfg))) {
  auto& s = *impl_;
  log::set_level(s.cfg.log_level);
  // The registry publishes task events into groups, and per-task streams replay from the
  // registry: each needs the other, so the registry introduces itself to the directory as it
  // starts, before its first event.
  actors::sse_links group_links;
  group_links.latency = s.publish_latency;
  // Per-task event ids carry the node's start time, so a restarted node's are never taken
  // for a continuation; with a store, the store's epoch instead, since its tasks' streams do
  // continue (open_store).
  group_links.task_epoch =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  auto store = s.open_store(group_links);
  s.sse_directory = actors::spawn_sse_directory(s.system, s.cfg.sse.groups, group_links);
  s.start_callbacks();
  s.registry = actors::spawn_task_registry(s.system, s.cfg.tasks.registry, s.sse_directory,
                                           s.callbacks, std::move(store));
  caf::anon_send(s.callbacks, caf::put_atom::value, s.registry);
  s.sse = std::make_shared<sse_context>();
  s.sse->cfg = s.cfg.sse;
  s.sse->directory = s.sse_directory;
  s.sse->registry = s.registry;
  s.sse->auth = s.auth;
  for (const auto& [name, rule] : s.cfg.sse.group_rules)
    s.sse->groups.emplace(name, group_policy{true, rule.read, rule.publish});
  log_auth(s.cfg.auth);
  add_task_endpoints(*s.service, s.registry, s.cfg.tasks.query_max_value_bytes, s.auth);
  add_sse_endpoints(*s.service, s.sse);
  impl_->service->on_error([](std::string_view route, std::string_view what) {
    log::error("handler of ", route, " failed: ", what);
  });
  // Probes of load balancers and orchestrators carry no credential.
  get(
      "/health",
      [](const net::request_context&) {
        return net::make_response(net::status::ok, R"({"status":"ok"})", "application/json");
      },
      route_access::open());
  get(
      "/ready",
      [state = impl_.get()](const net::request_context&) {
        if (state->draining.load(std::memory_order_relaxed))
          return net::error_response(net::http_error::shutting_down);
        // A store that cannot write: this node still serves, but what it acknowledges is not
        // kept, so a balancer should prefer another.
        if (state->store_health && state->store_health->failing.load(std::memory_order_relaxed)) {
          boost::json::object body{
              {"status", "not ready"},
              {"reason", "task store failing: " + state->store_health->last_error()}};
          return net::json_response(net::status::service_unavailable, body);
        }
        return net::make_response(net::status::ok, R"({"status":"ready"})", "application/json");
      },
      route_access::open());
  // The page is public: it asks for a key itself when the routes it calls need one.
  if (s.cfg.ui.enabled)
    add_web_ui(*s.service, s.async_routes);
  try {
    for (const auto& r : s.cfg.routes)
      command_route(r);
  } catch (...) {
    s.stop_actors();
    throw;
  }
}

server::~server() {
  if (impl_->started && !impl_->finished) {
    stop();
    wait();
  }
  if (!impl_->started)
    impl_->stop_actors();
}

server& server::route(net::verb method, std::string_view pattern, net::handler h,
                      route_access access) {
  if (impl_->started)
    throw std::logic_error("routes must be declared before the server starts");
  impl_->service->add(method, pattern, guarded(impl_->auth, std::move(access), std::move(h)));
  return *this;
}

server& server::deferred(net::verb method, std::string_view pattern, net::deferred_handler h,
                         route_access access) {
  if (impl_->started)
    throw std::logic_error("routes must be declared before the server starts");
  impl_->service->add_deferred(method, pattern,
                               guarded(impl_->auth, std::move(access), std::move(h)));
  return *this;
}

server& server::async_route(net::verb method, std::string_view pattern, async_options options,
                            task_body body) {
  if (!body)
    throw std::invalid_argument("async route " + std::string{pattern} + ": no task body");
  return add_async_route(method, pattern, std::move(options), std::move(body), {});
}

server& server::async_route(net::verb method, std::string_view pattern, async_options options,
                            actors::task_starter start) {
  if (!start)
    throw std::invalid_argument("async route " + std::string{pattern} + ": no task starter");
  return add_async_route(method, pattern, std::move(options), {}, std::move(start));
}

server& server::add_async_route(net::verb method, std::string_view pattern, async_options options,
                                task_body body, actors::task_starter start) {
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
  if (options.sse && !options.sse->group.empty() && !valid_group_name(options.sse->group))
    refuse("the SSE group name must be 1 to 256 bytes of UTF-8 without control characters");
  if (options.callback) {
    auto& cb = *options.callback;
    std::string why;
    if (cb.method != "POST" && cb.method != "PUT")
      refuse("callback method must be POST or PUT");
    if (!cb.url.empty() && !net::parse_http_url(cb.url, why))
      refuse("callback url: " + why);
    if (cb.url.empty() && cb.url_field.empty())
      refuse("callback needs a url or a url_field");
    if (!cb.secrets.empty() && !webhook_signer::make(cb.secrets, why))
      refuse("callback secrets: " + why);
    for (const auto& [name, value] : cb.headers)
      if (auto problem = callback_header_problem(name, value); !problem.empty())
        refuse("callback header " + name + ": " + problem);
    if (cb.event_name.empty()) {
      // Pode's default: the path with each `/` made `_`, then `_Callback`.
      cb.event_name = std::string{pattern};
      std::replace(cb.event_name.begin(), cb.event_name.end(), '/', '_');
      cb.event_name += "_Callback";
    }
  }
  auto spec = std::make_shared<actors::route_spec>();
  spec->method = std::string{net::http::to_string(method)};
  spec->path = std::string{pattern};
  spec->route_id = "[" + spec->method + "]" + spec->path;
  static_cast<actors::route_options&>(*spec) = options;
  if (spec->sse) {
    spec->events_pattern = events_pattern(pattern);
    spec->sse_group = spec->sse->group.empty() ? spec->path : spec->sse->group;
  }
  if (spec->callback)
    spec->callback_shared = std::make_shared<const actors::callback_options>(*spec->callback);
  spec->body = std::move(body);
  spec->start = std::move(start);
  auto make_id = options.id_generator ? std::move(options.id_generator)
                                      : std::function<std::string()>{random_task_id};
  // Declare the route first: a malformed or duplicate pattern throws before any actor exists.
  auto& s = *impl_;
  auto supervisor =
      actors::spawn_route_supervisor(s.system, spec, s.registry, s.cfg.tasks.supervisor, s.census);
  auto owners = std::make_shared<task_ownership>();
  owners->access = options.access;
  owners->auth = s.auth;
  owners->retention = s.cfg.tasks.registry.retention;
  try {
    s.service->add_deferred(
        method, pattern,
        guarded(s.auth, options.access,
                invoke_handler(spec, supervisor, std::move(make_id), std::move(owners))));
    // Several routes on one path (GET and POST /jobs) share one events endpoint.
    // A route's group does not count against sse.max_groups: the routes bound how many
    // such groups there are, and task events must always find theirs.
    if (spec->sse) {
      caf::anon_send(s.sse_directory, actors::sse_declare_atom::value, spec->sse_group);
      declare_group(*s.sse, spec->sse_group, options.access);
    }
    if (spec->sse && !s.events_patterns.contains(spec->events_pattern)) {
      add_route_events(*s.service, s.sse, *spec);
      s.events_patterns.insert(spec->events_pattern);
    }
  } catch (...) {
    caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
    throw;
  }
  s.supervisors.push_back(std::move(supervisor));
  s.async_routes.push_back(std::move(spec));
  return *this;
}

server& server::command_route(const app::command_route& r) {
  auto& s = *impl_;
  auto name = "command route " + r.method + " " + r.path;
  auto spec = std::make_shared<command_spec>(r.program);
  if (spec->argv.empty() && spec->program.empty())
    throw std::invalid_argument(name + ": command: an empty argv");
  if (spec->program.empty()) {
    auto found = find_program(spec->argv.front());
    if (!found)
      throw std::invalid_argument(
          name + ": command: no executable " + spec->argv.front() +
          (spec->argv.front().find('/') == std::string::npos ? " on PATH" : ""));
    spec->program = std::move(*found);
  }
  auto method = net::http::string_to_verb(r.method);
  if (method == net::verb::unknown)
    throw std::invalid_argument(name + ": method: unknown");
  async_options o;
  o.max_concurrent = r.max_concurrent;
  o.max_queued = r.max_queued;
  if (r.timeout && r.timeout->count() > 0)
    o.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*r.timeout);
  else
    o.timeout = std::nullopt;
  o.cancellable = r.cancellable;
  // The body goes to the program's stdin as received: any bytes, JSON or not.
  o.json_body = false;
  if (r.sse)
    o.sse = actors::sse_options{r.sse_group, r.sse_send_result};
  else
    o.sse = std::nullopt;
  o.access = r.access;
  o.callback = r.callback;
  if (!s.commands)
    s.commands = std::make_unique<command_runner>(s.ioc);
  auto route_id = "[" + std::string{net::http::to_string(method)} + "]" + r.path;
  return async_route(method, r.path, std::move(o), s.commands->starter(spec, route_id));
}

server& server::sse_route(std::string_view pattern, std::string group, route_access access) {
  if (impl_->started)
    throw std::logic_error("routes must be declared before the server starts");
  auto name = group;
  declare_group(*impl_->sse, name, access);
  add_group_stream(*impl_->service, impl_->sse, pattern, std::move(group));
  caf::anon_send(impl_->sse_directory, actors::sse_declare_atom::value, std::move(name));
  return *this;
}

bool server::publish(std::string group, std::string event, std::string data, std::string key) {
  return app::publish(*impl_->sse, std::move(group), std::move(event), std::move(data),
                      std::move(key));
}

server& server::get(std::string_view p, net::handler h, route_access access) {
  return route(net::verb::get, p, std::move(h), std::move(access));
}
server& server::post(std::string_view p, net::handler h, route_access access) {
  return route(net::verb::post, p, std::move(h), std::move(access));
}
server& server::put(std::string_view p, net::handler h, route_access access) {
  return route(net::verb::put, p, std::move(h), std::move(access));
}
server& server::patch(std::string_view p, net::handler h, route_access access) {
  return route(net::verb::patch, p, std::move(h), std::move(access));
}
server& server::del(std::string_view p, net::handler h, route_access access) {
  return route(net::verb::delete_, p, std::move(h), std::move(access));
}

void server::start() {
  auto& s = *impl_;
  if (s.started)
    throw std::logic_error("server already started");
  raise_file_limit();
  std::signal(SIGPIPE, SIG_IGN);
  // Per-address bounds apply to the public listener only: the admin port's clients are the
  // operators' own tools.
  std::shared_ptr<net::client_limits> clients;
  if (s.cfg.limits.max_connections_per_ip > 0 || s.cfg.limits.requests_per_second_per_ip > 0)
    clients = std::make_shared<net::client_limits>(s.cfg.limits.max_connections_per_ip,
                                                   s.cfg.limits.requests_per_second_per_ip,
                                                   s.cfg.limits.request_burst_per_ip);
  s.listener = s.listen(s.cfg.bind, s.cfg.port, s.service, std::move(clients));
  if (s.cfg.admin.enabled)
    s.start_admin();
  s.listener->start();
  if (s.admin_listener)
    s.admin_listener->start();
  s.started = true;
  for (unsigned i = 0; i < s.cfg.io_threads; ++i)
    s.threads.emplace_back([&ioc = s.ioc] { ioc.run(); });
  if (s.admin_listener)
    log::info("admin API and /metrics on ", s.cfg.admin.bind, ":", *admin_port());
  log::info("herald listening on ", s.cfg.bind, ":", port(), " (", s.cfg.io_threads,
            " I/O thread(s), ", s.cfg.scheduler_threads, " actor worker(s))");
}

std::shared_ptr<net::listener> server::impl::listen(const std::string& bind, std::uint16_t port,
                                                    std::shared_ptr<const net::service> svc,
                                                    std::shared_ptr<net::client_limits> clients) {
  asio::ip::tcp::endpoint endpoint{asio::ip::make_address(bind), port};
  try {
    return std::make_shared<net::listener>(
        ioc, endpoint, cfg.limits,
        [&system = system, svc = std::move(svc)](std::shared_ptr<net::session> session) {
          actors::spawn_connection(system, std::move(session), svc);
        },
        [](std::string_view what) { log::warn(what); }, std::move(clients));
  } catch (const boost::system::system_error& e) {
    throw std::system_error(e.code(), "cannot listen on " + bind + ":" + std::to_string(port));
  }
}

void server::impl::start_callbacks() {
  std::string error;
  auto allow = net::allow_list::parse(cfg.callbacks.allow, error);
  if (!allow) // the configuration was checked: only a config built in code gets here
    throw std::invalid_argument("callbacks.allow: " + error);
  auto shared_allow = std::make_shared<const net::allow_list>(std::move(*allow));
  net::http_client_settings client;
  client.connect_timeout = cfg.callbacks.connect_timeout;
  client.tls_timeout = cfg.callbacks.connect_timeout;
  client.response_timeout = cfg.callbacks.response_timeout;
  client.ca_file = cfg.callbacks.ca_file;
  callback_client = net::http_client::make(
      ioc, client,
      [shared_allow](std::string_view host, std::string_view address) {
        return shared_allow->refusal(host, address);
      },
      error);
  if (!callback_client)
    throw std::invalid_argument("callbacks.ca_file: " + error);
  if (!shared_allow->empty())
    log::info("callbacks allowed to ", shared_allow->entries().size(), " host(s) and range(s)");
  callbacks = spawn_callback_sender(system, {cfg.callbacks, shared_allow, callback_client});
}

/// Opens the store named by `tasks.store` and reads what it holds (throws `store_error`, which
/// stops start-up, when it cannot); nothing for `memory`. Per-task event ids then carry the
/// store's epoch, so that a stream resumes across restarts.
actors::registry_store server::impl::open_store(actors::sse_links& links) {
  actors::registry_store out;
  auto path = parse_store_url(cfg.tasks.store).value_or(std::string{});
  if (path.empty())
    return out;
  auto started = std::chrono::steady_clock::now();
  auto db = std::make_shared<sqlite_store>(
      sqlite_options{path, cfg.tasks.store_sync == "full", cfg.tasks.store_max_bytes});
  out.restored = db->load();
  links.task_epoch = db->epoch();
  store_path = path;
  store_health = std::make_shared<actors::store_health>();
  out.actor = spawn_store_writer(system, std::move(db), store_health);
  store = out.actor;
  log::info("task store ", path, ": ", out.restored.size(), " task(s) read in ",
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  started)
                .count(),
            " ms");
  return out;
}

void server::impl::start_admin() {
  auto ctx = std::make_shared<admin_context>();
  ctx->key = cfg.admin.key;
  ctx->system = &system;
  ctx->registry = registry;
  ctx->directory = caf::actor_cast<caf::actor>(sse_directory);
  ctx->supervisors = supervisors;
  ctx->callbacks = caf::actor_cast<caf::actor>(callbacks);
  ctx->store = [health = store_health, path = store_path] {
    return describe_store(health.get(), path);
  };
  ctx->sse = sse;
  ctx->latency = publish_latency;
  ctx->top_groups = cfg.admin.metrics_top_groups;
  // The listener outlives every request to the admin service (both stop at shutdown).
  ctx->connections = [l = std::weak_ptr<net::listener>{listener}] {
    std::vector<caf::actor> out;
    if (auto strong = l.lock())
      for (const auto& owner : strong->sessions().owners())
        if (const auto* connection = actors::connection_of(owner.get()))
          out.push_back(caf::actor_cast<caf::actor>(connection->actor()));
    return out;
  };
  ctx->counters = [l = std::weak_ptr<net::listener>{listener}, started = started_at,
                   sys = &system] {
    node_counters n;
    n.uptime_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    n.actors_running = sys->registry().running();
    if (auto strong = l.lock()) {
      auto& sessions = strong->sessions();
      n.open_connections = sessions.size();
      n.accepted = sessions.accepted();
      n.refused = strong->refused();
      if (const auto* clients = strong->clients())
        n.rate_limited = clients->refused_requests();
      for (unsigned c = 1; c <= 5; ++c)
        n.responses[c - 1] = sessions.responses(c);
    }
    return n;
  };
  admin_service = std::make_shared<net::service>();
  admin_service->on_error([](std::string_view route, std::string_view what) {
    log::error("admin handler of ", route, " failed: ", what);
  });
  add_admin_endpoints(*admin_service, std::move(ctx));
  admin_listener = listen(cfg.admin.bind, cfg.admin.port, admin_service);
  if (cfg.admin.key.empty())
    log::info("admin API without a key: /admin answers 403 (set admin.key); /metrics is served");
}

std::optional<std::uint16_t> server::admin_port() const {
  if (!impl_->admin_listener)
    return std::nullopt;
  return impl_->admin_listener->local_endpoint().port();
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
  if (admin_listener) {
    // Operations traffic ends first: nothing it asks for matters once the node stops.
    admin_listener->stop_accepting();
    admin_listener->sessions().start_draining();
    admin_listener->sessions().for_each([](net::session& x) { x.close(); });
  }
  // From here every answer is a connection's last and says `Connection: close`: also the
  // `?wait=` holds that the aborts below answer.
  auto& sessions = listener->sessions();
  sessions.start_draining();
  // Unfinished tasks end as "Aborted by System" and their bodies are asked to stop; `?wait=`
  // holds are answered, so the connections below can finish. Their terminal events reach
  // the groups, and the groups' connections, before the streams get their farewell.
  {
    caf::scoped_actor waiter{system};
    auto bound = std::chrono::seconds{2};
    auto ignore = [](caf::error&) {
    };
    waiter->request(registry, bound, actors::shutdown_atom::value).receive([](bool) {}, ignore);
    waiter->request(sse_directory, bound, actors::sse_drain_atom::value)
        .receive([](bool) {}, ignore);
  }
  auto started_at = std::chrono::steady_clock::now();
  log::info("draining ", sessions.size(), " connection(s), grace ", cfg.shutdown_grace.count(),
            " ms");
  sessions.for_each([](net::session& x) { x.drain(); });
  if (!sessions.wait_empty(cfg.shutdown_grace)) {
    log::warn("closing ", sessions.size(), " connection(s) still open after the grace period");
    sessions.for_each([](net::session& x) { x.close(); });
    sessions.wait_empty(std::chrono::seconds{2});
  }
  if (admin_listener)
    admin_listener->sessions().wait_empty(std::chrono::seconds{1});
  // Task bodies get what is left of the grace period to return.
  auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started_at);
  auto left = std::max(std::chrono::milliseconds{100}, cfg.shutdown_grace - spent);
  abandoned = census->wait_empty(left);
  if (abandoned > 0)
    log::error(abandoned, " task bod", abandoned == 1 ? "y" : "ies",
               " still running after the grace period (they ignore cancellation)");
  // Callbacks of the tasks that ended (the aborted ones included) get the rest of the grace;
  // what is still pending then is logged and dropped.
  if (callbacks) {
    spent = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  started_at);
    left = std::max(std::chrono::milliseconds{100}, cfg.shutdown_grace - spent);
    caf::scoped_actor waiter{system};
    waiter->request(callbacks, left, actors::shutdown_atom::value)
        .receive([](bool) {}, [](caf::error&) {});
    caf::anon_send(callbacks, abandon_atom::value);
  }
  // Children that outlived their SIGTERM and grace (or started too late for them) are killed
  // and reaped while the I/O threads still run their pipes.
  if (commands)
    commands->kill_all(std::chrono::seconds{3});
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
  if (callbacks)
    caf::anon_send(callbacks, abandon_atom::value);
  callbacks = nullptr;
  for (auto& sup : supervisors)
    caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
  if (registry)
    caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
  // After the registry: what it sent before it stopped is written first.
  if (store)
    caf::anon_send_exit(store, caf::exit_reason::user_shutdown);
  store = nullptr;
  if (sse_directory)
    caf::anon_send_exit(sse_directory, caf::exit_reason::user_shutdown);
  supervisors.clear();
  registry = nullptr;
  sse_directory = nullptr;
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

asio::io_context& server::io_context() {
  return impl_->ioc;
}

} // namespace herald::app
