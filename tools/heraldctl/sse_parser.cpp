#include "tools/heraldctl/sse_parser.hpp"

#include "tools/heraldctl/exit_code.hpp"

namespace herald::ctl {

std::vector<sse_event> sse_parser::feed(std::string_view bytes) {
  std::vector<sse_event> out;
  for (char c : bytes) {
    if (skip_lf_) {
      skip_lf_ = false;
      if (c == '\n')
        continue;
    }
    if (c == '\r' || c == '\n') {
      skip_lf_ = c == '\r';
      line(line_, out);
      line_.clear();
      continue;
    }
    line_ += c;
    if (line_.size() + data_.size() > max_event_bytes_)
      throw ctl_error(exit_code::unexpected, "the event stream sent an event larger than " +
                                                 std::to_string(max_event_bytes_) + " bytes");
  }
  return out;
}

void sse_parser::line(std::string_view text, std::vector<sse_event>& out) {
  if (text.empty()) { // the end of an event
    if (has_data_)
      out.push_back({type_.empty() ? "message" : type_, data_});
    type_.clear();
    data_.clear();
    has_data_ = false;
    return;
  }
  if (text.front() == ':') // a comment (`: ping`)
    return;
  auto colon = text.find(':');
  auto name = text.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = text.substr(colon + 1);
    if (!value.empty() && value.front() == ' ')
      value.remove_prefix(1);
  }
  if (name == "event") {
    type_ = value;
  } else if (name == "data") {
    if (has_data_)
      data_ += '\n';
    data_ += value;
    has_data_ = true;
  }
  // `id` and `retry` matter to a client that reconnects; watch does not.
}

} // namespace herald::ctl
