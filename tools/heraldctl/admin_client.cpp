#include "tools/heraldctl/admin_client.hpp"

#include "tools/heraldctl/exit_code.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/grammar/lut_chars.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <cstdio>

namespace herald::ctl {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

/// A bound on an answer, far above the largest real one (`/admin/connections` of a node with
/// 10,000 streams is 2 MB), so that a misdirected URL cannot make heraldctl hold an endless body.
constexpr std::uint64_t body_limit = 256 * 1024 * 1024;

} // namespace

std::string path_segment(std::string_view text) {
  return boost::urls::encode(text, boost::urls::unreserved_chars);
}

std::string query_value(std::string_view text) {
  // A path as a filter reads better with its slashes left as they are.
  return boost::urls::encode(text,
                             boost::urls::unreserved_chars + boost::urls::grammar::lut_chars('/'));
}

std::string seconds_text(std::chrono::milliseconds duration) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", static_cast<double>(duration.count()) / 1000.0);
  return buf;
}

http_reply admin_client::get(std::string_view target) const {
  return exchange(false, target);
}

http_reply admin_client::remove(std::string_view target) const {
  return exchange(true, target);
}

http_reply admin_client::exchange(bool is_delete, std::string_view target) const {
  asio::io_context ioc;
  tcp::resolver resolver{ioc};
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;

  http::request<http::empty_body> req{is_delete ? http::verb::delete_ : http::verb::get,
                                      node_.prefix + std::string{target}, 11};
  req.set(http::field::host, node_.host + ":" + std::to_string(node_.port));
  req.set(http::field::user_agent, "heraldctl");
  req.set(http::field::accept, "application/json");
  req.set(http::field::connection, "close");
  if (!key_.empty())
    req.set("X-API-Key", key_);

  http::response_parser<http::string_body> parser;
  parser.body_limit(body_limit);

  // The exchange runs as a chain of asynchronous steps on a private io_context so that one
  // deadline bounds all of them; each step records its error and ends the chain.
  beast::error_code failure;
  std::string_view step = "resolving the host";
  bool answered = false;
  resolver.async_resolve(
      node_.host, std::to_string(node_.port),
      [&](beast::error_code ec, tcp::resolver::results_type results) {
        if (ec) {
          failure = ec;
          return;
        }
        step = "connecting";
        stream.expires_after(timeout_);
        stream.async_connect(results, [&](beast::error_code ec, const tcp::endpoint&) {
          if (ec) {
            failure = ec;
            return;
          }
          step = "sending the request";
          http::async_write(stream, req, [&](beast::error_code ec, std::size_t) {
            if (ec) {
              failure = ec;
              return;
            }
            step = "waiting for the answer";
            http::async_read(stream, buffer, parser, [&](beast::error_code ec, std::size_t) {
              failure = ec;
              answered = !ec;
            });
          });
        });
      });
  ioc.run_for(timeout_);
  if (!ioc.stopped()) { // the deadline passed inside resolve (the stream has its own timer)
    resolver.cancel();
    beast::error_code ignored;
    stream.socket().close(ignored);
    ioc.restart();
    ioc.run(); // lets the cancelled handlers finish before the locals they use go
    failure = beast::error::timeout;
  }

  if (!answered) {
    if (failure == beast::error::timeout)
      throw ctl_error(exit_code::unreachable, "cannot reach the node at " + url_ +
                                                  ": no answer within " + seconds_text(timeout_) +
                                                  " (" + std::string{step} + ")");
    // A closed connection or garbage after the connect is still "the node is not there as
    // expected": a refused/reset connection, or something else on that port.
    bool connected = step != "resolving the host" && step != "connecting";
    if (connected &&
        failure.category() == http::make_error_code(http::error::bad_version).category())
      throw ctl_error(exit_code::unexpected,
                      "the server at " + url_ + " did not answer HTTP: " + failure.message());
    throw ctl_error(exit_code::unreachable, "cannot reach the node at " + url_ + ": " +
                                                (failure ? failure.message() : "no answer"));
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);

  auto res = parser.release();
  http_reply reply;
  reply.status = res.result_int();
  reply.content_type = std::string{res[http::field::content_type]};
  reply.body = std::move(res.body());
  return reply;
}

} // namespace herald::ctl
