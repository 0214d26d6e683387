#include "io/read_ahead.h"

#include <algorithm>
#include <stdexcept>

namespace ckpt {
namespace {

constexpr uint64_t kPiece = uint64_t{16} << 20;

}  // namespace

ReadAhead::ReadAhead(std::vector<Range> ranges, uint64_t window_bytes)
    : ranges_(std::move(ranges)), window_(std::max<uint64_t>(window_bytes, kPiece)) {
  uint64_t total = 0;
  for (const Range& r : ranges_) {
    if (r.file == nullptr) throw std::invalid_argument("ReadAhead: a range without a file");
    total += r.length;
    ends_.push_back(total);
  }
  thread_ = std::thread([this] { loop(); });
}

ReadAhead::~ReadAhead() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ReadAhead::consumed(size_t count) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    const uint64_t done = count == 0 ? 0 : ends_.at(std::min(count, ends_.size()) - 1);
    consumed_bytes_ = std::max(consumed_bytes_, done);
  }
  cv_.notify_all();
}

void ReadAhead::loop() {
  uint64_t issued = 0;  // bytes of the concatenated ranges handed to the kernel
  for (const Range& r : ranges_) {
    for (uint64_t at = 0; at < r.length; at += kPiece) {
      const uint64_t n = std::min(kPiece, r.length - at);
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stop_ || issued + n <= consumed_bytes_ + window_; });
        if (stop_) return;
      }
      r.file->read_ahead(r.offset + at, n);
      issued += n;
    }
  }
}

}  // namespace ckpt
