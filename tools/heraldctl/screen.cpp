#include "tools/heraldctl/screen.hpp"

namespace herald::ctl {

namespace {

constexpr std::string_view hide_cursor = "\x1b[?25l";
constexpr std::string_view show_cursor = "\x1b[?25h";
constexpr std::string_view clear_line = "\r\x1b[2K";
constexpr std::string_view clear_below = "\x1b[J";

} // namespace

std::string screen::redraw(std::size_t previous, const std::vector<std::string>& lines) {
  std::string out;
  if (previous > 0)
    out += "\x1b[" + std::to_string(previous) + "A"; // to the frame's first line
  for (const auto& l : lines) {
    out += clear_line;
    out += l;
    out += '\n';
  }
  out += clear_below; // what is left of a longer previous frame
  return out;
}

void screen::draw(const std::vector<std::string>& lines) {
  if (closed_ || (started_ && lines == last_))
    return;
  std::string bytes;
  if (!started_)
    bytes += hide_cursor;
  bytes += redraw(drawn_, lines);
  out_(bytes);
  started_ = true;
  drawn_ = lines.size();
  last_ = lines;
}

void screen::close() {
  if (closed_)
    return;
  closed_ = true;
  if (started_)
    out_(show_cursor);
}

} // namespace herald::ctl
