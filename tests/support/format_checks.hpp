#pragma once

// Strict checks of what the node writes, written apart from the writers (no code shared with
// net/): UTF-8 well-formedness by RFC 3629's table, the characters and structure XML 1.0
// allows, and the HTTP field-value grammar of RFC 9110. Used by unit tests, end-to-end tests
// and fuzz_writers. Header-only.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace herald::test {

/// Whether `s` is well-formed UTF-8 (RFC 3629 §4: the byte ranges of each sequence length).
inline bool well_formed_utf8(std::string_view s) {
  auto in = [](unsigned char b, unsigned lo, unsigned hi) {
    return b >= lo && b <= hi;
  };
  std::size_t i = 0;
  while (i < s.size()) {
    auto b = [&](std::size_t k) {
      return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u;
    };
    unsigned char b0 = b(0);
    if (b0 <= 0x7F) {
      i += 1;
    } else if (in(b0, 0xC2, 0xDF) && in(b(1), 0x80, 0xBF)) {
      i += 2;
    } else if (b0 == 0xE0 && in(b(1), 0xA0, 0xBF) && in(b(2), 0x80, 0xBF)) {
      i += 3;
    } else if ((in(b0, 0xE1, 0xEC) || in(b0, 0xEE, 0xEF)) && in(b(1), 0x80, 0xBF) &&
               in(b(2), 0x80, 0xBF)) {
      i += 3;
    } else if (b0 == 0xED && in(b(1), 0x80, 0x9F) && in(b(2), 0x80, 0xBF)) {
      i += 3;
    } else if (b0 == 0xF0 && in(b(1), 0x90, 0xBF) && in(b(2), 0x80, 0xBF) && in(b(3), 0x80, 0xBF)) {
      i += 4;
    } else if (in(b0, 0xF1, 0xF3) && in(b(1), 0x80, 0xBF) && in(b(2), 0x80, 0xBF) &&
               in(b(3), 0x80, 0xBF)) {
      i += 4;
    } else if (b0 == 0xF4 && in(b(1), 0x80, 0x8F) && in(b(2), 0x80, 0xBF) && in(b(3), 0x80, 0xBF)) {
      i += 4;
    } else {
      return false;
    }
  }
  return true;
}

/// Whether `s` is an HTTP field value (RFC 9110 §5.5): field-vchar (VCHAR or obs-text), SP
/// and HTAB, not starting or ending with SP or HTAB.
inline bool field_value_grammar(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    bool vchar = u >= 0x21 && u <= 0x7E;
    bool obs_text = u >= 0x80;
    if (!vchar && !obs_text && u != ' ' && u != '\t')
      return false;
  }
  return s.empty() ||
         (s.front() != ' ' && s.front() != '\t' && s.back() != ' ' && s.back() != '\t');
}

