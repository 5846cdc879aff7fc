#include "tally.hpp"

#include <cstdio>

namespace herald::soak {

void tally::fail(std::string what) {
  std::lock_guard lock{mutex_};
  ++failures_;
  // Printed as they happen too: a run that fails late still shows when the first one came.
  if (samples_.size() < 20) {
    std::fprintf(stderr, "herald-soak: FAILURE: %s\n", what.c_str());
    samples_.push_back(std::move(what));
  }
}

std::uint64_t tally::failures() const {
  std::lock_guard lock{mutex_};
  return failures_;
}

std::vector<std::string> tally::failure_samples() const {
  std::lock_guard lock{mutex_};
  return samples_;
}

} // namespace herald::soak
