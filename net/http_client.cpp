#include "net/http_client.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cctype>
#include <mutex>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <unordered_map>

namespace herald::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
using boost::system::error_code;

namespace {

using tcp = asio::ip::tcp;
using strand_type = asio::strand<asio::io_context::executor_type>;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;
using done_handler = std::function<void(http_client_response)>;

/// The limit on a response's status line and header fields.
constexpr std::uint32_t header_limit = 8 * 1024;

bool is_tchar(char c) {
  auto u = static_cast<unsigned char>(c);
  if (std::isalnum(u))
    return true;
  return std::string_view{"!#$%&'*+-.^_`|~"}.find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

/// The host without the brackets of an IPv6 literal.
std::string_view bare_host(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    return host.substr(1, host.size() - 2);
  return host;
}

std::optional<asio::ip::address> ip_literal(std::string_view host) {
  error_code ec;
  auto addr = asio::ip::make_address(bare_host(host), ec);
  if (ec)
    return std::nullopt;
  return addr;
}

/// An IPv4-mapped IPv6 address as the IPv4 address it reaches; others unchanged.
asio::ip::address effective(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  return a;
}

std::string endpoint_text(const tcp::endpoint& ep) {
  auto addr = effective(ep.address());
  auto port = std::to_string(ep.port());
  if (addr.is_v6())
    return "[" + addr.to_string() + "]:" + port;
  return addr.to_string() + ":" + port;
}

/// `Host`: the name or literal (an IPv6 literal in brackets), and the port unless it is the
/// scheme's default.
std::string host_field(std::string_view host, bool literal_v6, std::uint16_t port, bool tls) {
  std::string out;
  if (literal_v6)
    out.append("[").append(host).append("]");
  else
    out.append(host);
  if (port != (tls ? 443 : 80))
    out.append(":").append(std::to_string(port));
  return out;
}

std::string pool_key(bool tls, std::string_view host, std::uint16_t port) {
  std::string key = tls ? "https://" : "http://";
  for (char c : host)
    key.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  key.append(":").append(std::to_string(port));
  return key;
}

bool is_http_error(const error_code& ec) {
  return &ec.category() ==
         &beast::http::make_error_code(beast::http::error::end_of_stream).category();
}

/// The peer ended the connection (as a server does with a keep-alive connection it no
/// longer wants).
bool closed_by_peer(const error_code& ec) {
  return ec == beast::http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::connection_aborted ||
         ec == asio::error::broken_pipe || ec == asio::ssl::error::stream_truncated ||
         ec == beast::http::error::partial_message;
}

std::string millis(std::chrono::milliseconds d) {
  return std::to_string(d.count()) + " ms";
}

http_client_response failure(std::string error, std::string address = {}) {
  http_client_response r;
  r.error = std::move(error);
  r.address = std::move(address);
  return r;
}

/// Calls `done` on an I/O thread, never inside `send`: the caller may hold its own locks.
void fail_later(asio::io_context& io, done_handler done, std::string error) {
  asio::post(io, [done = std::move(done), error = std::move(error)]() mutable {
    done(failure(std::move(error)));
  });
}

} // namespace

std::optional<std::string> invalid_request(const http_client_request& r) {
  auto host = bare_host(r.host);
  if (host.empty())
    return "empty host";
  auto literal = ip_literal(r.host);
  if (host.size() != r.host.size() && !(literal && literal->is_v6()))
    return "invalid host '" + r.host + "'"; // brackets hold an IPv6 literal only
  if (!literal) {
    // A DNS name (IDNs arrive as A-labels): anything else could smuggle bytes into `Host`.
    auto name_char = [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
    };
    if (host.size() > 253 || !std::all_of(host.begin(), host.end(), name_char))
      return "invalid host '" + r.host + "'";
  }
  if (r.port == 0)
    return "port 0";
  if (r.target.empty() || r.target.front() != '/')
    return "target must start with '/'";
  for (char c : r.target) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f)
      return "invalid character in target";
  }
  if (!is_token(r.method))
    return "invalid method '" + r.method + "'";
  for (const auto& [name, value] : r.headers) {
    if (!is_token(name))
      return "invalid header name '" + name + "'";
    for (char c : value)
      if (c == '\r' || c == '\n' || c == '\0')
        return "invalid character in header '" + name + "'";
    for (std::string_view own : {"Host", "Content-Length", "Transfer-Encoding", "Connection"})
      if (iequals(name, own))
        return "header '" + name + "' is set by the client";
  }
  return std::nullopt;
}

