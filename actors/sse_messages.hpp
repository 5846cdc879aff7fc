#pragma once

// The messages of the SSE machinery (SPEC §4.5–§4.6): the task registry and hub publishers
// publish into groups through the group directory; connections subscribe and acknowledge what
// they wrote; groups send them shared frames. Everything stays in the process.

#include "actors/sse_ack_state.hpp"
#include "net/stream.hpp"

#include <atomic>
#include <boost/json/value.hpp>
#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace herald::net {
class session;
}

namespace herald::actors {

/// What a task's stream carries.
enum class task_stream_kind : std::uint8_t {
  progress,  ///< `pode.progress`: data is the progress number
  custom,    ///< a custom event of the body: `type` ("" for `message`) and its data
  completed, ///< `pode.taskCompleted`: data is `{Id, State, Result?, Error?}`
};

/// One event of a task's stream; the registry numbers them per task from 1 and keeps them
/// (its log is what a per-task stream replays).
struct task_stream_event {
  std::uint64_t seq = 0;
  task_stream_kind kind = task_stream_kind::custom;
  std::string type;
  boost::json::value data;
};

/// A task event on its way to the task's group.
struct task_publication {
  std::string task_id;
  task_stream_event event;
};

/// What the registry knows of a task for a per-task stream that starts: its stream so far.
struct task_replay {
  bool found = false;
  std::string route_id;
  bool finished = false;                 ///< the log ends with the terminal event
  std::uint64_t last_seq = 0;            ///< the last event published so far (0: none)
  std::vector<task_stream_event> events; ///< those after the asked sequence, in order
};

struct sse_published;

/// An event published into a group as is (hub mode).
struct sse_publication {
  std::string event; ///< empty for `message`
  std::string data;
  /// A publisher's own id for the event: the same key again, while the first is still in
  /// the group's replay ring, is acknowledged but not delivered twice.
  std::string key;
  /// Publications not yet handled by their group, counted by the publisher (C++ publishing
  /// stops accepting beyond a bound, so an unpaced publisher cannot grow a mailbox forever).
  std::shared_ptr<std::atomic<std::int64_t>> backlog;
  /// Called once the group has taken it (HTTP publishers answer 202 then); may be empty.
  std::function<void(const sse_published&)> reply;
};

/// The group's answer to a publication.
struct sse_published {
  std::string id;              ///< the event's id, `<epoch>.<seq>`
  std::size_t subscribers = 0; ///< streams it went to
  bool duplicate = false;      ///< its key was seen: not delivered again
  /// Not taken: the group did not live and `sse.max_groups` groups did (nothing else is set).
  bool no_room = false;
};

/// A position in a stream, from `Last-Event-ID`: `<epoch>.<seq>`.
struct sse_position {
  std::uint64_t epoch = 0;
  std::uint64_t seq = 0;
};

/// Why a subscription was refused.
enum class sse_refusal {
  not_found, ///< no such task (or not of this route)
  finished,  ///< the task is finished and the client has seen its last event
  no_room,   ///< the group did not live and `sse.max_groups` groups did
};

/// The group's acceptance of a subscription: what the stream starts with.
struct sse_acceptance {
  std::string replay; ///< framed events the client missed, in order
};

/// group -> connection: `(sse_attach_atom, group, subscriber id, shared_ptr<sse_ack_state>)`,
/// once, after acceptance.
using sse_attach_atom = caf::atom_constant<caf::atom("sseattach")>;
/// connection -> group: `(sse_ack_atom, subscriber id)`: `written` reached `wake_at`.
using sse_ack_atom = caf::atom_constant<caf::atom("sseack")>;

// -- a stream's two ends ----------------------------------------------------------------------

/// What a subscriber's connection tells its group: `subscriber id`: its writes reached the
/// `wake_at` the group waits for (see `sse_ack_state`).
using sse_ack_listener_actor = caf::typed_actor<caf::reacts_to<sse_ack_atom, std::uint64_t>>;

/// What a group tells the connection that carries one of its streams, once, after acceptance:
/// `group, subscriber id, ack`: where to acknowledge, and the block its writes are counted in.
using sse_subscriber_actor =
    caf::typed_actor<caf::reacts_to<sse_attach_atom, sse_ack_listener_actor, std::uint64_t,
                                    std::shared_ptr<sse_ack_state>>>;

/// A subscription, from the HTTP side to a group.
struct sse_subscription {
  sse_subscriber_actor subscriber;     ///< the connection actor that carries the stream (monitored)
  std::weak_ptr<net::session> session; ///< its session, where the stream's bytes go
  std::string task_id;                 ///< a per-task stream when set; otherwise the whole group
  std::string route_id;                ///< the route a per-task stream belongs to
  std::optional<sse_position> last;    ///< where the client resumes
  /// Exactly one of them is called once, from the group, before anything is sent to
  /// `subscriber`.
  std::function<void(sse_acceptance)> accept;
  std::function<void(sse_refusal)> refuse;
};

// -- atoms (CAF 0.17: at most ten characters) ---------------------------------------------------

using sse_publish_atom = caf::atom_constant<caf::atom("ssepub")>;
using sse_task_atom = caf::atom_constant<caf::atom("ssetask")>;
using sse_subscribe_atom = caf::atom_constant<caf::atom("ssesub")>;
using sse_replay_atom = caf::atom_constant<caf::atom("ssereplay")>;
/// A group to itself: send the batch. (Its own atom: CAF 0.17 sends a handler's return value
/// back to an asynchronous sender too, so the batching message must return nothing.)
using sse_flush_atom = caf::atom_constant<caf::atom("sseflush")>;
/// node -> directory -> groups, at shutdown: send what you hold -> `true`.
using sse_drain_atom = caf::atom_constant<caf::atom("ssedrain")>;
using sse_idle_atom = caf::atom_constant<caf::atom("sseidle")>;
/// node -> directory: `(sse_declare_atom, group)`: a route streams this group (it does not
/// count against `sse.max_groups`).
using sse_declare_atom = caf::atom_constant<caf::atom("ssedecl")>;
/// `/metrics` -> directory: `(sse_stats_atom, top)` -> the figures of every group (see
/// sse_directory.hpp).
using sse_stats_atom = caf::atom_constant<caf::atom("ssestats")>;
/// A group to itself: check which slow subscribers stopped acknowledging.
using sse_stall_atom = caf::atom_constant<caf::atom("ssestall")>;

} // namespace herald::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::actors::task_stream_event)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::actors::task_publication)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::actors::task_replay)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::actors::sse_publication)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::actors::sse_published)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::actors::sse_subscription)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<herald::actors::sse_ack_state>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::net::stream_head)

namespace herald::actors {

// -- the task side's two narrow protocols ------------------------------------------------------
// The registry and the group directory each need a few messages of the other; naming those as
// protocols of their own keeps the two headers apart (each full protocol converts to them).

/// What groups ask of the task registry: `task id, after, group, subscriber id`: the task's
/// stream after sequence number `after`, sent back through the `task_event_sink_actor`.
using task_replay_source_actor = caf::typed_actor<
    caf::reacts_to<sse_replay_atom, std::string, std::uint64_t, std::string, std::uint64_t>>;

/// What the task registry publishes into (the group directory): itself, first (its groups ask
/// it for per-task logs; sent before anything else, so no group exists without it, even when
/// the registry publishes the moment it starts), a task event for its route's group, and the
/// log a per-task subscriber waits for (`group, subscriber id, replay`), on the same path so
/// that the two stay in order.
using task_event_sink_actor =
    caf::typed_actor<caf::reacts_to<caf::put_atom, task_replay_source_actor>,
                     caf::reacts_to<sse_task_atom, std::string, task_publication>,
                     caf::reacts_to<sse_replay_atom, std::string, std::uint64_t, task_replay>>;
} // namespace herald::actors
