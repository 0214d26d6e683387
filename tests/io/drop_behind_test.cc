// ReadAhead: a range the page cache did not hold when the walk began is dropped from the
// cache once the consumer is done with it, so a cold input leaves the cache as it found it;
// a range that was cached stays cached, and so does one the consumer never finished.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "io/read_ahead.h"
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
  std::vector<ReadAhead::Range> ranges;

  Fixture() {
    bytes.resize(3 * kRange);
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7 + i / 4096);
    write_file(path, bytes);
    file = MappedFile::open(path);
    for (uint64_t i = 0; i < 3; ++i) ranges.push_back({file, i * kRange, kRange});
  }
  uint64_t resident(size_t i) const { return file->resident_bytes(i * kRange, kRange); }
  // What a consumer does with range i: reads every byte through the mapping, checks them and
  // hands the mapping's pages back.
  void consume(size_t i) const {
    uint64_t mismatches = 0;
    for (uint64_t at = i * kRange; at < (i + 1) * kRange; ++at) {
      mismatches += file->data()[at] != static_cast<uint8_t>(bytes[at]);
    }
    EXPECT_EQ(mismatches, 0u) << "range " << i;
    file->release(i * kRange, kRange);
  }
};

TEST(ReadAhead, RangesItBroughtIntoTheCacheAreDroppedOnceConsumed) {
  Fixture f;
  ASSERT_TRUE(evict_from_page_cache(f.path));
  ASSERT_EQ(f.file->resident_bytes(0, f.bytes.size()), 0u);
  {
    ReadAhead ahead(f.ranges);
    for (size_t i = 0; i < 2; ++i) {
      f.consume(i);
      ahead.consumed(i + 1);
    }
    f.consume(2);  // read, but the consumer never says it is done with it
  }
  EXPECT_EQ(f.resident(0), 0u);
  EXPECT_EQ(f.resident(1), 0u);
  EXPECT_EQ(f.resident(2), kRange);
}

TEST(ReadAhead, RangesTheCacheHeldStayCached) {
  Fixture f;
  ASSERT_TRUE(evict_from_page_cache(f.path));
  // Only the middle range is cached when the walk begins.
  const int fd = ::open(f.path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  std::string middle(kRange, '\0');
  ASSERT_EQ(pread(fd, middle.data(), kRange, kRange), static_cast<ssize_t>(kRange));
  ::close(fd);
  ASSERT_EQ(f.resident(1), kRange);
  {
    ReadAhead ahead(f.ranges);
    for (size_t i = 0; i < 3; ++i) {
      f.consume(i);
      ahead.consumed(i + 1);
    }
  }
  EXPECT_EQ(f.resident(0), 0u);
  EXPECT_EQ(f.resident(1), kRange);
  EXPECT_EQ(f.resident(2), 0u);
}

TEST(ReadAhead, AWarmFileStaysCached) {
  Fixture f;
  ASSERT_EQ(read_file(f.path).size(), f.bytes.size());
  {
    ReadAhead ahead(f.ranges, kRange);
    for (size_t i = 0; i < 3; ++i) {
      f.consume(i);
      ahead.consumed(i + 1);
    }
  }
  EXPECT_EQ(f.file->resident_bytes(0, f.bytes.size()), f.bytes.size());
}

TEST(ReadAhead, RefusesARangeWithoutAFile) {
  EXPECT_THROW(ReadAhead({{nullptr, 0, 1}}), std::invalid_argument);
}

}  // namespace
}  // namespace ckpt
