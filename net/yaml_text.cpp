#include "net/yaml_text.hpp"

#include "net/json_text.hpp"
#include "net/text.hpp"
#include "net/utf8.hpp"

#include <boost/json/value.hpp>
#include <cmath>
#include <cstddef>

namespace herald::net {

namespace {

namespace json = boost::json;

/// Over this many bytes a key is written as an explicit `? key` entry: YAML limits an implicit
/// key to 1024 characters, counted before its ':'.
constexpr std::size_t max_implicit_key = 1000;

/// Characters YAML gives special meaning at the start of a plain scalar (YAML 1.2 §5.3), plus
/// the starts of numbers (`+1`, `.5`, `.inf`, `1e3`, dates, versions) so that no YAML 1.1 or
/// 1.2 reader turns a string into a number or timestamp.
constexpr bool quote_if_first(char c) noexcept {
  switch (c) {
  case '-':
  case '?':
  case ':':
  case ',':
  case '[':
  case ']':
  case '{':
  case '}':
  case '#':
  case '&':
  case '*':
  case '!':
  case '|':
  case '>':
  case '\'':
  case '"':
  case '%':
  case '@':
  case '`':
  case '+':
  case '.':
    return true;
  default:
    return c >= '0' && c <= '9';
  }
}

/// Code points YAML cannot carry raw (outside c-printable, or line breaks in YAML 1.1).
constexpr bool yaml_must_escape(char32_t cp) noexcept {
  return is_control(cp) || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF || cp == 0xFFFE ||
         cp == 0xFFFF;
}

/// Whether `s` would not read back as this same string in plain style, under YAML 1.2's core
/// schema or YAML 1.1's (yes/no/on/off, `<<`, `=`).
bool yaml_needs_quotes(std::string_view s) noexcept {
  if (s.empty() || quote_if_first(s.front()) || s.front() == ' ' || s.back() == ' ')
    return true;
  static constexpr std::array<std::string_view, 12> words{
      "null", "true", "false", "yes", "no", "on", "off", "y", "n", "~", "<<", "="};
  for (auto w : words)
    if (iequals(s, w))
      return true;
  for (std::size_t i = 0; i < s.size();) {
    char c = s[i];
    if (c == '#' || (c == ':' && (i + 1 == s.size() || s[i + 1] == ' ')))
      return true;
    auto cp = decode_utf8(s, i);
    if (!cp.valid || yaml_must_escape(cp.value))
      return true;
    i += cp.length;
  }
  return false;
}

void append_hex4(std::string& out, char32_t cp) {
  static constexpr char digits[] = "0123456789abcdef";
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4)
    out += digits[(cp >> shift) & 0xF];
}

/// Double-quoted with JSON's escapes, all of which YAML shares; invalid UTF-8 becomes U+FFFD.
void append_yaml_quoted(std::string& out, std::string_view s) {
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    auto cp = decode_utf8(s, i);
    i += cp.length;
    if (const char* escape = short_escape(cp.value))
      out += escape;
    else if (yaml_must_escape(cp.value))
      append_hex4(out, cp.value);
    else
      append_utf8(out, cp.value);
  }
  out += '"';
}

void append_yaml_string(std::string& out, std::string_view s) {
  if (yaml_needs_quotes(s))
    append_yaml_quoted(out, s);
  else
    out += s;
}

class yaml_writer {
 public:
  explicit yaml_writer(std::string& out) : out_(out) {}

  void document(const json::value& v) {
    if (is_block(v))
      block(v, 0, false);
    else
      line_scalar(v);
  }

 private:
  static bool is_block(const json::value& v) noexcept {
    return (v.is_object() && !v.get_object().empty()) || (v.is_array() && !v.get_array().empty());
  }

  void indent(std::size_t n) { out_.append(n, ' '); }

  /// A scalar or an empty collection, then the end of the line.
  void line_scalar(const json::value& v) {
    switch (v.kind()) {
    case json::kind::null:
      out_ += "null";
      break;
    case json::kind::bool_:
      out_ += v.get_bool() ? "true" : "false";
      break;
    case json::kind::int64:
    case json::kind::uint64:
      out_ += json_text(v);
      break;
    case json::kind::double_: {
      double d = v.get_double();
      if (std::isnan(d))
        out_ += ".nan";
      else if (std::isinf(d))
        out_ += d < 0 ? "-.inf" : ".inf";
      else
        out_ += json_text(v);
      break;
    }
    case json::kind::string:
      append_yaml_string(out_, v.get_string());
      break;
    case json::kind::array:
      out_ += "[]";
      break;
    case json::kind::object:
      out_ += "{}";
      break;
    }
    out_ += '\n';
  }

  /// What follows a `key:` or `- ` indicator: a scalar on the same line, or a nested block on
  /// the next lines at `child_indent`.
  void after_key(const json::value& v, std::size_t child_indent) {
    if (is_block(v)) {
      out_ += '\n';
      block(v, child_indent, false);
    } else {
      out_ += ' ';
      line_scalar(v);
    }
  }

  /// A non-empty collection whose entries start at column `at`. With `inline_first`, the cursor
  /// is already there (after a parent's `- `), so the first entry is not indented again.
  void block(const json::value& v, std::size_t at, bool inline_first) {
    bool first = true;
    auto start = [&] {
      if (!(first && inline_first))
        indent(at);
      first = false;
    };
    if (v.is_array()) {
      for (const auto& item : v.get_array()) {
        start();
        out_ += "- ";
        if (is_block(item))
          block(item, at + 2, true);
        else
          line_scalar(item);
      }
      return;
    }
    for (const auto& member : v.get_object()) {
      start();
      std::string key;
      append_yaml_string(key, member.key());
      if (key.size() <= max_implicit_key) {
        out_ += key;
        out_ += ':';
      } else {
        out_ += "? ";
        out_ += key;
        out_ += '\n';
        indent(at);
        out_ += ':';
      }
      after_key(member.value(), at + 2);
    }
  }

  std::string& out_;
};

} // namespace

std::string yaml_text(const boost::json::value& value) {
  std::string out;
  yaml_writer{out}.document(value);
  return out;
}

} // namespace herald::net
