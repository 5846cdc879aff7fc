#pragma once

// A reader for the subset of YAML that herald::net::encode writes, so that tests and fuzz
// targets can check that its YAML reads back as the value it came from. Block mappings and
// sequences with 2-space indentation (`key:`, `? key` / `: value`, `- `, compact `- - x` and
// `- key: x`), `{}` and `[]`, double-quoted scalars with JSON's escapes, and plain scalars.
//
// It is strict where full YAML is subtle: a plain scalar that a YAML 1.1 or 1.2 reader could
// take for something else (`yes`, `0x1F`, `+1`, a trailing `:`, a ` #` comment, ...) is an
// error rather than a guess, and so is any layout the writer never produces. Header-only.

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace herald::test {

namespace yaml_subset_detail {

namespace json = boost::json;

struct line {
  std::size_t indent;
  std::string_view content;
  bool dash; // a `-` split off a `- item` line; the item follows at indent + 2
};

class reader {
 public:
  explicit reader(std::string_view text) : text_(text) {}

  std::optional<json::value> read() {
    if (!split())
      return std::nullopt;
    if (lines_.empty())
      return fail("empty document");
    auto v = node(0);
    if (v && at_ < lines_.size())
      return fail("unexpected line after the document");
    return v;
  }

  std::string error;

 private:
  std::nullopt_t fail(std::string why) {
    if (error.empty())
      error = std::move(why) + " (line " + std::to_string(at_ + 1) + ")";
    return std::nullopt;
  }

  /// Lines of the text, `- ` prefixes split off as their own (dash) lines.
  bool split() {
    if (text_.empty() || text_.back() != '\n') {
      fail("the text does not end with a newline");
      return false;
    }
    std::size_t pos = 0;
    while (pos < text_.size()) {
      auto end = text_.find('\n', pos);
      auto raw = text_.substr(pos, end - pos);
      pos = end + 1;
      std::size_t indent = 0;
      while (indent < raw.size() && raw[indent] == ' ')
        ++indent;
      auto content = raw.substr(indent);
      if (content.empty()) {
        fail("blank line");
        return false;
      }
      while (content.size() >= 2 && content[0] == '-' && content[1] == ' ') {
        lines_.push_back({indent, "-", true});
        indent += 2;
        content.remove_prefix(2);
      }
      lines_.push_back({indent, content, false});
    }
    return true;
  }

  bool more_at(std::size_t indent) const {
    return at_ < lines_.size() && lines_[at_].indent == indent;
  }

  /// The node whose first line is the current one, which must be at `indent`.
  std::optional<json::value> node(std::size_t indent) {
    if (!more_at(indent))
      return fail("expected a node at indent " + std::to_string(indent));
    const auto& first = lines_[at_];
    if (first.dash)
      return sequence(indent);
    if (first.content.starts_with("? ") || entry_key_end(first.content))
      return mapping(indent);
    ++at_;
    auto v = scalar(first.content);
    if (v && at_ < lines_.size() && lines_[at_].indent > indent)
      return fail("more-indented line after a scalar");
    return v;
  }

  std::optional<json::value> sequence(std::size_t indent) {
    json::array out;
    while (more_at(indent) && lines_[at_].dash) {
      ++at_;
      auto item = node(indent + 2);
      if (!item)
        return std::nullopt;
      out.push_back(std::move(*item));
    }
    if (at_ < lines_.size() && lines_[at_].indent >= indent)
      return fail("sequence entry expected");
    return json::value(std::move(out));
  }

  /// For `key: ...` or `key:`: where the key ends (the ':'), if the line is a mapping entry.
  static std::optional<std::size_t> entry_key_end(std::string_view content) {
    if (content.empty())
      return std::nullopt;
    if (content[0] == '"') {
      auto close = quoted_end(content);
      if (close && *close < content.size() && content[*close] == ':')
        return close;
      return std::nullopt;
    }
    for (std::size_t i = 0; i < content.size(); ++i)
      if (content[i] == ':' && (i + 1 == content.size() || content[i + 1] == ' '))
        return i;
    return std::nullopt;
  }

  /// Just past the closing quote of the double-quoted scalar `s` starts with.
  static std::optional<std::size_t> quoted_end(std::string_view s) {
    for (std::size_t i = 1; i < s.size(); ++i) {
      if (s[i] == '\\')
        ++i;
      else if (s[i] == '"')
        return i + 1;
    }
    return std::nullopt;
  }

  std::optional<json::value> mapping(std::size_t indent) {
    json::object out;
    while (more_at(indent) && !lines_[at_].dash) {
      auto content = lines_[at_].content;
      std::optional<json::value> key;
      std::string_view rest;
      if (content.starts_with("? ")) {
        key = scalar(content.substr(2));
        ++at_;
        if (!more_at(indent) || lines_[at_].dash || !lines_[at_].content.starts_with(":"))
          return fail("explicit key without its ':' line");
        rest = lines_[at_].content.substr(1);
      } else {
        auto end = entry_key_end(content);
        if (!end)
          return fail("mapping entry expected");
        key = scalar(content.substr(0, *end));
        rest = content.substr(*end + 1);
      }
      if (!key)
        return std::nullopt;
      if (!key->is_string())
        return fail("a key that is not a string");
      if (out.contains(key->get_string()))
        return fail("duplicate key");
      std::optional<json::value> v;
      if (rest.empty()) {
        ++at_;
        v = node(indent + 2);
      } else if (rest[0] == ' ' && rest.size() > 1) {
        ++at_;
        v = scalar(rest.substr(1));
      } else {
        return fail("malformed mapping value");
      }
      if (!v)
        return std::nullopt;
      out.emplace(key->get_string(), std::move(*v));
    }
    if (at_ < lines_.size() && lines_[at_].indent >= indent)
      return fail("mapping entry expected");
    return json::value(std::move(out));
  }

  std::optional<json::value> scalar(std::string_view s) {
    if (s.empty())
      return fail("empty scalar");
    if (s == "{}")
      return json::value(json::object{});
    if (s == "[]")
      return json::value(json::array{});
    if (s[0] == '"') {
      auto close = quoted_end(s);
      if (!close || *close != s.size())
        return fail("malformed double-quoted scalar");
      // Escapes beyond JSON's (\x, \N, \_, ...) are YAML, but the writer never uses them.
      boost::system::error_code ec;
      auto v = json::parse(s, ec);
      if (ec || !v.is_string())
        return fail("double-quoted scalar that is not a JSON string");
      return v;
    }
    return plain(s);
  }

  static bool is_digit(char c) { return c >= '0' && c <= '9'; }

  /// YAML 1.2 §7.3.3 (block context), plus what YAML 1.1 reads as a line break.
  bool plain_is_well_formed(std::string_view s) {
    static constexpr std::string_view indicators = ",[]{}#&*!|>'\"%@`";
    char c0 = s[0];
    if (indicators.find(c0) != std::string_view::npos)
      return false;
    if ((c0 == '-' || c0 == '?' || c0 == ':') && (s.size() == 1 || s[1] == ' '))
      return false;
    if (s.front() == ' ' || s.back() == ' ' || s.back() == ':')
      return false;
    if (s.find(": ") != std::string_view::npos || s.find(" #") != std::string_view::npos)
      return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
      auto c = static_cast<unsigned char>(s[i]);
      if (c < 0x20 || c == 0x7f)
        return false;
      // C1 controls (NEL among them), U+2028, U+2029, U+FEFF as UTF-8.
      if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9F)
        return false;
      if (s.substr(i, 3) == "\xE2\x80\xA8" || s.substr(i, 3) == "\xE2\x80\xA9" ||
          s.substr(i, 3) == "\xEF\xBB\xBF")
        return false;
    }
    return true;
  }

  std::optional<json::value> plain(std::string_view s) {
    if (!plain_is_well_formed(s))
      return fail("plain scalar that YAML reads differently: " + std::string{s});
    if (s == "null" || s == "Null" || s == "NULL" || s == "~")
      return json::value(nullptr);
    if (s == "true" || s == "True" || s == "TRUE")
      return json::value(true);
    if (s == "false" || s == "False" || s == "FALSE")
      return json::value(false);
    if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf")
      return json::value(std::numeric_limits<double>::infinity());
    if (s == "-.inf" || s == "-.Inf" || s == "-.INF")
      return json::value(-std::numeric_limits<double>::infinity());
    if (s == ".nan" || s == ".NaN" || s == ".NAN")
      return json::value(std::numeric_limits<double>::quiet_NaN());
    // YAML 1.1 booleans and the merge/value keys: a YAML 1.2 reader says string, a YAML 1.1
    // reader does not, so the writer must quote them.
    static constexpr std::string_view yaml11[] = {"y",  "Y",   "yes", "Yes", "YES", "n",
                                                  "N",  "no",  "No",  "NO",  "on",  "On",
                                                  "ON", "off", "Off", "OFF", "<<",  "="};
    for (auto w : yaml11)
      if (s == w)
        return fail("plain scalar that YAML 1.1 reads as a non-string: " + std::string{s});
    bool number_like = is_digit(s[0]) || ((s[0] == '-' || s[0] == '+' || s[0] == '.') &&
                                          s.size() > 1 && (is_digit(s[1]) || s[1] == '.'));
    if (number_like) {
      // A number must be one JSON also reads; anything else shaped like a number (0x1F, 1_000,
      // 1:20, 2001-12-14, 1.2.3) is an int, float or timestamp to some YAML reader.
      boost::system::error_code ec;
      auto v = json::parse(s, ec);
      if (ec || !v.is_number())
        return fail("plain scalar shaped like a number: " + std::string{s});
      if (v.is_double()) {
        // Boost.JSON 1.81 may read a double one ulp off; from_chars rounds correctly.
        double d = 0;
        auto [end, err] = std::from_chars(s.data(), s.data() + s.size(), d);
        if (err != std::errc{} || end != s.data() + s.size())
          return fail("unreadable double: " + std::string{s});
        return json::value(d);
      }
      return v;
    }
    return json::value(json::string(s));
  }

  std::string_view text_;
  std::vector<line> lines_;
  std::size_t at_ = 0;
};

} // namespace yaml_subset_detail

