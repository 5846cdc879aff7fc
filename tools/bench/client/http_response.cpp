#include "tools/bench/client/http_response.hpp"

#include "net/text.hpp"
#include "tools/bench/client/text.hpp"

#include <charconv>

namespace herald::bench {

namespace {

constexpr std::size_t max_header_bytes = 64 * 1024;

} // namespace

std::optional<response_head> parse_response_head(std::string_view in) {
  auto end = in.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (in.size() > max_header_bytes)
      throw protocol_error("response header block above 64 KiB");
    return std::nullopt;
  }
  response_head h;
  h.size = end + 4;
  std::string_view block = in.substr(0, end);
  auto line_end = block.find("\r\n");
  std::string_view status_line = block.substr(0, line_end);
  // "HTTP/1.x NNN reason"
  if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." || status_line[8] != ' ')
    throw protocol_error("malformed status line '" + snippet(status_line) + "'");
  auto code = status_line.substr(9, 3);
  auto [e, ec] = std::from_chars(code.data(), code.data() + code.size(), h.status);
  if (ec != std::errc{} || e != code.data() + code.size() || h.status < 100)
    throw protocol_error("malformed status line '" + snippet(status_line) + "'");
  if (h.status < 200)
    throw protocol_error("unexpected interim response " + std::to_string(h.status));
  bool http10 = status_line[7] == '0', keep_alive = false;
  h.close = http10;
  std::string_view rest =
      line_end == std::string_view::npos ? std::string_view{} : block.substr(line_end + 2);
  while (!rest.empty()) {
    auto eol = rest.find("\r\n");
    std::string_view line = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 2);
    auto colon = line.find(':');
    if (colon == std::string_view::npos)
      throw protocol_error("malformed header line '" + snippet(line) + "'");
    auto name = line.substr(0, colon);
    auto value = net::trim(line.substr(colon + 1));
    if (net::iequals(name, "Content-Length")) {
      std::size_t n = 0;
      auto [p, err] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (err != std::errc{} || p != value.data() + value.size())
        throw protocol_error("bad Content-Length '" + snippet(value) + "'");
      h.length = n;
    } else if (net::iequals(name, "Transfer-Encoding")) {
      if (!icontains(value, "chunked"))
        throw protocol_error("Transfer-Encoding '" + snippet(value) + "' is not supported");
      h.chunked = true;
    } else if (net::iequals(name, "Connection")) {
      h.close = h.close || icontains(value, "close");
      keep_alive = keep_alive || icontains(value, "keep-alive");
    } else if (net::iequals(name, "Content-Type")) {
      h.content_type = value;
    }
  }
  if (http10 && keep_alive)
    h.close = false;
  if (h.status == 204 || h.status == 304)
    h.length = 0;
  return h;
}

} // namespace herald::bench
