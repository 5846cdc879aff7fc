#pragma once

// `heraldctl watch [GROUP]`: follows a group's event stream (or, without a group, polls every
// task twice a second) and shows a progress bar per task, redrawn in place on a terminal, one
// line per change elsewhere. Ends with exit 0 on SIGINT/SIGTERM or after `--for`.

#include "tools/heraldctl/cli.hpp"

namespace herald::ctl {

/// Runs the watch until it is stopped; returns the exit code. Throws `ctl_error` when the
/// node cannot be reached, refuses the key, or ends the stream.
int run_watch(const options& opts);

} // namespace herald::ctl
