// A large working buffer (output buffers, direct-I/O blocks): 2 MiB aligned and offered to
// the kernel for transparent huge pages, so filling it in transposed order costs few TLB
// misses and pinning it for direct I/O few page walks. Not zero-filled.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ckpt {

class LargeBuffer {
 public:
  // Throws std::bad_alloc. REQUIRES: bytes > 0.
  explicit LargeBuffer(size_t bytes);
  ~LargeBuffer();
  LargeBuffer(LargeBuffer&& other) noexcept;
  LargeBuffer& operator=(LargeBuffer&&) = delete;
  LargeBuffer(const LargeBuffer&) = delete;
  LargeBuffer& operator=(const LargeBuffer&) = delete;

  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace ckpt
