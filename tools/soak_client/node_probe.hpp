#pragma once

// The node under soak: a `herald` child process started with the soak's configuration file, and
// what can be read of it from outside without disturbing it — /proc for memory, descriptors and
// threads, `/metrics` on its admin port for what it holds.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>

namespace herald::soak {

/// One look at the node.
struct node_sample {
  long rss_kib = 0;
  long fds = 0;
  long threads = 0;
  // From `/metrics`; -1 when the scrape failed.
  double actors = -1;
  double tasks = -1; ///< tasks the registry holds, every state
  double groups = -1;
  double connections = -1;
  double subscribers = -1;
  double slow_disconnects = -1;
  double store_errors = -1;
};

class node_probe {
 public:
  /// Starts `binary --config config_file` with stderr to `log_file`, and waits (at most 20 s)
  /// for its listening lines. Throws std::runtime_error when it does not start.
  node_probe(const std::string& binary, const std::filesystem::path& config_file,
             const std::filesystem::path& log_file);
  ~node_probe();
  node_probe(const node_probe&) = delete;
  node_probe& operator=(const node_probe&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  std::uint16_t admin_port() const noexcept { return admin_port_; }
  pid_t pid() const noexcept { return pid_; }

  /// Reads /proc and scrapes `/metrics`. Throws when the node is gone.
  node_sample sample() const;

  /// SIGTERM, then waits at most `timeout`; the exit code, or nullopt (killed, or a signal).
  std::optional<int> stop(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::uint16_t port_ = 0;
  std::uint16_t admin_port_ = 0;
};

} // namespace herald::soak
