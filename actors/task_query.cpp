#include "actors/task_query.hpp"

#include "actors/task_time_key.hpp"
#include "net/text.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <compare>
#include <cstdint>
#include <string_view>
#include <unordered_map>

namespace herald::actors {

namespace {

namespace json = boost::json;

enum class field_id {
  id,
  async_route_id,
  state,
  error,
  user,
  cancellable,
  progress,
  creation_time,
  starting_time,
  completed_time,
  expire_time,
  method,
  url
};

/// How a field's values compare, which decides the ops and value types it accepts.
enum class field_kind { text, state, boolean, number, time };

enum class op_id { gt, lt, ge, le, eq, ne, like, notlike };

struct field_def {
  std::string_view name;
  field_id id;
  field_kind kind;
};

constexpr std::array<field_def, 13> fields = {{
    {"Id", field_id::id, field_kind::text},
    {"AsyncRouteId", field_id::async_route_id, field_kind::text},
    {"State", field_id::state, field_kind::state},
    {"Error", field_id::error, field_kind::text},
    {"User", field_id::user, field_kind::text},
    {"Cancellable", field_id::cancellable, field_kind::boolean},
    {"Progress", field_id::progress, field_kind::number},
    {"CreationTime", field_id::creation_time, field_kind::time},
    {"StartingTime", field_id::starting_time, field_kind::time},
    {"CompletedTime", field_id::completed_time, field_kind::time},
    {"ExpireTime", field_id::expire_time, field_kind::time},
    {"Method", field_id::method, field_kind::text},
    {"Url", field_id::url, field_kind::text},
}};

constexpr std::array<std::pair<std::string_view, op_id>, 8> ops = {{
    {"GT", op_id::gt},
    {"LT", op_id::lt},
    {"GE", op_id::ge},
    {"LE", op_id::le},
    {"EQ", op_id::eq},
    {"NE", op_id::ne},
    {"LIKE", op_id::like},
    {"NOTLIKE", op_id::notlike},
}};

constexpr std::string_view field_list = "Id, AsyncRouteId, State, Error, User, Cancellable, "
                                        "Progress, CreationTime, StartingTime, CompletedTime, "
                                        "ExpireTime, Method, Url";
constexpr std::string_view op_list = "GT, LT, GE, LE, EQ, NE, LIKE, NOTLIKE";
constexpr std::string_view condition_shape = "{\"op\":OP,\"value\":VALUE}";

// Progress is compared as exported (2 decimals); this absorbs the last-bit differences
// between a parsed decimal and the rounded value.
constexpr double number_tolerance = 1e-9;

/// Thrown inside this file only, caught in parse() and returned as a value.
struct query_failure {
  std::string message;
};

[[noreturn]] void fail(std::string message) {
  throw query_failure{std::move(message)};
}

[[noreturn]] void fail(std::string_view field, std::string_view why) {
  fail(std::string{field} + ": " + std::string{why});
}

constexpr char upper(char c) noexcept {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

using herald::net::iequals;

/// Ordinal order ignoring ASCII case (as .NET's OrdinalIgnoreCase: both sides upper-cased),
/// so that EQ, GT and LT agree with each other.
std::strong_ordering compare_text(std::string_view a, std::string_view b) noexcept {
  auto n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    auto x = static_cast<unsigned char>(upper(a[i]));
    auto y = static_cast<unsigned char>(upper(b[i]));
    if (x != y)
      return x <=> y;
  }
  return a.size() <=> b.size();
}

/// Client text quoted for an error message: short, one line.
std::string quoted(std::string_view text) {
  constexpr std::size_t limit = 64;
  std::string out = "'";
  std::size_t end = text.size();
  bool cut = false;
  if (end > limit) {
    end = limit;
    // Never split a UTF-8 sequence.
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
      --end;
    cut = true;
  }
  for (std::size_t i = 0; i < end; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    out += (c < 0x20 || c == 0x7F) ? '?' : text[i];
  }
  if (cut)
    out += "...";
  out += '\'';
  return out;
}

// -- LIKE -------------------------------------------------------------------------------------

/// Code points with ASCII letters lower-cased, so that `?` takes one character, not one byte.
/// A byte that is not valid UTF-8 becomes a unit of its own that only matches itself or `?`.
std::u32string fold(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    std::size_t len = b < 0x80           ? 1
                      : (b >> 5) == 0x6  ? 2
                      : (b >> 4) == 0xE  ? 3
                      : (b >> 3) == 0x1E ? 4
                                         : 0;
    char32_t cp = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
    bool valid = len != 0 && i + len <= s.size();
    for (std::size_t k = 1; valid && k < len; ++k) {
      auto c = static_cast<unsigned char>(s[i + k]);
      valid = (c & 0xC0) == 0x80;
      cp = (cp << 6) | (c & 0x3F);
    }
    if (!valid) {
      out += static_cast<char32_t>(0x110000 + b);
      ++i;
      continue;
    }
    if (cp >= 'A' && cp <= 'Z')
      cp += 'a' - 'A';
    out += cp;
    i += len;
  }
  return out;
}

constexpr std::size_t not_found = std::u32string_view::npos;
constexpr std::size_t word_bits = 64;

} // namespace

