#pragma once

// What a task body sees (SPEC §3): its request, progress, custom events, cancellation.

#include <boost/json/value.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herald::actors {

class task_control;

/// The parts of the invoking request a task keeps: copied once when the task is created, so
/// the body never touches the connection.
struct task_input {
  boost::json::value body; ///< the parsed JSON body; null when the request had none
  std::vector<std::pair<std::string, std::string>> params; ///< `{name}` captures, decoded
  std::string target;                                      ///< path and query as requested
  std::optional<std::string> user; ///< the authenticated invoker, when there is one
};

/// Thrown by `task_context::throw_if_cancelled`; a body may let it escape (the task is already
/// `Aborted`, so nothing more is recorded).
struct task_cancelled {};

/// The context a task body receives. Its methods may be called from the body's thread only.
///
///     [](herald::actors::task_context& ctx) -> boost::json::value {
///       ctx.progress_range(0, 100, 5);
///       for (int i = 0; i < 20; ++i) {
///         if (!ctx.sleep_for(std::chrono::seconds{1}))
///           break; // cancelled
///         ctx.progress_tick();
///       }
///       return {{"message", "Processing completed"}};
///     }
class task_context {
 public:
  /// Where the context reports to (the task actor implements it with messages).
  class reporter {
   public:
    virtual ~reporter() = default;
    /// The progress changed (read it from the control); called once per burst.
    virtual void progress_changed() = 0;
    virtual void event(std::string type, boost::json::value data) = 0;
  };

  task_context(std::string id, std::shared_ptr<const task_input> input,
               std::shared_ptr<task_control> control, reporter& out, bool may_block);

  task_context(const task_context&) = delete;
  task_context& operator=(const task_context&) = delete;

  // -- the request ------------------------------------------------------------------------------

  const std::string& id() const noexcept { return id_; }
  /// The request's JSON body; null when it had none (a JSON string of its bytes when the
  /// route takes any body).
  const boost::json::value& body() const noexcept { return input_->body; }
  /// A `{name}` path segment, decoded; empty when the route has none of that name.
  std::string_view param(std::string_view name) const noexcept;
  /// A query parameter, decoded; nullopt when absent.
  std::optional<std::string> query(std::string_view name) const;
  const std::optional<std::string>& user() const noexcept { return input_->user; }

  // -- progress (SPEC §4.4) ---------------------------------------------------------------------

  /// Range mode: `ticks = ceil((end-start)/steps)`; each `progress_tick` adds
  /// `(max - current)/ticks`. Throws std::invalid_argument for an empty or reversed range or a
  /// `max` not above the current value.
  void progress_range(double start, double end, double steps = 1, double max = 100);
  /// One step of the range; does nothing without one.
  void progress_tick();
  /// Sets the value, clamped to 0–99.99 while running.
  void set_progress(double value);
  /// Ticks automatically every `interval` so as to reach `max` after `duration`.
  void progress_over(std::chrono::milliseconds duration, std::chrono::milliseconds interval,
                     double max = 100);
  /// The current value; nullopt when never reported.
  std::optional<double> progress() const;

  // -- events and cancellation ------------------------------------------------------------------

  /// A custom event for the task's subscribers: `data` as sent, under `type`.
  void send_event(boost::json::value data, std::string type = "message");

  /// Whether as many custom events are on their way to the registry as a task may have: a
  /// body that cannot wait (a child process's reader) should stop taking events until not.
  bool event_backlog_full() const;

  /// Whether the task was cancelled (by the user, its timeout or shutdown): return soon.
  bool cancelled() const noexcept;

  /// Throws `task_cancelled` when cancelled.
  void throw_if_cancelled() const;

  /// Sleeps `d`, waking early on cancellation; returns false when cancelled. A body of a
  /// non-blocking route may not sleep: throws std::logic_error there.
  bool sleep_for(std::chrono::milliseconds d);

 private:
  void changed(bool first_of_burst);

  std::string id_;
  std::shared_ptr<const task_input> input_;
  std::shared_ptr<task_control> control_;
  reporter& out_;
  bool may_block_;
};

} // namespace herald::actors
