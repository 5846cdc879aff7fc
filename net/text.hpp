#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace herald::net {

/// ASCII letters lower-cased; every other byte as it is.
constexpr char ascii_lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// Equality ignoring ASCII case (header names, media types, Pode's names). Our own rather
/// than `boost::beast::iequals`, which in Boost 1.81 reads one byte past the end of its
/// arguments once they differ in case.
constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

/// Appends `n` in decimal.
inline void append_decimal(std::string& out, std::uint64_t n) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, end);
}

/// `s` without leading and trailing spaces and tabs (optional white space, RFC 9110 §5.6.3).
constexpr std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

/// The two-character escape JSON and YAML double-quoted strings share for `c` (`\"`, `\\`,
/// `\b`, `\f`, `\n`, `\r`, `\t`), or nullptr when `c` has none.
constexpr const char* short_escape(char32_t c) noexcept {
  switch (c) {
  case '"':
    return "\\\"";
  case '\\':
    return "\\\\";
  case '\b':
    return "\\b";
  case '\f':
    return "\\f";
  case '\n':
    return "\\n";
  case '\r':
    return "\\r";
  case '\t':
    return "\\t";
  default:
    return nullptr;
  }
}

} // namespace herald::net
