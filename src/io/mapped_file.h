// A read-only memory mapping of a whole input file. Tensor views point straight into it, so
// reading a checkpoint never copies tensor data; consumed ranges can be handed back to the
// kernel so the resident set stays small however large the file is.
//
// The mapping keeps the kernel's default read-around (no MADV_SEQUENTIAL): a fault reads its
// neighbourhood into large page-cache folios, then mapped 2 MiB at a time. With
// MADV_SEQUENTIAL, or posix_fadvise(WILLNEED) ahead of the walk, the kernel reads into 4 KiB
// pages instead; a cold convert of the 6-layer GPT-J shape (6.5 GB) on the development VM then
// took 9.4-10.3 s of CPU (6.3-6.7 s system: adding, mapping, unmapping and dropping pages)
// against 6.7-8.7 s (1.4-1.9 s system) without.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

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

  // Asks the kernel to start reading [offset, offset + length) into the page cache in the
  // background (posix_fadvise WILLNEED), skipping the call when every page is already
  // resident, so a cold disk is read sequentially ahead of a walk that will touch the range in
  // any order. The kernel reads at most the device's read-ahead size of it (read_ahead_kb,
  // or max_sectors_kb when larger: 8 MiB on the development VM); the walk's own faults read
  // the rest. Out-of-range parts are ignored (a hint, never an error).
  void read_ahead(uint64_t offset, uint64_t length) const;
  // How many bytes of [offset, offset + length) the page cache holds (whole pages counted,
  // mincore). 0 for an out-of-range or empty range.
  uint64_t resident_bytes(uint64_t offset, uint64_t length) const;
  // The same as it was when open() mapped the file, before anything read from it (a reader's
  // headers, say): what the page cache held of the input before this process touched it.
  uint64_t cached_at_open(uint64_t offset, uint64_t length) const;
  // A new read-only descriptor of this same file opened with O_DIRECT (through
  // /proc/self/fd), or -1 when the file system refuses direct I/O. The caller closes it.
  int open_direct() const;
  // Drops this mapping's pages inside [offset, offset + length) (whole pages only; a range
  // that reaches the end of the file includes its last, partial page): consumed input no
  // longer counts in the resident set. The page cache keeps them; touching them again maps
  // them again.
  void release(uint64_t offset, uint64_t length) const;
  // Maps every page of [offset, offset + length) now, reading those the page cache lacks
  // (MADV_POPULATE_READ), so that a walk of the range takes no page faults. Returns false when
  // part of the range lies beyond the file's end as it is now (truncated since it was mapped:
  // touching those pages would raise SIGBUS). A kernel without the call maps nothing and
  // returns true. REQUIRES: contains(offset, length) (checked, std::invalid_argument).
  bool populate(uint64_t offset, uint64_t length) const;

  // For a walk that hands back what it has consumed, piece after piece: drops the whole
  // 2 MiB-aligned chunks of [floor(offset), floor(offset + length)) (floor to 2 MiB). A large
  // page-cache folio is then dropped whole, never split by a partial release and mapped again
  // by the next touch inside it; consecutive pieces tile the file without gaps. What the last
  // piece leaves (its tail chunk) is for a release() of the whole range when the walk ends.
  void release_behind(uint64_t offset, uint64_t length) const;

  // For input read once: releases [offset, offset + length) as release() does, then asks the
  // kernel to drop the range's whole pages from the page cache (posix_fadvise DONTNEED; pages
  // another process maps, and dirty pages of a file just written, stay). The next read of the
  // file reuses those page frames instead of taking new ones: on the development VM a frame
  // the guest has not used lately costs a host fault on first touch, and reading a cold file
  // costs 2.61 s of CPU per GB when its pages stay cached against 0.15 s/GB when each 64 MiB
  // is dropped once read (bench/page_cache_floor.sh, 6.5 GB). A hint, never an error.
  void drop_cached(uint64_t offset, uint64_t length) const;

 private:
  MappedFile(std::string path, int fd, const uint8_t* data, uint64_t size);
  void note_cached_pages();  // fills cached_at_open_

  std::string path_;
  int fd_;  // kept open for read_ahead, drop_cached and open_direct
  const uint8_t* data_;
  uint64_t size_;
  std::vector<uint64_t> cached_at_open_;  // bit p: page p was in the page cache at open()
};

using MappedFilePtr = std::shared_ptr<const MappedFile>;

}  // namespace ckpt
