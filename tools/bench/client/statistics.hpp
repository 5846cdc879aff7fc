#pragma once

// The figures the load clients report: quantiles by nearest rank, a latency histogram, and the
// CPU time of the client and of the server it measures.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace herald::bench {

/// The 1-based nearest rank of quantile `q` among `total` values (total > 0).
std::uint64_t nearest_rank(double q, std::uint64_t total) noexcept;

/// Quantile `q` of `sorted` (ascending) by nearest rank; 0 when it is empty.
std::uint64_t quantile_of_sorted(const std::vector<std::uint64_t>& sorted, double q) noexcept;

/// Log-linear buckets: exact below 64, then 64 buckets per power of two, so a reported value
/// is within 1/128 (0.8 %) of the true one. Adding a value costs no allocation.
class histogram {
 public:
  void add(std::uint64_t v) noexcept {
    ++counts_[index(v)];
    ++total_;
    max_ = std::max(max_, v);
  }

  std::uint64_t total() const noexcept { return total_; }
  std::uint64_t max() const noexcept { return max_; }

  /// The value at quantile `q` (nearest rank), as the middle of its bucket.
  std::uint64_t quantile(double q) const noexcept;

 private:
  static constexpr unsigned sub_bits = 6;
  static constexpr std::size_t per_power = std::size_t{1} << sub_bits;

  static std::size_t index(std::uint64_t v) noexcept {
    if (v < per_power)
      return static_cast<std::size_t>(v);
    unsigned e = 63u - static_cast<unsigned>(__builtin_clzll(v)); // e >= sub_bits
    return (e - sub_bits + 1) * per_power + ((v >> (e - sub_bits)) & (per_power - 1));
  }

  static std::uint64_t middle(std::size_t i) noexcept;

  std::array<std::uint64_t, (64 - sub_bits + 1) * per_power> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t max_ = 0;
};

/// User plus system CPU time of this process so far, in seconds.
double cpu_seconds();

/// utime+stime of `pids` (all threads of each, from /proc/<pid>/stat), in seconds. Fails the
/// run when one cannot be read (the server has exited).
double server_cpu_seconds(const std::vector<int>& pids);

} // namespace herald::bench