// The connection and the exchange are private to this file; the state is named in the
// header (`detail::http_client_state`), so that the handle can point to it.
namespace {

class client_exchange;

// -- a connection ------------------------------------------------------------------------------

/// One connection to an origin, plain or TLS. Used by one exchange at a time, on its strand;
/// between exchanges it waits in the client's idle pool with a timer that closes it.
class client_connection {
 public:
  client_connection(strand_type executor, asio::ssl::context* tls, std::string key,
                    std::shared_ptr<std::atomic<std::size_t>> open)
      : executor(executor), key(std::move(key)), idle_timer(executor), open_(std::move(open)) {
    if (tls)
      tls_.emplace(executor, *tls);
    else
      plain_.emplace(executor);
  }

  ~client_connection() {
    if (counted_ && !closed_)
      open_->fetch_sub(1, std::memory_order_relaxed);
  }

  client_connection(const client_connection&) = delete;
  client_connection& operator=(const client_connection&) = delete;

  beast::tcp_stream& tcp() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }
  SSL* ssl() { return tls_->native_handle(); }
  tls_stream& tls() { return *tls_; }

  /// Runs `f` with the stream HTTP goes over: the TLS stream or the TCP stream.
  template <class F> void with_stream(F&& f) {
    if (tls_)
      f(*tls_);
    else
      f(*plain_);
  }

  /// The TCP connection is established: from now on it counts as open.
  void opened() {
    counted_ = true;
    open_->fetch_add(1, std::memory_order_relaxed);
  }

  /// Closes the socket (pending operations complete with an error). On the strand only.
  void close() {
    if (closed_)
      return;
    closed_ = true;
    idle_timer.cancel();
    tcp().close();
    if (counted_)
      open_->fetch_sub(1, std::memory_order_relaxed);
  }

  /// True when an idle connection has something to read: the peer closed it (or sent bytes
  /// nobody asked for); either way it cannot carry another exchange. Checked before reuse so
  /// that a request is rarely written to a connection already dead. Called only while the
  /// connection sits in the pool, where nothing else touches it.
  bool stale() {
    auto& sock = tcp().socket();
    if (closed_ || !sock.is_open())
      return true;
    pollfd p{};
    p.fd = sock.native_handle();
    p.events = POLLIN;
    return ::poll(&p, 1, 0) != 0;
  }

  const strand_type executor;
  /// Its place in the idle pool: scheme, host, port.
  const std::string key;
  /// Where it is connected to, for logs.
  std::string address;
  asio::steady_timer idle_timer;
  /// Counts the times it went idle, so that a late idle timeout cannot close it after it was
  /// taken and parked again. Guarded by the client's mutex.
  std::uint64_t idle_generation = 0;

 private:
  std::optional<beast::tcp_stream> plain_;
  std::optional<tls_stream> tls_;
  std::shared_ptr<std::atomic<std::size_t>> open_;
  bool counted_ = false;
  bool closed_ = false;
};

} // namespace

namespace detail {

// -- what the client's exchanges share ---------------------------------------------------------

/// The client itself; the handle `http_client` only points here. Exchanges in flight keep it
/// alive; connections refer to it weakly, so that an idle connection's pending timer does not.
struct http_client_state : std::enable_shared_from_this<http_client_state> {
  http_client_state(asio::io_context& io, http_client_settings settings, address_check check)
      : io(io), settings(std::move(settings)), check(std::move(check)) {}

