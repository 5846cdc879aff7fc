#pragma once

// Internal to actors/: task times as calendar instants at 100 ns resolution, over years
// 0000–9999. The wire format reaches past what system_clock can hold (it ends in 2262), so
// filters compare in this wider space: `ExpireTime GT 3000-01-01T00:00:00Z` stays meaningful.

#include "actors/task_record.hpp"

#include <compare>
#include <cstdint>
#include <optional>
#include <string_view>

namespace herald::actors::detail {

struct time_key {
  std::int64_t days = 0;  ///< since 1970-01-01, negative before
  std::int64_t ticks = 0; ///< 100 ns units since midnight, [0, 864'000'000'000)

  friend auto operator<=>(const time_key&, const time_key&) = default;
};

/// `yyyy-MM-ddTHH:mm:ss[.f{1,7}]Z` with a real calendar date; nullopt for anything else.
std::optional<time_key> parse_time_key(std::string_view text) noexcept;

/// `t` truncated to 100 ns, as its formatted text shows it; `no_expiry()` is
/// 9999-12-31T23:59:59.9999999Z.
time_key time_key_of(task_time t) noexcept;

} // namespace herald::actors::detail
