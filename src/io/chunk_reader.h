// Reads a planned sequence of file ranges into memory on a background thread, ahead of a
// consumer that takes them in order. A range the page cache does not hold is read with
// O_DIRECT into one of two buffers: on the development VM a cold file costs 0.1 s of CPU per
// GB that way against 1.4-2.1 s/GB to fault it into the page cache (`dd iflag=direct` against
// `cat`), the disk streams faster, and what the page cache holds for the other input is not
// evicted. A range the cache mostly holds is handed out where it lies in the mapping, its pages
// mapped ahead by the thread and dropped from the mapping once the consumer has moved on; but
// only while that buffer has never been filled: once it has (a partly cached input), a cached
// range is copied into it instead, so the resident set stays at most the two buffers' size.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "io/large_buffer.h"
#include "io/mapped_file.h"

namespace ckpt {

class ChunkReader {
 public:
  struct Range {
    MappedFilePtr file;
    uint64_t offset = 0;
    uint64_t length = 0;
  };

  // Starts reading plan[0]. REQUIRES (checked, std::invalid_argument): every range has a file,
  // lies inside it and is at most `capacity` bytes long.
  ChunkReader(std::vector<Range> plan, uint64_t capacity);
  // Stops the thread after the read it is in.
  ~ChunkReader();
  ChunkReader(const ChunkReader&) = delete;
  ChunkReader& operator=(const ChunkReader&) = delete;

  // The bytes [offset, offset + length) of `file`. When they are a planned range not yet taken
  // (planned ranges before it that were never asked for are skipped), they come from the
  // buffer the thread fills, waiting for it; any other request is answered from the mapping.
  // The span is valid until the next get(). Throws Error(kIo) naming the file when the read
  // failed.
  std::span<const uint8_t> get(const MappedFilePtr& file, uint64_t offset, uint64_t length);

  // How the planned ranges read so far were read (the thread reads ahead of get()).
  struct Counts {
    uint64_t direct = 0;  // read with O_DIRECT
    uint64_t copied = 0;  // copied from the page cache through the mapping
    uint64_t mapped = 0;  // handed out in place in the mapping
  };
  Counts counts() const;

 private:
  struct Slot {
    explicit Slot(uint64_t bytes) : buffer(bytes) {}
    LargeBuffer buffer;
    bool buffer_used = false;  // a range was ever read or copied into `buffer`
    size_t range = SIZE_MAX;   // the plan index it holds
    bool ready = false;
    bool mapped = false;            // `data` points into the range's mapping, not `buffer`
    const uint8_t* data = nullptr;  // start of the range
    std::exception_ptr error;
  };

  void loop();
  void fill(Slot& slot, const Range& r);
  void give_back(size_t range);  // drops a range handed out in place from the mapping
  int direct_fd(const MappedFile& file);

  std::vector<Range> plan_;
  std::vector<Slot> slots_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  size_t next_ = 0;           // the first plan index the consumer has not taken
  size_t in_use_ = SIZE_MAX;  // the plan index the consumer waits for or holds, or none
  bool stop_ = false;
  Counts counts_;
  std::map<const MappedFile*, int> fds_;  // O_DIRECT descriptors; -1: not possible there
  std::thread thread_;
};

}  // namespace ckpt