/// One run of the pattern between two `*`: literal characters and `?`.
struct detail::like_matcher::segment {
  std::u32string units;
  bool has_any = false; // a `?` in it
  /// Literal segments (KMP): for each prefix, the length of its longest proper border.
  std::vector<std::size_t> border;
  /// Segments with `?` (shift-and): per character, the positions it may take, as `words`
  /// 64-bit words; `any` (the `?` positions) for a character that the segment does not name.
  std::size_t words = 0;
  std::vector<std::uint64_t> ascii;                 // 128 * words
  std::unordered_map<char32_t, std::size_t> others; // character -> offset in `other_masks`
  std::vector<std::uint64_t> other_masks;
  std::vector<std::uint64_t> any;

  explicit segment(std::u32string text) : units(std::move(text)) {
    has_any = units.find(U'?') != std::u32string::npos;
    if (has_any)
      build_masks();
    else
      build_borders();
  }

  void build_borders() {
    border.assign(units.size(), 0);
    std::size_t k = 0;
    for (std::size_t i = 1; i < units.size(); ++i) {
      while (k > 0 && units[i] != units[k])
        k = border[k - 1];
      if (units[i] == units[k])
        ++k;
      border[i] = k;
    }
  }

  void build_masks() {
    words = (units.size() + word_bits - 1) / word_bits;
    any.assign(words, 0);
    for (std::size_t j = 0; j < units.size(); ++j)
      if (units[j] == U'?')
        set(any.data(), j);
    ascii.resize(128 * words);
    for (std::size_t c = 0; c < 128; ++c)
      std::copy(any.begin(), any.end(), ascii.begin() + static_cast<std::ptrdiff_t>(c * words));
    for (std::size_t j = 0; j < units.size(); ++j) {
      auto c = units[j];
      if (c == U'?')
        continue;
      std::uint64_t* mask = nullptr;
      if (c < 128) {
        mask = ascii.data() + c * words;
      } else {
        auto [it, fresh] = others.try_emplace(c, other_masks.size());
        if (fresh)
          other_masks.insert(other_masks.end(), any.begin(), any.end());
        mask = other_masks.data() + it->second;
      }
      set(mask, j);
    }
  }

  static void set(std::uint64_t* mask, std::size_t bit) {
    mask[bit / word_bits] |= std::uint64_t{1} << (bit % word_bits);
  }

  const std::uint64_t* mask_of(char32_t c) const {
    if (c < 128)
      return ascii.data() + c * words;
    auto it = others.find(c);
    return it == others.end() ? any.data() : other_masks.data() + it->second;
  }

