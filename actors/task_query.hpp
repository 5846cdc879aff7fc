#pragma once

// Pode's task filter (`POST /tasks/query`, SPEC §4.3): `{"Field":{"op":OP,"value":V}, ...}`,
// conditions AND-ed. Parsed once into a predicate; pure, no actors.

#include "actors/task_record.hpp"

#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace herald::actors {

/// A rejected filter: `message` names the field, op or shape at fault (answered 400).
struct query_error {
  std::string message;
};

namespace detail {

/// A LIKE pattern compiled once: as Pode builds it, `*value*` (the value found anywhere),
/// ASCII case ignored, `*` any run and `?` exactly one character (a code point; a byte that is
/// not UTF-8 counts as one). Split on `*` into segments, found one after the other, each at its
/// leftmost place: that is a match whenever one exists (the segments have fixed lengths), and
/// each search starts where the last one ended, so the text is read once. A literal segment is
/// found with Knuth-Morris-Pratt, a segment with `?` by shift-and over 64-bit words: matching
/// costs O(n + m) for a field of n characters and a pattern of m, and O(n * ceil(k / 64) + m)
/// when a segment of k characters has `?` (a 64th of n * m at worst, where a backtracking
/// matcher pays n * m on a pattern with no `?` at all; `tasks.query_max_value_bytes` bounds k).
class like_matcher {
 public:
  /// The empty pattern: matches every text.
  like_matcher() = default;
  explicit like_matcher(std::string_view value);

  bool matches(std::string_view text) const;

  struct segment; // defined in task_query.cpp

 private:
  std::vector<std::shared_ptr<const segment>> segments_;
};

} // namespace detail

/// No bound on the size of a filter's values (the C++ default; the node passes its own).
inline constexpr std::size_t unbounded_values = std::numeric_limits<std::size_t>::max();

/// A parsed filter. Fields (case-insensitive): `Id AsyncRouteId State Error User Cancellable
/// Progress CreationTime StartingTime CompletedTime ExpireTime Method Url`. Ops
/// (case-insensitive): `GT LT GE LE EQ NE LIKE NOTLIKE`. Strings compare as strings (LIKE uses
/// `*` and `?` wildcards, case-insensitive, as PowerShell's -like), times as times (the value
/// in the task time format), `Progress` as a number, `Cancellable` as a boolean (EQ/NE only).
/// A task without the field (no `Error`, say) matches only `NE` and `NOTLIKE`.
/// Refused as well: a string value longer than `max_value_bytes`, and more conditions than
/// there are fields (a field may be given twice in different cases, and the conditions are
/// AND-ed, but their number stays bounded).
class task_query {
 public:
  /// Parses `filter`; an empty object matches every task.
  static std::variant<task_query, query_error>
  parse(const boost::json::value& filter, std::size_t max_value_bytes = unbounded_values);

  bool matches(const task_record& r) const;

  struct condition; // defined in task_query.cpp

 private:
  std::vector<std::shared_ptr<const condition>> conditions_;
};

} // namespace herald::actors
