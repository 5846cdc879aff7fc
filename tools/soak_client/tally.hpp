#pragma once

// What the soak's clients saw, shared by all of them: counts of what they did, and every
// broken promise (a lost or repeated event, a task answer that contradicts another, an
// unexpected status). The counters are atomics, bumped from each client's own thread; the
// failures are few by design (any one fails the run), so a mutex guards them.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace herald::soak {

struct tally {
  std::atomic<std::uint64_t> tasks_started{0};
  std::atomic<std::uint64_t> tasks_completed{0};
  std::atomic<std::uint64_t> tasks_failed{0};
  std::atomic<std::uint64_t> tasks_aborted{0};
  std::atomic<std::uint64_t> tasks_timed_out{0};
  std::atomic<std::uint64_t> cancels_accepted{0}; ///< DELETE answered 200
  std::atomic<std::uint64_t> cancels_late{0};     ///< DELETE answered 410: already finished
  std::atomic<std::uint64_t> refused{0};          ///< 429/503 from a full queue or budget
  std::atomic<std::uint64_t> task_streams{0};
  std::atomic<std::uint64_t> task_stream_resumes{0};
  std::atomic<std::uint64_t> task_events{0};
  std::atomic<std::uint64_t> hub_published{0};
  std::atomic<std::uint64_t> hub_events{0};
  std::atomic<std::uint64_t> hub_resumes{0};
  std::atomic<std::uint64_t> group_events{0};
  std::atomic<std::uint64_t> stalled_clients{0};
  std::atomic<std::uint64_t> stalled_cut{0}; ///< stalled clients the node disconnected
  std::atomic<std::uint64_t> churned{0};     ///< connections opened by the churn client

  /// Records a broken promise; every one fails the run.
  void fail(std::string what);
  std::uint64_t failures() const;
  /// The first failures recorded (at most 20), in order.
  std::vector<std::string> failure_samples() const;

 private:
  mutable std::mutex mutex_;
  std::uint64_t failures_ = 0;
  std::vector<std::string> samples_;
};

} // namespace herald::soak
