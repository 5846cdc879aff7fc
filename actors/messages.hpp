#pragma once

// The messages actors exchange. In CAF 0.17 an atom is a constant of at most ten characters;
// types that never leave the process are allowed as unsafe (unserialisable) message types.

#include "net/http.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

namespace herald::actors {

/// The connection's socket is gone; its actor stops.
using closed_atom = caf::atom_constant<caf::atom("closed")>;

} // namespace herald::actors

// A complete HTTP request, from a session to its connection actor.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::net::request)
// A deferred route's answer, from its responder to the connection actor.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::net::response)
