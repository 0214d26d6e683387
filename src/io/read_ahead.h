// Keeps the page cache filled ahead of a consumer that walks a known list of file ranges in
// order: a background thread asks the kernel to read each range (MappedFile::read_ahead, in
// pieces) while the consumer works on an earlier one, staying at most `window` bytes ahead so
// what it reads is not evicted before use. On a cold disk this turns a transpose's column
// walk into sequential reads that overlap the computation; on a warm one it costs a mincore.
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

  // Starts reading ahead from ranges[0]. REQUIRES: every range's file is non-null.
  ReadAhead(std::vector<Range> ranges, uint64_t window_bytes = kDefaultWindow);
  // Stops the thread (it finishes at most one piece first).
  ~ReadAhead();
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  // The consumer is done with ranges [0, count): the window moves on.
  void consumed(size_t count);

 private:
  void loop();

  std::vector<Range> ranges_;
  std::vector<uint64_t> ends_;  // ends_[i]: bytes in ranges [0, i]
  uint64_t window_;
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t consumed_bytes_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace ckpt
