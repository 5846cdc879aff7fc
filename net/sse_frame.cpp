#include "net/sse_frame.hpp"

namespace herald::net {

bool valid_sse_field(std::string_view value) noexcept {
  return value.find_first_of(std::string_view{"\r\n\0", 3}) == std::string_view::npos;
}

bool append_sse_event(std::string& out, const sse_event& e) {
  if (!valid_sse_field(e.type) || !valid_sse_field(e.id))
    return false;
  out.reserve(out.size() + e.data.size() + e.type.size() + e.id.size() + 32);
  if (!e.id.empty()) {
    out += "id: ";
    out += e.id;
    out += '\n';
  }
  if (!e.type.empty()) {
    out += "event: ";
    out += e.type;
    out += '\n';
  }
  // One `data:` line per line; CRLF counts as one break, as the client counts it.
  std::string_view rest = e.data;
  while (true) {
    auto cut = rest.find_first_of("\r\n");
    auto line = rest.substr(0, cut);
    // "data:" alone for an empty line: no trailing space, and the client reads "" either way.
    out += line.empty() ? "data:" : "data: ";
    out += line;
    out += '\n';
    if (cut == std::string_view::npos)
      break;
    auto skip = rest[cut] == '\r' && cut + 1 < rest.size() && rest[cut + 1] == '\n' ? 2 : 1;
    rest.remove_prefix(cut + skip);
  }
  out += '\n';
  return true;
}

std::optional<std::string> frame_sse_event(const sse_event& e) {
  std::string out;
  if (!append_sse_event(out, e))
    return std::nullopt;
  return out;
}

bool append_sse_position(std::string& out, std::string_view id) {
  if (id.empty() || !valid_sse_field(id))
    return false;
  out += "id: ";
  out += id;
  out += "\n\n";
  return true;
}

std::string sse_retry(std::chrono::milliseconds delay) {
  return "retry: " + std::to_string(delay.count() < 0 ? 0 : delay.count()) + "\n\n";
}

std::string sse_comment(std::string_view text) {
  auto line = text.substr(0, text.find_first_of(std::string_view{"\r\n", 2}));
  std::string out = ":";
  if (!line.empty()) {
    out += ' ';
    out += line;
  }
  out += "\n\n";
  return out;
}

} // namespace herald::net