  /// Takes `c` back after a keep-alive response (on `c`'s strand): into the pool, or closed
  /// when the pool is full or the client closed.
  void park(std::shared_ptr<client_connection> c);
  /// Takes `c` out of the pool when its idle time ran out; false when it was taken meanwhile.
  bool unpark(const std::shared_ptr<client_connection>& c, std::uint64_t generation);
  /// An exchange ended: it no longer needs failing on close.
  void forget(std::uint64_t id);
  void close();

  asio::io_context& io;
  const http_client_settings settings;
  const address_check check;
  asio::ssl::context tls{asio::ssl::context::tls_client};
  /// Connections open; shared with the connections, which may outlive the client.
  std::shared_ptr<std::atomic<std::size_t>> open = std::make_shared<std::atomic<std::size_t>>(0);

  std::mutex mutex;
  // -- guarded by `mutex` --
  bool closed = false;
  /// Idle connections per pool key, the most recently used last.
  std::unordered_map<std::string, std::vector<std::shared_ptr<client_connection>>> idle;
  /// Exchanges in flight, to fail on close.
  std::unordered_map<std::uint64_t, std::weak_ptr<client_exchange>> live;
  std::uint64_t next_id = 0;
};

} // namespace detail

namespace {

using detail::http_client_state;

// -- one exchange ------------------------------------------------------------------------------

/// One `send`: resolve and check, connect, TLS, write, read; or the same on an idle
/// connection. Every member runs on `executor`, the strand of the connection it uses.
class client_exchange : public std::enable_shared_from_this<client_exchange> {
 public:
  client_exchange(std::shared_ptr<http_client_state> client, strand_type executor, std::uint64_t id,
                  http_client_request request, done_handler done,
                  std::shared_ptr<client_connection> idle)
      : executor(executor), client_(std::move(client)), id_(id), tls_(request.tls),
        host_(bare_host(request.host)), port_(request.port),
        key_(pool_key(request.tls, host_, request.port)), literal_(ip_literal(host_)),
        head_(request.method == "HEAD"), done_(std::move(done)), conn_(std::move(idle)),
        resolver_(executor), resolve_timer_(executor) {
    build_request(std::move(request));
  }

  client_exchange(const client_exchange&) = delete;
  client_exchange& operator=(const client_exchange&) = delete;

  void start();
  /// The client closed: ends the exchange now with "client closed"; its operations still in
  /// flight complete (cancelled) and find it finished.
  void abort();

  const strand_type executor;

 private:
  void build_request(http_client_request r);
  void connect_fresh();
  void on_resolved(const error_code& ec, const tcp::resolver::results_type& results);
  void check_and_connect(std::vector<tcp::endpoint> endpoints);
  void on_connected(const error_code& ec, const tcp::endpoint& ep);
  void handshake();
  void on_handshake(const error_code& ec);
  void write_request();
  void fresh_parser();
  void read_response();
  void on_read(const error_code& ec);
  /// A response header arrived: its status is the outcome. `complete`: the whole message was
  /// read, so that the connection may carry another.
  void answered(bool complete);
  /// The exchange failed before a response header.
  void failed(const error_code& ec);
  void fail(std::string error);
  void finish(http_client_response r);

  std::shared_ptr<http_client_state> client_;
  const std::uint64_t id_;
  const bool tls_;
  const std::string host_;
  const std::uint16_t port_;
  const std::string key_;
  const std::optional<asio::ip::address> literal_;
  const bool head_;
  beast::http::request<beast::http::string_body> request_;
  done_handler done_;

