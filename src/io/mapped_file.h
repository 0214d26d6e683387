// A read-only memory mapping of a whole input file. Tensor views point straight into it, so
// reading a checkpoint never copies tensor data; consumed ranges can be handed back to the
// kernel so the resident set stays small however large the file is.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace ckpt {

class MappedFile {
 public:
  // Throws Error(kIo) naming `path` when it cannot be opened or mapped.
  static std::shared_ptr<const MappedFile> open(const std::string& path);

  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::string& path() const { return path_; }
  uint64_t size() const { return size_; }
  const uint8_t* data() const { return data_; }

  // Bounds-checked access: throws Error(kBadInput) "<path>: <what> at offset O (N bytes) lies
  // beyond the end of the file (S bytes)" when [offset, offset+length) is not inside the file.
  std::span<const uint8_t> bytes(uint64_t offset, uint64_t length, const char* what) const;
  bool contains(uint64_t offset, uint64_t length) const;

  // Hints for streaming: read ahead a range, or drop the pages of a range already consumed.
  void will_need(uint64_t offset, uint64_t length) const;
  void release(uint64_t offset, uint64_t length) const;
  // Copies bytes [from, to) of each of `rows` rows (starting at `first_row`, `row_pitch` bytes
  // apart) into `out`, packed, with pread rather than through the mapping. Reading a matrix
  // column-wise through the mapping would map nearly all of it (the kernel maps neighbouring
  // pages on every fault), so transposes read their column blocks this way. Throws Error(kIo).
  void read_columns(uint64_t first_row, uint64_t row_pitch, uint64_t rows, uint64_t from,
                    uint64_t to, uint8_t* out) const;
  // Makes sure [offset, offset + length) is in the page cache before a column-wise walk: pages
  // that are not (mincore) are read sequentially in large blocks, so a cold disk serves a
  // transpose at its sequential speed instead of one small random read per row.
  void cache_sequentially(uint64_t offset, uint64_t length) const;

 private:
  MappedFile(std::string path, int fd, const uint8_t* data, uint64_t size);
  // `length` bytes at `at` into `dst` with pread. Throws Error(kIo).
  void pread_all(uint64_t at, uint64_t length, uint8_t* dst) const;

  std::string path_;
  int fd_;  // kept open for read_columns
  const uint8_t* data_;
  uint64_t size_;
};

using MappedFilePtr = std::shared_ptr<const MappedFile>;

}  // namespace ckpt
