// MappedFile's releases are hints to the kernel: whatever they drop, the bytes read through
// the mapping afterwards are the file's, and ranges outside the file are ignored.
#include "io/mapped_file.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "test_util.h"

namespace ckpt {
namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;

// Whether a release dropped a page from this mapping is not observable from user space
// (mincore reports the page cache), so what is checked is the data and that every call returns.
TEST(MappedFile, ReleasedRangesReadBackTheFile) {
  TempDir dir;
  std::string bytes(5 * kMiB + 123, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7 + i / 4096);
  write_file(dir / "f.bin", bytes);
  const auto file = MappedFile::open(dir / "f.bin");
  auto all = [&] {
    const auto v = file->bytes(0, file->size(), "all");
    return std::string(reinterpret_cast<const char*>(v.data()), v.size());
  };
  ASSERT_TRUE(all() == bytes);
  // Pieces that do not start or end on a 2 MiB boundary, tiling the file.
  for (uint64_t at = 0; at < file->size(); at += 3 * kMiB / 2 + 17) {
    file->release_behind(at, std::min<uint64_t>(3 * kMiB / 2 + 17, file->size() - at));
  }
  EXPECT_TRUE(all() == bytes);
  file->release(1, file->size() - 1);
  file->release_behind(0, file->size());
  EXPECT_TRUE(all() == bytes);
  // Outside the file, or overflowing: ignored.
  file->release_behind(file->size(), 1);
  file->release_behind(4 * kMiB, UINT64_MAX);
  file->release(UINT64_MAX, 2);
  EXPECT_TRUE(all() == bytes);
}

}  // namespace
}  // namespace ckpt
