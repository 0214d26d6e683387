// Overlaps producing output bytes with writing them: the producer fills one buffer while a
// background thread hands the previous one to the TensorWriter (crc32c + write). Memory is
// bounded by the buffers given at construction.
//
// When the writer knows where each tensor's data lands in its file
// (TensorWriter::planned_data_offset), acquire() returns a buffer whose address agrees with
// where its first byte will land, modulo the direct I/O alignment, so the writer's
// DirectAppender writes it from where it lies instead of copying it (a safetensors header or
// a zip local header of any length in front of the data no longer costs a copy of it all).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "formats/tensor_writer.h"
#include "io/large_buffer.h"
#include "io/progress.h"

namespace ckpt {

class WriteBehind {
 public:
  // REQUIRES: buffer_bytes >= 4 (one float32; checked, aborts otherwise).
  WriteBehind(TensorWriter& writer, size_t buffer_bytes, int buffers, Progress& progress);
  ~WriteBehind();
  WriteBehind(const WriteBehind&) = delete;
  WriteBehind& operator=(const WriteBehind&) = delete;

  size_t buffer_bytes() const { return buffer_bytes_; }

  void begin_tensor(const TensorSpec& spec);
  // A free buffer of buffer_bytes() to fill (blocks while all are in flight), aligned to at
  // least 4 bytes. Rethrows a writer error.
  uint8_t* acquire();
  // Queues the acquired buffer's first `bytes` bytes for appending. A producer with more
  // bytes than fit (a long output row) splits them over several acquire/submit calls.
  // REQUIRES: `buffer` came from acquire() and bytes <= buffer_bytes(). Checked: a violation
  // means the producer has already written past the buffer, the heap is no longer
  // trustworthy, so the process aborts with a message instead of unwinding through it.
  void submit(uint8_t* buffer, size_t bytes);
  void end_tensor();
  // Waits until everything queued is written. Rethrows a writer error.
  void drain();

 private:
  struct Job {
    enum Kind { kBegin, kAppend, kEnd } kind = kBegin;
    TensorSpec spec;
    uint8_t* buffer = nullptr;  // the bytes to append
    size_t bytes = 0;
    uint8_t* base = nullptr;  // the storage they lie in, free again once they are written
  };
  void push(Job job);
  void loop();
  void rethrow_locked();

  TensorWriter& writer_;
  Progress& progress_;
  size_t buffer_bytes_;
  std::vector<LargeBuffer> storage_;  // buffer_bytes_ plus room to shift a buffer's start
  size_t tensors_begun_ = 0;          // producer side, like landing_
  std::optional<uint64_t> landing_;   // file offset of the next byte submitted, if known
  std::vector<uint8_t*> free_;
  std::deque<Job> jobs_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool busy_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace ckpt
