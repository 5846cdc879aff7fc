#include "net/client_limits.hpp"

#include <algorithm>
#include <cmath>

namespace herald::net {

std::chrono::nanoseconds take_token(token_bucket& b, double rate, double burst,
                                    std::chrono::steady_clock::time_point now) noexcept {
  if (now > b.at) {
    std::chrono::duration<double> elapsed = now - b.at;
    b.tokens = std::min(burst, b.tokens + elapsed.count() * rate);
    b.at = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return std::chrono::nanoseconds::zero();
  }
  return std::chrono::nanoseconds{
      static_cast<std::int64_t>(std::ceil((1 - b.tokens) / rate * 1e9))};
}

client_key key_of(const boost::asio::ip::address& a) noexcept {
  client_key k{};
  if (a.is_v4()) {
    auto v4 = a.to_v4().to_bytes();
    k[10] = k[11] = 0xff;
    std::copy(v4.begin(), v4.end(), k.begin() + 12);
    return k;
  }
  auto v6 = a.to_v6();
  if (v6.is_v4_mapped())
    return key_of(boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6));
  auto bytes = v6.to_bytes();
  std::copy(bytes.begin(), bytes.begin() + 8, k.begin()); // its /64
  k[8] = 1;                                               // never equal to an IPv4 key
  return k;
}

std::size_t client_limits::key_hash::operator()(const client_key& k) const noexcept {
  std::uint64_t h = 1469598103934665603ull; // FNV-1a
  for (auto c : k)
    h = (h ^ c) * 1099511628211ull;
  return static_cast<std::size_t>(h);
}

client_limits::client_limits(std::size_t max_connections_per_ip, std::uint32_t requests_per_second,
                             std::uint32_t burst, std::size_t max_tracked)
    : max_connections_(max_connections_per_ip), rate_(requests_per_second),
      burst_(burst == 0 ? static_cast<double>(requests_per_second) : static_cast<double>(burst)),
      max_tracked_(max_tracked) {}

bool client_limits::open(const boost::asio::ip::address& a) {
  if (max_connections_ == 0)
    return true;
  std::lock_guard guard{mutex_};
  auto& n = open_[key_of(a)];
  if (n >= max_connections_) {
    ++refused_connections_;
    return false;
  }
  ++n;
  return true;
}

void client_limits::close(const boost::asio::ip::address& a) {
  if (max_connections_ == 0)
    return;
  std::lock_guard guard{mutex_};
  auto it = open_.find(key_of(a));
  if (it == open_.end())
    return;
  if (--it->second == 0)
    open_.erase(it);
}

std::optional<std::chrono::seconds> client_limits::request(const boost::asio::ip::address& a,
                                                           clock::time_point now) {
  if (rate_ <= 0)
    return std::nullopt;
  auto key = key_of(a);
  std::lock_guard guard{mutex_};
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_tracked_) {
      // A full bucket holds nothing worth keeping: it is what a new one starts as.
      std::erase_if(buckets_, [&](auto& entry) {
        std::chrono::duration<double> idle = now - entry.second.at;
        return entry.second.tokens + idle.count() * rate_ >= burst_;
      });
      if (buckets_.size() >= max_tracked_)
        return std::nullopt;
    }
    it = buckets_.emplace(key, token_bucket{burst_, now}).first;
  }
  auto wait = take_token(it->second, rate_, burst_, now);
  if (wait == std::chrono::nanoseconds::zero())
    return std::nullopt;
  ++refused_requests_;
  auto seconds = std::chrono::ceil<std::chrono::seconds>(wait);
  return std::max(seconds, std::chrono::seconds{1});
}

std::uint64_t client_limits::refused_connections() const {
  std::lock_guard guard{mutex_};
  return refused_connections_;
}

std::uint64_t client_limits::refused_requests() const {
  std::lock_guard guard{mutex_};
  return refused_requests_;
}

} // namespace herald::net
