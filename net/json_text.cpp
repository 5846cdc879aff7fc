#include "net/json_text.hpp"

#include "net/text.hpp"
#include "net/utf8.hpp"

#include <boost/json/value.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace herald::net {

namespace {

template <typename T> void append_number(std::string& out, T n) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, n);
  out.append(buffer, ec == std::errc{} ? end : buffer);
}

/// Whether none of the eight bytes at `p` is below 0x20, 0x7F or above, '"' or '\\' (the
/// bytes `append_json_string` copies as they are), tested together: "some byte is below n"
/// is `(w - n·0x01…) & ~w & 0x80…`, exact for n ≤ 0x80, and an equal byte is a zero byte of
/// `w ^ c·0x01…`.
bool all_plain(const char* p) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101ULL;
  constexpr std::uint64_t highs = 0x8080808080808080ULL;
  std::uint64_t w = 0;
  std::memcpy(&w, p, sizeof w);
  auto below = [](std::uint64_t v, std::uint64_t n) {
    return (v - ones * n) & ~v & highs;
  };
  auto has = [&below](std::uint64_t v, std::uint64_t c) {
    return below(v ^ (ones * c), 1);
  };
  return ((w & highs) | below(w, 0x20) | has(w, 0x7F) | has(w, '"') | has(w, '\\')) == 0;
}

} // namespace

void append_json_text(std::string& out, const boost::json::value& v) {
  switch (v.kind()) {
  case boost::json::kind::null:
    out += "null";
    return;
  case boost::json::kind::bool_:
    out += v.get_bool() ? "true" : "false";
    return;
  case boost::json::kind::int64:
    append_number(out, v.get_int64());
    return;
  case boost::json::kind::uint64:
    append_number(out, v.get_uint64());
    return;
  case boost::json::kind::double_: {
    if (!std::isfinite(v.get_double())) {
      out += "null";
      return;
    }
    // The shortest form that reads back as the same double; a whole number keeps a ".0" so
    // that it reads back as a double, not an integer.
    auto start = out.size();
    append_number(out, v.get_double());
    if (out.find_first_of(".e", start) == std::string::npos)
      out += ".0";
    return;
  }
  case boost::json::kind::string:
    append_json_string(out, v.get_string());
    return;
  case boost::json::kind::array: {
    out += '[';
    bool first = true;
    for (const auto& item : v.get_array()) {
      if (!first)
        out += ',';
      first = false;
      append_json_text(out, item);
    }
    out += ']';
    return;
  }
  case boost::json::kind::object: {
    out += '{';
    bool first = true;
    for (const auto& [key, item] : v.get_object()) {
      if (!first)
        out += ',';
      first = false;
      append_json_string(out, key);
      out += ':';
      append_json_text(out, item);
    }
    out += '}';
    return;
  }
  }
}

/// A JSON string: quote, backslash and control characters (DEL too, which JSON allows raw
/// but no reader wants to see) escaped; bytes of ill-formed UTF-8 replaced by U+FFFD, which
/// Boost.JSON's serializer would copy as they are and so make the text invalid.
void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  // Printable ASCII but the quote and the backslash goes out as it is: copied in runs, since
  // ids, routes, times and most results are nothing else.
  auto plain = [](unsigned char c) {
    return c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
  };
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    auto run = i;
    // Eight bytes at a time while none of them needs a second look (most of a task object),
    // then byte by byte up to the one that does.
    while (run + 8 <= s.size() && all_plain(s.data() + run))
      run += 8;
    while (run < s.size() && plain(static_cast<unsigned char>(s[run])))
      ++run;
    out.append(s.data() + i, run - i);
    i = run;
    if (i == s.size())
      break;
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      i += append_repaired(out, s, i);
      continue;
    }
    if (const char* escape = short_escape(c)) {
      out += escape;
    } else {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 0x0f];
    }
    ++i;
  }
  out += '"';
}

std::string json_text(const boost::json::value& value) {
  std::string out;
  out.reserve(512); // a task object, in one allocation
  append_json_text(out, value);
  return out;
}

} // namespace herald::net
