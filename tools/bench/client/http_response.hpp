#pragma once

// HTTP/1.1 responses as the load clients read them off a socket: the head parsed from the front
// of a buffer, nothing copied but the Content-Type.

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace herald::bench {

/// A response the client cannot read; the run stops on it.
struct protocol_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A response's head: status and the framing of what follows.
struct response_head {
  int status = 0;
  bool close = false; ///< the server closes the connection after this response
  bool chunked = false;
  std::optional<std::size_t> length; ///< Content-Length (0 for 204 and 304)
  std::string content_type;
  std::size_t size = 0; ///< bytes of the head, blank line included
};

/// Parses the response head at the front of `in`; nullopt while it is incomplete. Throws
/// protocol_error for a malformed or interim (1xx) response, a head above 64 KiB and a
/// transfer coding other than chunked.
std::optional<response_head> parse_response_head(std::string_view in);

} // namespace herald::bench
