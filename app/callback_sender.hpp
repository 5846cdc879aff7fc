#pragma once

// The node's callback sender (SPEC §4.7): the one actor that owns every completion callback.
// The registry hands it a job when a task with a callback ends; it checks where the URL may
// go, signs the payload (Standard Webhooks), sends it through the node's HTTP client off
// every request path, retries with backoff, and reports each attempt back to the registry as
// the task's `CallbackInfo`.

#include "actors/callback_messages.hpp"
#include "actors/inspect.hpp"
#include "actors/task_messages.hpp"
#include "actors/task_registry.hpp"
#include "app/callback_settings.hpp"

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <cstdint>
#include <memory>

namespace herald::net {
class allow_list;
class http_client;
struct http_client_response;
} // namespace herald::net

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::net::http_client_response)

namespace herald::app {

using attempted_atom = caf::atom_constant<caf::atom("attempted")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;
using abandon_atom = caf::atom_constant<caf::atom("abandon")>;

/// The sender's protocol: the registry's view (`callback_sink_actor`) and the rest.
using callback_sender_actor = actors::callback_sink_actor::extend<
    /// From the node: where the outcomes of attempts go.
    caf::reacts_to<caf::put_atom, actors::task_registry_actor>,
    /// From the HTTP client: how attempt `n` of delivery `no` went.
    caf::reacts_to<attempted_atom, std::uint64_t, net::http_client_response>,
    /// To itself: delivery `no`'s backoff is over.
    caf::reacts_to<retry_atom, std::uint64_t>,
    /// From the admin API and `/metrics`: deliveries pending, in flight, waiting to retry, and
    /// delivered, failed and refused since start, with the attempts made.
    caf::replies_to<actors::inspect_atom>::with<boost::json::value>,
    /// From the node at shutdown: answered true once no delivery is pending (the node waits
    /// for it within the shutdown grace).
    caf::replies_to<actors::shutdown_atom>::with<bool>,
    /// From the node after the grace: logs each delivery still pending (task id and
    /// `webhook-id`), closes the client's connections and stops.
    caf::reacts_to<abandon_atom>>;

/// What the sender works with, made at start from `callbacks.*`.
struct callback_sender_setup {
  callback_settings settings;
  std::shared_ptr<const net::allow_list> allow;
  std::shared_ptr<net::http_client> client;
};

callback_sender_actor spawn_callback_sender(caf::actor_system& system, callback_sender_setup setup);

/// The `webhook-id` of a task's callback: unique per task (its route, id and creation time)
/// and the same on every attempt, so that receivers can drop repeats.
std::string webhook_id(const actors::callback_job& job);

} // namespace herald::app
