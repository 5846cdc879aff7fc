#pragma once

// Inspection (SPEC §4.9): the admin API and `/metrics` ask the actors themselves for their
// state, so what they show cannot drift from what the actors do. Each inspected actor answers
// `inspect_atom` with a JSON snapshot of itself, built between two of its messages.

#include <boost/json/value.hpp>
#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/message.hpp>
#include <chrono>
#include <functional>
#include <vector>

namespace herald::actors {

using inspect_atom = caf::atom_constant<caf::atom("inspect")>;

/// Sends `request` to every actor of `targets` and calls `done` once, from an actor's thread,
/// with the JSON answers in the order of `targets`: null for an actor that failed to answer
/// (it stopped meanwhile) or did not answer within `deadline`.
void gather(caf::actor_system& system, std::vector<caf::actor> targets, caf::message request,
            std::chrono::milliseconds deadline,
            std::function<void(std::vector<boost::json::value>)> done);

/// Sends `request` to `target` and calls `done` with its JSON answer (null as above).
void ask(caf::actor_system& system, caf::actor target, caf::message request,
         std::chrono::milliseconds deadline, std::function<void(boost::json::value)> done);

} // namespace herald::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(boost::json::value)
