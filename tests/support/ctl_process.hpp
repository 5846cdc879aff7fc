#pragma once

// Runs the real `heraldctl` binary for the end-to-end tests: to completion with its output
// captured, or on a pseudo-terminal (as a user's shell would) for `watch`. Every wait has a
// deadline; the environment is empty but for what the test passes, so the developer's own
// HERALD_ADMIN_URL or HERALD_ADMIN_KEY never leak in.

#include "support/node_process.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace herald::test {

/// Runs `heraldctl args...` and waits at most `timeout` for it to exit.
run_result run_ctl(const std::vector<std::string>& args, const environment& env = {},
                   std::chrono::milliseconds timeout = std::chrono::seconds{15});

/// `heraldctl args...` on a pseudo-terminal of `columns` × `rows`.
class ctl_terminal {
 public:
  ctl_terminal(const std::vector<std::string>& args, unsigned short columns = 120,
               unsigned short rows = 30);
  ~ctl_terminal();

  ctl_terminal(const ctl_terminal&) = delete;
  ctl_terminal& operator=(const ctl_terminal&) = delete;

  /// Reads the terminal until `done(output)` holds (true) or `timeout` passes (false).
  bool wait_for(const std::function<bool(const std::string&)>& done,
                std::chrono::milliseconds timeout);

  /// Types `keys` (e.g. "\x03", Ctrl-C).
  void type(std::string_view keys);

  /// Waits for the exit, reading the terminal meanwhile; the exit code or nullopt (timeout,
  /// then killed, or a signal).
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

  /// Everything written to the terminal so far.
  const std::string& output() const noexcept { return output_; }

 private:
  /// Reads what is there, waiting at most `timeout` for it.
  void read_some(std::chrono::milliseconds timeout);

  int master_ = -1;
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::string output_;
};

} // namespace herald::test
