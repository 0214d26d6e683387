#include "hub/backoff.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "io/interrupt.h"

namespace ckpt::hub {

bool Backoff::wait() {
  if (retries_left_ <= 0) return false;
  --retries_left_;
  ++attempts_;
  // Sleep in slices so Ctrl-C is not held up by a long backoff.
  for (long slept = 0; slept < delay_ms_; slept += 100) {
    check_interrupted();
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(100L, delay_ms_ - slept)));
  }
  check_interrupted();
  delay_ms_ = std::min(max_ms_, delay_ms_ * 2);
  return true;
}

}  // namespace ckpt::hub
