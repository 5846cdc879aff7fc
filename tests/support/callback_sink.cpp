#include "support/callback_sink.hpp"

#include "support/http_client.hpp"
#include "support/node_process.hpp"

#include <boost/json/parse.hpp>
#include <chrono>
#include <csignal>
#include <poll.h>
#include <stdexcept>
#include <string_view>
#include <sys/wait.h>
#include <unistd.h>

namespace herald::test {

callback_sink::callback_sink(const std::vector<std::string>& secrets, const std::string& cert,
                             const std::string& key) {
  std::vector<std::string> args{std::string{HERALD_SOURCE_DIR} + "/tests/support/callback_sink.py"};
  if (!cert.empty())
    args.insert(args.end(), {"--tls", cert, key});
  for (const auto& s : secrets)
    args.insert(args.end(), {"--secret", s});
  int out[2];
  if (pipe(out) != 0)
    throw std::runtime_error("pipe failed");
  exec_args a{"/usr/bin/python3", args, std::nullopt};
  pid_ = fork();
  if (pid_ < 0)
    throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    dup2(out[1], STDOUT_FILENO);
    a.exec();
  }
  close(out[1]);
  // `port N` within 10 s.
  std::string text;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  while (text.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, 100) <= 0)
      continue;
    char buf[256];
    auto n = read(out[0], buf, sizeof buf);
    if (n <= 0)
      break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  close(out[0]);
  if (!text.starts_with("port ")) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    throw std::runtime_error("the callback sink did not start: " + text);
  }
  port_ = static_cast<std::uint16_t>(std::stoi(text.substr(5)));
}

callback_sink::~callback_sink() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

std::string callback_sink::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

boost::json::array callback_sink::requests() const {
  connection c{port_};
  auto res = c.exchange(get_request("/_log"), std::chrono::seconds{10});
  return boost::json::parse(res.body()).as_array();
}

} // namespace herald::test
