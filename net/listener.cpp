#include "net/listener.hpp"

#include "net/responses.hpp"
#include "net/wire.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>

namespace herald::net {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

/// The bytes of an answer to a connection refused for `e`, with `Retry-After: 1`.
std::string refusal_of(http_error e) {
  auto res = error_response(e);
  res.set(http::field::retry_after, "1");
  std::string out;
  serialize_response(res, framing{11, false, false}, out);
  return out;
}

/// The 503 sent to connections over `max_connections`, built once.
const std::string& refusal_bytes() {
  static const std::string bytes = refusal_of(http_error::too_many_connections);
  return bytes;
}

/// The 429 sent to a connection whose address has `max_connections_per_ip` open, built once.
const std::string& client_refusal_bytes() {
  static const std::string bytes = refusal_of(http_error::too_many_client_connections);
  return bytes;
}

} // namespace

listener::listener(asio::io_context& ioc, const tcp::endpoint& endpoint, const limits& lim,
                   session_handler on_session, error_reporter on_error,
                   std::shared_ptr<client_limits> clients)
    : ioc_(ioc), acceptor_(asio::make_strand(ioc)), backoff_(acceptor_.get_executor()),
      limits_(lim), on_session_(std::move(on_session)), on_error_(std::move(on_error)),
      registry_(std::make_shared<session_registry>()), clients_(std::move(clients)) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  local_ = acceptor_.local_endpoint();
}

void listener::start() {
  asio::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->do_accept(); });
}

void listener::stop_accepting() {
  asio::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
    error_code ignored;
    self->acceptor_.close(ignored);
    self->backoff_.cancel();
  });
}

void listener::do_accept() {
  if (!acceptor_.is_open())
    return;
  // Each connection gets its own strand: its session and its actor's handlers run there.
  acceptor_.async_accept(asio::make_strand(ioc_),
                         [self = shared_from_this()](error_code ec, tcp::socket socket) {
                           self->on_accept(ec, std::move(socket));
                         });
}

void listener::on_accept(error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open())
    return;
  if (ec) {
    // Out of descriptors or memory: report, back off briefly instead of spinning, go on.
    if (on_error_)
      on_error_("accept failed: " + ec.message());
    backoff_.expires_after(std::chrono::milliseconds{50});
    backoff_.async_wait([self = shared_from_this()](error_code wait_ec) {
      if (!wait_ec)
        self->do_accept();
    });
    return;
  }
  if (registry_->size() >= limits_.max_connections) {
    refuse(std::move(socket), refusal_bytes());
  } else if (error_code peer_ec; clients_ && clients_->limits_connections() &&
                                 !clients_->open(socket.remote_endpoint(peer_ec).address())) {
    refuse(std::move(socket), client_refusal_bytes());
  } else {
    auto s = std::make_shared<session>(std::move(socket), limits_);
    s->attach_registry(registry_);
    if (clients_)
      s->attach_client_limits(clients_);
    on_session_(std::move(s));
  }
  do_accept();
}

void listener::refuse(tcp::socket socket, const std::string& bytes) {
  refused_.fetch_add(1, std::memory_order_relaxed);
  auto sock = std::make_shared<tcp::socket>(std::move(socket));
  asio::async_write(*sock, asio::buffer(bytes), [sock](error_code, std::size_t) {
    error_code ignored;
    sock->shutdown(tcp::socket::shutdown_both, ignored);
    sock->close(ignored);
  });
}

} // namespace herald::net
