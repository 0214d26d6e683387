// Hands a cold input back to the kernel as a command walks it: the command lists the file
// ranges it will read (tensors, in the order it reads them) and says when it is done with
// each; a range the page cache held less than half of when its file was opened is then
// dropped from the cache (MappedFile::drop_cached). A cold input is so read through recycled
// page frames and leaves the cache as it found it; a range that was cached stays cached, and
// so does one the command never finished.
//
// The kernel drops only whole page-cache folios (up to 2 MiB), and a folio can hold the end
// of one tensor and the start of the next, or many small tensors. So a drop reaches up to
// 2 MiB beyond the range, over the bytes of the file that are done with: ranges already
// dropped and bytes no range covers (headers between tensors), stopping at the nearest range
// that is still to be read or was cached. Ranges are expected not to overlap; where they do, a
// drop may take pages of a range still to come, which the kernel then reads again.
#pragma once

#include <cstdint>
#include <vector>

#include "io/mapped_file.h"

namespace ckpt {

class DropBehind {
 public:
  struct Range {
    MappedFilePtr file;
    uint64_t offset = 0;
    uint64_t length = 0;
  };

  // REQUIRES (checked, std::invalid_argument): every range's file is non-null.
  explicit DropBehind(std::vector<Range> ranges);

  // The command is done with ranges [0, count) and no longer maps them: those the cache did
  // not hold are dropped now (a page still under I/O cannot be and stays, a few at most).
  void consumed(size_t count);

 private:
  enum class State : uint8_t { kToRead, kCached, kDropped };
  void drop(size_t i);

  std::vector<Range> ranges_;
  std::vector<State> state_;
  std::vector<size_t> by_place_;  // range indices sorted by file, then offset
  std::vector<size_t> place_;     // place_[i]: where range i is in by_place_
  size_t consumed_ = 0;
};

}  // namespace ckpt