/// The value `text` denotes, or nullopt with the reason in `*error` (when given).
inline std::optional<boost::json::value> read_yaml_subset(std::string_view text,
                                                          std::string* error = nullptr) {
  yaml_subset_detail::reader r{text};
  auto v = r.read();
  if (!v && error)
    *error = r.error;
  return v;
}

/// Like `==`, but NaN equals NaN and numbers compare by value across int64/uint64/double
/// only when both are integral kinds (a double never equals an integer: the writer keeps kinds).
inline bool same_value(const boost::json::value& a, const boost::json::value& b) {
  namespace json = boost::json;
  if (a.is_double() && b.is_double()) {
    double x = a.get_double();
    double y = b.get_double();
    return x == y || (x != x && y != y);
  }
  if (a.is_double() || b.is_double())
    return false;
  if (a.is_array() && b.is_array()) {
    const auto& x = a.get_array();
    const auto& y = b.get_array();
    if (x.size() != y.size())
      return false;
    for (std::size_t i = 0; i < x.size(); ++i)
      if (!same_value(x[i], y[i]))
        return false;
    return true;
  }
  if (a.is_object() && b.is_object()) {
    const auto& x = a.get_object();
    const auto& y = b.get_object();
    if (x.size() != y.size())
      return false;
    for (const auto& m : x) {
      auto it = y.find(m.key());
      if (it == y.end() || !same_value(m.value(), it->value()))
        return false;
    }
    return true;
  }
  return a == b;
}

} // namespace herald::test
