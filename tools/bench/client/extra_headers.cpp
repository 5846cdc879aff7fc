#include "tools/bench/client/extra_headers.hpp"

#include "net/text.hpp"
#include "tools/bench/client/text.hpp"

#include <algorithm>

namespace herald::bench {

namespace {

/// RFC 9110 token characters: what a header name may be made of.
bool token_char(unsigned char c) {
  if (c >= '0' && c <= '9')
    return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
    return true;
  return std::string_view{"!#$%&'*+-.^_`|~"}.find(static_cast<char>(c)) != std::string_view::npos;
}

/// A header value as it stands: visible ASCII, spaces and tabs; never CR or LF.
bool value_safe(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](unsigned char c) { return c == '\t' || (c >= ' ' && c < 0x7f); });
}

/// A key or a token: visible ASCII without spaces.
bool credential_safe(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return c > ' ' && c < 0x7f; });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

} // namespace

std::string extra_headers::take(std::string_view flag, std::string_view value) {
  if (flag == "--bearer" || flag == "--api-key") {
    if (!credential_safe(value))
      return std::string{flag} + " needs printable ASCII without spaces";
    lines_ += flag == "--bearer" ? "Authorization: Bearer " : "X-API-Key: ";
    lines_ += value;
    lines_ += "\r\n";
    credential_ = true;
    return {};
  }
  if (flag != "--header")
    return "unknown argument '" + std::string{flag} + "'";
  auto colon = value.find(':');
  auto name = value.substr(0, colon);
  if (colon == std::string_view::npos || name.empty() ||
      !std::all_of(name.begin(), name.end(), [](unsigned char c) { return token_char(c); }))
    return "--header needs \"Name: value\" with a header name before the colon, got '" +
           snippet(value) + "'";
  auto field = trim(value.substr(colon + 1));
  if (!value_safe(field))
    return "--header needs a value without control characters";
  lines_ += name;
  lines_ += ": ";
  lines_ += field;
  lines_ += "\r\n";
  if (net::iequals(name, "Authorization") || net::iequals(name, "X-API-Key"))
    credential_ = true;
  return {};
}

} // namespace herald::bench
