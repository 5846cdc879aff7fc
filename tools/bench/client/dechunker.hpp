#pragma once

// A chunked HTTP/1.1 body (RFC 9112 §7.1) decoded piece by piece as it arrives: nchan sends its
// event streams this way.

#include "tools/bench/client/http_response.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace herald::bench {

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
