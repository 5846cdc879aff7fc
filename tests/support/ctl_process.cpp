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

namespace {

/// argv and envp for execve, kept alive by the strings they point into.
struct exec_args {
  std::vector<std::string> strings;
  std::vector<char*> argv;
  std::vector<char*> envp;

  exec_args(const std::vector<std::string>& args, const environment& env) {
    strings.push_back(HERALDCTL_BINARY);
    strings.insert(strings.end(), args.begin(), args.end());
    for (const auto& [name, value] : env)
      strings.push_back(name + "=" + value);
    for (std::size_t i = 0; i < strings.size(); ++i)
      (i <= args.size() ? argv : envp).push_back(strings[i].data());
    argv.push_back(nullptr);
    envp.push_back(nullptr);
  }
};

std::optional<int> reap(pid_t pid, milliseconds timeout, bool& reaped) {
  auto deadline = steady_clock::now() + timeout;
  do {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      reaped = true;
      return WIFEXITED(status) ? std::optional<int>{WEXITSTATUS(status)} : std::nullopt;
    }
    std::this_thread::sleep_for(milliseconds{5});
  } while (steady_clock::now() < deadline);
  return std::nullopt;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in{p};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

} // namespace

run_result run_ctl(const std::vector<std::string>& args, const environment& env,
                   milliseconds timeout) {
  auto dir = make_temp_dir();
  int out_fd = open((dir / "out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int err_fd = open((dir / "err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  exec_args ea{args, env};
  pid_t pid = fork();
  if (pid < 0)
    throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    execve(ea.argv[0], ea.argv.data(), ea.envp.data());
    _exit(127);
  }
  close(out_fd);
  close(err_fd);
  bool reaped = false;
  run_result r;
  r.exit_code = reap(pid, timeout, reaped);
  if (!reaped) {
    kill(pid, SIGKILL);
    reap(pid, seconds{5}, reaped);
  }
  r.out = slurp(dir / "out");
  r.err = slurp(dir / "err");
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return r;
}

ctl_terminal::ctl_terminal(const std::vector<std::string>& args, unsigned short columns,
                           unsigned short rows) {
  exec_args ea{args, {{"TERM", "xterm"}}};
  winsize size{};
  size.ws_col = columns;
  size.ws_row = rows;
  pid_ = forkpty(&master_, nullptr, nullptr, &size);
  if (pid_ < 0)
    throw std::runtime_error("forkpty failed");
  if (pid_ == 0) {
    execve(ea.argv[0], ea.argv.data(), ea.envp.data());
    _exit(127);
  }
  fcntl(master_, F_SETFL, fcntl(master_, F_GETFL) | O_NONBLOCK);
}

ctl_terminal::~ctl_terminal() {
  if (!reaped_) {
    kill(pid_, SIGKILL);
    reap(pid_, seconds{5}, reaped_);
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
