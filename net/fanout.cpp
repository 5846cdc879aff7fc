#include "net/fanout.hpp"

#include "net/metrics.hpp"
#include "net/session.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <optional>

namespace herald::net {

struct fanout_channel::impl {
  /// Made from the first target's I/O context: the channel's jobs run in order on it.
  std::optional<boost::asio::strand<boost::asio::io_context::executor_type>> strand;
  std::shared_ptr<histogram> latency;
};

fanout_channel::fanout_channel() : impl_(std::make_unique<impl>()) {}
fanout_channel::~fanout_channel() = default;
fanout_channel::fanout_channel(fanout_channel&&) noexcept = default;
fanout_channel& fanout_channel::operator=(fanout_channel&&) noexcept = default;

void fanout_channel::send(fanout f) {
  if (!impl_->strand) {
    std::shared_ptr<session> first;
    for (const auto& t : f.targets)
      if ((first = t.lock()))
        break;
    if (!first)
      return;
    auto& ioc = static_cast<boost::asio::io_context&>(first->executor().context());
    impl_->strand.emplace(boost::asio::make_strand(ioc.get_executor()));
  }
  // On the I/O thread each push is dispatched to its session's strand and runs at once when
  // that strand is idle: no further hand-over.
  boost::asio::post(*impl_->strand, [f = std::move(f), latency = impl_->latency] {
    for (const auto& t : f.targets)
      if (auto s = t.lock()) {
        if (f.bytes)
          s->push(f.bytes);
        if (f.end_after)
          s->end_stream();
      }
    if (latency && f.bytes && f.published_at != std::chrono::steady_clock::time_point{})
      latency->observe(std::chrono::steady_clock::now() - f.published_at);
  });
}

void fanout_channel::measure(std::shared_ptr<histogram> h) {
  impl_->latency = std::move(h);
}

void fanout_channel::after(std::function<void()> f) {
  if (!impl_->strand) {
    f();
    return;
  }
  boost::asio::post(*impl_->strand, std::move(f));
}

} // namespace herald::net
