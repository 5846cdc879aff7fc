#pragma once

// The admin API and `/metrics` (SPEC §4.9), served on the node's admin listener. Every answer
// is built from what the actors say of themselves when asked (`actors/inspect.hpp`): route
// supervisors, the task registry, the SSE groups, the connections.

#include "actors/route_supervisor.hpp"
#include "actors/task_registry.hpp"
#include "app/sse_api.hpp"
#include "net/metrics.hpp"
#include "net/service.hpp"

#include <array>
#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace herald::app {

/// What the node counts outside its actors: the public listener's connections and answers.
struct node_counters {
  std::size_t open_connections = 0;
  std::uint64_t accepted = 0;
  std::uint64_t refused = 0;
  /// Requests answered 429 for their address's rate (`limits.requests_per_second_per_ip`).
  std::uint64_t rate_limited = 0;
  /// Answers by status class: [0] 1xx ... [4] 5xx.
  std::array<std::uint64_t, 5> responses{};
  double uptime_seconds = 0;
  /// Actors alive in the node's actor system (connections, tasks, groups, supervisors...): a
  /// leak shows as a count that does not come back down when the load stops.
  std::size_t actors_running = 0;
};

/// What the admin endpoints ask.
struct admin_context {
  /// The admin key; empty: every `/admin/...` endpoint answers 403.
  std::string key;
  caf::actor_system* system = nullptr;
  actors::task_registry_actor registry;
  caf::actor directory;
  std::vector<actors::route_supervisor_actor> supervisors;
  /// The callback sender (answers `inspect_atom`).
  caf::actor callbacks;
  /// The task store as `describe_store` shows it.
  std::function<boost::json::value()> store;
  std::shared_ptr<const sse_context> sse;
  /// The connection actors of the public listener, now.
  std::function<std::vector<caf::actor>()> connections;
  std::function<node_counters()> counters;
  /// Publish-to-write latency of the SSE fan-outs.
  std::shared_ptr<net::histogram> latency;
  /// How long an inspection waits for the actors' answers; latecomers are left out.
  std::chrono::milliseconds deadline{2000};
  /// `/metrics` has per-group series for this many of the busiest groups.
  std::size_t top_groups = 50;
};

/// `GET /admin/routes`, `GET /admin/tasks` (`?state=&route=&limit=`), `GET` and `DELETE
/// /admin/tasks/{id}`, `GET /admin/groups`, `GET /admin/groups/{name}`,
/// `GET /admin/groups/{name}/events`, `GET /admin/connections`, `GET /admin/callbacks`, `GET
/// /admin/store` (all with the admin key), and `GET /metrics` (without).
void add_admin_endpoints(net::service& svc, std::shared_ptr<const admin_context> ctx);

} // namespace herald::app
