// A streaming ZIP writer for torch.save archives: entries are stored (no compression), each
// entry's data starts on a 64-byte boundary (padding goes in an extra field, as PyTorch's own
// writer does, so storages can be mapped and read in place), crc32 is computed while the data
// streams through, and ZIP64 records are written so entries and offsets may exceed 4 GiB.
//
// Layout per entry: local header (sizes known up front, crc patched in after the data), data.
// Then the central directory, the ZIP64 end record and locator, and the classic end record.
// Everything goes through a DirectAppender, so the tensor data reaches the disk with direct
// I/O instead of through the page cache.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "io/direct_appender.h"
#include "io/output_file.h"

namespace ckpt {

class ZipWriter {
 public:
  // Appends to `out` (which must be empty); the caller commits it after finish(), which
  // writes everything out. REQUIRES: `out` outlives the writer and nothing else writes to it.
  explicit ZipWriter(OutputFile& out) : out_(out), appender_(out) {}

  // Starts an entry of exactly `size` bytes. Throws Error(kBadInput) for a duplicate name or
  // when the previous entry is unfinished.
  void begin_entry(const std::string& name, uint64_t size);
  // Throws Error(kBadInput) when more than `size` bytes arrive.
  void append(std::span<const uint8_t> bytes);
  // Throws Error(kBadInput) when fewer than `size` bytes arrived.
  void end_entry();
  // A whole small entry at once.
  void add_entry(const std::string& name, std::span<const uint8_t> bytes);
  void finish();

  // Bytes written so far: the offset the next entry's local header goes at.
  uint64_t size() const { return appender_.size(); }
  // Where the data of an entry of `size` bytes named with `name_size` bytes begins when its
  // local header goes at `header_offset` (what begin_entry() lays out).
  static uint64_t data_start(uint64_t header_offset, size_t name_size, uint64_t size);

  static constexpr uint64_t kAlignment = 64;

 private:
  struct Entry {
    std::string name;
    uint64_t header_offset = 0;
    uint64_t size = 0;
    uint32_t crc = 0;
  };

  OutputFile& out_;
  DirectAppender appender_;
  std::vector<Entry> entries_;
  bool open_ = false;
  bool finished_ = false;
  uint64_t written_ = 0;
  uint32_t crc_ = 0;
};

}  // namespace ckpt