  /// Where the leftmost occurrence in `text` at or after `from` ends; `not_found` if none.
  std::size_t find_in(std::u32string_view text, std::size_t from) const {
    if (from > text.size() || text.size() - from < units.size())
      return not_found;
    return has_any ? find_with_any(text, from) : find_literal(text, from);
  }

  std::size_t find_literal(std::u32string_view text, std::size_t from) const {
    // Knuth-Morris-Pratt: each step either advances in the text or shortens the partial match,
    // which never grows by more than one per character read: O(characters read).
    std::size_t k = 0;
    for (std::size_t i = from; i < text.size(); ++i) {
      while (k > 0 && text[i] != units[k])
        k = border[k - 1];
      if (text[i] == units[k])
        ++k;
      if (k == units.size())
        return i + 1;
    }
    return not_found;
  }

  std::size_t find_with_any(std::u32string_view text, std::size_t from) const {
    // Shift-and: bit j of `state` says the last j + 1 characters read match the segment's
    // first j + 1; one shift and one AND per word per character read.
    std::vector<std::uint64_t> state(words, 0);
    const std::size_t last = units.size() - 1;
    const std::uint64_t last_bit = std::uint64_t{1} << (last % word_bits);
    for (std::size_t i = from; i < text.size(); ++i) {
      const std::uint64_t* mask = mask_of(text[i]);
      std::uint64_t carry = 1; // a match may start at every character
      for (std::size_t w = 0; w < words; ++w) {
        std::uint64_t next = (state[w] << 1) | carry;
        carry = state[w] >> (word_bits - 1);
        state[w] = next & mask[w];
      }
      if ((state[last / word_bits] & last_bit) != 0)
        return i + 1;
    }
    return not_found;
  }
};

detail::like_matcher::like_matcher(std::string_view value) {
  std::u32string run;
  for (auto c : fold(value)) {
    if (c != U'*') {
      run += c;
      continue;
    }
    if (!run.empty())
      segments_.push_back(std::make_shared<const segment>(std::move(run)));
    run.clear();
  }
  if (!run.empty())
    segments_.push_back(std::make_shared<const segment>(std::move(run)));
}

bool detail::like_matcher::matches(std::string_view text) const {
  if (segments_.empty())
    return true;
  auto folded = fold(text);
  std::size_t at = 0;
  for (const auto& s : segments_) {
    at = s->find_in(folded, at);
    if (at == not_found)
      return false;
  }
  return true;
}

namespace {

// -- reading a record ---------------------------------------------------------------------------

std::optional<std::string_view> text_of(field_id f, const task_record& r) {
  auto opt = [](const std::optional<std::string>& s) -> std::optional<std::string_view> {
    if (s)
      return std::string_view{*s};
    return std::nullopt;
  };
  switch (f) {
  case field_id::id:
    return r.id;
  case field_id::async_route_id:
    return r.route_id;
  case field_id::error:
    return opt(r.error);
  case field_id::user:
    return opt(r.user);
  case field_id::method:
    return r.method;
  case field_id::url:
    return r.url;
  default:
    return std::nullopt;
  }
}

std::optional<detail::time_key> time_of(field_id f, const task_record& r) {
  auto key = [](const std::optional<task_time>& t) -> std::optional<detail::time_key> {
    if (t)
      return detail::time_key_of(*t);
    return std::nullopt;
  };
  switch (f) {
  case field_id::creation_time:
    return detail::time_key_of(r.creation);
  case field_id::expire_time:
    return detail::time_key_of(r.expire);
  case field_id::starting_time:
    return key(r.starting);
  case field_id::completed_time:
    return key(r.completed);
  default:
    return std::nullopt;
  }
}

/// Progress as the task object shows it: rounded to 2 decimals.
std::optional<double> progress_of(const task_record& r) {
  if (!r.progress || !std::isfinite(*r.progress))
    return std::nullopt;
  return std::round(*r.progress * 100) / 100;
}

std::partial_ordering compare_number(double a, double b) noexcept {
  if (std::abs(a - b) <= number_tolerance)
    return std::partial_ordering::equivalent;
  return a <=> b;
}

bool holds(op_id op, std::partial_ordering c) noexcept {
  switch (op) {
  case op_id::gt:
    return c > 0;
  case op_id::lt:
    return c < 0;
  case op_id::ge:
    return c >= 0;
  case op_id::le:
    return c <= 0;
  case op_id::eq:
    return c == 0;
  case op_id::ne:
    return c != 0;
  default:
    return false;
  }
}

bool is_negative(op_id op) noexcept {
  return op == op_id::ne || op == op_id::notlike;
}

bool is_ordering(op_id op) noexcept {
  return op == op_id::gt || op == op_id::lt || op == op_id::ge || op == op_id::le;
}

bool is_like(op_id op) noexcept {
  return op == op_id::like || op == op_id::notlike;
}

} // namespace

