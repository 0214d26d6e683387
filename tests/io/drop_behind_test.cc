// DropBehind: a range the page cache did not hold when its file was opened is dropped from the
// cache once the command is done with it, so a cold input leaves the cache as it found it; a
// range that was cached stays cached, and so does one the command never finished.
#include "io/drop_behind.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "test_util.h"

namespace ckpt {
namespace {

// 2 MiB-aligned ranges: a large page-cache folio never straddles two of them.
constexpr uint64_t kRange = uint64_t{2} << 20;

struct Fixture {
  TempDir dir;
  std::string path = dir / "data.bin";
  std::string bytes;
  MappedFilePtr file;
  std::vector<DropBehind::Range> ranges;

  Fixture() {
    bytes.resize(3 * kRange);
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7 + i / 4096);
    write_file(path, bytes);
  }
  // Maps the file as it is in the page cache now.
  void open() {
    file = MappedFile::open(path);
    for (uint64_t i = 0; i < 3; ++i) ranges.push_back({file, i * kRange, kRange});
  }
  uint64_t resident(size_t i) const { return file->resident_bytes(i * kRange, kRange); }
  // What a command does with range i: reads every byte through the mapping, checks them and
  // hands the mapping's pages back.
  void consume(size_t i) const {
    uint64_t mismatches = 0;
    for (uint64_t at = i * kRange; at < (i + 1) * kRange; ++at) {
      mismatches += file->data()[at] != static_cast<uint8_t>(bytes[at]);
    }
    EXPECT_EQ(mismatches, 0u) << "range " << i;
    file->release(i * kRange, kRange);
  }
  bool read_range(size_t i) const { return read_into_page_cache(path, i * kRange, kRange); }
};

TEST(DropBehind, RangesTheCacheLackedAreDroppedOnceConsumed) {
  Fixture f;
  ASSERT_TRUE(evict_from_page_cache(f.path));
  f.open();
  ASSERT_EQ(f.file->resident_bytes(0, f.bytes.size()), 0u);
  DropBehind behind(f.ranges);
  for (size_t i = 0; i < 2; ++i) {
    f.consume(i);
    behind.consumed(i + 1);
  }
  f.consume(2);  // read, but the command never says it is done with it
  EXPECT_EQ(f.resident(0), 0u);
  EXPECT_EQ(f.resident(1), 0u);
  EXPECT_EQ(f.resident(2), kRange);
}

TEST(DropBehind, WhatWasReadAfterOpenStillCountsAsCold) {
  // A reader parses its headers between open() and the walk; pages it pulls in then are the
  // command's own doing, and go like the rest.
  Fixture f;
  ASSERT_TRUE(evict_from_page_cache(f.path));
  f.open();
  ASSERT_TRUE(f.read_range(0));
  ASSERT_EQ(f.resident(0), kRange);
  DropBehind behind(f.ranges);
  f.consume(0);
  behind.consumed(1);
  EXPECT_EQ(f.resident(0), 0u);
}

TEST(DropBehind, RangesTheCacheHeldStayCached) {
  Fixture f;
  ASSERT_TRUE(evict_from_page_cache(f.path));
  ASSERT_TRUE(f.read_range(1));  // only the middle range is cached when the file is opened
  f.open();
  ASSERT_EQ(f.resident(1), kRange);
  DropBehind behind(f.ranges);
  for (size_t i = 0; i < 3; ++i) {
    f.consume(i);
    behind.consumed(i + 1);
  }
  EXPECT_EQ(f.resident(0), 0u);
  EXPECT_EQ(f.resident(1), kRange);
  EXPECT_EQ(f.resident(2), 0u);
}

TEST(DropBehind, AWarmFileStaysCached) {
  Fixture f;
  ASSERT_EQ(read_file(f.path).size(), f.bytes.size());
  f.open();
  DropBehind behind(f.ranges);
  for (size_t i = 0; i < 3; ++i) {
    f.consume(i);
    behind.consumed(i + 1);
  }
  EXPECT_EQ(f.file->resident_bytes(0, f.bytes.size()), f.bytes.size());
}

TEST(DropBehind, SmallRangesGoWithTheGapsBetweenThemOnceAllAreDone) {
  // Tensors of a few KiB with headers between them share the kernel's large folios, which it
  // drops only whole: the last range to be done takes the rest with it, and until then a
  // range still to read keeps its pages.
  Fixture f;
  ASSERT_TRUE(evict_from_page_cache(f.path));
  f.file = MappedFile::open(f.path);
  constexpr uint64_t kSmall = 12 * 1024, kStride = 16 * 1024, kCount = 64;
  for (uint64_t i = 0; i < kCount; ++i) f.ranges.push_back({f.file, 4096 + i * kStride, kSmall});
  const uint64_t span = 4096 + kCount * kStride;
  DropBehind behind(f.ranges);
  uint64_t sum = 0;
  for (uint64_t at = 0; at < span; ++at) sum += f.file->data()[at];  // headers and all
  EXPECT_GT(sum, 0u);
  f.file->release(0, span);
  behind.consumed(kCount - 1);
  const DropBehind::Range& last = f.ranges.back();
  EXPECT_EQ(f.file->resident_bytes(last.offset, last.length), last.length);
  behind.consumed(kCount);
  EXPECT_EQ(f.file->resident_bytes(0, span), 0u);
}

TEST(DropBehind, RefusesARangeWithoutAFile) {
  EXPECT_THAT(
      [] {
        DropBehind({{nullptr, 0, 1}});
      },
      ::testing::ThrowsMessage<std::invalid_argument>("DropBehind: a range without a file"));
}

}  // namespace
}  // namespace ckpt
