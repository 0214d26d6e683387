#include "convert/workers.h"

#include <algorithm>

namespace ckpt {

Workers::Workers(int threads) {
  for (int i = 1; i < std::max(1, threads); ++i) threads_.emplace_back([this, i] { loop(i); });
}

Workers::~Workers() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void Workers::run_share(int index) {
  // Split [begin_, end_) into size() shares of whole grains.
  const int64_t grains = (end_ - begin_ + grain_ - 1) / grain_;
  const int n = size();
  const int64_t first = grains * index / n, last = grains * (index + 1) / n;
  const int64_t b = begin_ + first * grain_, e = std::min(end_, begin_ + last * grain_);
  if (b >= e) return;
  try {
    (*fn_)(b, e);
  } catch (...) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!error_) error_ = std::current_exception();
  }
}

void Workers::loop(int index) {
  uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
    }
    run_share(index);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (--pending_ == 0) done_cv_.notify_one();
    }
  }
}

void Workers::run(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn) {
  if (begin >= end) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    fn_ = &fn;
    begin_ = begin;
    end_ = end;
    grain_ = std::max<int64_t>(1, grain);
    error_ = nullptr;
    pending_ = static_cast<int>(threads_.size());
    ++generation_;
  }
  work_cv_.notify_all();
  run_share(0);
  std::exception_ptr error;
  {
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [&] { return pending_ == 0; });
    error = error_;
    fn_ = nullptr;
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace ckpt