  std::shared_ptr<client_connection> conn_;
  tcp::resolver resolver_;
  asio::steady_timer resolve_timer_;
  /// The checked addresses: the only ones connected to.
  std::vector<tcp::endpoint> endpoints_;
  std::optional<beast::http::response_parser<beast::http::string_body>> parser_;
  beast::flat_buffer buffer_;
  bool resolving_ = false;
  bool reused_ = false;
  bool retried_ = false;
  bool finished_ = false;
};

void client_exchange::build_request(http_client_request r) {
  namespace http = beast::http;
  request_.version(11);
  request_.method_string(r.method);
  request_.target(r.target);
  request_.set(http::field::host, host_field(host_, literal_ && literal_->is_v6(), port_, tls_));
  request_.set(http::field::user_agent, "herald");
  for (auto& [name, value] : r.headers) {
    if (iequals(name, "User-Agent"))
      request_.set(http::field::user_agent, value);
    else
      request_.insert(name, value);
  }
  // A GET or HEAD without a body says nothing of one; everything else states its length.
  if (!r.body.empty() || (!head_ && r.method != "GET"))
    request_.content_length(r.body.size());
  request_.body() = std::move(r.body);
  request_.keep_alive(true);
}

void client_exchange::start() {
  if (finished_)
    return; // closed before it began (abort closed the idle connection, if any)
  if (conn_) {
    reused_ = true;
    conn_->idle_timer.cancel();
    write_request();
    return;
  }
  connect_fresh();
}

void client_exchange::abort() {
  if (finished_)
    return;
  resolver_.cancel();
  if (conn_)
    conn_->close();
  fail("client closed");
}

// -- resolving and checking --------------------------------------------------------------------

void client_exchange::connect_fresh() {
  if (literal_) {
    check_and_connect({tcp::endpoint{*literal_, port_}});
    return;
  }
  // getaddrinfo cannot be interrupted: on timeout the answer is abandoned, not awaited.
  resolving_ = true;
  resolve_timer_.expires_after(client_->settings.connect_timeout);
  resolve_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (ec || self->finished_ || !self->resolving_)
      return;
    self->resolving_ = false;
    self->resolver_.cancel();
    self->fail("cannot resolve " + self->host_ + ": timed out");
  });
  resolver_.async_resolve(
      host_, std::to_string(port_),
      tcp::resolver::numeric_service | tcp::resolver::address_configured,
      [self = shared_from_this()](const error_code& ec, const tcp::resolver::results_type& r) {
        self->on_resolved(ec, r);
      });
}

void client_exchange::on_resolved(const error_code& ec,
                                  const tcp::resolver::results_type& results) {
  if (finished_ || !resolving_)
    return;
  resolving_ = false;
  resolve_timer_.cancel();
  if (ec) {
    fail("cannot resolve " + host_ + ": " + ec.message());
    return;
  }
  std::vector<tcp::endpoint> endpoints;
  for (const auto& entry : results)
    endpoints.push_back(entry.endpoint());
  if (endpoints.empty()) {
    fail("cannot resolve " + host_ + ": no address");
    return;
  }
  check_and_connect(std::move(endpoints));
}

void client_exchange::check_and_connect(std::vector<tcp::endpoint> endpoints) {
  // Every address is checked before any is tried: a name that resolves to one allowed and
  // one forbidden address is refused, whichever the connect would have reached.
  std::optional<http_client_response> refusal;
  for (auto& ep : endpoints) {
    ep.address(effective(ep.address()));
    if (!client_->check)
      continue;
    auto text = ep.address().to_string();
    auto reason = client_->check(host_, text);
    if (reason && !refusal) {
      refusal.emplace();
      refusal->refused = true;
      refusal->error = std::move(*reason);
      refusal->address = std::move(text);
    }
  }
  if (refusal) {
    finish(std::move(*refusal));
    return;
  }
  endpoints_ = std::move(endpoints);
  conn_ = std::make_shared<client_connection>(executor, tls_ ? &client_->tls : nullptr, key_,
                                              client_->open);
  conn_->tcp().expires_after(client_->settings.connect_timeout);
  conn_->tcp().async_connect(
      endpoints_, [self = shared_from_this()](const error_code& ec, const tcp::endpoint& ep) {
        self->on_connected(ec, ep);
      });
}

