#include "convert/write_behind.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "io/output_file.h"

namespace ckpt {
namespace {

// A broken REQUIRES of this class: the caller has a bug, reported and not survived.
[[noreturn]] void violated(const std::string& what) {
  std::fprintf(stderr, "ckptconv: internal error: WriteBehind: %s\n", what.c_str());
  std::abort();
}

// A buffer starts up to this far into its storage, so that its address agrees with the
// file offset its bytes land at modulo the direct I/O alignment.
constexpr size_t kShiftRoom = OutputFile::kDirectAlign;

}  // namespace

WriteBehind::WriteBehind(TensorWriter& writer, size_t buffer_bytes, int buffers, Progress& progress)
    : writer_(writer), progress_(progress), buffer_bytes_(buffer_bytes) {
  if (buffer_bytes_ < 4)
    violated("a buffer of " + std::to_string(buffer_bytes_) + " bytes is smaller than one float32");
  for (int i = 0; i < std::max(1, buffers); ++i) {
    storage_.emplace_back(buffer_bytes_ + kShiftRoom);
    free_.push_back(storage_.back().data());
  }
  thread_ = std::thread([this] { loop(); });
}

WriteBehind::~WriteBehind() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void WriteBehind::rethrow_locked() {
  if (error_) std::rethrow_exception(error_);
}

void WriteBehind::push(Job job) {
  std::lock_guard<std::mutex> lock(mu_);
  rethrow_locked();
  jobs_.push_back(std::move(job));
  cv_.notify_all();
}

void WriteBehind::begin_tensor(const TensorSpec& spec) {
  landing_ = writer_.planned_data_offset(tensors_begun_++);
  push({Job::kBegin, spec, nullptr, 0, nullptr});
}

void WriteBehind::end_tensor() { push({Job::kEnd, {}, nullptr, 0, nullptr}); }

void WriteBehind::submit(uint8_t* buffer, size_t bytes) {
  if (bytes > buffer_bytes_)
    violated("submit() of " + std::to_string(bytes) + " bytes into a buffer of " +
             std::to_string(buffer_bytes_));
  const auto at = reinterpret_cast<uintptr_t>(buffer);  // compared as addresses: any pointer
  const auto from = std::find_if(storage_.begin(), storage_.end(), [&](const LargeBuffer& b) {
    const auto start = reinterpret_cast<uintptr_t>(b.data());
    return at >= start && at - start < kShiftRoom;
  });
  if (from == storage_.end()) violated("submit() of a buffer acquire() did not return");
  if (landing_) *landing_ += bytes;
  push({Job::kAppend, {}, buffer, bytes, from->data()});
}

uint8_t* WriteBehind::acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return !free_.empty() || error_; });
  rethrow_locked();
  uint8_t* b = free_.back();
  free_.pop_back();
  // Producers store float32s: a landing offset that is not a multiple of 4 is not followed.
  const size_t shift = landing_ && *landing_ % 4 == 0 ? *landing_ % kShiftRoom : 0;
  return b + shift;
}

void WriteBehind::drain() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return (jobs_.empty() && !busy_) || error_; });
  rethrow_locked();
}

void WriteBehind::loop() {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stop_ and nothing left
      job = std::move(jobs_.front());
      jobs_.pop_front();
      busy_ = true;
    }
    try {
      if (!error_) {  // after an error, jobs are only drained to free their buffers
        switch (job.kind) {
          case Job::kBegin:
            writer_.begin_tensor(job.spec);
            break;
          case Job::kAppend:
            writer_.append({job.buffer, job.bytes});
            progress_.advance(job.bytes);
            break;
          case Job::kEnd:
            writer_.end_tensor();
            break;
        }
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu_);
      error_ = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (job.base != nullptr) free_.push_back(job.base);
      busy_ = false;
    }
    cv_.notify_all();
  }
}

}  // namespace ckpt
