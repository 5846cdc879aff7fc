#include "support/http_client.hpp"

#include <arpa/inet.h>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <cerrno>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace herald::test {

using namespace std::chrono;

int connect_loopback(std::uint16_t port, int receive_buffer) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    throw std::runtime_error("socket() failed");
  if (receive_buffer > 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

connection::connection(std::uint16_t port, int receive_buffer)
    : fd_(connect_loopback(port, receive_buffer)) {
  if (fd_ < 0)
    throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
}

connection::~connection() {
  if (fd_ >= 0)
    ::close(fd_);
}

bool connection::send(std::string_view bytes) {
  auto deadline = steady_clock::now() + 5s;
  while (!bytes.empty()) {
    auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (steady_clock::now() > deadline)
        return false;
      pollfd p{fd_, POLLOUT, 0};
      poll(&p, 1, 50);
      continue;
    }
    return false;
  }
  return true;
}

bool connection::receive(steady_clock::time_point deadline, bool& timed_out) {
  timed_out = false;
  for (;;) {
    auto left = duration_cast<milliseconds>(deadline - steady_clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      return false;
    }
    pollfd p{fd_, POLLIN, 0};
    auto r = poll(&p, 1, static_cast<int>(left));
    if (r == 0)
      continue;
    if (r < 0 && errno == EINTR)
      continue;
    char buf[16 * 1024];
    auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0)
      return false;
    buffer_.append(buf, static_cast<std::size_t>(n));
    return true;
  }
}

net::response connection::read_response(milliseconds timeout, bool head) {
  namespace http = boost::beast::http;
  http::response_parser<http::string_body> parser;
  parser.eager(true);
  parser.body_limit(64 * 1024 * 1024);
  if (head)
    parser.skip(true);
  auto deadline = steady_clock::now() + timeout;
  for (;;) {
    if (!buffer_.empty()) {
      boost::system::error_code ec;
      auto used = parser.put(boost::asio::buffer(buffer_), ec);
      if (ec && ec != http::error::need_more)
        throw std::runtime_error("unparsable response: " + ec.message() + ": " + buffer_);
      buffer_.erase(0, used);
      if (parser.is_done())
        return parser.release();
      if (used > 0 && !buffer_.empty())
        continue;
    }
    bool timed_out = false;
    if (!receive(deadline, timed_out)) {
      // A response without a length ends with the connection.
      if (!timed_out && parser.is_header_done()) {
        boost::system::error_code ec;
        parser.put_eof(ec);
        if (!ec && parser.is_done())
          return parser.release();
      }
      throw std::runtime_error(timed_out ? "timed out waiting for a response"
                                         : "connection ended before a whole response");
    }
  }
}

bool connection::wait_closed(milliseconds timeout) {
  auto deadline = steady_clock::now() + timeout;
  for (;;) {
    bool timed_out = false;
    if (!receive(deadline, timed_out))
      return !timed_out;
    buffer_.clear();
  }
}

net::response connection::exchange(std::string_view raw, milliseconds timeout) {
  if (!send(raw))
    throw std::runtime_error("send failed");
  return read_response(timeout);
}

std::string get_request(std::string_view target, std::string_view extra) {
  std::string r = "GET ";
  r.append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n").append(extra).append("\r\n");
  return r;
}

std::string request_with_body(std::string_view method, std::string_view target,
                              std::string_view body, std::string_view extra) {
  std::string r{method};
  r.append(" ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ");
  r.append(std::to_string(body.size())).append("\r\n").append(extra).append("\r\n").append(body);
  return r;
}

net::response http_get(std::uint16_t port, std::string_view target) {
  connection c{port};
  return c.exchange(get_request(target));
}

bool connection_refused(std::uint16_t port) {
  int fd = connect_loopback(port, 0);
  if (fd < 0)
    return true;
  ::close(fd);
  return false;
}

} // namespace herald::test
