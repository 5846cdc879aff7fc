#include "support/node_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace herald::test {

namespace fs = std::filesystem;
using namespace std::chrono;

namespace {

/// fork + exec of `a` with stdout to `out_fd` and stderr to `err_fd`.
pid_t spawn(const exec_args& a, int out_fd, int err_fd) {
  pid_t pid = fork();
  if (pid < 0)
    throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    a.exec();
  }
  return pid;
}

std::string read_file(const fs::path& p) {
  std::ifstream in{p};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

} // namespace

exec_args::exec_args(const std::string& binary, const std::vector<std::string>& args,
                     const std::optional<environment>& env)
    : inherit(!env) {
  strings.push_back(binary);
  strings.insert(strings.end(), args.begin(), args.end());
  if (env)
    for (const auto& [name, value] : *env)
      strings.push_back(name + "=" + value);
  for (std::size_t i = 0; i < strings.size(); ++i)
    (i <= args.size() ? argv : envp).push_back(strings[i].data());
  argv.push_back(nullptr);
  envp.push_back(nullptr);
}

void exec_args::exec() const {
  if (inherit)
    execv(argv[0], argv.data());
  else
    execve(argv[0], argv.data(), envp.data());
  _exit(127);
}

std::optional<int> wait_exit(pid_t pid, milliseconds timeout, bool& reaped) {
  auto deadline = steady_clock::now() + timeout;
  while (steady_clock::now() < deadline) {
    int status = 0;
    auto r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      reaped = true;
      if (WIFEXITED(status))
        return WEXITSTATUS(status);
      return std::nullopt;
    }
    std::this_thread::sleep_for(milliseconds{5});
  }
  return std::nullopt;
}

fs::path make_temp_dir() {
  std::string pattern = (fs::temp_directory_path() / "herald-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr)
    throw std::runtime_error("mkdtemp failed");
  return pattern;
}

node_process::node_process(const std::string& config_json, const std::vector<std::string>& args)
    : dir_(make_temp_dir()) {
  std::vector<std::string> argv{"--bind", "127.0.0.1", "--port", "0", "--admin-port", "0"};
  if (!config_json.empty()) {
    std::ofstream{dir_ / "config.json"} << config_json;
    argv.insert(argv.begin(), {"--config", (dir_ / "config.json").string()});
  }
  argv.insert(argv.end(), args.begin(), args.end());

  int out_pipe[2];
  if (pipe(out_pipe) != 0)
    throw std::runtime_error("pipe failed");
  int err_fd = open((dir_ / "stderr.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_ = spawn(exec_args{HERALD_BINARY, argv, std::nullopt}, out_pipe[1], err_fd);
  close(out_pipe[1]);
  close(err_fd);

  // Read stdout until the listening line, for at most 10 s.
  std::string out;
  auto deadline = steady_clock::now() + seconds{10};
  const std::string marker = "herald listening on 127.0.0.1:";
  while (steady_clock::now() < deadline) {
    pollfd p{out_pipe[0], POLLIN, 0};
    if (poll(&p, 1, 100) <= 0)
      continue;
    char buf[512];
    auto n = read(out_pipe[0], buf, sizeof buf);
    if (n <= 0)
      break;
    out.append(buf, static_cast<std::size_t>(n));
    auto at = out.find(marker);
    auto eol = at == std::string::npos ? std::string::npos : out.find('\n', at);
    if (eol != std::string::npos) {
      port_ = static_cast<std::uint16_t>(std::stoi(out.substr(at + marker.size())));
      // Printed before the listening line when the node has an admin listener.
      const std::string admin_marker = "herald admin API on 127.0.0.1:";
      if (auto admin = out.find(admin_marker); admin != std::string::npos)
        admin_port_ =
            static_cast<std::uint16_t>(std::stoi(out.substr(admin + admin_marker.size())));
      break;
    }
  }
  close(out_pipe[0]);
  if (port_ == 0) {
    kill(pid_, SIGKILL);
    wait_exit(pid_, seconds{5}, reaped_);
    throw std::runtime_error("herald did not start; stdout: " + out + "; log: " + log());
  }
}

node_process::~node_process() {
  if (!reaped_) {
    kill(pid_, SIGKILL);
    wait_exit(pid_, seconds{5}, reaped_);
  }
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

std::optional<int> node_process::stop(int signo, milliseconds timeout) {
  if (reaped_)
    return std::nullopt;
  kill(pid_, signo);
  auto code = wait_exit(pid_, timeout, reaped_);
  if (!reaped_) {
    kill(pid_, SIGKILL);
    wait_exit(pid_, seconds{5}, reaped_);
  }
  return code;
}

std::string node_process::log() const {
  return read_file(dir_ / "stderr.log");
}

run_result run_program(const std::string& binary, const std::vector<std::string>& args,
                       const std::optional<environment>& env, milliseconds timeout) {
  auto dir = make_temp_dir();
  int out_fd = open((dir / "out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int err_fd = open((dir / "err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = spawn(exec_args{binary, args, env}, out_fd, err_fd);
  close(out_fd);
  close(err_fd);
  bool reaped = false;
  run_result r;
  r.exit_code = wait_exit(pid, timeout, reaped);
  if (!reaped) {
    kill(pid, SIGKILL);
    wait_exit(pid, seconds{5}, reaped);
  }
  r.out = read_file(dir / "out");
  r.err = read_file(dir / "err");
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  return r;
}

run_result run_herald(const std::vector<std::string>& args, milliseconds timeout) {
  return run_program(HERALD_BINARY, args, std::nullopt, timeout);
}

long rss_kib(pid_t pid) {
  std::ifstream status{"/proc/" + std::to_string(pid) + "/status"};
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stol(line.substr(6));
  throw std::runtime_error("no VmRSS for pid " + std::to_string(pid));
}

} // namespace herald::test
