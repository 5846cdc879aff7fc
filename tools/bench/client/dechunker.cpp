#include "tools/bench/client/dechunker.hpp"

#include <cctype>

namespace herald::bench {

void dechunker::framing(char c) {
  switch (state_) {
  case state::size:
    if (c == '\n') {
      size_line_ended();
    } else if (c == ';') {
      state_ = state::extension;
    } else if (c != '\r' && c != ' ' && c != '\t') {
      int v = std::isdigit(static_cast<unsigned char>(c))
                  ? c - '0'
                  : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
      if (v < 0 || v > 15 || ++digits_ > 15)
        throw protocol_error("bad chunk size");
      left_ = left_ * 16 + static_cast<std::uint64_t>(v);
    }
    break;
  case state::extension:
    if (c == '\n')
      size_line_ended();
    break;
  case state::data_end:
    if (c == '\n')
      state_ = state::size;
    break;
  case state::data:
  case state::done:
    break; // feed() handles both
  }
}

void dechunker::size_line_ended() {
  if (!digits_)
    throw protocol_error("chunk without a size");
  state_ = left_ == 0 ? state::done : state::data;
  digits_ = 0;
}

} // namespace herald::bench
