#pragma once

// What `/metrics` is made of (SPEC §4.9): a latency histogram that any thread may update
// without a lock, and the Prometheus text exposition format (version 0.0.4) as pure functions.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herald::net {

/// A histogram's counts at one moment: cumulative per upper bound, as Prometheus wants them.
struct histogram_snapshot {
  std::vector<double> bounds;            ///< upper bounds in seconds, increasing (+Inf implied)
  std::vector<std::uint64_t> cumulative; ///< observations <= each bound
  std::uint64_t count = 0;               ///< all observations (the +Inf bucket)
  double sum = 0;                        ///< their sum, in seconds
};

/// Durations in fixed buckets from 100 µs to 5 min (roughly ×2.5 apart), each a relaxed atomic
/// counter: an observation is two additions and a short scan, so the I/O threads can record
/// one per fan-out.
class histogram {
 public:
  static constexpr std::array<double, 18> bounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                 0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                                 1,      2.5,     5,      10,    60,     300};

  void observe(std::chrono::nanoseconds d) noexcept;
  histogram_snapshot snapshot() const;

 private:
  std::array<std::atomic<std::uint64_t>, bounds.size() + 1> counts_{};
  std::atomic<std::uint64_t> sum_ns_{0};
};

using label_list = std::vector<std::pair<std::string_view, std::string_view>>;

/// Writes the exposition text: each family's `# HELP` and `# TYPE` once, then its samples.
/// Label values are escaped (see `escape_label_value`); names are the caller's
/// constants and must be valid metric names.
class prometheus_text {
 public:
  /// Starts a family: `type` is counter, gauge or histogram.
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, const label_list& labels, double value);
  /// The `_bucket` (with `le`), `_sum` and `_count` samples of histogram family `name`.
  void histogram(std::string_view name, const label_list& labels, const histogram_snapshot& h);

  const std::string& text() const noexcept { return out_; }
  std::string take() noexcept { return std::move(out_); }

 private:
  std::string out_;
};

/// `value` as Prometheus writes a sample value: integers without a fraction, `+Inf`, `NaN`.
std::string format_sample_value(double value);

/// `value` escaped for a label value inside double quotes: backslash, double quote and
/// newline escaped as the format says; other control characters, DEL and ill-formed UTF-8
/// (the format wants UTF-8 and has no other escapes) replaced by U+FFFD.
std::string escape_label_value(std::string_view value);

} // namespace herald::net
