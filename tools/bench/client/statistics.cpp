#include "tools/bench/client/statistics.hpp"

#include "tools/bench/client/program.hpp"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <unistd.h>

namespace herald::bench {

std::uint64_t nearest_rank(double q, std::uint64_t total) noexcept {
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total)));
  return std::clamp<std::uint64_t>(rank, 1, total);
}

std::uint64_t quantile_of_sorted(const std::vector<std::uint64_t>& sorted, double q) noexcept {
  if (sorted.empty())
    return 0;
  return sorted[static_cast<std::size_t>(nearest_rank(q, sorted.size())) - 1];
}

std::uint64_t histogram::quantile(double q) const noexcept {
  if (total_ == 0)
    return 0;
  auto rank = nearest_rank(q, total_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank)
      return std::min(middle(i), max_);
  }
  return max_;
}

std::uint64_t histogram::middle(std::size_t i) noexcept {
  if (i < per_power)
    return i;
  unsigned e = static_cast<unsigned>(i / per_power) + sub_bits - 1;
  std::uint64_t width = std::uint64_t{1} << (e - sub_bits);
  return (std::uint64_t{1} << e) + (i % per_power) * width + width / 2;
}

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double server_cpu_seconds(const std::vector<int>& pids) {
  static const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  double total = 0;
  for (int pid : pids) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // "pid (comm) state ..." where comm may hold spaces and parentheses: fields count from
    // the last ')'. utime and stime are fields 14 and 15, the 12th and 13th after it.
    auto paren = stat.rfind(')');
    if (paren == std::string::npos)
      fail("cannot read /proc/" + std::to_string(pid) + "/stat (has the server exited?)");
    std::istringstream fields(stat.substr(paren + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 1; i <= 13 && fields >> field; ++i) {
      if (i == 12)
        utime = std::strtoull(field.c_str(), nullptr, 10);
      if (i == 13)
        stime = std::strtoull(field.c_str(), nullptr, 10);
    }
    total += static_cast<double>(utime + stime) / ticks;
  }
  return total;
}

} // namespace herald::bench
