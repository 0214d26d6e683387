// MappedFile's releases are hints to the kernel: whatever they drop, the bytes read through
// the mapping afterwards are the file's, and ranges outside the file are ignored. What the
// page cache holds is observable (mincore): drop_cached empties a range.
#include "io/mapped_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
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

TEST(MappedFile, DropCachedEmptiesTheRangeAndKeepsTheRest) {
  TempDir dir;
  std::string bytes(6 * kMiB, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7 + i / 4096);
  write_file(dir / "f.bin", bytes);
  ASSERT_TRUE(evict_from_page_cache(dir / "f.bin"));         // written back: its pages are clean
  ASSERT_EQ(read_file(dir / "f.bin").size(), bytes.size());  // cached now
  const auto file = MappedFile::open(dir / "f.bin");
  EXPECT_EQ(file->bytes(0, file->size(), "all")[3 * kMiB], static_cast<uint8_t>(bytes[3 * kMiB]));
  file->drop_cached(2 * kMiB, 2 * kMiB);  // mapped pages too
  EXPECT_EQ(file->resident_bytes(2 * kMiB, 2 * kMiB), 0u);
  EXPECT_EQ(file->resident_bytes(0, 2 * kMiB), 2 * kMiB);
  EXPECT_EQ(file->resident_bytes(4 * kMiB, 2 * kMiB), 2 * kMiB);
  const auto v = file->bytes(0, file->size(), "all");
  EXPECT_TRUE(std::string(reinterpret_cast<const char*>(v.data()), v.size()) == bytes);
  file->drop_cached(file->size(), 1);  // outside the file: ignored
  file->drop_cached(1, UINT64_MAX);
}

TEST(MappedFile, CachedAtOpenIsWhatTheCacheHeldBeforeAnyRead) {
  TempDir dir;
  std::string bytes(3 * kMiB + 100, '\0');  // a partial last page
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7 + i / 4096);
  write_file(dir / "f.bin", bytes);
  ASSERT_TRUE(evict_from_page_cache(dir / "f.bin"));
  ASSERT_TRUE(read_into_page_cache(dir / "f.bin", 0, kMiB));  // cached: [0, 1 MiB)
  const auto cold = MappedFile::open(dir / "f.bin");
  const auto v = cold->bytes(0, cold->size(), "all");  // now every page is read
  EXPECT_TRUE(std::string(reinterpret_cast<const char*>(v.data()), v.size()) == bytes);
  EXPECT_EQ(cold->resident_bytes(0, cold->size()), cold->size());
  EXPECT_EQ(cold->cached_at_open(0, cold->size()), kMiB);
  EXPECT_EQ(cold->cached_at_open(kMiB - 10, 30), 10u);  // parts of pages count by the byte
  EXPECT_EQ(cold->cached_at_open(2 * kMiB, kMiB), 0u);
  const auto warm = MappedFile::open(dir / "f.bin");
  EXPECT_EQ(warm->cached_at_open(0, warm->size()), warm->size());
  EXPECT_EQ(warm->cached_at_open(3 * kMiB, UINT64_MAX), 100u);  // clipped to the file
  EXPECT_EQ(warm->cached_at_open(warm->size(), 1), 0u);
}

TEST(MappedFile, PopulateReadsTheRangeAndTellsATruncatedFile) {
  TempDir dir;
  std::string bytes(3 * kMiB + 100, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7 + i / 4096);
  write_file(dir / "f.bin", bytes);
  ASSERT_TRUE(evict_from_page_cache(dir / "f.bin"));
  const auto file = MappedFile::open(dir / "f.bin");
  EXPECT_TRUE(file->populate(kMiB + 10, kMiB));
  EXPECT_EQ(file->resident_bytes(kMiB + 10, kMiB), kMiB);  // read into the page cache
  EXPECT_TRUE(file->populate(0, file->size()));            // the partial last page too
  EXPECT_TRUE(file->populate(5, 0));
  EXPECT_THAT([&] { file->populate(file->size(), 1); },
              ::testing::ThrowsMessage<std::invalid_argument>(
                  "MappedFile::populate: a range outside " + (dir / "f.bin")));
  ASSERT_EQ(truncate((dir / "f.bin").c_str(), static_cast<off_t>(kMiB)), 0);
  EXPECT_TRUE(file->populate(0, kMiB));
  EXPECT_FALSE(file->populate(kMiB - 10, 2 * kMiB));
}

}  // namespace
}  // namespace ckpt
