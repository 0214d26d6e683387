// Reads FILE once, touching every cache line, in one of three ways, to measure what reading a
// cold file costs this machine (bench/page_cache_floor.sh times it after dropping the cache):
//
//   read_cold FILE keep     through the mapping, 64 MiB at a time, pages left in the cache
//   read_cold FILE drop     the same, each 64 MiB dropped from the cache once read
//                           (MappedFile::drop_cached: the next 64 MiB reuses its page frames)
//   read_cold FILE direct   O_DIRECT into one reused 64 MiB buffer
//   read_cold FILE panels   as convert walks a transposed GPT-J MLP matrix, without the
//                           transpose: the file taken as 256 MiB matrices of 16384 rows of
//                           16 KiB, each walked in 4 panels of 4 KiB of every row (the
//                           mapping released after each), then dropped from the cache
//
// Prints a checksum of the bytes read, so the three can be seen to read the same file.
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "io/large_buffer.h"
#include "io/mapped_file.h"

namespace {

constexpr uint64_t kWindow = uint64_t{64} << 20;
constexpr uint64_t kLine = 64;

uint64_t touch(const uint8_t* p, uint64_t n) {
  uint64_t sum = 0;
  for (uint64_t i = 0; i < n; i += kLine) sum += p[i];
  return sum;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: read_cold FILE keep|drop|direct|panels\n");
    return 2;
  }
  const std::string path = argv[1], mode = argv[2];
  const ckpt::MappedFilePtr file = ckpt::MappedFile::open(path);
  const uint64_t size = file->size() / kWindow * kWindow;  // whole windows: O_DIRECT-aligned
  uint64_t sum = 0;
  if (mode == "keep" || mode == "drop") {
    for (uint64_t at = 0; at < size; at += kWindow) {
      sum += touch(file->data() + at, kWindow);
      if (mode == "drop") {
        file->drop_cached(at, kWindow);
      } else {
        file->release(at, kWindow);
      }
    }
  } else if (mode == "panels") {
    constexpr uint64_t kRow = uint64_t{16} << 10, kRows = 16384, kMatrix = kRow * kRows;
    constexpr uint64_t kPanel = kRow / 4;
    for (uint64_t m = 0; m + kMatrix <= file->size(); m += kMatrix) {
      for (uint64_t p = 0; p < kRow; p += kPanel) {
        for (uint64_t r = 0; r < kRows; ++r) sum += touch(file->data() + m + r * kRow + p, kPanel);
        file->release(m, kMatrix);
      }
      file->drop_cached(m, kMatrix);
    }
  } else if (mode == "direct") {
    const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECT);
    if (fd < 0) {
      std::perror(path.c_str());
      return 1;
    }
    ckpt::LargeBuffer buffer(kWindow);
    for (uint64_t at = 0; at < size; at += kWindow) {
      if (pread(fd, buffer.data(), kWindow, static_cast<off_t>(at)) !=
          static_cast<ssize_t>(kWindow)) {
        std::perror(path.c_str());
        return 1;
      }
      sum += touch(buffer.data(), kWindow);
    }
    ::close(fd);
  } else {
    std::fprintf(stderr, "read_cold: unknown mode %s\n", mode.c_str());
    return 2;
  }
  std::printf("%llu bytes, checksum %llu\n", static_cast<unsigned long long>(size),
              static_cast<unsigned long long>(sum));
  return 0;
}
