#include "net/request_parser.hpp"

#include <boost/beast/http/error.hpp>

namespace herald::net {

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
    auto used = parser_->put(bytes, ec);
    bytes += used;
    total += used;
    if (in_header) {
      header_bytes_ += used;
      if (!ec && header_bytes_ > limits_.header_limit) {
        ec = http::error::header_limit;
        failed_ = true;
        return total;
      }
      if (parser_->is_header_done())
        parser_->eager(true);
    }
    if (ec || parser_->is_done() || used == 0)
      break;
  }
  if (ec == http::error::need_more || (!ec && !parser_->is_done())) {
    // What is buffered but not yet parsed belongs to the header block too.
    if (!parser_->is_header_done() && header_bytes_ + bytes.size() > limits_.header_limit) {
      ec = http::error::header_limit;
      failed_ = true;
    } else if (!ec)
      ec = http::error::need_more;
  }
  return total;
}

} // namespace herald::net
