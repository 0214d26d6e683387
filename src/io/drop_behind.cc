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
    cached_.push_back(r.file->resident_bytes(r.offset, r.length) * 2 >= r.length);
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
  drop_until(consumed_);
}

void ReadAhead::consumed(size_t count) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    consumed_ = std::max(consumed_, std::min(count, ranges_.size()));
  }
  cv_.notify_all();
}

// A page the kernel is still reading (a read-ahead issued just as the consumer finished the
// range) cannot be dropped and stays cached: a few pages at most, the rest of the range goes.
void ReadAhead::drop_until(size_t count) {
  for (; dropped_ < count; ++dropped_) {
    const Range& r = ranges_[dropped_];
    if (!cached_[dropped_]) r.file->drop_cached(r.offset, r.length);
  }
}

void ReadAhead::loop() {
  size_t next = 0;      // the range being read ahead
  uint64_t at = 0;      // its bytes handed to the kernel
  uint64_t issued = 0;  // bytes of the concatenated ranges before `next`, plus `at`
  while (true) {
    size_t done = 0;
    bool read = false;  // read the piece of `n` bytes at `at` of range `next`
    uint64_t n = 0;
    {
      std::unique_lock<std::mutex> lock(mu_);
      auto window_allows = [&] {
        if (next < consumed_) {  // the consumer is past it: never bring it back
          next = consumed_;
          at = 0;
          issued = ends_[next - 1];
        }
        if (next == ranges_.size()) return false;
        n = std::min(kPiece, ranges_[next].length - at);
        return issued + n <= (consumed_ == 0 ? 0 : ends_[consumed_ - 1]) + window_;
      };
      cv_.wait(lock, [&] { return stop_ || consumed_ > dropped_ || (read = window_allows()); });
      if (stop_) return;
      done = consumed_;
    }
    drop_until(done);
    if (!read) continue;
    const Range& r = ranges_[next];
    r.file->read_ahead(r.offset + at, n);
    issued += n;
    at += n;
    if (at >= r.length) {
      ++next;
      at = 0;
    }
  }
}

}  // namespace ckpt
