#pragma once

// `/metrics` in the Prometheus text format (SPEC §4.9), from the inspection snapshots of the
// actors: a pure function, so every series is tested without a node.

#include "app/admin_api.hpp"

#include <boost/json/value.hpp>
#include <string>

namespace herald::app {

/// Everything one scrape reads.
struct metrics_input {
  node_counters node;
  /// The task registry's `inspect_atom` answer: per route, tasks by state, outcomes and
  /// durations.
  boost::json::value registry;
  /// The directory's `sse_stats_atom` answer: counts, totals over every group, and the
  /// busiest groups (`Top`), which alone get per-group series.
  boost::json::value groups;
  /// The route supervisors' answers, in declaration order (null for one that did not answer).
  std::vector<boost::json::value> routes;
  net::histogram_snapshot publish_latency;
  std::int64_t publish_backlog = 0;
  /// The callback sender's `inspect_atom` answer: deliveries pending, in flight and waiting,
  /// and the outcomes and attempts since start (null when it did not answer).
  boost::json::value callbacks;
  /// The task store (`describe_store`); null or `Kind: memory` when there is none.
  boost::json::value store;
};

/// The exposition text of the node's series.
std::string render_metrics(const metrics_input& in);

} // namespace herald::app
