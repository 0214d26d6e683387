// A one-line progress bar on stderr: bytes done / total, percentage, rate and ETA. Drawn only
// when stderr is a terminal and --no-progress was not given; redrawn at most 10 times a second.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

#include "io/progress.h"

namespace ckpt::cli {

class ProgressBar final : public Progress {
 public:
  explicit ProgressBar(bool enabled);
  void start(const std::string& label, uint64_t total_bytes) override;
  void advance(uint64_t bytes) override;
  void finish() override;

  // "1.5 GiB"
  static std::string human_bytes(double bytes);

 private:
  void draw(bool final);

  bool enabled_;
  std::atomic<uint64_t> done_{0};
  // Read without the lock by advance() on any thread: steady_clock ticks of the last draw.
  std::atomic<std::chrono::steady_clock::rep> last_draw_{0};
  std::mutex draw_mu_;  // guards what follows, and drawing
  std::string label_;
  uint64_t total_ = 0;
  std::chrono::steady_clock::time_point started_;
};

// Whether a bar should be drawn: stderr is a TTY and the user did not ask for quiet.
bool progress_wanted(bool no_progress_flag);

}  // namespace ckpt::cli