struct task_query::condition {
  field_id field;
  field_kind kind;
  op_id op;
  std::string text;             // text fields
  detail::like_matcher pattern; // LIKE / NOTLIKE
  task_state state{};           // State with EQ / NE
  bool flag = false;            // Cancellable
  double number = 0;            // Progress
  detail::time_key time{};      // times

  bool test(const task_record& r) const {
    // LIKE on any field reads its text; a missing field matches only the negative ops.
    switch (kind) {
    case field_kind::text: {
      auto v = text_of(field, r);
      if (!v)
        return is_negative(op);
      if (is_like(op))
        return pattern.matches(*v) == (op == op_id::like);
      return holds(op, compare_text(*v, text));
    }
    case field_kind::state:
      if (is_like(op))
        return pattern.matches(to_string(r.state)) == (op == op_id::like);
      return (r.state == state) == (op == op_id::eq);
    case field_kind::boolean:
      return (r.cancellable == flag) == (op == op_id::eq);
    case field_kind::number: {
      auto v = progress_of(r);
      if (!v)
        return is_negative(op);
      return holds(op, compare_number(*v, number));
    }
    case field_kind::time: {
      auto v = time_of(field, r);
      if (!v)
        return is_negative(op);
      return holds(op, *v <=> time);
    }
    }
    return false;
  }
};

namespace {

const field_def& find_field(std::string_view key) {
  for (const auto& f : fields)
    if (iequals(key, f.name))
      return f;
  fail(quoted(key) + " is not a queryable field; fields: " + std::string{field_list});
}

/// The condition's `op` and `value`, keys matched case-insensitively, nothing else allowed.
std::pair<const json::value*, const json::value*> split_condition(std::string_view field,
                                                                  const json::value& v) {
  if (!v.is_object())
    fail(field, "the condition must be an object " + std::string{condition_shape});
  const json::value* op = nullptr;
  const json::value* value = nullptr;
  for (const auto& member : v.get_object()) {
    const json::value** slot = iequals(member.key(), "op")      ? &op
                               : iequals(member.key(), "value") ? &value
                                                                : nullptr;
    if (slot == nullptr)
      fail(field, "unexpected key " + quoted(member.key()) + " in the condition; expected " +
                      std::string{condition_shape});
    if (*slot != nullptr)
      fail(field, "the condition gives " + quoted(member.key()) + " twice");
    *slot = &member.value();
  }
  if (op == nullptr)
    fail(field, "the condition has no 'op'; expected " + std::string{condition_shape});
  if (value == nullptr)
    fail(field, "the condition has no 'value'; expected " + std::string{condition_shape});
  return {op, value};
}

op_id find_op(std::string_view field, const json::value& v) {
  if (!v.is_string())
    fail(field, "'op' must be a string, one of " + std::string{op_list});
  for (const auto& [name, id] : ops)
    if (iequals(v.get_string(), name))
      return id;
  fail(field, "unknown op " + quoted(v.get_string()) + "; ops: " + std::string{op_list});
}

std::string_view op_name(op_id op) {
  for (const auto& [name, id] : ops)
    if (id == op)
      return name;
  return "?";
}

std::string_view string_value(const field_def& f, const json::value& v, std::size_t max_bytes) {
  if (!v.is_string())
    fail(f.name, "'value' must be a string");
  // Bounded before anything is built from it: matching costs grow with the value.
  if (v.get_string().size() > max_bytes)
    fail(f.name, "'value' is " + std::to_string(v.get_string().size()) + " bytes long; at most " +
                     std::to_string(max_bytes) + " are allowed");
  return v.get_string();
}

} // namespace