// -- connecting --------------------------------------------------------------------------------

void client_exchange::on_connected(const error_code& ec, const tcp::endpoint& ep) {
  if (finished_)
    return;
  if (ec) {
    conn_->close();
    if (ec == beast::error::timeout)
      fail("connect timed out");
    else if (ec == asio::error::connection_refused)
      fail("connection refused");
    else
      fail("connect failed: " + ec.message());
    return;
  }
  conn_->opened();
  conn_->address = endpoint_text(ep);
  error_code ignored;
  conn_->tcp().socket().set_option(tcp::no_delay{true}, ignored);
  if (tls_)
    handshake();
  else
    write_request();
}

void client_exchange::handshake() {
  SSL* ssl = conn_->ssl();
  bool named = false;
  if (literal_) {
    // An IP literal is matched against the certificate's IP addresses, and sent as no SNI.
    auto addr = *literal_;
    if (addr.is_v6()) {
      auto v6 = addr.to_v6();
      v6.scope_id(0);
      addr = v6;
    }
    named = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), addr.to_string().c_str()) == 1;
  } else {
    named =
        SSL_set_tlsext_host_name(ssl, host_.c_str()) == 1 && SSL_set1_host(ssl, host_.c_str()) == 1;
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  }
  if (!named) {
    conn_->close();
    fail("TLS: cannot set the expected host name");
    return;
  }
  conn_->tcp().expires_after(client_->settings.tls_timeout);
  conn_->tls().async_handshake(
      asio::ssl::stream_base::client,
      [self = shared_from_this()](const error_code& ec) { self->on_handshake(ec); });
}

void client_exchange::on_handshake(const error_code& ec) {
  if (finished_)
    return;
  if (ec) {
    // Verification failures (untrusted chain, wrong name, expired) say which.
    auto verify = SSL_get_verify_result(conn_->ssl());
    conn_->close();
    if (ec == beast::error::timeout)
      fail("TLS handshake timed out");
    else if (verify != X509_V_OK)
      fail(std::string{"TLS: certificate verify failed: "} + X509_verify_cert_error_string(verify));
    else
      fail("TLS: handshake failed: " + ec.message());
    return;
  }
  write_request();
}

// -- the exchange ------------------------------------------------------------------------------

void client_exchange::fresh_parser() {
  parser_.emplace();
  parser_->header_limit(header_limit);
  parser_->body_limit(client_->settings.max_response_bytes);
  // The answer to HEAD has a length but no body.
  if (head_)
    parser_->skip(true);
}

void client_exchange::write_request() {
  fresh_parser();
  buffer_.clear();
  // One deadline for writing the request and reading the whole response.
  conn_->tcp().expires_after(client_->settings.response_timeout);
  conn_->with_stream([this](auto& stream) {
    beast::http::async_write(stream, request_,
                             [self = shared_from_this()](const error_code& ec, std::size_t) {
                               if (self->finished_)
                                 return;
                               if (ec)
                                 self->failed(ec);
                               else
                                 self->read_response();
                             });
  });
}

void client_exchange::read_response() {
  conn_->with_stream([this](auto& stream) {
    beast::http::async_read(
        stream, buffer_, *parser_,
        [self = shared_from_this()](const error_code& ec, std::size_t) { self->on_read(ec); });
  });
}

void client_exchange::on_read(const error_code& ec) {
  if (finished_)
    return;
  if (!ec) {
    auto code = parser_->get().result_int();
    if (code >= 100 && code < 200 && code != 101) {
      // An interim answer (100 Continue, 103 Early Hints): the real one follows, within the
      // same deadline.
      fresh_parser();
      read_response();
      return;
    }
    answered(true);
    return;
  }
  if (parser_->is_header_done()) {
    answered(false);
    return;
  }
  failed(ec);
}

