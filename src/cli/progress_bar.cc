#include "cli/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace ckpt::cli {

bool progress_wanted(bool no_progress_flag) {
  return !no_progress_flag && isatty(STDERR_FILENO) != 0;
}

ProgressBar::ProgressBar(bool enabled) : enabled_(enabled) {}

std::string ProgressBar::human_bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", b, units[u]);
  return buf;
}

void ProgressBar::start(const std::string& label, uint64_t total_bytes) {
  std::lock_guard<std::mutex> lock(draw_mu_);
  label_ = label;
  total_ = total_bytes;
  done_ = 0;
  started_ = std::chrono::steady_clock::now();
  last_draw_ = started_.time_since_epoch().count();
  if (enabled_) draw(false);
}

void ProgressBar::advance(uint64_t bytes) {
  done_ += bytes;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now().time_since_epoch();
  const std::chrono::steady_clock::duration last(last_draw_.load(std::memory_order_relaxed));
  if (now - last < std::chrono::milliseconds(100)) return;
  std::unique_lock<std::mutex> lock(draw_mu_, std::try_to_lock);
  if (!lock.owns_lock()) return;
  last_draw_ = now.count();
  draw(false);
}

void ProgressBar::finish() {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(draw_mu_);
  draw(true);
  std::fputc('\n', stderr);
}

// REQUIRES: draw_mu_ held.
void ProgressBar::draw(bool final) {
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  const double done = static_cast<double>(done_.load());
  const double rate = secs > 0 ? done / secs : 0;
  std::string line = label_ + "  " + human_bytes(done);
  if (total_ > 0) {
    const double frac = std::min(1.0, done / static_cast<double>(total_));
    const int width = 24, filled = static_cast<int>(frac * width);
    line += " / " + human_bytes(static_cast<double>(total_)) + "  [" + std::string(filled, '=') +
            (filled < width ? ">" + std::string(width - filled - 1, ' ') : "") + "]";
    char pct[16];
    std::snprintf(pct, sizeof pct, " %3d%%", static_cast<int>(frac * 100));
    line += pct;
    if (!final && rate > 0) {
      const auto eta = static_cast<long>((static_cast<double>(total_) - done) / rate);
      char buf[32];
      std::snprintf(buf, sizeof buf, "  ETA %ld:%02ld", eta / 60, eta % 60);
      line += "  " + human_bytes(rate) + "/s" + buf;
    } else if (final) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "  %.1fs", secs);
      line += "  " + human_bytes(rate) + "/s" + buf;
    }
  }
  std::fprintf(stderr, "\r\033[K%s", line.c_str());
  std::fflush(stderr);
}

}  // namespace ckpt::cli
