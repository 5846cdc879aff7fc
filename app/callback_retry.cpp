#include "app/callback_retry.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

namespace herald::app {

namespace {

using std::chrono::milliseconds;

/// The largest delta-seconds value read; anything larger means "very long" all the same.
constexpr std::int64_t max_delta_seconds = std::int64_t{1} << 31;

constexpr std::array<std::string_view, 7> day_names = {"Mon", "Tue", "Wed", "Thu",
                                                       "Fri", "Sat", "Sun"};
constexpr std::array<std::string_view, 12> month_names = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/// The number `text` writes in decimal digits only; -1 for anything else.
int digits(std::string_view text) noexcept {
  int n = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return -1;
    n = n * 10 + (c - '0');
  }
  return text.empty() ? -1 : n;
}

/// `text` (an IMF-fixdate, RFC 9110 §5.6.7) as a time; nullopt for anything else.
std::optional<std::chrono::sys_seconds> imf_fixdate(std::string_view text) {
  // "Sun, 06 Nov 1994 08:49:37 GMT": every field at a fixed place.
  if (text.size() != 29 || text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' ||
      text[16] != ' ' || text[19] != ':' || text[22] != ':' || text.substr(25) != " GMT")
    return std::nullopt;
  if (std::find(day_names.begin(), day_names.end(), text.substr(0, 3)) == day_names.end())
    return std::nullopt;
  auto month = std::find(month_names.begin(), month_names.end(), text.substr(8, 3));
  if (month == month_names.end())
    return std::nullopt;
  int day = digits(text.substr(5, 2));
  int year = digits(text.substr(12, 4));
  int hour = digits(text.substr(17, 2));
  int minute = digits(text.substr(20, 2));
  int second = digits(text.substr(23, 2));
  if (day < 0 || year < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 ||
      second > 60) // 60: a leap second
    return std::nullopt;
  std::chrono::year_month_day date{
      std::chrono::year{year},
      std::chrono::month{static_cast<unsigned>(month - month_names.begin() + 1)},
      std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok())
    return std::nullopt;
  return std::chrono::sys_days{date} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
         std::chrono::seconds{second};
}

} // namespace

milliseconds retry_delay(const retry_policy& policy, int attempt_just_failed,
                         std::optional<milliseconds> retry_after, double random01) {
  // Doubles are exact enough here and cannot overflow the way shifting an integer would.
  int exponent = std::clamp(attempt_just_failed, 1, 64) - 1;
  double jitter = std::isfinite(policy.jitter) ? std::clamp(policy.jitter, 0.0, 1.0) : 0.0;
  double r = std::isfinite(random01) ? std::clamp(random01, 0.0, 1.0) : 0.5;
  // Bounded far below what `llround` can return, whatever the policy says.
  constexpr double longest = 1e15; // ms, about 31,000 years
  double cap = std::clamp(static_cast<double>(policy.max_delay.count()), 0.0, longest);
  double delay = static_cast<double>(std::max(policy.base.count(), milliseconds::rep{0})) *
                 std::ldexp(1.0, exponent);
  delay = std::min(delay, cap) * (1.0 - jitter + 2.0 * jitter * r);
  // Capped again after the jitter, so that `max_delay` is a bound an operator can rely on.
  auto computed = milliseconds{std::llround(std::min(delay, cap))};
  if (!retry_after)
    return computed;
  auto asked =
      std::clamp(*retry_after, milliseconds{0}, std::max(policy.max_retry_after, milliseconds{0}));
  return std::max(computed, asked);
}

std::optional<milliseconds> parse_retry_after(std::string_view value,
                                              std::chrono::system_clock::time_point now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
    value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
    value.remove_suffix(1);
  if (value.empty())
    return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    std::int64_t seconds = 0;
    for (char c : value) {
      seconds = seconds * 10 + (c - '0');
      if (seconds >= max_delta_seconds) {
        seconds = max_delta_seconds;
        break;
      }
    }
    return std::chrono::seconds{seconds};
  }
  auto date = imf_fixdate(value);
  if (!date)
    return std::nullopt;
  // In milliseconds, where any four-digit year fits (nanoseconds end in 2262); `now` rounded
  // down, so that the wait is rounded up: a little late is fine, early meets the same refusal.
  auto wait =
      std::chrono::time_point_cast<milliseconds>(*date) - std::chrono::floor<milliseconds>(now);
  return std::max(wait, milliseconds{0});
}

delivery_verdict judge(int status) noexcept {
  if (status >= 200 && status <= 299)
    return delivery_verdict::delivered;
  if (status == 410 || (status >= 300 && status <= 399))
    return delivery_verdict::give_up;
  return delivery_verdict::retry;
}

} // namespace herald::app