void client_exchange::answered(bool complete) {
  const auto& res = parser_->get();
  http_client_response out;
  out.status = res.result_int();
  out.address = conn_->address;
  if (auto it = res.find(beast::http::field::retry_after); it != res.end())
    out.retry_after = std::string{it->value()};
  if (auto it = res.find(beast::http::field::location); it != res.end())
    out.location = std::string{it->value()};
  // Bytes beyond the response (a server that pipelines on its own) would be read as the next
  // response: such a connection is not reused.
  bool reusable = complete && parser_->keep_alive() && buffer_.size() == 0 && out.status != 101;
  parser_.reset();
  if (reusable) {
    conn_->tcp().expires_never();
    client_->park(std::move(conn_));
  } else {
    conn_->close();
  }
  finish(std::move(out));
}

void client_exchange::failed(const error_code& ec) {
  bool nothing_read = buffer_.size() == 0 && !parser_->got_some();
  conn_->close();
  if (reused_ && !retried_ && nothing_read && closed_by_peer(ec)) {
    // The server closed the idle connection while the request was on its way: the usual
    // end of keep-alive, not an answer. Once more on a new connection.
    retried_ = true;
    reused_ = false;
    conn_.reset();
    connect_fresh();
    return;
  }
  if (ec == beast::error::timeout)
    fail("no response within " + millis(client_->settings.response_timeout));
  else if (ec == beast::http::error::header_limit)
    fail("response header over " + std::to_string(header_limit) + " bytes");
  else if (closed_by_peer(ec))
    fail("connection closed before a response");
  else if (is_http_error(ec))
    fail("malformed response: " + ec.message());
  else
    fail("connection failed: " + ec.message());
}

void client_exchange::fail(std::string error) {
  finish(failure(std::move(error), conn_ ? conn_->address : std::string{}));
}

void client_exchange::finish(http_client_response r) {
  if (finished_)
    return;
  finished_ = true;
  resolving_ = false;
  resolve_timer_.cancel();
  client_->forget(id_);
  auto done = std::move(done_);
  done_ = nullptr;
  done(std::move(r));
}

} // namespace

namespace detail {

// -- the pool ----------------------------------------------------------------------------------

void http_client_state::park(std::shared_ptr<client_connection> c) {
  std::uint64_t generation = 0;
  bool kept = false;
  {
    std::lock_guard lock{mutex};
    if (!closed && settings.max_idle_per_host > 0) {
      auto& list = idle[c->key];
      if (list.size() < settings.max_idle_per_host) {
        generation = ++c->idle_generation;
        list.push_back(c);
        kept = true;
      }
    }
  }
  if (!kept) {
    c->close();
    return;
  }
  // On `c`'s strand: a `send` that takes it now starts there only after this returns.
  c->idle_timer.expires_after(settings.idle_timeout);
  c->idle_timer.async_wait([weak = weak_from_this(), c, generation](const error_code& ec) {
    if (ec)
      return; // taken for an exchange, or closed
    auto self = weak.lock();
    if (self && !self->unpark(c, generation))
      return;
    c->close();
  });
}

bool http_client_state::unpark(const std::shared_ptr<client_connection>& c,
                               std::uint64_t generation) {
  std::lock_guard lock{mutex};
  auto it = idle.find(c->key);
  if (it == idle.end() || c->idle_generation != generation)
    return false;
  auto& list = it->second;
  auto pos = std::find(list.begin(), list.end(), c);
  if (pos == list.end())
    return false;
  list.erase(pos);
  if (list.empty())
    idle.erase(it);
  return true;
}

void http_client_state::forget(std::uint64_t id) {
  std::lock_guard lock{mutex};
  live.erase(id);
}

void http_client_state::close() {
  decltype(idle) idle_now;
  std::vector<std::shared_ptr<client_exchange>> busy;
  {
    std::lock_guard lock{mutex};
    if (closed)
      return;
    closed = true;
    idle_now.swap(idle);
    for (auto& [id, weak] : live)
      if (auto e = weak.lock())
        busy.push_back(std::move(e));
    live.clear();
  }
  // Each on its own strand, after this returns.
  for (auto& [key, list] : idle_now)
    for (auto& c : list)
      asio::post(c->executor, [c] { c->close(); });
  for (auto& e : busy)
    asio::post(e->executor, [e] { e->abort(); });
}

} // namespace detail

