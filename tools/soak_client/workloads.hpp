#pragma once

// The soak's clients. Each runs on its own thread with blocking sockets (every wait has a
// deadline) until `stop` is set, and reports to the shared tally what it did and every promise
// of the node it saw broken:
//   task_client     invokes the async routes (demo and command routes), cancels some, follows
//                   some on their per-task streams (dropping and resuming a few with
//                   Last-Event-ID), waits for each with `?wait=` and reads it once more: the
//                   answers, the stream and the cancel's status must tell one story;
//   hub_publisher   publishes numbered events to one group at a steady rate;
//   hub_reader      follows that group, drops and resumes with Last-Event-ID: every number
//                   exactly once, in order;
//   group_reader    follows a route's group stream: ids only increase, one terminal event per
//                   task;
//   stalled_client  subscribes and never reads (the node must cut it, nobody else slows);
//   churn_client    opens and closes connections: whole requests, nothing, half a request.

#include "tally.hpp"

#include <atomic>
#include <cstdint>
#include <string>

namespace herald::soak {

struct load_context {
  std::uint16_t port = 0;
  std::string publisher_key;
  std::string hub_group;
  const std::atomic<bool>* stop = nullptr;
  tally* out = nullptr;
  std::uint64_t seed = 1;
};

void task_client(const load_context& ctx);
void hub_publisher(const load_context& ctx, double per_second);
void hub_reader(const load_context& ctx);
void group_reader(const load_context& ctx, const std::string& target);
void stalled_client(const load_context& ctx);
void churn_client(const load_context& ctx, double per_second);

} // namespace herald::soak
