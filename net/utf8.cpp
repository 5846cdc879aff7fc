#include "net/utf8.hpp"

namespace herald::net {

code_point decode_utf8(std::string_view s, std::size_t i) noexcept {
  auto byte = [&](std::size_t k) {
    return static_cast<unsigned char>(s[k]);
  };
  const code_point bad{0xFFFD, 1, false};
  unsigned char b0 = byte(i);
  if (b0 < 0x80)
    return {b0, 1, true};
  std::size_t n;
  char32_t cp;
  char32_t min;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
    cp = b0 & 0x1F;
    min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    cp = b0 & 0x0F;
    min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    cp = b0 & 0x07;
    min = 0x10000;
  } else {
    return bad;
  }
  if (s.size() - i < n)
    return bad;
  for (std::size_t k = 1; k < n; ++k) {
    auto b = byte(i + k);
    if ((b & 0xC0) != 0x80)
      return bad;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return bad;
  return {cp, n, true};
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool valid_utf8(std::string_view s) noexcept {
  for (std::size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    auto cp = decode_utf8(s, i);
    if (!cp.valid)
      return false;
    i += cp.length;
  }
  return true;
}

std::size_t append_repaired(std::string& out, std::string_view s, std::size_t i) {
  auto cp = decode_utf8(s, i);
  if (cp.valid)
    out.append(s.substr(i, cp.length));
  else
    out += replacement_character;
  return cp.length;
}

std::string repaired_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();)
    i += append_repaired(out, s, i);
  return out;
}

bool valid_name(std::string_view s) noexcept {
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7F)
      return false;
  }
  return valid_utf8(s);
}

void append_field_value(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  auto encode = [&](unsigned char b) {
    out += '%';
    out += hex[b >> 4];
    out += hex[b & 0x0F];
  };
  // Whitespace at either end is not part of a field value: a reader would drop it.
  std::size_t first = 0;
  std::size_t last = s.size();
  while (first < last && (s[first] == ' ' || s[first] == '\t'))
    ++first;
  while (last > first && (s[last - 1] == ' ' || s[last - 1] == '\t'))
    --last;
  for (std::size_t i = 0; i < first; ++i)
    encode(static_cast<unsigned char>(s[i]));
  for (std::size_t i = first; i < last; ++i) {
    auto b = static_cast<unsigned char>(s[i]);
    if ((b < 0x20 && b != '\t') || b == 0x7F)
      encode(b);
    else
      out += static_cast<char>(b); // VCHAR, SP, HTAB, and obs-text (0x80-0xFF) as it came
  }
  for (std::size_t i = last; i < s.size(); ++i)
    encode(static_cast<unsigned char>(s[i]));
}

std::string field_value(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  append_field_value(out, s);
  return out;
}

} // namespace herald::net
