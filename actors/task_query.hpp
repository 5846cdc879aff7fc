#pragma once

// Pode's task filter (`POST /tasks/query`, SPEC §4.3): `{"Field":{"op":OP,"value":V}, ...}`,
// conditions AND-ed. Parsed once into a predicate; pure, no actors.

#include "actors/task_record.hpp"

#include <boost/json/value.hpp>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace herald::actors {

/// A rejected filter: `message` names the field, op or shape at fault (answered 400).
struct query_error {
  std::string message;
};

/// A parsed filter. Fields (case-insensitive): `Id AsyncRouteId State Error User Cancellable
/// Progress CreationTime StartingTime CompletedTime ExpireTime Method Url`. Ops
/// (case-insensitive): `GT LT GE LE EQ NE LIKE NOTLIKE`. Strings compare as strings (LIKE uses
/// `*` and `?` wildcards, case-insensitive, as PowerShell's -like), times as times (the value
/// in the task time format), `Progress` as a number, `Cancellable` as a boolean (EQ/NE only).
/// A task without the field (no `Error`, say) matches only `NE` and `NOTLIKE`.
class task_query {
 public:
  /// Parses `filter`; an empty object matches every task.
  static std::variant<task_query, query_error> parse(const boost::json::value& filter);

  bool matches(const task_record& r) const;

  struct condition; // defined in task_query.cpp

 private:
  std::vector<std::shared_ptr<const condition>> conditions_;
};

} // namespace herald::actors
