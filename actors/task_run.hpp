#pragma once

// A task whose work runs outside any task thread (a child process driven by the I/O threads,
// say): the starter gets this handle, returns at once, and the work ends the task through it
// later. The task's actor stays alive until then, so the route's slot stays taken while the
// work runs (SPEC §4.11).

#include "actors/task_context.hpp"
#include "actors/task_messages.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <string>

namespace herald::actors {

class task_run {
 public:
  /// Built by the task actor: `done` carries the outcome back to it (any thread).
  task_run(std::string id, std::shared_ptr<const task_input> input,
           std::shared_ptr<task_control> control, std::unique_ptr<task_context::reporter> out,
           std::function<void(task_outcome)> done);
  ~task_run();

  task_run(const task_run&) = delete;
  task_run& operator=(const task_run&) = delete;

  const std::string& id() const noexcept { return context_.id(); }
  const task_input& input() const noexcept { return *input_; }

  /// Progress and custom events (SPEC §4.4), as a body reports them; not to be called from
  /// two threads at once (one strand drives a task's work).
  task_context& context() noexcept { return context_; }

  /// Calls `f` once the task is cancelled (cancel, timeout, shutdown), or at once when it
  /// already is; from the cancelling thread: `f` must be quick and thread-safe.
  void on_cancel(std::function<void()> f);

  /// Ends the work: `Completed` with a result or `Failed` with an error. Only the first call
  /// counts; after a cancel the task is already `Aborted` and the outcome is dropped, but the
  /// call still frees the route's slot.
  void finish(task_outcome outcome);

  /// Whether `finish` was called.
  bool finished() const noexcept { return finished_.load(std::memory_order_acquire); }

 private:
  std::shared_ptr<const task_input> input_;
  std::shared_ptr<task_control> control_;
  std::unique_ptr<task_context::reporter> out_;
  task_context context_;
  std::function<void(task_outcome)> done_;
  std::atomic<bool> finished_{false};
};

} // namespace herald::actors
