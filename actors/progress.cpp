#include "actors/progress.hpp"

#include <algorithm>
#include <cmath>

namespace herald::actors {

namespace {

constexpr double running_ceiling = 99.99;
constexpr double complete_value = 100;
// A tick stops this far below the range's maximum: only completion reaches it.
constexpr double below_max = 0.01;

} // namespace

void progress_meter::set_range(double start, double end, double steps, double max) {
  if (!std::isfinite(start) || !std::isfinite(end) || !std::isfinite(steps) || !std::isfinite(max))
    throw std::invalid_argument("progress range values must be finite numbers");
  if (steps <= 0)
    throw std::invalid_argument("progress steps must be above 0");
  if (end < start)
    throw std::invalid_argument("progress range end must not be below its start");
  if (max <= 0 || max > 100)
    throw std::invalid_argument("progress maximum must be above 0 and at most 100");
  double current = value_.value_or(0);
  if (max <= current)
    throw std::invalid_argument("A Progress limit cannot be lower than the current progress.");
  // An empty range (end == start) is one tick: the next tick goes straight to the clamp.
  double ticks = std::max(1.0, std::ceil((end - start) / steps));
  value_ = current;
  increment_ = (max - current) / ticks; // 0 when ticks is infinite: progress just stays
  max_ = max;
  ranged_ = true;
}

void progress_meter::set_time_based(double duration_seconds, double interval_seconds, double max) {
  set_range(0, duration_seconds, interval_seconds, max);
}

double progress_meter::tick() {
  if (!ranged_ || !value_ || *value_ >= complete_value)
    return value_.value_or(0);
  double ceiling = std::min(max_ - below_max, running_ceiling);
  // Never backwards: a value set above the range's clamp stays where it is.
  value_ = std::max(*value_, std::min(*value_ + increment_, ceiling));
  return *value_;
}

double progress_meter::set(double value) {
  // NaN says nothing; a finished meter stays at 100.
  if (std::isnan(value) || (value_ && *value_ >= complete_value))
    return value_.value_or(0);
  value_ = std::clamp(value, 0.0, running_ceiling);
  return *value_;
}

void progress_meter::complete() {
  // Pode's rule: 100 only for a task that reported progress, so that `Progress` stays absent
  // from tasks that never used it.
  if (value_)
    value_ = complete_value;
}

bool progress_meter::exhausted() const noexcept {
  if (!ranged_ || !value_)
    return false;
  // Also when ticks can no longer move it (a range of infinitely many ticks).
  return *value_ >= std::min(max_ - below_max, running_ceiling) || *value_ + increment_ <= *value_;
}

} // namespace herald::actors
