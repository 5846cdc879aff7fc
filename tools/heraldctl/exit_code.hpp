#pragma once

// heraldctl's exit codes and the one error type that carries them to `main`. Scripts branch
// on these numbers: they are documented in `heraldctl --help` and the README, so a change
// here is a change to both.

#include <stdexcept>
#include <string>

namespace herald::ctl {

enum class exit_code : int {
  ok = 0,
  unexpected = 1,    ///< a response that is not what the API answers, or another status
  usage = 2,         ///< a bad command line
  unreachable = 3,   ///< connection refused, name not found, timeout, stream ended
  unauthorized = 4,  ///< the key is missing or wrong (401), or the admin API is off (403)
  not_found = 5,     ///< no such task or group (404)
  cancel_refused = 6 ///< the task already finished (410) or is not cancellable (423)
};

/// A failure that ends the command: `main` prints `heraldctl: <message>` to stderr and exits
/// with `code`.
class ctl_error : public std::runtime_error {
 public:
  ctl_error(exit_code code, const std::string& message)
      : std::runtime_error(message), code_(code) {}

  exit_code code() const noexcept { return code_; }

 private:
  exit_code code_;
};

} // namespace herald::ctl
