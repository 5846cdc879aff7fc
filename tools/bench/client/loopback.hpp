#pragma once

// The socket side of the load clients: non-blocking TCP to 127.0.0.1 watched by one epoll
// instance. Everything here is a thin wrapper of a system call that both clients made the
// same way; the clients keep their own loops.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <sys/epoll.h>

namespace herald::bench {

/// A connection's epoll tag: its index, and a generation that tells events of a closed socket
/// from those of its successor in the same slot.
constexpr std::uint64_t connection_tag(std::size_t index, std::uint32_t generation) noexcept {
  return (static_cast<std::uint64_t>(generation) << 32) | static_cast<std::uint64_t>(index);
}
constexpr std::size_t tag_index(std::uint64_t tag) noexcept {
  return static_cast<std::size_t>(tag & 0xffffffffu);
}
constexpr std::uint32_t tag_generation(std::uint64_t tag) noexcept {
  return static_cast<std::uint32_t>(tag >> 32);
}

/// One epoll instance and the buffer its events arrive in. Failures of epoll itself fail the
/// run.
class poller {
 public:
  poller();
  ~poller();
  poller(const poller&) = delete;
  poller& operator=(const poller&) = delete;

  /// EPOLL_CTL_ADD or EPOLL_CTL_MOD `fd` for input, and output too while `want_write`.
  void watch(int fd, int op, std::uint64_t tag, bool want_write);
  /// Stops watching `fd` (before it is closed).
  void forget(int fd) noexcept;
  /// Waits at most `ms` milliseconds; no events when a signal interrupted the wait.
  std::span<const epoll_event> wait(int ms);
  int fd() const noexcept { return fd_; }

 private:
  int fd_ = -1;
  std::array<epoll_event, 512> events_{};
};

/// A socket whose connect() to 127.0.0.1 has started.
struct connect_attempt {
  int fd = -1;
  bool connected = false; ///< connect() completed at once; else it is in progress
  int error = 0;          ///< connect() failed at once with this errno (fd stays open)
};

/// Opens a non-blocking TCP socket with TCP_NODELAY (requests are small and wait for their
/// answer: never hold one back for Nagle) and connects it to 127.0.0.1:`port`. With `source`,
/// binds it first to 127.0.0.<1 + source> (the port is picked at connect(), per destination:
/// ~28k ephemeral ports per pair of addresses, so more connections need more sources).
connect_attempt connect_loopback(std::uint16_t port, std::optional<unsigned> source);

/// The outcome of a connect() that was in progress: 0 or an errno.
int connect_error(int fd) noexcept;

enum class send_status { done, blocked, failed };

/// Writes `out` from `offset` on, advancing it, until all is sent (done), the socket is full
/// (blocked) or it fails (failed, errno set).
send_status send_pending(int fd, const std::string& out, std::size_t& offset) noexcept;

/// Raises RLIMIT_NOFILE to its hard limit; fails the run when that is below `needed`.
void raise_fd_limit(unsigned needed);

} // namespace herald::bench
