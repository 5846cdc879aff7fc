#include "node_probe.hpp"

#include "support/http_client.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <stdexcept>
#include <string_view>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace herald::soak {

namespace fs = std::filesystem;
using namespace std::chrono;

namespace {

/// The port at the end of a line `herald ... on ADDRESS:PORT`.
std::uint16_t port_of(std::string_view line) {
  auto colon = line.rfind(':');
  if (colon == std::string_view::npos)
    return 0;
  return static_cast<std::uint16_t>(std::atol(std::string{line.substr(colon + 1)}.c_str()));
}

/// `Name:  value kB` lines of /proc/<pid>/status.
long status_field(pid_t pid, std::string_view name) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  if (!in)
    throw std::runtime_error("the node (pid " + std::to_string(pid) + ") is gone");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with(name) && line.size() > name.size() && line[name.size()] == ':')
      return std::atol(line.c_str() + name.size() + 1);
  return 0;
}

/// The value of an unlabelled series, or the sum of a labelled family's samples; -1 when the
/// scrape has none.
double series(std::string_view text, std::string_view name) {
  double sum = 0;
  bool seen = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos)
      end = text.size();
    auto line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.starts_with(name) || line.size() == name.size())
      continue;
    char next = line[name.size()];
    if (next != ' ' && next != '{')
      continue;
    auto space = line.rfind(' ');
    sum += std::strtod(std::string{line.substr(space + 1)}.c_str(), nullptr);
    seen = true;
  }
  return seen ? sum : -1;
}

} // namespace

node_probe::node_probe(const std::string& binary, const fs::path& config_file,
                       const fs::path& log_file) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe failed");
  int err = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (err < 0)
    throw std::runtime_error("cannot write " + log_file.string());
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    std::string config = config_file.string();
    char* argv[] = {const_cast<char*>(binary.c_str()), const_cast<char*>("--config"), config.data(),
                    nullptr};
    ::execv(binary.c_str(), argv);
    std::_Exit(127);
  }
  ::close(out[1]);
  ::close(err);
  if (pid_ < 0) {
    ::close(out[0]);
    throw std::runtime_error("fork failed");
  }
  // Both lines come before the node serves; read them with a deadline.
  std::string text;
  auto deadline = steady_clock::now() + 20s;
  while (port_ == 0 && steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0)
      continue;
    char buf[512];
    auto n = ::read(out[0], buf, sizeof buf);
    if (n <= 0)
      break;
    text.append(buf, static_cast<std::size_t>(n));
    std::size_t nl;
    while ((nl = text.find('\n')) != std::string::npos) {
      std::string_view line{text.data(), nl};
      if (line.starts_with("herald admin API on "))
        admin_port_ = port_of(line);
      else if (line.starts_with("herald listening on "))
        port_ = port_of(line);
      text.erase(0, nl + 1);
    }
  }
  // The node writes nothing more to stdout that matters; a closed pipe must not kill it.
  ::close(out[0]);
  if (port_ == 0 || admin_port_ == 0) {
    stop(2s);
    throw std::runtime_error("the node did not start: see " + log_file.string());
  }
}

node_probe::~node_probe() {
  if (!reaped_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

node_sample node_probe::sample() const {
  node_sample s;
  s.rss_kib = status_field(pid_, "VmRSS");
  s.threads = status_field(pid_, "Threads");
  std::error_code ec;
  for (auto it = fs::directory_iterator{"/proc/" + std::to_string(pid_) + "/fd", ec};
       !ec && it != fs::directory_iterator{}; it.increment(ec))
    ++s.fds;
  try {
    auto res = test::http_get(admin_port_, "/metrics");
    if (res.result_int() == 200) {
      std::string_view text = res.body();
      s.actors = series(text, "herald_actors");
      s.tasks = series(text, "herald_tasks");
      s.groups = series(text, "herald_sse_groups");
      s.connections = series(text, "herald_connections");
      s.subscribers = series(text, "herald_sse_all_subscribers");
      s.slow_disconnects = series(text, "herald_sse_all_slow_disconnects_total");
      s.store_errors = series(text, "herald_store_errors_total");
    }
  } catch (const std::exception&) {
    // Left at -1: the report shows the scrape failed; the checks treat it as a failure.
  }
  return s;
}

std::optional<int> node_probe::stop(milliseconds timeout) {
  if (reaped_)
    return std::nullopt;
  ::kill(pid_, SIGTERM);
  auto deadline = steady_clock::now() + timeout;
  int status = 0;
  while (steady_clock::now() < deadline) {
    auto r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      return WIFEXITED(status) ? std::optional<int>{WEXITSTATUS(status)} : std::nullopt;
    }
    std::this_thread::sleep_for(20ms);
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  reaped_ = true;
  return std::nullopt;
}

} // namespace herald::soak
