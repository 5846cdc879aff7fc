#pragma once

// The messages of the task machinery: the HTTP side, the route supervisors, the task actors
// and the task registry. Everything stays in the process, so the payload types are allowed as
// unsafe (unserialisable) message types.

#include "actors/task_record.hpp"

#include <atomic>
#include <boost/json/value.hpp>
#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace herald::actors {

class task_control;
class task_query;
struct task_input;

// -- errors -------------------------------------------------------------------------------------

/// Why the task machinery refused a request; the HTTP layer maps each to a status.
enum class task_error {
  not_found,       ///< no such task (or no longer retained)
  finished,        ///< cancel of a task already in a terminal state
  not_cancellable, ///< cancel of a task whose route is not cancellable
  queue_full,      ///< the route's queue is at `max_queued`
  duplicate_id,    ///< the id generator produced an id that exists
  shutting_down,   ///< the node is stopping
  over_budget,     ///< held tasks fill `tasks.max_held_bytes` and none of them is finished
  forbidden,       ///< the caller may not read (or cancel) the task: its `Permission` says so
};

// -- replies ------------------------------------------------------------------------------------

/// The answer to a request from the HTTP side: an error, or a task object / an array of them.
struct task_reply {
  std::optional<task_error> error;
  std::string id;          ///< the task the request named (for error bodies)
  boost::json::value body; ///< when there is no error and no `task`: e.g. a list of tasks
  /// One task object, as the record it is written from: the HTTP side writes JSON straight
  /// from it (`append_task_json`) instead of building a JSON value in the actor first.
  std::optional<task_record> task{};
  /// With `queue_full` and `over_budget`: when the client may try again.
  std::chrono::seconds retry_after{0};
};

/// The answer that carries one task object: `record`, under its own id.
inline task_reply task_answer(task_record record) {
  task_reply out{std::nullopt, record.id, {}};
  out.task = std::move(record);
  return out;
}

/// How an actor answers the HTTP side: called exactly once, from the actor's thread.
using reply_fn = std::function<void(task_reply)>;

// -- atoms (CAF 0.17: at most ten characters) ---------------------------------------------------

using submit_atom = caf::atom_constant<caf::atom("submit")>;
using register_atom = caf::atom_constant<caf::atom("register")>;
using started_atom = caf::atom_constant<caf::atom("started")>;
using progress_atom = caf::atom_constant<caf::atom("progress")>;
using event_atom = caf::atom_constant<caf::atom("event")>;
using finished_atom = caf::atom_constant<caf::atom("finished")>;
using crashed_atom = caf::atom_constant<caf::atom("crashed")>;
using abort_atom = caf::atom_constant<caf::atom("abort")>;
using release_atom = caf::atom_constant<caf::atom("release")>;
using position_atom = caf::atom_constant<caf::atom("position")>;
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;

// -- the supervisor as the registry sees it ------------------------------------------------------

/// What the registry asks of the supervisor that holds a task (`route_supervisor_actor`
/// extends it): the registry needs no more, so another kind of supervisor can stand behind it.
using task_owner_actor = caf::typed_actor<
    /// The task was aborted (cancel, timeout, shutdown): it leaves the queue, or, if it
    /// runs, its slot is given back when its actor ends or after the cancel grace period.
    caf::reacts_to<abort_atom, std::string>,
    /// The 1-based queue positions of these tasks (0 for one that is not queued), asked for
    /// each queued task the registry describes: the supervisor's queue is the one truth.
    caf::replies_to<position_atom, std::vector<std::string>>::with<std::vector<std::size_t>>>;

// -- payloads -----------------------------------------------------------------------------------

/// A new task, from the HTTP side to its route's supervisor.
struct task_submission {
  task_record record;
  std::shared_ptr<const task_input> input;
  reply_fn reply;
  /// What `input` weighs (`input_bytes`), measured once where it was built.
  std::size_t input_bytes = 0;
};

/// A new task, from its supervisor to the registry.
struct task_registration {
  task_record record;
  std::shared_ptr<task_control> control;
  task_owner_actor supervisor;
  /// What the task's request weighs while its body may read it (the supervisor holds it).
  std::size_t input_bytes = 0;
  /// The route's gauge of held bytes: the registry keeps it current, the supervisor reports
  /// it when inspected (without asking the registry).
  std::shared_ptr<std::atomic<std::uint64_t>> held_bytes;
};

/// How a task body ended, from the task actor to the registry.
struct task_outcome {
  task_state state = task_state::completed; ///< completed or failed
  std::optional<boost::json::value> result;
  std::optional<std::string> error;
  task_time at{};
};

/// A custom event of a task body.
struct task_event {
  std::string type;
  boost::json::value data;
  task_time at{};
};

/// Who asks (null: no credential): what `may_read` and `may_write` compare with.
using task_caller = std::shared_ptr<const net::identity>;

/// Lookup of one task: answer at once, or when it is terminal, whichever comes first within
/// `wait`. `forbidden` when the caller may not read it.
struct task_lookup {
  std::string id;
  std::chrono::milliseconds wait{0};
  reply_fn reply;
  task_caller caller;
  /// False: only whether the caller may read it (the reply's body stays null), as asked
  /// before a stream is opened.
  bool describe = true;
};

/// Cancel request for one task; `forbidden` when the caller may not cancel it (Write).
struct task_cancel {
  std::string id;
  reply_fn reply;
  task_caller caller;
};

/// A query over the tasks the caller may read.
struct task_search {
  std::shared_ptr<const task_query> filter;
  reply_fn reply;
  task_caller caller;
};

} // namespace herald::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::actors::task_submission)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::actors::task_registration)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::actors::task_outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::actors::task_event)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::actors::task_lookup)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::actors::task_cancel)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::actors::task_search)

namespace herald::actors {

/// The registry's answer to a registration: nullopt when the task is registered.
struct registration_result {
  std::optional<task_error> error;
};

} // namespace herald::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(herald::actors::registration_result)
