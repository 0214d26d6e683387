// Readers take a path (they map files); fuzz targets hand them the input through an anonymous
// in-memory file, reachable as /proc/self/fd/N, so nothing touches the disk.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "formats/checkpoint.h"

namespace ckpt::fuzz {

class MemFile {
 public:
  MemFile(const uint8_t* data, size_t size) : fd_(memfd_create("ckpt-fuzz", MFD_CLOEXEC)) {
    size_t done = 0;
    while (fd_ >= 0 && done < size) {
      ssize_t n = write(fd_, data + done, size - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
  }
  ~MemFile() {
    if (fd_ >= 0) close(fd_);
  }
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;

  bool ok() const { return fd_ >= 0; }
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_;
};

// Reads every byte of a view the way a consumer would, so ASan sees any out-of-bounds view.
inline uint32_t touch(const uint8_t* p, uint64_t n) {
  uint32_t acc = 0;
  for (uint64_t i = 0; i < n; ++i) acc = acc * 31 + p[i];
  return acc;
}

// Every view of a reader's result must lie inside its mapped file (else the reader has a bug:
// trap), and all its bytes are read.
inline void touch_views(const Checkpoint& ck) {
  uint32_t acc = 0;
  for (const TensorView& v : ck.tensors) {
    if (v.offset > v.file->size() || v.span_bytes() > v.file->size() - v.offset) {
      __builtin_trap();
    }
    acc += touch(v.data(), v.span_bytes());
  }
  (void)acc;
}

}  // namespace ckpt::fuzz
