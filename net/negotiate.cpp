#include "net/negotiate.hpp"

#include "net/json_text.hpp"
#include "net/text.hpp"
#include "net/xml_text.hpp"
#include "net/yaml_text.hpp"

#include <algorithm>
#include <array>
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

std::string encode(const boost::json::value& value, media_type m, std::string_view root_name) {
  switch (m) {
  case media_type::json:
    return json_text(value);
  case media_type::yaml:
    return yaml_text(value);
  case media_type::xml:
    return xml_text(value, root_name);
  }
  return json_text(value);
}

} // namespace herald::net
