#pragma once

#include "actors/inspect.hpp"
#include "actors/messages.hpp"
#include "actors/sse_messages.hpp"
#include "net/connection_owner.hpp"
#include "net/http.hpp"
#include "net/stream.hpp"

#include <boost/json/value.hpp>
#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <cstdint>
#include <memory>

namespace herald::net {
class service;
class session;
} // namespace herald::net

namespace herald::actors {

/// The connection actor's protocol: every message it receives.
using connection_actor = caf::typed_actor<
    // session -> connection: a whole request; the actor routes it and answers it (now, or
    // later through a responder).
    caf::reacts_to<net::request>,
    // responder -> connection: the answer of a deferred route.
    caf::reacts_to<net::response>,
    // responder -> connection: the answer is an endless stream with this head.
    caf::reacts_to<net::stream_head>,
    // SSE group -> connection: the stream is subscriber `id` of `group`; its finished writes
    // are acknowledged through `ack`.
    caf::reacts_to<sse_attach_atom, sse_ack_listener_actor, std::uint64_t,
                   std::shared_ptr<sse_ack_state>>,
    // admin API -> connection: a JSON snapshot of the connection and its subscription.
    caf::replies_to<inspect_atom>::with<boost::json::value>,
    // session -> connection: the socket is gone; the actor stops.
    caf::reacts_to<closed_atom>>;

/// What carries the answer to a request (`net::responder::connection()`) and owns a session
/// (`net::session_registry::owners()`): the connection actor, and its session, to which an
/// event stream's bytes go directly.
class connection_ref final : public net::connection_owner {
 public:
  connection_ref(connection_actor actor, std::weak_ptr<net::session> session)
      : actor_(std::move(actor)), session_(std::move(session)) {}

  const connection_actor& actor() const noexcept { return actor_; }

  std::weak_ptr<net::session> session() const override { return session_; }

 private:
  connection_actor actor_;
  std::weak_ptr<net::session> session_;
};

/// The connection `owner` stands for, or null when `owner` is null or not a connection that
/// `spawn_connection` made. (The transport carries owners as `net::connection_owner`, which
/// knows nothing of actors; every owner in a herald node is a `connection_ref`.)
const connection_ref* connection_of(const net::connection_owner* owner) noexcept;

/// Spawns the actor that serves one HTTP connection and starts its session.
///
/// The actor receives each complete request from the session as a message, routes it through
/// `svc`, and commands the session to write the response; when the session reports that the
/// socket is gone, the actor stops. It is a CAF actor companion whose messages are processed on
/// the session's strand, so a plain request never crosses a thread: the connection's I/O and
/// its actor share one serial executor. Any actor may message it like any other; its handle
/// is typed, so what is sent to it is checked (its behavior, a companion's, is not).
connection_actor spawn_connection(caf::actor_system& system, std::shared_ptr<net::session> session,
                                  std::shared_ptr<const net::service> svc);

} // namespace herald::actors
