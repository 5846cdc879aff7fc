#pragma once

#include "net/http.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herald::net {

/// Values captured by `{name}` segments, in pattern order.
using path_params = std::vector<std::pair<std::string, std::string>>;

/// What the router found for a method and a path.
struct route_match {
  enum class outcome { found, not_found, method_not_allowed };
  outcome result = outcome::not_found;
  /// The route's id when found.
  std::size_t route = 0;
  /// Decoded values of the `{param}` segments when found.
  path_params params;
  /// The `Allow` header value when the path exists with other methods (`GET, HEAD, POST`).
  std::string allow;
};

/// Maps (method, path) to a route id. Patterns are absolute paths whose segments are literals
/// or `{name}` captures of one whole segment: `/tasks/{id}`. Literal segments win over captures
/// when both match. A pure value: no I/O, built once at start-up, then only read.
class router {
 public:
  /// Adds a route and returns its id (0, 1, 2, ... in order). Throws `std::invalid_argument`
  /// naming the pattern when it is malformed or already present with this method.
  std::size_t add(verb method, std::string_view pattern);

  /// Looks up `segments` (the request path split on '/' and percent-decoded, see
  /// `split_path`). A HEAD request falls back to a GET route.
  route_match match(verb method, const std::vector<std::string>& segments) const;

  std::size_t size() const noexcept { return routes_.size(); }

 private:
  struct segment {
    std::string text; ///< literal text, or the capture's name
    bool capture = false;
  };
  struct route {
    verb method;
    std::string pattern;
    std::vector<segment> segments;
  };

  /// Whether `r` matches `segments`; fills `params` when it does.
  static bool matches(const route& r, const std::vector<std::string>& segments,
                      path_params* params);

  /// How specific a route is: more literal segments rank first.
  static std::size_t literal_count(const route& r) noexcept;

  std::vector<route> routes_;
};

/// Splits an origin-form request target's path into percent-decoded segments, ignoring the
/// query. `/a/b%20c/` gives {"a", "b c"}; `/` gives {}. Returns false for a target that is not
/// a valid origin-form URL (the caller answers 400).
bool split_path(std::string_view target, std::vector<std::string>& segments);

/// Splits a route pattern into its raw segments; the same rules as a path, without decoding.
std::vector<std::string> split_pattern(std::string_view pattern);

} // namespace herald::net
