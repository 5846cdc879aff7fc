#include "net/xml_text.hpp"

#include "net/json_text.hpp"
#include "net/utf8.hpp"

#include <boost/json/value.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace herald::net {

namespace {

namespace json = boost::json;

bool is_non_finite(const json::value& v) noexcept {
  return v.is_double() && !std::isfinite(v.get_double());
}

/// Name characters beyond ASCII: only letters that every XML 1.0 parser takes, whichever
/// edition's name rules it follows (expat and Xerces keep the fourth edition's tables, where
/// e.g. emoji and U+FEFF are not name characters although the fifth edition allows them).
/// Latin, Greek and Cyrillic letters, kana, CJK ideographs and Hangul syllables.
constexpr bool is_portable_letter(char32_t c) noexcept {
  constexpr std::array<std::pair<char32_t, char32_t>, 14> ranges{{{0xC0, 0xD6},
                                                                  {0xD8, 0xF6},
                                                                  {0xF8, 0x131},
                                                                  {0x134, 0x13E},
                                                                  {0x141, 0x148},
                                                                  {0x14A, 0x17E},
                                                                  {0x391, 0x3A1},
                                                                  {0x3A3, 0x3A9},
                                                                  {0x3B1, 0x3C9},
                                                                  {0x410, 0x44F},
                                                                  {0x3041, 0x3094},
                                                                  {0x30A1, 0x30FA},
                                                                  {0x4E00, 0x9FA5},
                                                                  {0xAC00, 0xD7A3}}};
  for (auto [lo, hi] : ranges)
    if (c >= lo && c <= hi)
      return true;
  return false;
}

/// A name's first character. No ':', which would make the name a prefix never declared.
constexpr bool is_name_start(char32_t c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || is_portable_letter(c);
}

constexpr bool is_name_char(char32_t c) noexcept {
  return is_name_start(c) || c == '-' || c == '.' || (c >= '0' && c <= '9');
}

/// `key` as an element name: each character a name cannot hold becomes '_' (one per character,
/// or per byte of invalid UTF-8), and a name that would start with a character allowed only
/// later (a digit, '-', '.') gets a '_' in front.
std::string xml_name(std::string_view key) {
  std::string out;
  out.reserve(key.size() + 1);
  for (std::size_t i = 0; i < key.size();) {
    auto cp = decode_utf8(key, i);
    i += cp.length;
    bool first = out.empty();
    if (cp.valid && (first ? is_name_start(cp.value) : is_name_char(cp.value))) {
      append_utf8(out, cp.value);
    } else if (first && cp.valid && is_name_char(cp.value)) {
      out += '_';
      append_utf8(out, cp.value);
    } else {
      out += '_';
    }
  }
  if (out.empty())
    out += '_';
  return out;
}

/// Character data. Tab and CR go as references: CR would otherwise be read back as LF (XML
/// end-of-line handling), and both stay visible. Other control characters and U+FFFE/U+FFFF
/// are not XML 1.0 characters (or are discouraged ones) and are dropped; invalid UTF-8
/// becomes U+FFFD.
void append_xml_text(std::string& out, std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto cp = decode_utf8(s, i);
    i += cp.length;
    switch (cp.value) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&apos;";
      break;
    case '\t':
      out += "&#9;";
      break;
    case '\r':
      out += "&#13;";
      break;
    case '\n':
      out += '\n';
      break;
    default:
      if (!is_control(cp.value) && cp.value != 0xFFFE && cp.value != 0xFFFF)
        append_utf8(out, cp.value);
    }
  }
}

class xml_writer {
 public:
  explicit xml_writer(std::string& out) : out_(out) {}

  void element(std::string_view name, const json::value& v, std::size_t depth) {
    out_.append(depth * 2, ' ');
    bool empty = v.is_null() || (v.is_object() && v.get_object().empty()) ||
                 (v.is_array() && v.get_array().empty());
    if (empty) {
      out_ += '<';
      out_ += name;
      out_ += " />\n";
      return;
    }
    out_ += '<';
    out_ += name;
    out_ += '>';
    if (v.is_object()) {
      out_ += '\n';
      for (const auto& member : v.get_object())
        element(xml_name(member.key()), member.value(), depth + 1);
      out_.append(depth * 2, ' ');
    } else if (v.is_array()) {
      out_ += '\n';
      for (const auto& item : v.get_array())
        element("Item", item, depth + 1);
      out_.append(depth * 2, ' ');
    } else {
      text(v);
    }
    out_ += "</";
    out_ += name;
    out_ += ">\n";
  }

 private:
  void text(const json::value& v) {
    if (v.is_string()) {
      append_xml_text(out_, v.get_string());
    } else if (v.is_bool()) {
      out_ += v.get_bool() ? "true" : "false";
    } else if (is_non_finite(v)) {
      // XML Schema's spelling of xs:double's special values.
      double d = v.get_double();
      out_ += std::isnan(d) ? "NaN" : d < 0 ? "-INF" : "INF";
    } else {
      out_ += json_text(v);
    }
  }

  std::string& out_;
};

} // namespace

std::string xml_text(const boost::json::value& value, std::string_view root_name) {
  std::string out = R"(<?xml version="1.0" encoding="utf-8"?>)";
  out += '\n';
  xml_writer{out}.element(xml_name(root_name), value, 0);
  return out;
}

} // namespace herald::net
