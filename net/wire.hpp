#pragma once

#include "net/http.hpp"

#include <string>

namespace herald::net {

/// How a response goes on the wire, decided from the request it answers.
struct framing {
  unsigned version = 11;  ///< the request's HTTP version (10 or 11)
  bool keep_alive = true; ///< false: announce and perform a close after this response
  bool head = false;      ///< answering HEAD: announce the length, send no body
};

/// Appends the bytes of `res` to `out`: status line, the handler's fields, then `Server`,
/// `Date`, `Content-Length` and `Connection` as `f` requires (any of those four set by the
/// handler are replaced), a blank line, and the body. CR, LF and NUL in the handler's field
/// names and values become spaces, so no value can inject a field. One contiguous buffer, so a
/// response leaves in one write, and `out` keeps its capacity from one response to the next.
void serialize_response(const response& res, const framing& f, std::string& out);

/// Appends the head of an endless response (an event stream) to `out`: as above, but with no
/// `Content-Length` and with `Connection: close`, since the body ends when the connection
/// does. The handler's body, if any, is not written.
void serialize_stream_head(const response& res, unsigned version, std::string& out);

} // namespace herald::net
