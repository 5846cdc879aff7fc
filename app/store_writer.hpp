#pragma once

// The one writer of a node's task store (SPEC §7): takes every change the task registry sends
// (`actors::task_store_actor`), writes what has come in one transaction while the next ones
// queue, and tells the registry how far it has written. Under load a transaction takes
// whatever arrived while the last one was written, so the cost per change falls as the load
// grows. It runs on a thread of its own: a transaction waits for the disk, and no other actor
// must wait with it.

#include "actors/task_store.hpp"

#include <boost/json/value.hpp>
#include <caf/fwd.hpp>
#include <memory>
#include <string>

namespace herald::app {

class sqlite_store;

/// Spawns the writer, which owns `db` from then on; `health` is what it reports to.
actors::task_store_actor spawn_store_writer(caf::actor_system& system,
                                            std::shared_ptr<sqlite_store> db,
                                            std::shared_ptr<actors::store_health> health);

/// The store as `GET /admin/store` shows it (and `/metrics` reads it): `Kind` (`memory` when
/// `health` is null, else `sqlite`), `Path`, `Failing`, `LastError`, `Batches`, `Writes`,
/// `Errors`, `FileBytes`.
boost::json::value describe_store(const actors::store_health* health, const std::string& path);

} // namespace herald::app
