#include "net/request_parser.hpp"

#include <algorithm>
#include <boost/beast/http/error.hpp>
#include <string>

namespace herald::net {

namespace {

class read_error_category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "herald.read"; }
  std::string message(int ev) const override {
    switch (static_cast<read_error>(ev)) {
    case read_error::missing_host:
      return "HTTP/1.1 request without a Host header field";
    case read_error::duplicate_host:
      return "more than one Host header field";
    case read_error::chunk_line_too_long:
      return "chunk-size line over the chunk framing limit";
    }
    return "unknown read error";
  }
};

const read_error_category read_category{};

/// RFC 9112 §3.2: an HTTP/1.1 request must carry exactly one Host field; HTTP/1.0 may omit
/// it, but no request may carry two.
boost::system::error_code check_host(const request& req) {
  auto [first, last] = req.equal_range(http::field::host);
  if (first == last)
    return req.version() >= 11 ? make_error_code(read_error::missing_host)
                               : boost::system::error_code{};
  if (++first != last)
    return make_error_code(read_error::duplicate_host);
  return {};
}

} // namespace

boost::system::error_code make_error_code(read_error e) noexcept {
  return {static_cast<int>(e), read_category};
}

held_framing classify_held_framing(std::string_view held) noexcept {
  // The parser stops before the CRLF that ends the previous chunk's data.
  if (held.starts_with("\r\n"))
    held.remove_prefix(2);
  auto digits = held.find_first_not_of("0");
  // Only zeros, and the line has ended: this is the last chunk, and what follows its line is
  // the trailer block. A line of zeros still running is a chunk line like any other.
  if (digits == 0 || digits == std::string_view::npos)
    return held_framing::chunk_line;
  auto rest = held.substr(digits);
  auto eol = rest.find('\n');
  if (eol == std::string_view::npos)
    return held_framing::chunk_line;
  // Only the chunk-size digits decide: extensions (`;name=value`) may follow the zeros.
  auto c = rest.front();
  bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  return hex ? held_framing::chunk_line : held_framing::trailer;
}

void request_reader::reset() {
  parser_.emplace();
  parser_->header_limit(limits_.header_limit);
  parser_->body_limit(limits_.body_limit);
  // Not eager until the header is complete, so that a put() ends at the header's end and the
  // header's size is known exactly; then eager, to take the body in as large pieces as arrive.
  parser_->eager(false);
  header_bytes_ = 0;
  failed_ = false;
}

std::size_t request_reader::feed(boost::asio::const_buffer bytes, boost::system::error_code& ec) {
  std::size_t total = 0;
  ec = {};
  if (failed_) {
    ec = http::error::header_limit;
    return 0;
  }
  while (bytes.size() > 0) {
    const bool in_header = !parser_->is_header_done();
    // In a body the parser takes data as it comes (eager), but keeps chunk framing (a
    // chunk-size line, or the last chunk with its trailer) until the line ends. It is given at
    // most the framing limit at once: when it can take nothing of that much, the framing is
    // over the limit. The verdict is then the same however the reads split the bytes.
    auto slice = in_header ? bytes
                           : boost::asio::const_buffer{
                                 bytes.data(),
                                 std::min<std::size_t>(bytes.size(), limits_.chunk_framing_limit)};
    auto used = parser_->put(slice, ec);
    bytes += used;
    total += used;
    if (in_header) {
      header_bytes_ += used;
      if (!ec && header_bytes_ > limits_.header_limit) {
        ec = http::error::header_limit;
        failed_ = true;
        return total;
      }
      if (parser_->is_header_done()) {
        if (auto host = check_host(parser_->get())) {
          ec = host;
          failed_ = true;
          return total;
        }
        parser_->eager(true);
      }
    } else if (ec == http::error::need_more) {
      if (used > 0) {
        ec = {};
        continue; // the slice is used up: there may be more to take after it
      }
      if (slice.size() == limits_.chunk_framing_limit) {
        std::string_view held{static_cast<const char*>(slice.data()), slice.size()};
        ec = classify_held_framing(held) == held_framing::trailer
                 ? boost::system::error_code{http::error::header_limit}
                 : make_error_code(read_error::chunk_line_too_long);
        failed_ = true;
        return total;
      }
    }
    if (ec || parser_->is_done() || used == 0)
      break;
  }
  if (ec == http::error::need_more || (!ec && !parser_->is_done())) {
    // What is buffered but not yet parsed belongs to the header block too.
    if (!parser_->is_header_done() && header_bytes_ + bytes.size() > limits_.header_limit) {
      ec = http::error::header_limit;
      failed_ = true;
      return total;
    }
    if (!ec)
      ec = http::error::need_more;
  }
  return total;
}

} // namespace herald::net