// -- the handle --------------------------------------------------------------------------------

std::shared_ptr<http_client> http_client::make(asio::io_context& io, http_client_settings settings,
                                               address_check check, std::string& error) {
  using namespace std::chrono_literals;
  error.clear();
  if (settings.connect_timeout <= 0ms || settings.tls_timeout <= 0ms ||
      settings.response_timeout <= 0ms || settings.idle_timeout <= 0ms) {
    error = "http client: timeouts must be positive";
    return nullptr;
  }
  if (settings.max_response_bytes == 0) {
    error = "http client: max_response_bytes must be positive";
    return nullptr;
  }
  std::shared_ptr<detail::http_client_state> state;
  try {
    state = std::make_shared<detail::http_client_state>(io, std::move(settings), std::move(check));
  } catch (const std::exception& e) {
    error = std::string{"http client: cannot create the TLS context: "} + e.what();
    return nullptr;
  }
  auto& ctx = state->tls;
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  // Idle connections keep no read and write buffers: there may be many, rarely used.
  SSL_CTX_set_mode(ctx.native_handle(), SSL_MODE_RELEASE_BUFFERS);
  ctx.set_verify_mode(asio::ssl::verify_peer);
  error_code ec;
  ctx.set_default_verify_paths(ec);
  if (ec) {
    error = "http client: cannot load the system's CA store: " + ec.message();
    return nullptr;
  }
  if (!state->settings.ca_file.empty()) {
    ctx.load_verify_file(state->settings.ca_file, ec);
    if (ec) {
      error = "http client: cannot read ca_file '" + state->settings.ca_file + "': " + ec.message();
      return nullptr;
    }
  }
  return std::shared_ptr<http_client>(new http_client(std::move(state)));
}

http_client::http_client(std::shared_ptr<detail::http_client_state> state)
    : state_(std::move(state)) {}

http_client::~http_client() {
  state_->close();
}

void http_client::send(http_client_request request,
                       std::function<void(http_client_response)> done) {
  auto& s = *state_;
  if (auto problem = invalid_request(request)) {
    fail_later(s.io, std::move(done), "invalid request: " + *problem);
    return;
  }
  auto key = pool_key(request.tls, bare_host(request.host), request.port);
  std::vector<std::shared_ptr<client_connection>> dead;
  std::shared_ptr<client_exchange> exchange;
  {
    std::lock_guard lock{s.mutex};
    if (!s.closed) {
      std::shared_ptr<client_connection> reuse;
      if (auto it = s.idle.find(key); it != s.idle.end()) {
        auto& list = it->second;
        while (!list.empty() && !reuse) {
          auto c = std::move(list.back());
          list.pop_back();
          if (c->stale())
            dead.push_back(std::move(c));
          else
            reuse = std::move(c);
        }
        if (list.empty())
          s.idle.erase(it);
      }
      // A reused connection brings its strand; a new one gets a new strand.
      auto executor = reuse ? reuse->executor : asio::make_strand(s.io);
      auto id = ++s.next_id;
      exchange = std::make_shared<client_exchange>(state_, executor, id, std::move(request),
                                                   std::move(done), std::move(reuse));
      s.live.emplace(id, exchange);
    }
  }
  for (auto& c : dead)
    asio::post(c->executor, [c] { c->close(); });
  if (!exchange) {
    fail_later(s.io, std::move(done), "client closed");
    return;
  }
  asio::post(exchange->executor, [exchange] { exchange->start(); });
}

void http_client::close() {
  state_->close();
}

std::size_t http_client::open_connections() const {
  return state_->open->load(std::memory_order_relaxed);
}

} // namespace herald::net
