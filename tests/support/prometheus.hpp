#pragma once

// A strict reader of the Prometheus text exposition format (0.0.4), for tests of `/metrics`:
// every sample must belong to a family announced by `# HELP` and `# TYPE` before it, names
// and labels must be well formed (label values UTF-8 without raw control characters), and
// values must parse. Anything else is an error.

#include "format_checks.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace herald::test {

struct prometheus_scrape {
  /// `name{label="value",...}` (labels in the order written) -> value.
  std::map<std::string, double> samples;
  /// Family name -> its type.
  std::map<std::string, std::string> types;
  /// The first problem found; empty when the text is valid.
  std::string error;

  /// The value of a series, nullopt when absent.
  std::optional<double> get(const std::string& series) const {
    auto it = samples.find(series);
    return it == samples.end() ? std::nullopt : std::optional<double>{it->second};
  }
  /// The value of a series, 0 when absent.
  double value(const std::string& series) const { return get(series).value_or(0); }
};

namespace detail {

inline bool metric_name_char(char c, bool first) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':' ||
         (!first && std::isdigit(static_cast<unsigned char>(c)));
}

inline bool valid_metric_name(std::string_view s) {
  if (s.empty())
    return false;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (!metric_name_char(s[i], i == 0))
      return false;
  return true;
}

/// The family a sample belongs to: histogram samples drop `_bucket`, `_sum`, `_count`.
inline std::string family_of(const std::string& name,
                             const std::map<std::string, std::string>& types) {
  if (types.count(name))
    return name;
  for (std::string_view suffix : {"_bucket", "_sum", "_count"})
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      auto base = name.substr(0, name.size() - suffix.size());
      auto it = types.find(base);
      if (it != types.end() && it->second == "histogram")
        return base;
    }
  return {};
}

} // namespace detail

inline prometheus_scrape parse_prometheus(std::string_view text) {
  prometheus_scrape out;
  std::set<std::string> helped;
  auto fail = [&](std::string why, std::string_view line) {
    if (out.error.empty())
      out.error = std::move(why) + ": '" + std::string{line} + "'";
  };
  std::size_t pos = 0;
  while (pos < text.size() && out.error.empty()) {
    auto eol = text.find('\n', pos);
    if (eol == std::string_view::npos) {
      fail("the text must end with a newline", text.substr(pos));
      break;
    }
    auto line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.empty())
      continue;
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
      auto rest = line.substr(7);
      auto sp = rest.find(' ');
      auto name = std::string{rest.substr(0, sp)};
      if (!detail::valid_metric_name(name) || sp == std::string_view::npos) {
        fail("bad comment", line);
        continue;
      }
      if (line.starts_with("# HELP ")) {
        if (!helped.insert(name).second)
          fail("HELP given twice", line);
      } else {
        auto type = std::string{rest.substr(sp + 1)};
        if (type != "counter" && type != "gauge" && type != "histogram" && type != "summary" &&
            type != "untyped")
          fail("unknown type", line);
        if (!out.types.emplace(name, type).second)
          fail("TYPE given twice", line);
      }
      continue;
    }
    if (line.starts_with("#"))
      continue;
    // name{labels} value
    std::size_t i = 0;
    while (i < line.size() && detail::metric_name_char(line[i], i == 0))
      ++i;
    std::string name{line.substr(0, i)};
    if (name.empty()) {
      fail("no metric name", line);
      continue;
    }
    std::string series = name;
    if (i < line.size() && line[i] == '{') {
      series += '{';
      ++i;
      bool first = true;
      while (i < line.size() && line[i] != '}') {
        if (!first) {
          if (line[i] != ',') {
            fail("labels must be separated by commas", line);
            break;
          }
          series += ',';
          ++i;
        }
        first = false;
        auto eq = line.find('=', i);
        if (eq == std::string_view::npos || !detail::valid_metric_name(line.substr(i, eq - i)) ||
            eq + 1 >= line.size() || line[eq + 1] != '"') {
          fail("bad label", line);
          break;
        }
        series += line.substr(i, eq - i);
        series += "=\"";
        i = eq + 2;
        std::string value;
        bool closed = false;
        while (i < line.size()) {
          char c = line[i++];
          if (c == '\\' && i < line.size()) {
            char e = line[i++];
            if (e == 'n')
              value += '\n';
            else if (e == '\\' || e == '"')
              value += e;
            else {
              fail("bad escape in a label value", line);
              break;
            }
          } else if (c == '"') {
            closed = true;
            break;
          } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
            fail("a raw control character in a label value", line);
            break;
          } else {
            value += c;
          }
        }
        if (!out.error.empty())
          break;
        if (!closed) {
          fail("unterminated label value", line);
          break;
        }
        if (!well_formed_utf8(value)) {
          fail("a label value that is not UTF-8", line);
          break;
        }
        series += value;
        series += '"';
      }
      if (!out.error.empty())
        continue;
      if (i >= line.size()) {
        fail("unterminated label set", line);
        continue;
      }
      series += '}';
      ++i;
    }
    if (i >= line.size() || line[i] != ' ') {
      fail("a space must separate the series from its value", line);
      continue;
    }
    auto value_text = line.substr(i + 1);
    double value = 0;
    if (value_text == "+Inf")
      value = INFINITY;
    else if (value_text == "-Inf")
      value = -INFINITY;
    else if (value_text == "NaN")
      value = NAN;
    else {
      auto [end, ec] =
          std::from_chars(value_text.data(), value_text.data() + value_text.size(), value);
      if (ec != std::errc{} || end != value_text.data() + value_text.size()) {
        fail("bad value", line);
        continue;
      }
    }
    auto family = detail::family_of(name, out.types);
    if (family.empty() || !helped.count(family)) {
      fail("a sample before its family's HELP and TYPE", line);
      continue;
    }
    if (!out.samples.emplace(series, value).second)
      fail("a series given twice", line);
  }
  return out;
}

} // namespace herald::test
