#pragma once

// Runs the programs of command routes (SPEC §4.11): each task's program is spawned without a
// shell in a process group of its own, its pipes are driven by Asio on the node's I/O threads
// (no thread per child), its stdout is read as the directive protocol, and the task ends with
// the program. Cancel and timeout send SIGTERM to the group, then SIGKILL after the grace; no
// child outlives its task or the node.

#include "actors/async_route.hpp"
#include "app/command_route.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace boost::asio {
class io_context;
}

namespace herald::app {

/// `argv[0]` of a command as an absolute path to an executable regular file: a name without
/// `/` is looked up on `PATH`, a path with one is taken against the current directory.
/// nullopt when there is no such file.
std::optional<std::string> find_program(std::string_view name);

class command_runner {
 public:
  /// Children's pipes and timers run on `ioc`; its threads must run until `kill_all`.
  explicit command_runner(boost::asio::io_context& ioc);
  ~command_runner();

  command_runner(const command_runner&) = delete;
  command_runner& operator=(const command_runner&) = delete;

  /// What a route running `spec` starts each task with; `route_id` goes in `HERALD_ROUTE`.
  actors::task_starter starter(std::shared_ptr<const command_spec> spec, std::string route_id);

  /// At shutdown: SIGKILL to every running child's process group, then reaps them, waiting
  /// at most `wait`. Tasks still running end `Failed` (their node stopped); the registry has
  /// already aborted them in an orderly stop.
  void kill_all(std::chrono::milliseconds wait);

  /// Children running now.
  std::size_t running() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace herald::app
