// Writes a file front to back through an aligned block: every full block goes to the device
// with direct I/O (OutputFile::write_direct: no copy into the page cache, no dirty pages for
// the kernel to write back later), the last partial block with a normal write at flush().
// A large append whose address agrees with its file offset modulo the direct I/O alignment is
// written from where it lies, without the copy into the block (see in_place_part()).
// Where the file system refuses direct I/O every block is written normally.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "io/large_buffer.h"
#include "io/output_file.h"

namespace ckpt {

class DirectAppender {
 public:
  static constexpr size_t kBlockBytes = size_t{16} << 20;

  // REQUIRES: `file` outlives the appender and nothing else writes to it while it is used.
  explicit DirectAppender(OutputFile& file);

  // Appends with at least this many bytes direct I/O can take in place are not copied (a
  // syscall per smaller append would cost more than the copy).
  static constexpr size_t kInPlaceMin = size_t{1} << 20;

  // Throws Error(kIo) naming the file when a block cannot be written.
  void append(std::span<const uint8_t> bytes);
  // The part of `bytes` that append() would write from where it lies, not copied (empty if
  // none): at least kInPlaceMin bytes, a multiple of OutputFile::kDirectAlign, starting at an
  // aligned address. Bytes before it complete the block's last page (so they, and what the
  // block holds, are written first); bytes after it go into the block. Hence an append lands
  // in place whenever its address agrees with its file offset modulo kDirectAlign, whatever
  // the block holds: a producer that knows where its bytes land can lay them out to match.
  std::span<const uint8_t> in_place_part(std::span<const uint8_t> bytes) const;
  // Bytes appended but not yet in the file (they go at the next full block or flush()).
  size_t buffered() const { return fill_; }
  // Writes what is buffered; the file then holds everything appended so far.
  void flush();
  // Bytes appended so far (written or buffered): the offset the next append lands at.
  uint64_t size() const { return written_ + fill_; }
  // Overwrites bytes appended earlier (a header field known only after its data), in the block
  // or, for bytes already written, in the file. REQUIRES: offset + bytes.size() <= size()
  // (checked: std::out_of_range).
  void patch(uint64_t offset, std::span<const uint8_t> bytes);

 private:
  void copy_in(std::span<const uint8_t> bytes);  // through the block
  void write_block();

  OutputFile& file_;
  LargeBuffer block_;     // 2 MiB aligned, so aligned for direct I/O too
  size_t fill_ = 0;       // bytes in block_
  uint64_t written_ = 0;  // file offset of block_[0]
};

}  // namespace ckpt
