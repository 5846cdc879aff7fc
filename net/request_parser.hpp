#pragma once

#include "net/http.hpp"
#include "net/limits.hpp"

#include <boost/beast/http/parser.hpp>

namespace herald::net {

using request_parser = http::request_parser<http::string_body>;

/// Applies the request limits to a fresh parser: it then fails with `http::error::header_limit`
/// or `http::error::body_limit` (see `classify_read_error`) as soon as a request exceeds them,
/// before the excess is buffered.
inline void configure(request_parser& parser, const limits& lim) {
  parser.header_limit(lim.header_limit);
  parser.body_limit(lim.body_limit);
}

} // namespace herald::net
