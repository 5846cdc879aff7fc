#include "app/callback_sender.hpp"

#include "actors/async_route.hpp"
#include "app/base64url.hpp"
#include "app/callback_retry.hpp"
#include "app/digests.hpp"
#include "app/webhook_signature.hpp"
#include "net/allow_list.hpp"
#include "net/http_client.hpp"
#include "net/http_url.hpp"
#include "net/log.hpp"

#include <boost/json/object.hpp>
#include <caf/all.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <random>
#include <string>

namespace herald::app {

namespace {

using namespace std::chrono_literals;

/// One callback being delivered.
struct delivery {
  actors::callback_job job;
  std::string webhook_id;
  net::http_url url;
  std::shared_ptr<const webhook_signer> signer; // null: unsigned
  int attempts = 0;
  std::string last_error;
};

struct sender_state {
  callback_settings settings;
  retry_policy retry;
  std::shared_ptr<const net::allow_list> allow;
  std::shared_ptr<net::http_client> client;
  actors::task_registry_actor registry;
  std::shared_ptr<const webhook_signer> node_signer;
  /// Signers of routes with their own secrets, made on first use (the secrets were checked
  /// when the route was declared); keyed by the route's options, which they keep alive.
  std::map<std::shared_ptr<const actors::callback_options>, std::shared_ptr<const webhook_signer>>
      route_signers;
  std::map<std::uint64_t, delivery> deliveries;
  /// Deliveries whose next attempt may start, in order; at most `max_in_flight` run.
  std::deque<std::uint64_t> ready;
  std::size_t in_flight = 0;
  std::size_t waiting = 0;         ///< in backoff
  std::uint64_t pending_bytes = 0; ///< payloads of `deliveries`
  std::uint64_t last_no = 0;
  std::uint64_t delivered = 0;
  std::uint64_t failed = 0;
  std::uint64_t refused = 0;
  std::uint64_t attempts = 0;
  bool draining = false;
  std::vector<caf::typed_response_promise<bool>> drained;
  std::mt19937_64 rng{std::random_device{}()};
  static inline const char* name = "callback_sender";
};

using sender_actor = callback_sender_actor::stateful_base<sender_state>;

std::shared_ptr<const webhook_signer>
signer_for(sender_state& st, const std::shared_ptr<const actors::callback_options>& o) {
  if (!o || o->secrets.empty())
    return st.node_signer;
  auto it = st.route_signers.find(o);
  if (it != st.route_signers.end())
    return it->second;
  std::string error;
  auto made = webhook_signer::make(o->secrets, error);
  std::shared_ptr<const webhook_signer> out;
  if (made)
    out = std::make_shared<const webhook_signer>(std::move(*made));
  else
    log::error("callback secrets of a route cannot sign: ", error); // checked at declaration
  st.route_signers.emplace(o, out);
  return out;
}

/// Tells the registry where the task's callback stands.
void report(sender_actor* self, const delivery& d, std::string_view state) {
  if (!self->state.registry)
    return;
  self->send(
      self->state.registry, actors::callback_atom::value, d.job.task_id,
      actors::callback_info{d.job.target->url, d.attempts, std::string{state}, d.last_error});
}

void settle_if_drained(sender_actor* self) {
  auto& st = self->state;
  if (!st.draining || !st.deliveries.empty())
    return;
  for (auto& p : st.drained)
    p.deliver(true);
  st.drained.clear();
}

/// Delivery `no` is over: `state` is `Completed`, `Failed` or `Refused`.
void finish(sender_actor* self, std::uint64_t no, std::string_view state) {
  auto& st = self->state;
  auto it = st.deliveries.find(no);
  if (it == st.deliveries.end())
    return;
  auto& d = it->second;
  if (state == "Completed") {
    ++st.delivered;
    d.last_error.clear();
    log::debug("callback of task ", d.job.task_id, " delivered to ", d.job.target->url, " (",
               d.attempts, " attempt(s))");
  } else if (state == "Refused") {
    ++st.refused;
    log::warn("callback of task ", d.job.task_id, " refused: ", d.last_error);
  } else {
    ++st.failed;
    log::warn("callback of task ", d.job.task_id, " to ", d.job.target->url, " failed after ",
              d.attempts, " attempt(s): ", d.last_error);
  }
  report(self, d, state);
  st.pending_bytes -= d.job.payload.size();
  st.deliveries.erase(it);
  settle_if_drained(self);
}

void attempt(sender_actor* self, std::uint64_t no) {
  auto& st = self->state;
  auto& d = st.deliveries.at(no);
  ++d.attempts;
  ++st.attempts;
  ++st.in_flight;
  report(self, d, "Running");
  const auto& opts = *d.job.target->options;
  net::http_client_request rq;
  rq.tls = d.url.tls;
  rq.host = d.url.host;
  rq.port = d.url.port;
  rq.target = d.url.target;
  rq.method = opts.method;
  rq.body = d.job.payload;
  // Signed again on every attempt: the timestamp is the attempt's, so that receivers can
  // refuse stale replays by time, and the id stays the same, so that they can drop repeats.
  auto timestamp = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  rq.headers.emplace_back("Content-Type", "application/json");
  rq.headers.emplace_back("webhook-id", d.webhook_id);
  rq.headers.emplace_back("webhook-timestamp", std::to_string(timestamp));
  if (d.signer)
    rq.headers.emplace_back("webhook-signature",
                            d.signer->signature(d.webhook_id, timestamp, d.job.payload));
  for (const auto& h : opts.headers)
    rq.headers.push_back(h);
  auto me = caf::actor_cast<callback_sender_actor>(self);
  st.client->send(std::move(rq), [me, no](net::http_client_response r) {
    caf::anon_send(me, attempted_atom::value, no, std::move(r));
  });
}

void pump(sender_actor* self) {
  auto& st = self->state;
  while (st.in_flight < st.settings.max_in_flight && !st.ready.empty()) {
    auto no = st.ready.front();
    st.ready.pop_front();
    if (st.deliveries.contains(no))
      attempt(self, no);
  }
}

void on_job(sender_actor* self, actors::callback_job& job) {
  auto& st = self->state;
  auto no = ++st.last_no;
  delivery d;
  d.webhook_id = webhook_id(job);
  d.job = std::move(job);
  std::string why;
  auto url = net::parse_http_url(d.job.target->url, why);
  bool full = st.deliveries.size() >= st.settings.max_pending ||
              st.pending_bytes + d.job.payload.size() > st.settings.max_pending_bytes;
  st.pending_bytes += d.job.payload.size();
  auto& placed = st.deliveries.emplace(no, std::move(d)).first->second;
  if (full) {
    placed.last_error = "too many callbacks pending (callbacks.max_pending, "
                        "callbacks.max_pending_bytes)";
    finish(self, no, "Refused");
    return;
  }
  if (!url) {
    placed.last_error = "not an http or https URL: " + why;
    finish(self, no, "Refused");
    return;
  }
  placed.url = std::move(*url);
  if (!st.allow->could_allow(placed.url.host)) {
    placed.last_error = st.allow->empty()
                            ? "callbacks are off: callbacks.allow is empty"
                            : "host " + placed.url.host + " is not on callbacks.allow";
    finish(self, no, "Refused");
    return;
  }
  placed.signer = signer_for(st, placed.job.target->options);
  st.ready.push_back(no);
  pump(self);
}

std::string describe_failure(const net::http_client_response& r) {
  if (r.status == 0)
    return r.error;
  auto out = "HTTP " + std::to_string(r.status);
  if (r.status >= 300 && r.status < 400)
    out += r.location.empty() ? ": a redirect, not followed"
                              : ": a redirect to " + r.location + ", not followed";
  else if (r.status == 410)
    out += ": the receiver is gone";
  return out;
}

void on_attempted(sender_actor* self, std::uint64_t no, net::http_client_response& r) {
  auto& st = self->state;
  --st.in_flight;
  auto it = st.deliveries.find(no);
  if (it == st.deliveries.end()) {
    pump(self);
    return;
  }
  auto& d = it->second;
  if (r.refused) {
    // Refused after resolving: nothing was sent, so it was no attempt.
    --d.attempts;
    --st.attempts;
    d.last_error = r.error;
    finish(self, no, "Refused");
    pump(self);
    return;
  }
  auto verdict = r.status == 0 ? delivery_verdict::retry : judge(r.status);
  if (verdict == delivery_verdict::delivered) {
    finish(self, no, "Completed");
  } else if (verdict == delivery_verdict::give_up) {
    d.last_error = describe_failure(r);
    finish(self, no, "Failed");
  } else {
    d.last_error = describe_failure(r);
    if (d.attempts >= st.retry.attempts) {
      finish(self, no, "Failed");
    } else {
      std::optional<std::chrono::milliseconds> retry_after;
      if (!r.retry_after.empty())
        retry_after = parse_retry_after(r.retry_after, std::chrono::system_clock::now());
      std::uniform_real_distribution<double> unit{0.0, 1.0};
      auto delay = retry_delay(st.retry, d.attempts, retry_after, unit(st.rng));
      log::info("callback of task ", d.job.task_id, " attempt ", d.attempts, " failed (",
                d.last_error, "); next in ", delay.count(), " ms");
      report(self, d, "Running");
      ++st.waiting;
      self->delayed_send(self, delay, retry_atom::value, no);
    }
  }
  pump(self);
}

void on_retry(sender_actor* self, std::uint64_t no) {
  auto& st = self->state;
  --st.waiting;
  st.ready.push_back(no);
  pump(self);
}

boost::json::value describe(const sender_state& st) {
  boost::json::array allow;
  for (const auto& e : st.allow->entries())
    allow.emplace_back(e);
  return boost::json::object{
      {"Pending", st.deliveries.size()},
      {"InFlight", st.in_flight},
      {"Waiting", st.waiting},
      {"PendingBytes", st.pending_bytes},
      {"Delivered", st.delivered},
      {"Failed", st.failed},
      {"Refused", st.refused},
      {"Attempts", st.attempts},
      {"Connections", st.client->open_connections()},
      {"Allow", std::move(allow)},
  };
}

void on_abandon(sender_actor* self) {
  auto& st = self->state;
  for (const auto& [no, d] : st.deliveries)
    log::warn("callback of task ", d.job.task_id, " (webhook-id ", d.webhook_id,
              ") not delivered: the node stopped after ", d.attempts, " attempt(s)",
              d.last_error.empty() ? "" : "; last: ", d.last_error);
  st.deliveries.clear();
  st.pending_bytes = 0;
  st.ready.clear();
  st.client->close();
  settle_if_drained(self);
  self->quit();
}

callback_sender_actor::behavior_type callback_sender(sender_actor* self,
                                                     callback_sender_setup setup) {
  auto& st = self->state;
  st.settings = setup.settings;
  st.retry.attempts = setup.settings.attempts;
  st.retry.base = setup.settings.backoff;
  st.retry.max_delay = setup.settings.max_backoff;
  st.allow = std::move(setup.allow);
  st.client = std::move(setup.client);
  if (!st.settings.secrets.empty()) {
    std::string error;
    if (auto made = webhook_signer::make(st.settings.secrets, error))
      st.node_signer = std::make_shared<const webhook_signer>(std::move(*made));
    else
      log::error("callbacks.secrets cannot sign: ", error); // checked with the configuration
  }
  return {
      [self](actors::callback_atom, actors::callback_job& job) { on_job(self, job); },
      [self](caf::put_atom, actors::task_registry_actor registry) {
        self->state.registry = std::move(registry);
      },
      [self](attempted_atom, std::uint64_t no, net::http_client_response& r) {
        on_attempted(self, no, r);
      },
      [self](retry_atom, std::uint64_t no) { on_retry(self, no); },
      [self](actors::inspect_atom) { return describe(self->state); },
      [self](actors::shutdown_atom) -> caf::result<bool> {
        auto& st = self->state;
        st.draining = true;
        if (st.deliveries.empty())
          return true;
        auto promise = self->make_response_promise<bool>();
        st.drained.push_back(promise);
        return promise;
      },
      [self](abandon_atom) { on_abandon(self); },
  };
}

} // namespace

std::string webhook_id(const actors::callback_job& job) {
  auto nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(job.creation.time_since_epoch()).count();
  auto digest = sha256(job.route_id + '\n' + job.task_id + '\n' + std::to_string(nanos));
  auto text = base64url_encode(
      std::string_view{reinterpret_cast<const char*>(digest.data()), digest.size()});
  // 132 bits: unique enough, short enough for a log line.
  return "msg_" + text.substr(0, 22);
}

callback_sender_actor spawn_callback_sender(caf::actor_system& system,
                                            callback_sender_setup setup) {
  return system.spawn(callback_sender, std::move(setup));
}

} // namespace herald::app
