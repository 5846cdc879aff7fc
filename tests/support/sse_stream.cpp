#include "support/sse_stream.hpp"

#include "net/text.hpp"
#include "support/http_client.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace herald::test {

using namespace std::chrono;

namespace {

std::string lower(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    c = net::ascii_lower(c);
  return out;
}

} // namespace

sse_stream::sse_stream(std::uint16_t port, std::string_view target, std::string_view extra,
                       int receive_buffer) {
  fd_ = connect_loopback(port, receive_buffer);
  if (fd_ < 0)
    throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
  std::string req = "GET ";
  req.append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n");
  req.append(extra).append("\r\n");
  if (::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size()))
    throw std::runtime_error("cannot send the stream request");
}

sse_stream::~sse_stream() {
  if (fd_ >= 0)
    ::close(fd_);
}

void sse_stream::drop() {
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = -1;
  closed_ = true;
}

std::string sse_stream::header(std::string_view name) const {
  auto it = headers_.find(lower(name));
  return it == headers_.end() ? std::string{} : it->second;
}

void sse_stream::take(std::string_view bytes) {
  if (head_done_) {
    body_.append(bytes);
    reader_.feed(bytes);
    return;
  }
  head_buffer_.append(bytes);
  auto end = head_buffer_.find("\r\n\r\n");
  if (end == std::string::npos)
    return;
  head_done_ = true;
  std::string_view head{head_buffer_.data(), end};
  auto line_end = head.find("\r\n");
  auto status_line = head.substr(0, line_end);
  if (status_line.size() >= 12)
    status_ = std::stoi(std::string{status_line.substr(9, 3)});
  while (line_end != std::string_view::npos) {
    head.remove_prefix(line_end + 2);
    line_end = head.find("\r\n");
    auto line = head.substr(0, line_end);
    auto colon = line.find(':');
    if (colon != std::string_view::npos)
      headers_.emplace(lower(line.substr(0, colon)),
                       std::string{net::trim(line.substr(colon + 1))});
  }
  auto rest = head_buffer_.substr(end + 4);
  head_buffer_.clear();
  if (!rest.empty())
    take(rest);
}

bool sse_stream::read_some() {
  if (closed_)
    return false;
  char buf[16384];
  for (;;) {
    auto n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      take({buf, static_cast<std::size_t>(n)});
      if (static_cast<std::size_t>(n) < sizeof buf)
        return true;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return true;
    if (n < 0 && errno == EINTR)
      continue;
    closed_ = true;
    return false;
  }
}

bool sse_stream::pump(milliseconds timeout) {
  if (closed_)
    return false;
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(timeout.count())) > 0)
    return read_some();
  return true;
}

bool sse_stream::read_head(milliseconds timeout) {
  return wait_for([this] { return head_done_; }, timeout);
}

bool sse_stream::wait_for(const std::function<bool()>& done, milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  while (!done()) {
    auto left = duration_cast<milliseconds>(deadline - clock::now());
    if (left.count() <= 0 || closed_)
      return done();
    pump(std::min(left, milliseconds{50}));
  }
  return true;
}

bool sse_stream::wait_events(std::size_t n, milliseconds timeout) {
  return wait_for([this, n] { return reader_.events().size() >= n; }, timeout);
}

bool sse_stream::wait_closed(milliseconds timeout) {
  wait_for([this] { return closed_; }, timeout);
  return closed_;
}

bool sse_stream::pump_all(const std::vector<sse_stream*>& streams,
                          const std::function<bool()>& done, milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  std::vector<pollfd> fds;
  std::vector<sse_stream*> open;
  while (!done()) {
    if (clock::now() >= deadline)
      return done();
    fds.clear();
    open.clear();
    for (auto* s : streams)
      if (!s->closed_) {
        fds.push_back(pollfd{s->fd_, POLLIN, 0});
        open.push_back(s);
      }
    if (fds.empty())
      return done();
    if (poll(fds.data(), fds.size(), 50) <= 0)
      continue;
    for (std::size_t i = 0; i < fds.size(); ++i)
      if (fds[i].revents != 0)
        open[i]->read_some();
  }
  return true;
}

} // namespace herald::test
