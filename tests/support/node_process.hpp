#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace herald::test {

/// A real `herald` node in a child process, on 127.0.0.1 and a port the kernel picks.
/// The constructor returns once the node prints its listening line; the destructor kills it
/// if the test did not stop it.
class node_process {
 public:
  /// Starts `herald --bind 127.0.0.1 --port 0 --admin-port 0 [--config FILE] args...`;
  /// `config_json`, when not empty, is written to a file of the node's own temporary folder.
  explicit node_process(const std::string& config_json = "",
                        const std::vector<std::string>& args = {});
  ~node_process();

  node_process(const node_process&) = delete;
  node_process& operator=(const node_process&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  /// The admin API's port (0 when the node has none: `admin.enabled` false).
  std::uint16_t admin_port() const noexcept { return admin_port_; }
  pid_t pid() const noexcept { return pid_; }

  /// Sends `signo` and waits up to `timeout` for the exit; returns the exit code, or nullopt
  /// when the node did not exit in time (it is then killed) or died of a signal.
  std::optional<int> stop(int signo, std::chrono::milliseconds timeout);

  /// Everything the node wrote to stderr so far (its log).
  std::string log() const;

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::uint16_t admin_port_ = 0;
  bool reaped_ = false;
};

/// The resident memory of process `pid` in KiB (VmRSS in /proc/<pid>/status); throws when
/// there is none.
long rss_kib(pid_t pid);

/// Whether a node's RSS follows what it holds. Under AddressSanitizer it does not: freed
/// memory waits in a quarantine (256 MiB by default), so RSS only grows, and tests skip
/// their memory bounds there.
inline constexpr bool rss_tracks_memory =
#if defined(__SANITIZE_ADDRESS__)
    false;
#else
    true;
#endif

/// The result of running `herald` to completion (for command-line errors and `--help`).
struct run_result {
  std::optional<int> exit_code; ///< nullopt: killed after the timeout, or died of a signal
  std::string out;
  std::string err;
};

/// A child's whole environment.
using environment = std::map<std::string, std::string>;

/// The argv and envp of an `execve` of `binary args...`, kept alive by the strings they point
/// into. Without `env` the child inherits the test's environment (`environ`).
struct exec_args {
  exec_args(const std::string& binary, const std::vector<std::string>& args,
            const std::optional<environment>& env);
  /// Replaces the calling (child) process; exits 127 if it cannot.
  [[noreturn]] void exec() const;

  std::vector<std::string> strings;
  std::vector<char*> argv;
  std::vector<char*> envp;
  bool inherit = true;
};

/// Waits up to `timeout` for `pid`; the exit code, or nullopt (timeout, or a signal). Sets
/// `reaped` once the child is reaped.
std::optional<int> wait_exit(pid_t pid, std::chrono::milliseconds timeout, bool& reaped);

/// Runs `binary args...` (with `env` as its whole environment, when given), stdout and stderr
/// captured, and waits at most `timeout` for it to exit (then kills it).
run_result run_program(const std::string& binary, const std::vector<std::string>& args,
                       const std::optional<environment>& env, std::chrono::milliseconds timeout);

/// Runs `herald args...` and waits at most `timeout` for it to exit.
run_result run_herald(const std::vector<std::string>& args, std::chrono::milliseconds timeout);

/// A fresh private folder under the system's temporary directory.
std::filesystem::path make_temp_dir();

} // namespace herald::test
