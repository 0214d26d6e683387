// Block handles of a LevelDB table checked before libleveldb follows them (it allocates what a
// handle claims before reading).
#include "formats/tf_table_bounds.h"

#include <gtest/gtest.h>
#include <snappy.h>

#include <filesystem>
#include <string>

#include "test_util.h"

namespace ckpt {
namespace {

std::string varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  return out + static_cast<char>(v);
}

std::string handle(uint64_t offset, uint64_t size) { return varint(offset) + varint(size); }

// An uncompressed block holding entries (key, value), one restart point, its 5-byte trailer.
std::string block(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string b;
  for (const auto& [k, v] : entries) b += varint(0) + varint(k.size()) + varint(v.size()) + k + v;
  b += std::string(4, '\0') + std::string("\x01\0\0\0", 4);  // restart at 0; one restart
  return b;
}

// `blocks` (each followed by a zero trailer) then a footer with these two handles.
std::string table(const std::string& blocks, const std::string& meta, const std::string& index) {
  std::string footer = meta + index;
  footer.resize(40, '\0');
  footer += std::string("\x57\xfb\x80\x8b\x24\x75\x47\xdb", 8);
  return blocks + footer;
}

std::string check(const std::string& t) {
  return error_of([&] {
    check_table_block_bounds({reinterpret_cast<const uint8_t*>(t.data()), t.size()}, "b.index");
  });
}

TEST(TfTableBounds, EveryRealTensorFlowIndexPasses) {
  for (const auto& dir : std::filesystem::directory_iterator(test_data("tf-real"))) {
    if (!dir.is_directory()) continue;
    for (const auto& f : std::filesystem::directory_iterator(dir.path())) {
      if (f.path().extension() != ".index") continue;
      EXPECT_EQ(check(read_file(f.path().string())), "no error") << f.path();
    }
  }
}

TEST(TfTableBounds, AFooterHandleLargerThanTheFileIsRefused) {
  // Found by fuzzing: leveldb allocated the claimed 2^62 bytes before reading.
  const std::string b = block({{"k", handle(0, 1)}}) + std::string(5, '\0');
  EXPECT_EQ(check(table(b, handle(0, 1), handle(0, uint64_t{1} << 62))),
            "b.index: index block (offset 0, size 4611686018427387904) runs past the end of the "
            "file (67 bytes)");
  EXPECT_EQ(check(table(b, handle(1000, 0), handle(0, b.size() - 5))),
            "b.index: metaindex block (offset 1000, size 0) runs past the end of the file (67 "
            "bytes)");
  // The trailer must fit too.
  EXPECT_EQ(check(table(b, handle(0, 0), handle(0, 64))),
            "b.index: index block (offset 0, size 64) runs past the end of the file (67 bytes)");
}

TEST(TfTableBounds, ADataHandleInTheIndexBlockIsChecked) {
  const std::string ok = block({{"k", handle(0, 0)}}) + std::string(5, '\0');
  EXPECT_EQ(check(table(ok, handle(0, 0), handle(0, ok.size() - 5))), "no error");
  const std::string huge = block({{"k", handle(0, uint64_t{1} << 40)}}) + std::string(5, '\0');
  EXPECT_EQ(check(table(huge, handle(0, 0), handle(0, huge.size() - 5))),
            "b.index: data block (offset 0, size 1099511627776) runs past the end of the file "
            "(72 bytes)");
}

TEST(TfTableBounds, MalformedIndexBlocksAndShortFiles) {
  std::string bad = block({{"k", handle(0, 0)}});
  bad[bad.size() - 4] = '\x40';  // 64 restart points in a 12-byte block
  bad += std::string(5, '\0');
  EXPECT_EQ(check(table(bad, handle(0, 0), handle(0, bad.size() - 5))),
            "b.index: corrupt index block: 64 restart points do not fit in 14 bytes");
  std::string entry = block({{"k", handle(0, 0)}});
  entry[2] = '\x7f';  // value length past the entries
  entry += std::string(5, '\0');
  EXPECT_EQ(check(table(entry, handle(0, 0), handle(0, entry.size() - 5))),
            "b.index: corrupt index block: bad entry at offset 3");
  EXPECT_EQ(check(std::string(47, '\0')),
            "b.index: truncated: 47 bytes is too short for a table footer (48 bytes)");
}

// A snappy-compressed block: leveldb allocates the uncompressed length the block claims.
std::string snappy_block(const std::string& raw) {
  std::string out;
  snappy::Compress(raw.data(), raw.size(), &out);
  return out;
}
const std::string kSnappyTrailer("\x01\0\0\0\0", 5);

TEST(TfTableBounds, ACompressedIndexBlockIsDecompressedAndItsHandlesChecked) {
  const std::string ok = snappy_block(block({{"k", handle(0, 0)}}));
  EXPECT_EQ(check(table(ok + kSnappyTrailer, handle(0, 0), handle(0, ok.size()))), "no error");
  const std::string huge = snappy_block(block({{"k", handle(0, uint64_t{1} << 40)}}));
  EXPECT_EQ(check(table(huge + kSnappyTrailer, handle(0, 0), handle(0, huge.size()))),
            "b.index: data block (offset 0, size 1099511627776) runs past the end of the file "
            "(74 bytes)");
  std::string entry = block({{"k", handle(0, 0)}});
  entry[2] = '\x7f';
  const std::string bad = snappy_block(entry);
  EXPECT_EQ(check(table(bad + kSnappyTrailer, handle(0, 0), handle(0, bad.size()))),
            "b.index: corrupt index block: bad entry at offset 3 of the uncompressed block");
}

TEST(TfTableBounds, ACompressedBlockClaimingMoreThanSnappyEncodesIsRefused) {
  // 10 bytes whose snappy preamble claims 2^32 - 1 uncompressed bytes: leveldb would allocate
  // 4 GiB for them.
  const std::string claim = std::string("\xff\xff\xff\xff\x0f", 5) + std::string(5, 'x');
  EXPECT_EQ(check(table(claim + kSnappyTrailer, handle(0, 0), handle(0, claim.size()))),
            "b.index: index block (offset 0, size 10) claims 4294967295 bytes once uncompressed, "
            "more than snappy can encode in it");
  // The same claim in a data block an uncompressed index names.
  const std::string index = block({{"k", handle(0, claim.size())}});
  const std::string blocks = claim + kSnappyTrailer + index + std::string(5, '\0');
  EXPECT_EQ(check(table(blocks, handle(0, 0), handle(claim.size() + 5, index.size()))),
            "b.index: data block (offset 0, size 10) claims 4294967295 bytes once uncompressed, "
            "more than snappy can encode in it");
  const std::string garbage(10, '\xff');  // no varint end
  EXPECT_EQ(check(table(garbage + kSnappyTrailer, handle(0, 0), handle(0, garbage.size()))),
            "b.index: index block (offset 0) has a corrupt snappy length");
  // A plausible length, then a copy from 5 bytes back before anything was written.
  const std::string bad_copy("\x0a\x01\x05", 3);
  EXPECT_EQ(check(table(bad_copy + kSnappyTrailer, handle(0, 0), handle(0, bad_copy.size()))),
            "b.index: corrupt index block: its snappy data does not decompress");
}

}  // namespace
}  // namespace ckpt
