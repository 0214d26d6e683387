// Bounded retries with exponential backoff, shared by metadata and file requests.
#pragma once

#include "hub/hub_options.h"

namespace ckpt::hub {

class Backoff {
 public:
  explicit Backoff(const HubOptions& o)
      : retries_left_(o.max_retries), delay_ms_(o.initial_backoff_ms), max_ms_(o.max_backoff_ms) {}
  // Sleeps and returns true when another attempt is allowed; false when the budget is spent.
  bool wait();
  int attempts() const { return attempts_; }

 private:
  int retries_left_;
  long delay_ms_;
  long max_ms_;
  int attempts_ = 1;
};

// True for statuses worth retrying: 5xx and 429.
inline bool is_retryable_status(long status) { return status >= 500 || status == 429; }

}  // namespace ckpt::hub
