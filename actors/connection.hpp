#pragma once

#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <memory>

namespace herald::net {
class service;
class session;
} // namespace herald::net

namespace herald::actors {

/// What carries the answer to a request (in `net::responder::connection()`): the connection
/// actor, and its session, to which an event stream's bytes go directly.
struct connection_ref {
  caf::actor actor;
  std::weak_ptr<net::session> session;
};

/// Spawns the actor that serves one HTTP connection and starts its session.
///
/// The actor receives each complete request from the session as a message, routes it through
/// `svc`, and commands the session to write the response; when the session reports that the
/// socket is gone, the actor stops. It is a CAF actor companion whose messages are processed on
/// the session's strand, so a plain request never crosses a thread: the connection's I/O and
/// its actor share one serial executor. Any actor may message it like any other.
caf::actor spawn_connection(caf::actor_system& system, std::shared_ptr<net::session> session,
                            std::shared_ptr<const net::service> svc);

} // namespace herald::actors
