#pragma once

#include "net/http.hpp"
#include "net/limits.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <optional>

namespace herald::net {

using request_parser = http::request_parser<http::string_body>;

/// Turns the bytes of a connection into requests, one at a time, under the request limits.
/// A pure value (no socket): the session feeds it what it reads, the tests feed it strings.
///
/// Beast's parser limits the request line and the still unparsed part of the fields
/// separately and forgets fields once parsed, so on its own it lets a header block of up to
/// about twice the limit through, depending on how the bytes arrive. The reader counts the
/// whole block, wherever the reads split it.
class request_reader {
 public:
  explicit request_reader(const limits& lim) : limits_(lim) { reset(); }

  /// Starts on the next request with a fresh parser (the limits apply to each request).
  void reset();

  /// Parses as much of `bytes` (everything the caller holds unparsed) as it can and returns
  /// how many bytes it used. `ec` is `http::error::need_more` when more bytes are wanted,
  /// `header_limit` / `body_limit` when a limit is passed, another parser error when the
  /// bytes are not HTTP, and success once `done()`.
  std::size_t feed(boost::asio::const_buffer bytes, boost::system::error_code& ec);

  /// Whether the header block / the whole request has been read within the limits.
  bool header_done() const { return !failed_ && parser_->is_header_done(); }
  bool done() const { return !failed_ && parser_->is_done(); }

  /// The request so far (its header once `header_done()`).
  const request& get() const { return parser_->get(); }

  /// Bytes of the current request's header block parsed so far.
  std::size_t header_bytes() const { return header_bytes_; }

  /// Takes the complete request; call `reset` before feeding the next one.
  request release() { return parser_->release(); }

 private:
  const limits& limits_;
  std::optional<request_parser> parser_;
  std::size_t header_bytes_ = 0;
  bool failed_ = false; ///< a limit was passed: nothing of this request counts
};

} // namespace herald::net
