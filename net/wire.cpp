#include "net/wire.hpp"

#include "net/responses.hpp"
#include "net/text.hpp"
#include "net/utf8.hpp"

#include <charconv>

namespace herald::net {

namespace {

/// Appends a field name with CR, LF and NUL replaced by spaces (names are the handlers' own;
/// values go through `append_field_value`).
void append_header_text(std::string& out, std::string_view text) {
  auto start = out.size();
  out.append(text.data(), text.size());
  for (auto i = start; i < out.size(); ++i)
    if (out[i] == '\r' || out[i] == '\n' || out[i] == '\0')
      out[i] = ' ';
}

bool framework_field(http::field f) noexcept {
  return f == http::field::server || f == http::field::date || f == http::field::content_length ||
         f == http::field::connection || f == http::field::transfer_encoding;
}

/// The status line and the handler's fields, then `Server` and `Date`; the caller ends the
/// block.
void append_head_start(const response& res, unsigned version, std::string& out) {
  out.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  append_decimal(out, res.result_int());
  out.push_back(' ');
  auto reason = res.reason();
  if (reason.empty())
    reason = http::obsolete_reason(res.result());
  out.append(reason.data(), reason.size());
  out.append("\r\n");
  for (const auto& field : res) {
    if (framework_field(field.name()))
      continue;
    auto name = field.name_string();
    auto value = field.value();
    append_header_text(out, name);
    out.append(": ");
    // A value may hold what a handler copied from the request (a group name, say).
    append_field_value(out, value);
    out.append("\r\n");
  }
  out.append("Server: herald\r\nDate: ");
  out.append(http_date_now());
}

} // namespace

void serialize_response(const response& res, const framing& f, std::string& out) {
  append_head_start(res, f.version, out);
  // 1xx, 204 and 304 carry no body and no length.
  const auto code = res.result_int();
  const bool bodiless = code < 200 || code == 204 || code == 304;
  if (!bodiless) {
    out.append("\r\nContent-Length: ");
    append_decimal(out, res.body().size());
  }
  if (!f.keep_alive)
    out.append("\r\nConnection: close");
  else if (f.version == 10)
    out.append("\r\nConnection: keep-alive");
  out.append("\r\n\r\n");
  if (!f.head && !bodiless)
    out.append(res.body());
}

void serialize_stream_head(const response& res, unsigned version, std::string& out) {
  append_head_start(res, version, out);
  out.append("\r\nConnection: close\r\n\r\n");
}

} // namespace herald::net
