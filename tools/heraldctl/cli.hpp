#pragma once

// heraldctl's command line: flags and a command parsed into one immutable value, and the
// usage text. Pure: the environment comes in as a function, nothing is printed here.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald::ctl {

enum class command { routes, tasks, task, cancel, groups, group, connections, watch };

/// Where the node's admin API listens, from `--url` (`http://host[:port][/prefix]`).
struct endpoint {
  std::string host;
  std::uint16_t port = 80;
  /// A path the admin API is mounted under (a proxy's prefix), without a trailing slash;
  /// usually empty.
  std::string prefix;
};

struct options {
  command cmd = command::routes;
  /// The task id (`task`, `cancel`) or group name (`group`, `watch`); empty when not given.
  std::string argument;
  std::string url;
  endpoint node;
  std::string key;
  bool json = false;
  std::chrono::milliseconds timeout{5'000};
  /// `tasks --state S --route R --limit N`
  std::optional<std::string> state;
  std::optional<std::string> route;
  std::optional<unsigned> limit;
  /// `watch --for S`: stop after this long.
  std::optional<std::chrono::milliseconds> run_for;
};

/// What parsing gave: options, a request for the usage text, or a usage error.
struct cli_result {
  std::optional<options> value;
  bool help = false;
  std::string error; ///< one line, without the program name
};

/// Reads an environment variable (nullopt when unset); `getenv` in the binary.
using env_lookup = std::function<std::optional<std::string>(std::string_view)>;

/// Parses `args` (argv without the program name). Flags may stand before or after the
/// command. `--url` defaults to `$HERALD_ADMIN_URL`, then `http://127.0.0.1:8081`; `--key`
/// to `$HERALD_ADMIN_KEY`.
cli_result parse_command_line(const std::vector<std::string_view>& args, const env_lookup& env);

/// `http://host[:port][/prefix]` as an endpoint; nullopt for anything else (https included:
/// the admin listener speaks plain HTTP on a private address).
std::optional<endpoint> parse_url(std::string_view url);

/// The text `heraldctl --help` prints (commands, flags, exit codes).
std::string_view usage() noexcept;

} // namespace herald::ctl
