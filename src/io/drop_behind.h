// Keeps the page cache filled ahead of a consumer that walks a known list of file ranges in
// order: a background thread asks the kernel to read each range (MappedFile::read_ahead, in
// pieces) while the consumer works on an earlier one, staying at most `window` bytes ahead so
// what it reads is not evicted before use. On a cold disk this turns a transpose's column
// walk into sequential reads that overlap the computation; on a warm one it costs a mincore.
// A range the page cache held less than half of when the walk began is dropped from the cache
// once consumed (MappedFile::drop_cached), so a cold input is read through recycled page
// frames and leaves the cache as it found it; a range that was cached stays cached.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "io/mapped_file.h"

namespace ckpt {

class ReadAhead {
 public:
  struct Range {
    MappedFilePtr file;
    uint64_t offset = 0;
    uint64_t length = 0;
  };

  // How far the commands keep the page cache filled ahead of the tensor they work on: a cold
  // input is read sequentially while the previous tensor is transposed or compared.
  static constexpr uint64_t kDefaultWindow = uint64_t{1} << 30;

  // Notes which ranges the page cache holds and starts reading ahead from ranges[0].
  // REQUIRES (checked, std::invalid_argument): every range's file is non-null.
  ReadAhead(std::vector<Range> ranges, uint64_t window_bytes = kDefaultWindow);
  // Stops the thread (it finishes at most one piece first) and drops the consumed ranges it
  // has not dropped yet.
  ~ReadAhead();
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  // The consumer is done with ranges [0, count) and no longer maps them: the window moves on
  // and those it brought into the page cache are dropped from it.
  void consumed(size_t count);

 private:
  void loop();
  void drop_until(size_t count);  // drops the uncached ranges in [dropped_, count)

  std::vector<Range> ranges_;
  std::vector<uint64_t> ends_;  // ends_[i]: bytes in ranges [0, i]
  std::vector<bool> cached_;    // cached_[i]: the page cache held most of range i at the start
  uint64_t window_;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t consumed_ = 0;  // ranges the consumer is done with
  bool stop_ = false;
  size_t dropped_ = 0;  // ranges before it are dropped or left cached (the thread's, then ~'s)
  std::thread thread_;
};

}  // namespace ckpt
