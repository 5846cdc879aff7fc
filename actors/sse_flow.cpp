#include "actors/sse_flow.hpp"

namespace herald::actors {

sse_flow::sse_flow(std::uint64_t max_lag_bytes) noexcept : max_lag_bytes_(max_lag_bytes) {}

void sse_flow::open(account& a, clock::time_point now) const noexcept {
  a.last_progress = now;
}

std::uint64_t sse_flow::lag(account& a, clock::time_point now) const noexcept {
  auto written = a.ack->written.load(std::memory_order_acquire);
  if (written != a.seen_written) {
    a.seen_written = written;
    a.last_progress = now;
  }
  return a.sent - written;
}

bool sse_flow::charge_or_drop(account& a, std::size_t bytes, clock::time_point now) noexcept {
  a.sent += bytes;
  a.ack->sent.store(a.sent, std::memory_order_relaxed);
  auto behind = lag(a, now);
  if (behind > max_lag_bytes_)
    return false;
  if (!a.holding && behind > half() && now - a.last_progress < ack_window) {
    a.holding = true;
    ++holding_;
    // The connection sends one message when its writes reach this.
    a.ack->wake_at.store(a.sent - half(), std::memory_order_release);
    if (a.sent - a.ack->written.load(std::memory_order_acquire) <= half())
      release(a); // it caught up meanwhile
  }
  return true;
}

bool sse_flow::acknowledged(account& a, clock::time_point now) noexcept {
  if (!a.holding)
    return false;
  if (lag(a, now) <= half()) {
    release(a);
    return true;
  }
  a.ack->wake_at.store(a.sent - half(), std::memory_order_release);
  return false;
}

void sse_flow::recheck(account& a, clock::time_point now) noexcept {
  if (!a.holding)
    return;
  // Caught up; or it stopped acknowledging: it no longer holds anyone back (and is dropped
  // once past its bound).
  if (lag(a, now) <= half() || now - a.last_progress >= ack_window)
    release(a);
}

void sse_flow::release(account& a) noexcept {
  if (!a.holding)
    return;
  a.holding = false;
  a.ack->wake_at.store(0, std::memory_order_release);
  --holding_;
}

bool sse_flow::leave(account& a) noexcept {
  if (!a.holding)
    return false;
  a.holding = false;
  return --holding_ == 0;
}

sse_flow::arrival sse_flow::on_arrival(std::size_t waiting) const noexcept {
  if (holding_ > 0 && waiting >= max_waiting)
    return arrival::overflow;
  if (holding_ > 0 || waiting > 0)
    return arrival::wait;
  return arrival::now;
}

} // namespace herald::actors
