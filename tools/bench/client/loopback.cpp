#include "tools/bench/client/loopback.hpp"

#include "tools/bench/client/program.hpp"
#include "tools/bench/client/text.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace herald::bench {

poller::poller() : fd_(epoll_create1(EPOLL_CLOEXEC)) {
  if (fd_ < 0)
    fail("epoll_create1: " + errno_text(errno));
}

poller::~poller() {
  ::close(fd_);
}

void poller::watch(int fd, int op, std::uint64_t tag, bool want_write) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | (want_write ? EPOLLOUT : 0u);
  ev.data.u64 = tag;
  if (epoll_ctl(fd_, op, fd, &ev) < 0)
    fail("epoll_ctl: " + errno_text(errno));
}

void poller::forget(int fd) noexcept {
  epoll_ctl(fd_, EPOLL_CTL_DEL, fd, nullptr);
}

std::span<const epoll_event> poller::wait(int ms) {
  int n = epoll_wait(fd_, events_.data(), static_cast<int>(events_.size()), ms);
  if (n < 0) {
    if (errno == EINTR)
      return {};
    fail("epoll_wait: " + errno_text(errno));
  }
  return {events_.data(), static_cast<std::size_t>(n)};
}

connect_attempt connect_loopback(std::uint16_t port, std::optional<unsigned> source) {
  connect_attempt a;
  a.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  if (a.fd < 0)
    fail("socket: " + errno_text(errno));
  int one = 1;
  setsockopt(a.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (source) {
    setsockopt(a.fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    src.sin_addr.s_addr = htonl(INADDR_LOOPBACK + *source);
    if (::bind(a.fd, reinterpret_cast<const sockaddr*>(&src), sizeof src) < 0)
      fail("bind to 127.0.0." + std::to_string(1 + *source) + ": " + errno_text(errno));
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(a.fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0)
    a.connected = true;
  else if (errno != EINPROGRESS)
    a.error = errno;
  return a;
}

int connect_error(int fd) noexcept {
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  return err;
}

send_status send_pending(int fd, const std::string& out, std::size_t& offset) noexcept {
  while (offset < out.size()) {
    auto n = ::send(fd, out.data() + offset, out.size() - offset, MSG_NOSIGNAL);
    if (n > 0) {
      offset += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return send_status::blocked;
    return send_status::failed;
  }
  return send_status::done;
}

void raise_fd_limit(unsigned needed) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < needed)
    fail(std::to_string(needed) + " file descriptors needed, RLIMIT_NOFILE allows " +
         std::to_string(rl.rlim_cur) + " (run several clients, or raise the hard limit)");
}

} // namespace herald::bench
