#include "actors/task_context.hpp"

#include "actors/task_control.hpp"
#include "net/request_context.hpp"
#include "net/sse_frame.hpp"

#include <stdexcept>

namespace herald::actors {

namespace {

/// Custom events of one task on their way to the registry at most, before a blocking body's
/// `send_event` waits.
constexpr std::size_t events_on_their_way = 1000;

} // namespace

task_context::task_context(std::string id, std::shared_ptr<const task_input> input,
                           std::shared_ptr<task_control> control, reporter& out, bool may_block)
    : id_(std::move(id)), input_(std::move(input)), control_(std::move(control)), out_(out),
      may_block_(may_block) {}

std::string_view task_context::param(std::string_view name) const noexcept {
  for (const auto& [key, value] : input_->params)
    if (key == name)
      return value;
  return {};
}

std::optional<std::string> task_context::query(std::string_view name) const {
  return net::query_param(input_->target, name);
}

void task_context::changed(bool first_of_burst) {
  if (first_of_burst)
    out_.progress_changed();
}

void task_context::progress_range(double start, double end, double steps, double max) {
  changed(control_->set_range(start, end, steps, max));
}

void task_context::progress_tick() {
  changed(control_->tick());
}

void task_context::set_progress(double value) {
  changed(control_->set(value));
}

void task_context::progress_over(std::chrono::milliseconds duration,
                                 std::chrono::milliseconds interval, double max) {
  changed(control_->set_time_based(duration, interval, max, task_control::clock::now()));
}

std::optional<double> task_context::progress() const {
  return control_->progress();
}

void task_context::send_event(boost::json::value data, std::string type) {
  // The type becomes an `event:` line: CR, LF or NUL would cut it (SPEC §4.5).
  if (!net::valid_sse_field(type))
    throw std::invalid_argument("send_event: the event type must not contain CR, LF or NUL");
  // A body sending faster than the registry takes its events waits here (a body on an actor
  // worker cannot wait: it must return quickly anyway). Cancelled: the event has no reader.
  if (!control_->reserve_event(events_on_their_way, may_block_))
    return;
  out_.event(std::move(type), std::move(data));
}

bool task_context::event_backlog_full() const {
  return control_->events_waiting() >= events_on_their_way;
}

bool task_context::cancelled() const noexcept {
  return control_->cancelled();
}

void task_context::throw_if_cancelled() const {
  if (cancelled())
    throw task_cancelled{};
}

bool task_context::sleep_for(std::chrono::milliseconds d) {
  if (!may_block_)
    throw std::logic_error("sleep_for: the body of a non-blocking route must not sleep");
  return control_->sleep_for(d);
}

} // namespace herald::actors