namespace format_detail {

/// The code points of well-formed UTF-8 (the caller checked it).
inline std::vector<char32_t> code_points(std::string_view s) {
  std::vector<char32_t> out;
  for (std::size_t i = 0; i < s.size();) {
    auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t n = b0 < 0x80 ? 1 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4;
    char32_t cp = n == 1 ? b0 : n == 2 ? (b0 & 0x1F) : n == 3 ? (b0 & 0x0F) : (b0 & 0x07);
    for (std::size_t k = 1; k < n; ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += n;
  }
  return out;
}

/// XML 1.0 §2.2 Char.
inline bool xml_char(char32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

/// A conservative NameStartChar / NameChar (ASCII letters, '_', anything beyond ASCII that
/// XML 1.0 fifth edition allows); no ':' (no namespaces are declared).
inline bool xml_name_start(char32_t c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || (c >= 0xC0 && c <= 0xD6) ||
         (c >= 0xD8 && c <= 0xF6) || (c >= 0xF8 && c <= 0x2FF) || (c >= 0x370 && c <= 0x37D) ||
         (c >= 0x37F && c <= 0x1FFF) || (c >= 0x200C && c <= 0x200D) ||
         (c >= 0x2070 && c <= 0x218F) || (c >= 0x2C00 && c <= 0x2FEF) ||
         (c >= 0x3001 && c <= 0xD7FF) || (c >= 0xF900 && c <= 0xFDCF) ||
         (c >= 0xFDF0 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0xEFFFF);
}

inline bool xml_name_char(char32_t c) {
  return xml_name_start(c) || c == '-' || c == '.' || (c >= '0' && c <= '9') || c == 0xB7 ||
         (c >= 0x300 && c <= 0x36F) || (c >= 0x203F && c <= 0x2040);
}

} // namespace format_detail

/// Whether `doc` is a well-formed XML 1.0 document of the shape herald writes: the
/// declaration, then one element tree of start/end/empty-element tags without attributes,
/// character data, and the five predefined or numeric character references, every character
/// (literal or referenced) an XML Char. `why` gets the first problem.
inline bool well_formed_xml(std::string_view doc, std::string* why = nullptr) {
  auto fail = [&](std::string reason) {
    if (why)
      *why = std::move(reason);
    return false;
  };
  if (!well_formed_utf8(doc))
    return fail("not UTF-8");
  auto cps = format_detail::code_points(doc);
  std::u32string text(cps.begin(), cps.end());
  const std::u32string decl = U"<?xml version=\"1.0\" encoding=\"utf-8\"?>";
  if (text.compare(0, decl.size(), decl) != 0)
    return fail("no XML declaration");
  std::size_t i = decl.size();
  std::vector<std::u32string> open;
  bool root_seen = false;
  while (i < text.size()) {
    char32_t c = text[i];
    if (!format_detail::xml_char(c))
      return fail("a character XML 1.0 does not allow");
    if (c == '<') {
      bool closing = i + 1 < text.size() && text[i + 1] == '/';
      std::size_t j = i + (closing ? 2 : 1);
      std::size_t start = j;
      if (j >= text.size() || !format_detail::xml_name_start(text[j]))
        return fail("a tag without a valid name");
      while (j < text.size() && format_detail::xml_name_char(text[j]))
        ++j;
      auto name = text.substr(start, j - start);
      while (j < text.size() && text[j] == ' ')
        ++j;
      bool empty = !closing && j < text.size() && text[j] == '/';
      if (empty)
        ++j;
      if (j >= text.size() || text[j] != '>')
        return fail("a tag that does not end with '>'");
      if (closing) {
        if (open.empty() || open.back() != name)
          return fail("an end tag that closes no open element");
        open.pop_back();
      } else {
        if (open.empty() && root_seen)
          return fail("a second root element");
        root_seen = true;
        if (!empty)
          open.push_back(name);
      }
      i = j + 1;
      continue;
    }
    if (c == '&') {
      auto semi = text.find(';', i);
      if (semi == std::u32string::npos)
        return fail("an unterminated reference");
      auto ref = text.substr(i + 1, semi - i - 1);
      if (ref == U"amp" || ref == U"lt" || ref == U"gt" || ref == U"quot" || ref == U"apos") {
      } else if (ref.size() > 1 && ref[0] == '#') {
        char32_t v = 0;
        bool hex = ref[1] == 'x';
        if (ref.size() == (hex ? 2u : 1u))
          return fail("an empty character reference");
        for (std::size_t k = hex ? 2 : 1; k < ref.size(); ++k) {
          char32_t d = ref[k];
          unsigned digit;
          if (d >= '0' && d <= '9')
            digit = d - '0';
          else if (hex && d >= 'a' && d <= 'f')
            digit = d - 'a' + 10;
          else if (hex && d >= 'A' && d <= 'F')
            digit = d - 'A' + 10;
          else
            return fail("a bad character reference");
          v = v * (hex ? 16 : 10) + digit;
          if (v > 0x10FFFF)
            return fail("a character reference beyond Unicode");
        }
        if (!format_detail::xml_char(v))
          return fail("a character reference to a character XML 1.0 does not allow");
      } else {
        return fail("an undeclared entity");
      }
      i = semi + 1;
      continue;
    }
    if (open.empty() && c != '\n' && c != ' ' && c != '\t' && c != '\r')
      return fail("character data outside the root element");
    if (c == '>' && i >= 2 && text[i - 1] == ']' && text[i - 2] == ']')
      return fail("']]>' in character data");
    ++i;
  }
  if (!root_seen)
    return fail("no root element");
  if (!open.empty())
    return fail("an element left open");
  return true;
}

} // namespace herald::test
