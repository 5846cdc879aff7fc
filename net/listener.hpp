#pragma once

#include "net/client_limits.hpp"
#include "net/limits.hpp"
#include "net/session.hpp"
#include "net/session_registry.hpp"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace herald::net {

/// Accepts connections and hands each one, as a session, to the owner's callback (which gives
/// it an observer and starts it). Over `max_connections` a connection is answered 503 and
/// closed without disturbing the others.
class listener : public std::enable_shared_from_this<listener> {
 public:
  using tcp = boost::asio::ip::tcp;
  using session_handler = std::function<void(std::shared_ptr<session>)>;
  using error_reporter = std::function<void(std::string_view what)>;

  /// Binds and listens on `endpoint`; throws boost::system::system_error when it cannot.
  /// `clients`, when given, bounds each client address's connections and request rate.
  listener(boost::asio::io_context& ioc, const tcp::endpoint& endpoint, const limits& lim,
           session_handler on_session, error_reporter on_error,
           std::shared_ptr<client_limits> clients = nullptr);

  /// Starts accepting.
  void start();

  /// Stops accepting; sessions already accepted go on (thread-safe).
  void stop_accepting();

  /// The bound address (the real port when 0 was asked for).
  tcp::endpoint local_endpoint() const { return local_; }

  /// The live sessions, to count, drain or close them.
  session_registry& sessions() noexcept { return *registry_; }

  /// Connections refused because `max_connections` were open, or the client's address had
  /// `max_connections_per_ip`.
  std::uint64_t refused() const noexcept { return refused_.load(std::memory_order_relaxed); }

  /// The per-address bounds (null when none).
  const client_limits* clients() const noexcept { return clients_.get(); }

 private:
  void do_accept();
  void on_accept(boost::system::error_code ec, tcp::socket socket);
  void refuse(tcp::socket socket, const std::string& bytes);

  boost::asio::io_context& ioc_;
  tcp::acceptor acceptor_;
  boost::asio::steady_timer backoff_;
  const limits& limits_;
  session_handler on_session_;
  error_reporter on_error_;
  std::shared_ptr<session_registry> registry_;
  std::shared_ptr<client_limits> clients_;
  tcp::endpoint local_;
  std::atomic<std::uint64_t> refused_{0};
};

} // namespace herald::net
