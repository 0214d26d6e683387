// ChunkReader: planned ranges arrive in order with their bytes whether they were read with
// O_DIRECT (the page cache does not hold them), handed out in place in the mapping (it does) or
// copied from the mapping (it does, but the buffer was used before); ranges the consumer skips
// are never waited for, unplanned requests are answered from the mapping, and a read that fails
// is an Error naming the file.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "io/chunk_reader.h"
#include "test_util.h"

namespace ckpt {
namespace {

constexpr uint64_t kCapacity = uint64_t{2} << 20;

// A file of `size` bytes where no two nearby positions hold the same byte pattern.
std::string pattern(size_t size) {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; ++i) s[i] = static_cast<char>((i * 2654435761u) >> 13);
  return s;
}

std::string str(std::span<const uint8_t> s) { return {s.begin(), s.end()}; }

struct Fixture {
  TempDir dir;
  std::string path = dir / "data.bin";
  std::string bytes = pattern(3 * kCapacity + 12345);
  MappedFilePtr file;
  // Unaligned starts and lengths, one range reaching the (unaligned) end of the file.
  std::vector<ChunkReader::Range> plan;

  Fixture() {
    write_file(path, bytes);
    file = MappedFile::open(path);
    plan = {{file, 1, 1000},
            {file, 4095, 70000},
            {file, 100000, kCapacity},
            {file, bytes.size() - 5000, 5000}};
  }
  std::string want(const ChunkReader::Range& r) const { return bytes.substr(r.offset, r.length); }
  // Takes every planned range in order and checks its bytes.
  void take_all(ChunkReader& reader) const {
    for (const ChunkReader::Range& r : plan) {
      EXPECT_TRUE(str(reader.get(file, r.offset, r.length)) == want(r)) << r.offset;
    }
  }
};

TEST(ChunkReader, UncachedRangesAreReadDirectlyInOrder) {
  Fixture f;
  ASSERT_TRUE(evict_from_page_cache(f.path));
  ASSERT_EQ(f.file->resident_bytes(0, f.bytes.size()), 0u);
  ChunkReader reader(f.plan, kCapacity);
  f.take_all(reader);
  EXPECT_EQ(reader.counts().direct, 4u);
  EXPECT_EQ(reader.counts().copied, 0u);
}

TEST(ChunkReader, CachedRangesAreHandedOutInPlace) {
  Fixture f;
  ASSERT_EQ(read_file(f.path).size(), f.bytes.size());  // the page cache holds it now
  ASSERT_EQ(f.file->resident_bytes(0, f.bytes.size()), f.bytes.size());
  ChunkReader reader(f.plan, kCapacity);
  for (const ChunkReader::Range& r : f.plan) {
    const std::span<const uint8_t> got = reader.get(f.file, r.offset, r.length);
    EXPECT_EQ(got.data(), f.file->data() + r.offset);
    EXPECT_EQ(got.size(), r.length);
  }
  EXPECT_EQ(reader.counts().mapped, 4u);
  EXPECT_EQ(reader.counts().copied, 0u);
  EXPECT_EQ(reader.counts().direct, 0u);
}

// Once a buffer has held a direct read, cached ranges bound for it are copied into it: handing
// out the mapping as well would hold both in memory.
TEST(ChunkReader, CachedRangesAreCopiedIntoABufferUsedBefore) {
  Fixture f;
  ASSERT_TRUE(evict_from_page_cache(f.path));
  const std::vector<ChunkReader::Range> plan = {{f.file, 0, 8192},
                                                {f.file, kCapacity, 5000},
                                                {f.file, 2 * kCapacity, 5000},
                                                {f.file, 3 * kCapacity, 5000}};
  ASSERT_TRUE(read_into_page_cache(f.path, kCapacity, f.bytes.size() - kCapacity));
  ASSERT_EQ(f.file->resident_bytes(0, 8192), 0u);
  ASSERT_EQ(f.file->resident_bytes(kCapacity, 2 * kCapacity + 5000), 2 * kCapacity + 5000);
  ChunkReader reader(plan, kCapacity);
  for (const ChunkReader::Range& r : plan) {
    EXPECT_TRUE(str(reader.get(f.file, r.offset, r.length)) == f.want(r)) << r.offset;
  }
  EXPECT_EQ(reader.counts().direct, 1u);  // slot 0
  EXPECT_EQ(reader.counts().mapped, 2u);  // slot 1, twice
  EXPECT_EQ(reader.counts().copied, 1u);  // slot 0 again
}

TEST(ChunkReader, ACachedFileTruncatedSinceMappedIsAnErrorNamingIt) {
  Fixture f;
  ASSERT_EQ(read_file(f.path).size(), f.bytes.size());
  ASSERT_EQ(truncate(f.path.c_str(), 50000), 0);
  ChunkReader reader(f.plan, kCapacity);
  EXPECT_TRUE(str(reader.get(f.file, 1, 1000)) == f.want({f.file, 1, 1000}));
  EXPECT_EQ(error_of([&] { reader.get(f.file, 4095, 70000); }),
            f.path + ": ended while being read (truncated?)");
}

TEST(ChunkReader, SkippedRangesAreDroppedAndOthersComeFromTheMapping) {
  Fixture f;
  ASSERT_TRUE(evict_from_page_cache(f.path));
  ChunkReader reader(f.plan, kCapacity);
  const ChunkReader::Range& last = f.plan[3];
  EXPECT_TRUE(str(reader.get(f.file, last.offset, last.length)) == f.want(last));
  // The first range was passed over: asking for it now is an unplanned request.
  EXPECT_TRUE(str(reader.get(f.file, 1, 1000)) == f.want({f.file, 1, 1000}));
  EXPECT_TRUE(str(reader.get(f.file, 7, 3)) == f.want({f.file, 7, 3}));
  const std::string end = std::to_string(f.bytes.size());
  EXPECT_EQ(error_of([&] { reader.get(f.file, f.bytes.size() - 1, 2); }),
            f.path + ": a chunk at offset " + std::to_string(f.bytes.size() - 1) +
                " (2 bytes) lies beyond the end of the file (" + end + " bytes)");
}

TEST(ChunkReader, ATruncatedFileIsAnErrorNamingIt) {
  Fixture f;
  ASSERT_TRUE(evict_from_page_cache(f.path));
  ASSERT_EQ(truncate(f.path.c_str(), 50000), 0);
  ChunkReader reader(f.plan, kCapacity);
  EXPECT_TRUE(str(reader.get(f.file, 1, 1000)) == f.want({f.file, 1, 1000}));
  EXPECT_EQ(error_of([&] { reader.get(f.file, 4095, 70000); }),
            f.path + ": ended while being read (truncated?)");
}

TEST(ChunkReader, RefusesRangesItCannotHold) {
  Fixture f;
  EXPECT_THROW(ChunkReader({{f.file, 0, kCapacity + 1}}, kCapacity), std::invalid_argument);
  EXPECT_THROW(ChunkReader({{f.file, f.bytes.size(), 1}}, kCapacity), std::invalid_argument);
  EXPECT_THROW(ChunkReader({{nullptr, 0, 1}}, kCapacity), std::invalid_argument);
  ChunkReader empty({}, kCapacity);
  EXPECT_TRUE(str(empty.get(f.file, 2, 5)) == f.bytes.substr(2, 5));
}

}  // namespace
}  // namespace ckpt
