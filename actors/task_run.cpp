#include "actors/task_run.hpp"

#include "actors/task_control.hpp"

namespace herald::actors {

task_run::task_run(std::string id, std::shared_ptr<const task_input> input,
                   std::shared_ptr<task_control> control,
                   std::unique_ptr<task_context::reporter> out,
                   std::function<void(task_outcome)> done)
    : input_(input), control_(control), out_(std::move(out)),
      context_(std::move(id), std::move(input), std::move(control), *out_, false),
      done_(std::move(done)) {}

task_run::~task_run() {
  // Work dropped without an outcome must still free its slot and say so.
  if (!finished())
    finish(task_outcome{task_state::failed, std::nullopt,
                        "the task's work ended without reporting an outcome", task_clock::now()});
}

void task_run::on_cancel(std::function<void()> f) {
  control_->on_cancel(std::move(f));
}

void task_run::finish(task_outcome outcome) {
  if (finished_.exchange(true, std::memory_order_acq_rel))
    return;
  // The callback may hold this run (a runner's usually does): release it, or the two keep
  // each other alive.
  control_->on_cancel({});
  auto done = std::move(done_);
  done(std::move(outcome));
}

} // namespace herald::actors
