#include "net/log.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace herald::log {

namespace {

std::atomic<level> threshold{level::info};
std::mutex write_mutex;

constexpr std::array<std::string_view, 6> names{"trace", "debug", "info", "warn", "error", "off"};

} // namespace

std::optional<level> parse_level(std::string_view name) noexcept {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name)
      return static_cast<level>(i);
  return std::nullopt;
}

std::string_view to_string(level l) noexcept {
  return names[static_cast<std::size_t>(l)];
}

void set_level(level l) noexcept {
  threshold.store(l, std::memory_order_relaxed);
}

bool enabled(level l) noexcept {
  return l != level::off && l >= threshold.load(std::memory_order_relaxed);
}

void write(level l, std::string_view message) {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto secs = system_clock::to_time_t(now);
  auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::lock_guard guard{write_mutex};
  std::fprintf(stderr, "%s.%03dZ %-5s %.*s\n", stamp, static_cast<int>(millis), to_string(l).data(),
               static_cast<int>(message.size()), message.data());
}

} // namespace herald::log
