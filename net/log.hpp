#pragma once

#include <optional>
#include <sstream>
#include <string_view>

namespace herald::log {

/// Severity, lowest first. Debian's CAF has its own logging compiled out, so the project
/// logs through here: one line per call to stderr, `2026-11-23T21:03:00.123Z info  message`.
enum class level { trace, debug, info, warn, error, off };

/// `trace`, `debug`, `info`, `warn`, `error` or `off`.
std::optional<level> parse_level(std::string_view name) noexcept;
std::string_view to_string(level l) noexcept;

/// The threshold below which nothing is written (default `info`).
void set_level(level l) noexcept;
bool enabled(level l) noexcept;

/// Writes one line atomically with respect to other log lines.
void write(level l, std::string_view message);

template <class... Ts> void at(level l, const Ts&... parts) {
  if (!enabled(l))
    return;
  std::ostringstream out;
  (out << ... << parts);
  write(l, out.str());
}

template <class... Ts> void debug(const Ts&... parts) {
  at(level::debug, parts...);
}
template <class... Ts> void info(const Ts&... parts) {
  at(level::info, parts...);
}
template <class... Ts> void warn(const Ts&... parts) {
  at(level::warn, parts...);
}
template <class... Ts> void error(const Ts&... parts) {
  at(level::error, parts...);
}

} // namespace herald::log
