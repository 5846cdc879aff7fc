#pragma once

// Progress arithmetic of a task (SPEC §4.4), apart from the task actor so it can be tested
// alone. Pure: no clock of its own; time-based progress is driven by the caller's ticks.

#include <optional>
#include <stdexcept>

namespace herald::actors {

/// A task's progress, 0–100. While the task runs it never passes 99.99 and never goes below 0;
/// only `complete()` reaches 100. Fixes Pode's defects (no range check on set, a clamp that
/// ignores the range's maximum, 100 forced on failure).
class progress_meter {
 public:
  /// Range mode: `ticks = ceil((end - start) / steps)`; each later `tick()` adds
  /// `(max - current) / ticks` of the value at set-up. Starts at 0 when nothing was reported.
  /// Throws std::invalid_argument when `steps <= 0`, `end < start`, `max` is outside (0, 100],
  /// or `max` is not above the current value (Pode: "A Progress limit cannot be lower than
  /// the current progress.").
  void set_range(double start, double end, double steps = 1, double max = 100);

  /// Time-based mode: as `set_range(0, duration, interval, max)`; the caller ticks every
  /// `interval` of time.
  void set_time_based(double duration_seconds, double interval_seconds, double max = 100);

  /// Adds one increment, clamped below the range's maximum (and 99.99). Without a range set
  /// up, does nothing. Returns the new value.
  double tick();

  /// Sets the value, clamped to [0, 99.99] while running.
  double set(double value);

  /// `Completed`: 100 when progress was reported; a task that never reported any keeps no
  /// `Progress`. (`Failed` and `Aborted` keep the last value: just don't call this.)
  void complete();

  /// The value, or nullopt when never reported.
  std::optional<double> value() const noexcept { return value_; }

  /// Whether a time-based run has reached its maximum (its timer can stop).
  bool exhausted() const noexcept;

 private:
  std::optional<double> value_;
  double increment_ = 0;
  double max_ = 100;
  bool ranged_ = false;
};

} // namespace herald::actors