std::variant<task_query, query_error> task_query::parse(const boost::json::value& filter,
                                                        std::size_t max_value_bytes) {
  try {
    if (!filter.is_object())
      fail("the filter must be a JSON object {\"Field\":" + std::string{condition_shape} +
           ", ...}");
    // A field may appear twice (its name in two cases), but every condition costs a test per
    // task: no more of them than there are fields.
    if (filter.get_object().size() > fields.size())
      fail("the filter has " + std::to_string(filter.get_object().size()) +
           " conditions; at most " + std::to_string(fields.size()) + " (one per field)");
    auto text_value = [max_value_bytes](const field_def& f, const json::value& v) {
      return string_value(f, v, max_value_bytes);
    };
    task_query q;
    for (const auto& member : filter.get_object()) {
      const auto& f = find_field(member.key());
      auto [op_value, value] = split_condition(f.name, member.value());
      auto c = std::make_shared<condition>();
      c->field = f.id;
      c->kind = f.kind;
      c->op = find_op(f.name, *op_value);
      auto refuse_op = [&](std::string_view allowed) {
        fail(f.name, std::string{op_name(c->op)} +
                         " does not apply to this field; ops: " + std::string{allowed});
      };
      switch (f.kind) {
      case field_kind::text:
        if (is_like(c->op))
          c->pattern = detail::like_matcher{text_value(f, *value)};
        else
          c->text = text_value(f, *value);
        break;
      case field_kind::state:
        if (is_ordering(c->op))
          refuse_op("EQ, NE, LIKE, NOTLIKE");
        if (is_like(c->op)) {
          c->pattern = detail::like_matcher{text_value(f, *value)};
        } else {
          auto s = parse_task_state(text_value(f, *value));
          if (!s)
            fail(f.name, quoted(value->get_string()) +
                             " is not a state; states: NotStarted, Running, Completed, Failed, "
                             "Aborted");
          c->state = *s;
        }
        break;
      case field_kind::boolean:
        if (c->op != op_id::eq && c->op != op_id::ne)
          refuse_op("EQ, NE");
        if (!value->is_bool())
          fail(f.name, "'value' must be true or false");
        c->flag = value->get_bool();
        break;
      case field_kind::number:
        if (is_like(c->op))
          refuse_op("GT, LT, GE, LE, EQ, NE");
        if (value->is_double())
          c->number = value->get_double();
        else if (value->is_int64())
          c->number = static_cast<double>(value->get_int64());
        else if (value->is_uint64())
          c->number = static_cast<double>(value->get_uint64());
        else
          fail(f.name, "'value' must be a number");
        break;
      case field_kind::time: {
        if (is_like(c->op))
          refuse_op("GT, LT, GE, LE, EQ, NE");
        auto key = detail::parse_time_key(text_value(f, *value));
        if (!key)
          fail(f.name, quoted(value->get_string()) +
                           " is not a time; expected UTC yyyy-MM-ddTHH:mm:ss[.fffffff]Z");
        c->time = *key;
        break;
      }
      }
      q.conditions_.push_back(std::move(c));
    }
    return q;
  } catch (query_failure& f) {
    return query_error{std::move(f.message)};
  }
}

bool task_query::matches(const task_record& r) const {
  return std::all_of(conditions_.begin(), conditions_.end(),
                     [&](const auto& c) { return c->test(r); });
}

} // namespace herald::actors
