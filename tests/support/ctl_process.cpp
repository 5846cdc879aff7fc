#include "support/ctl_process.hpp"

#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <pty.h>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace herald::test {

using namespace std::chrono;

run_result run_ctl(const std::vector<std::string>& args, const environment& env,
                   milliseconds timeout) {
  return run_program(HERALDCTL_BINARY, args, env, timeout);
}

ctl_terminal::ctl_terminal(const std::vector<std::string>& args, unsigned short columns,
                           unsigned short rows) {
  exec_args ea{HERALDCTL_BINARY, args, environment{{"TERM", "xterm"}}};
  winsize size{};
  size.ws_col = columns;
  size.ws_row = rows;
  pid_ = forkpty(&master_, nullptr, nullptr, &size);
  if (pid_ < 0)
    throw std::runtime_error("forkpty failed");
  if (pid_ == 0)
    ea.exec();
  fcntl(master_, F_SETFL, fcntl(master_, F_GETFL) | O_NONBLOCK);
}

ctl_terminal::~ctl_terminal() {
  if (!reaped_) {
    kill(pid_, SIGKILL);
    herald::test::wait_exit(pid_, seconds{5}, reaped_);
  }
  close(master_);
}

void ctl_terminal::read_some(milliseconds timeout) {
  pollfd p{master_, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0)
    return;
  char buf[4096];
  for (;;) {
    auto n = read(master_, buf, sizeof buf);
    if (n <= 0) // EAGAIN, or EIO once the child has gone
      return;
    output_.append(buf, static_cast<std::size_t>(n));
  }
}

bool ctl_terminal::wait_for(const std::function<bool(const std::string&)>& done,
                            milliseconds timeout) {
  auto deadline = steady_clock::now() + timeout;
  while (!done(output_)) {
    auto left = duration_cast<milliseconds>(deadline - steady_clock::now());
    if (left.count() <= 0)
      return false;
    read_some(std::min(left, milliseconds{50}));
  }
  return true;
}

void ctl_terminal::type(std::string_view keys) {
  if (write(master_, keys.data(), keys.size()) != static_cast<ssize_t>(keys.size()))
    throw std::runtime_error("cannot type on the terminal");
}

std::optional<int> ctl_terminal::wait_exit(milliseconds timeout) {
  auto deadline = steady_clock::now() + timeout;
  while (steady_clock::now() < deadline) {
    read_some(milliseconds{20});
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      reaped_ = true;
      read_some(milliseconds{0});
      return WIFEXITED(status) ? std::optional<int>{WEXITSTATUS(status)} : std::nullopt;
    }
  }
  return std::nullopt;
}

} // namespace herald::test
