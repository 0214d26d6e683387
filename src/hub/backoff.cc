#include "hub/backoff.h"

#include <algorithm>
#include <chrono>
#include <thread>

namespace ckpt::hub {

bool Backoff::wait() {
  if (retries_left_ <= 0) return false;
  --retries_left_;
  ++attempts_;
  std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
  delay_ms_ = std::min(max_ms_, delay_ms_ * 2);
  return true;
}

}  // namespace ckpt::hub
