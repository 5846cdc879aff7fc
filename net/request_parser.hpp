#pragma once

#include "net/http.hpp"
#include "net/limits.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/system/error_code.hpp>
#include <optional>
#include <string_view>
#include <type_traits>

namespace herald::net {

using request_parser = http::request_parser<http::string_body>;

/// What the reader refuses beyond Beast's parser (which reports its own `http::error`s).
enum class read_error {
  missing_host = 1,    ///< an HTTP/1.1 request without a Host field (RFC 9112 §3.2)
  duplicate_host,      ///< more than one Host field line
  chunk_line_too_long, ///< a chunk-size line (with its extensions) over the framing limit
};

boost::system::error_code make_error_code(read_error e) noexcept;

/// Unparsed bytes that the parser holds in a chunked body's framing, sorted for the answer:
/// the last chunk's line and trailer fields are header fields (431), any other chunk line is
/// malformed framing (400). `held` starts where the parser stopped.
enum class held_framing { chunk_line, trailer };
held_framing classify_held_framing(std::string_view held) noexcept;

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
  /// `header_limit` / `body_limit` when a limit is passed (trailer fields count as a header
  /// block), a `read_error` for a Host field that RFC 9112 refuses or chunk framing over its
  /// limit, another parser error when the bytes are not HTTP, and success once `done()`.
  ///
  /// Every byte the caller must keep for the reader is bounded: the header block by
  /// `header_limit`, the body by `body_limit` (chunk data is taken as it arrives), and the
  /// framing of a chunked body that the parser holds until its line ends by
  /// `chunk_framing_limit`.
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

template <> struct boost::system::is_error_code_enum<herald::net::read_error> : std::true_type {};
