#include "net/negotiate.hpp"

#include "net/json_text.hpp"
#include "net/text.hpp"
#include "net/utf8.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace herald::net {

std::string_view content_type(media_type m) noexcept {
  switch (m) {
  case media_type::json:
    return "application/json";
  case media_type::yaml:
    return "application/yaml";
  case media_type::xml:
    return "application/xml";
  }
  return "application/json";
}

// -- Accept ------------------------------------------------------------------------------------

namespace {

constexpr bool is_ows(char c) noexcept {
  return c == ' ' || c == '\t';
}

/// RFC 9110 §5.6.2 tchar.
constexpr bool is_tchar(char ch) noexcept {
  auto c = static_cast<unsigned char>(ch);
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
    return true;
  switch (c) {
  case '!':
  case '#':
  case '$':
  case '%':
  case '&':
  case '\'':
  case '*':
  case '+':
  case '-':
  case '.':
  case '^':
  case '_':
  case '`':
  case '|':
  case '~':
    return true;
  default:
    return false;
  }
}

/// RFC 9110 §12.4.2 qvalue, in thousandths: "0", "0.5", "0.125", "1", "1.000"; nothing else.
std::optional<int> parse_qvalue(std::string_view v) noexcept {
  if (v.empty() || v.size() > 5 || (v[0] != '0' && v[0] != '1'))
    return std::nullopt;
  if (v.size() == 1)
    return v[0] == '1' ? 1000 : 0;
  if (v[1] != '.')
    return std::nullopt;
  int q = v[0] == '1' ? 1000 : 0;
  int scale = 100;
  for (std::size_t i = 2; i < v.size(); ++i, scale /= 10) {
    if (v[i] < '0' || v[i] > '9' || (v[0] == '1' && v[i] != '0'))
      return std::nullopt;
    q += (v[i] - '0') * scale;
  }
  return q;
}

/// One well-formed media range.
struct media_range {
  std::string_view type;
  std::string_view subtype;
  int q = 1000;
};

/// Walks the header one list element at a time. Every byte is looked at a bounded number of
/// times (once by the parser, at most once more by error recovery), hence linear.
class accept_reader {
 public:
  explicit accept_reader(std::string_view s) noexcept : s_(s) {}

  bool done() noexcept {
    skip_ows();
    return i_ >= s_.size();
  }

  std::size_t position() const noexcept { return i_; }

  /// The element at the cursor, or nullopt when it is empty or malformed; either way the cursor
  /// ends up past the element's comma.
  std::optional<media_range> next() noexcept {
    skip_ows();
    if (at(',')) {
      ++i_;
      return std::nullopt;
    }
    auto r = range();
    if (!r)
      recover();
    return r;
  }

 private:
  bool at(char c) const noexcept { return i_ < s_.size() && s_[i_] == c; }

  void skip_ows() noexcept {
    while (i_ < s_.size() && is_ows(s_[i_]))
      ++i_;
  }

  std::string_view token() noexcept {
    auto start = i_;
    while (i_ < s_.size() && is_tchar(s_[i_]))
      ++i_;
    return s_.substr(start, i_ - start);
  }

  /// At a '"': moves past the closing quote (or to the end) and says whether the string was
  /// terminated and held only qdtext and quoted-pairs (RFC 9110 §5.6.4).
  bool quoted_string() noexcept {
    bool ok = true;
    for (++i_; i_ < s_.size(); ++i_) {
      auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        return ok;
      }
      if (c == '\\') {
        if (++i_ == s_.size())
          break;
        c = static_cast<unsigned char>(s_[i_]);
      }
      if ((c < 0x20 && c != '\t') || c == 0x7f)
        ok = false;
    }
    return false;
  }

  std::optional<media_range> range() noexcept {
    media_range r;
    r.type = token();
    if (r.type.empty() || !at('/'))
      return std::nullopt;
    ++i_;
    r.subtype = token();
    if (r.subtype.empty() || (r.type == "*" && r.subtype != "*"))
      return std::nullopt;
    bool seen_q = false;
    for (;;) {
      skip_ows();
      if (i_ >= s_.size())
        return r;
      if (at(',')) {
        ++i_;
        return r;
      }
      if (!at(';'))
        return std::nullopt;
      ++i_;
      skip_ows();
      // RFC 9110 allows empty parameters: "a/b;;q=1".
      if (i_ >= s_.size() || at(';') || at(','))
        continue;
      auto name = token();
      if (name.empty())
        return std::nullopt;
      // Spaces around '=' are not in the grammar, but harmless to accept.
      skip_ows();
      if (!at('='))
        return std::nullopt;
      ++i_;
      skip_ows();
      if (at('"')) {
        if (!quoted_string() || iequals(name, "q")) // a weight is never quoted
          return std::nullopt;
        continue;
      }
      auto value = token();
      if (value.empty())
        return std::nullopt;
      if (iequals(name, "q")) {
        auto q = parse_qvalue(value);
        if (!q || seen_q)
          return std::nullopt;
        r.q = *q;
        seen_q = true;
      }
    }
  }

