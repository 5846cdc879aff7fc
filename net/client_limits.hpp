#pragma once

// Bounds per client address on the public listener (`limits.max_connections_per_ip`,
// `limits.requests_per_second_per_ip`, `limits.request_burst_per_ip`): one address may hold
// only so many connections and send requests only so fast, so that one hostile client cannot
// take what all the others share. Shared by a listener and its sessions (any I/O thread).

#include <array>
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace herald::net {

/// A token bucket: `tokens` at time `at`.
struct token_bucket {
  double tokens = 0;
  std::chrono::steady_clock::time_point at{};
};

/// Takes one token from `b` at `now`, refilled at `rate` per second up to `burst`: zero when
/// taken, else how long until one is there (nothing taken). Pure.
std::chrono::nanoseconds take_token(token_bucket& b, double rate, double burst,
                                    std::chrono::steady_clock::time_point now) noexcept;

/// Whom a bound counts: an IPv4 address (also when it comes IPv4-mapped), or the /64 network
/// of an IPv6 address (one host usually has a whole /64 to pick from).
using client_key = std::array<unsigned char, 16>;
client_key key_of(const boost::asio::ip::address& a) noexcept;

class client_limits {
 public:
  using clock = std::chrono::steady_clock;

  /// 0 turns a bound off. `burst` 0 means one second's worth (`rate`). At most `max_tracked`
  /// addresses have a bucket: past it, buckets that are full again are dropped, and an address
  /// that still finds no room is let through uncounted (failing open rather than refusing
  /// everyone new).
  client_limits(std::size_t max_connections_per_ip, std::uint32_t requests_per_second,
                std::uint32_t burst, std::size_t max_tracked = 65'536);

  bool limits_connections() const noexcept { return max_connections_ != 0; }
  bool limits_requests() const noexcept { return rate_ > 0; }

  /// A connection from `a` opens: false (nothing counted) when `a` already has the most.
  bool open(const boost::asio::ip::address& a);
  /// A connection that `open` counted closes.
  void close(const boost::asio::ip::address& a);

  /// A request from `a` at `now`: nullopt when it may be served, else the `Retry-After` to
  /// answer with (whole seconds, at least 1).
  std::optional<std::chrono::seconds> request(const boost::asio::ip::address& a,
                                              clock::time_point now);

  /// Connections refused and requests refused so far, for `/metrics`.
  std::uint64_t refused_connections() const;
  std::uint64_t refused_requests() const;

 private:
  struct key_hash {
    std::size_t operator()(const client_key& k) const noexcept;
  };
  const std::size_t max_connections_;
  const double rate_;
  const double burst_;
  const std::size_t max_tracked_;
  mutable std::mutex mutex_;
  std::unordered_map<client_key, std::size_t, key_hash> open_;
  std::unordered_map<client_key, token_bucket, key_hash> buckets_;
  std::uint64_t refused_connections_ = 0;
  std::uint64_t refused_requests_ = 0;
};

} // namespace herald::net
