// DirectAppender: bytes appended in any pieces arrive in order (full blocks by direct I/O,
// the tail at flush), and patch() rewrites earlier bytes wherever they are by then: already
// in the file, still in the block, or across the two.
#include "io/direct_appender.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "io/large_buffer.h"
#include "test_util.h"

namespace ckpt {
namespace {

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(DirectAppender, PiecesArriveInOrderAcrossBlocks) {
  TempDir dir;
  const std::string path = dir / "out.bin";
  std::string want;
  {
    OutputFile out(path);
    DirectAppender a(out);
    // 1.5 blocks in odd-sized pieces: one block goes out directly, the rest at flush().
    for (size_t i = 0; want.size() < DirectAppender::kBlockBytes * 3 / 2; ++i) {
      const std::string piece(1000 + i % 7, static_cast<char>('a' + i % 26));
      a.append(bytes_of(piece));
      want += piece;
    }
    EXPECT_EQ(a.size(), want.size());
    a.flush();
    out.commit();
  }
  EXPECT_TRUE(read_file(path) == want);
}

TEST(DirectAppender, PatchReachesTheFileTheBlockAndBoth) {
  TempDir dir;
  const std::string path = dir / "out.bin";
  const uint64_t block = DirectAppender::kBlockBytes;
  std::string want(block + 100, 'x');
  {
    OutputFile out(path);
    DirectAppender a(out);
    a.append(bytes_of(want));  // the first block is in the file now, 100 bytes in the block
    a.patch(10, bytes_of("FILE"));
    a.patch(block + 50, bytes_of("BLOCK"));
    a.patch(block - 2, bytes_of("BOTH"));
    want.replace(10, 4, "FILE");
    want.replace(block + 50, 5, "BLOCK");
    want.replace(block - 2, 4, "BOTH");
    EXPECT_THROW(a.patch(block + 98, bytes_of("xyz")), std::out_of_range);
    a.flush();
    out.commit();
  }
  EXPECT_TRUE(read_file(path) == want);
}

// A large append at an aligned offset from an aligned address goes to the file from where it
// lies (nothing buffered); once the block holds bytes, an aligned address no longer agrees
// with the offset and appends are copied into the block.
TEST(DirectAppender, LargeAlignedAppendsAreWrittenInPlace) {
  TempDir dir;
  const std::string path = dir / "out.bin";
  const LargeBuffer big(DirectAppender::kInPlaceMin + 4096 + 10);
  for (size_t i = 0; i < big.size(); ++i) big.data()[i] = static_cast<uint8_t>(i * 7);
  const std::span<const uint8_t> all(big.data(), big.size());
  std::string want;
  {
    OutputFile out(path);
    DirectAppender a(out);
    const std::span<const uint8_t> part = a.in_place_part(all);
    EXPECT_EQ(part.data(), all.data());
    EXPECT_EQ(part.size(), DirectAppender::kInPlaceMin + 4096);
    EXPECT_TRUE(a.in_place_part(all.first(DirectAppender::kInPlaceMin - 1)).empty());
    EXPECT_TRUE(a.in_place_part(all.subspan(4)).empty());  // unaligned address
    a.append(all);
    EXPECT_EQ(a.buffered(), 10u);  // only the unaligned tail was copied
    EXPECT_TRUE(a.in_place_part(all).empty());
    a.append(all);
    EXPECT_EQ(a.buffered(), 10 + all.size());
    want.append(reinterpret_cast<const char*>(big.data()), big.size());
    want += want;
    a.flush();
    out.commit();
  }
  EXPECT_TRUE(read_file(path) == want);
}

// Bytes whose address agrees with their file offset modulo the alignment are written in
// place behind whatever the block holds: the block's last page is completed from their head,
// the block written, the aligned middle written from where it lies, only the tail copied.
TEST(DirectAppender, AnAppendWhoseAddressAgreesWithItsOffsetIsWrittenInPlace) {
  TempDir dir;
  const std::string path = dir / "out.bin";
  const std::string header(4096 + 100, 'h');  // a header of any length in front of the data
  const LargeBuffer storage(DirectAppender::kInPlaceMin + 3 * 4096);
  const std::span<const uint8_t> data(storage.data() + 100, DirectAppender::kInPlaceMin + 5000);
  for (size_t i = 0; i < data.size(); ++i) storage.data()[100 + i] = static_cast<uint8_t>(i * 13);
  {
    OutputFile out(path);
    DirectAppender a(out);
    a.append({reinterpret_cast<const uint8_t*>(header.data()), header.size()});
    const std::span<const uint8_t> part = a.in_place_part(data);
    EXPECT_EQ(part.data(), storage.data() + 4096);  // after the 3996 bytes that fill the page
    EXPECT_EQ(part.size(), DirectAppender::kInPlaceMin);
    a.append(data);
    EXPECT_EQ(a.buffered(), data.size() - 3996 - DirectAppender::kInPlaceMin);
    EXPECT_EQ(a.size(), header.size() + data.size());
    a.append(data.first(7));  // appending goes on after it as usual
    a.flush();
    out.commit();
  }
  std::string want = header;
  want.append(reinterpret_cast<const char*>(data.data()), data.size());
  want.append(reinterpret_cast<const char*>(data.data()), 7);
  EXPECT_TRUE(read_file(path) == want);
}

}  // namespace
}  // namespace ckpt
