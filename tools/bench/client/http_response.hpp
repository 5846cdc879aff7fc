#pragma once

// HTTP/1.1 responses as the load clients read them off a socket: the head parsed from the front
// of a buffer (nothing copied but the Content-Type), and a chunked body decoded piece by piece.

#include <algorithm>
#include <cstddef>
#include <cstdint>
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

/// Decodes a chunked body piece by piece: each call hands the data bytes of its input to
/// `sink`, in order, without copying them.
class dechunker {
 public:
  /// Returns false once the last chunk has been seen (the body is over). Throws
  /// protocol_error for a malformed chunk size.
  template <typename Sink> bool feed(const char* p, const char* end, Sink&& sink) {
    while (p < end) {
      if (state_ == state::data) {
        auto n = static_cast<std::size_t>(
            std::min<std::uint64_t>(left_, static_cast<std::uint64_t>(end - p)));
        sink(p, p + n);
        p += n;
        left_ -= n;
        if (left_ == 0)
          state_ = state::data_end;
      } else if (state_ == state::done) {
        return false;
      } else {
        framing(*p++);
      }
    }
    return state_ != state::done;
  }

 private:
  enum class state : std::uint8_t { size, extension, data, data_end, done };

  /// One byte of the framing around the data: sizes, extensions, line ends.
  void framing(char c);
  void size_line_ended();

  state state_ = state::size;
  unsigned digits_ = 0;
  std::uint64_t left_ = 0;
};

} // namespace herald::bench