  /// Skips the rest of a malformed element up to and past its comma. A comma inside a quoted
  /// parameter value does not end the element.
  void recover() noexcept {
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == ',') {
        ++i_;
        return;
      }
      ++i_;
      if (c == '=') {
        skip_ows();
        if (at('"'))
          quoted_string();
      }
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

/// The full names each representation answers to; its first is what `content_type` says.
struct representation {
  media_type type;
  std::array<std::string_view, 3> names; // "type/subtype"; unused slots empty
};

constexpr std::array<representation, 3> representations{{
    {media_type::json, {"application/json", {}, {}}},
    {media_type::yaml, {"application/yaml", "application/x-yaml", "text/yaml"}},
    {media_type::xml, {"application/xml", "text/xml", {}}},
}};

/// How specifically `r` names `rep`: 2 exactly, 1 by `type/*`, 0 by `*/*`, -1 not at all.
/// Parameters other than q neither narrow nor refine a match: we have one variant of each.
int specificity(const media_range& r, const representation& rep) noexcept {
  if (r.type == "*")
    return 0;
  int best = -1;
  for (auto name : rep.names) {
    if (name.empty())
      continue;
    auto slash = name.find('/');
    if (!iequals(r.type, name.substr(0, slash)))
      continue;
    if (r.subtype == "*")
      best = std::max(best, 1);
    else if (iequals(r.subtype, name.substr(slash + 1)))
      return 2;
  }
  return best;
}

} // namespace

bool accepts_event_stream(std::string_view accept) {
  // The most specific range naming text/event-stream decides; equally specific ones, the
  // highest q.
  constexpr representation event_stream{media_type::json, {"text/event-stream", {}, {}}};
  int best_level = -1;
  int best_q = 0;
  accept_reader reader{accept};
  while (!reader.done()) {
    auto r = reader.next();
    if (!r)
      continue;
    int level = specificity(*r, event_stream);
    if (level > best_level || (level == best_level && level >= 0 && r->q > best_q)) {
      best_level = level;
      best_q = r->q;
    }
  }
  return best_level >= 0 && best_q > 0;
}

std::optional<media_type> negotiate(std::string_view accept) {
  // For each representation: the most specific range naming it, and among equally specific
  // ones the highest q (the earliest on equal q). Aliases (text/yaml, application/x-yaml, ...)
  // are one representation, so refusing one alias exactly is overridden only by accepting
  // another alias exactly.
  struct verdict {
    int level = -1;
    int q = 0;
    std::size_t position = 0;
  };
  std::array<verdict, representations.size()> verdicts{};
  bool any_range = false;

  accept_reader reader{accept};
  while (!reader.done()) {
    auto position = reader.position();
    auto r = reader.next();
    if (!r)
      continue;
    any_range = true;
    for (std::size_t i = 0; i < representations.size(); ++i) {
      int level = specificity(*r, representations[i]);
      auto& v = verdicts[i];
      if (level > v.level || (level == v.level && level >= 0 && r->q > v.q))
        v = {level, r->q, position};
    }
  }
  // No well-formed range at all (empty, blank or garbage): no stated preference, as if absent.
  if (!any_range)
    return media_type::json;

  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < verdicts.size(); ++i) {
    const auto& v = verdicts[i];
    if (v.level < 0 || v.q == 0)
      continue;
    // Strict comparisons keep the earlier representation (JSON, YAML, XML) on a full tie.
    if (!best || v.q > verdicts[*best].q ||
        (v.q == verdicts[*best].q && v.position < verdicts[*best].position))
      best = i;
  }
  if (!best)
    return std::nullopt;
  return representations[*best].type;
}

// -- encoders ----------------------------------------------------------------------------------

namespace {

namespace json = boost::json;

/// C0, DEL and C1.
constexpr bool is_control(char32_t cp) noexcept {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

bool is_non_finite(const json::value& v) noexcept {
  return v.is_double() && !std::isfinite(v.get_double());
}

// -- YAML --

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

// -- XML --

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
    out = "_";
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

std::string encode(const boost::json::value& value, media_type m, std::string_view root_name) {
  std::string out;
  switch (m) {
  case media_type::json:
    return json_text(value);
  case media_type::yaml:
    yaml_writer{out}.document(value);
    return out;
  case media_type::xml:
    out = R"(<?xml version="1.0" encoding="utf-8"?>)";
    out += '\n';
    xml_writer{out}.element(xml_name(root_name), value, 0);
    return out;
  }
  return json_text(value);
}

} // namespace herald::net
