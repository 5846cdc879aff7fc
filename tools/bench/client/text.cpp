#include "tools/bench/client/text.hpp"

#include "net/text.hpp"

#include <cstdio>
#include <cstring>

namespace herald::bench {

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", s);
  return buf;
}

std::string errno_text(int err) {
  return std::strerror(err);
}

bool icontains(std::string_view haystack, std::string_view needle) noexcept {
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i)
    if (net::iequals(haystack.substr(i, needle.size()), needle))
      return true;
  return false;
}

std::string snippet(std::string_view text) {
  constexpr std::size_t max = 200;
  std::string s{text.substr(0, max)};
  for (auto& c : s)
    if (c == '\r' || c == '\n')
      c = ' ';
  return text.size() <= max ? s : s + "...";
}

} // namespace herald::bench
