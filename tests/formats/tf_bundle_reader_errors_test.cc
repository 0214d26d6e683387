// Hostile and damaged bundles: every failure is one exact line naming the file and the problem.
#include <gtest/gtest.h>
#include <leveldb/env.h>
#include <leveldb/options.h>
#include <leveldb/table_builder.h>

#include <cstdio>
#include <filesystem>
#include <utility>

#include "formats/tf_bundle_index.h"
#include "formats/tf_bundle_reader.h"
#include "io/crc32c.h"
#include "io/error.h"
#include "tensor_bundle.pb.h"
#include "test_util.h"

namespace ckpt {
namespace {

// A raw LevelDB table with exactly these (already sorted) key/value pairs.
void write_raw_index(const std::string& path,
                     const std::vector<std::pair<std::string, std::string>>& kvs) {
  leveldb::WritableFile* file = nullptr;
  ASSERT_TRUE(leveldb::Env::Default()->NewWritableFile(path, &file).ok());
  leveldb::Options options;
  options.compression = leveldb::kNoCompression;
  leveldb::TableBuilder builder(options, file);
  for (const auto& [k, v] : kvs) builder.Add(k, v);
  ASSERT_TRUE(builder.Finish().ok());
  ASSERT_TRUE(file->Close().ok());
  delete file;
}

std::string entry_bytes(int dtype, std::vector<int64_t> shape, int64_t size, int shard = 0) {
  tfproto::BundleEntryProto e;
  e.set_dtype(static_cast<tfproto::DataType>(dtype));
  for (int64_t d : shape) e.mutable_shape()->add_dim()->set_size(d);
  e.set_size(size);
  e.set_shard_id(shard);
  return e.SerializeAsString();
}

class TfBundleReaderErrors : public ::testing::Test {
 protected:
  std::string open_error(const std::vector<std::pair<std::string, std::string>>& kvs) {
    write_raw_index(prefix_ + ".index", kvs);
    return error_of([&] { TfBundleReader::open(prefix_); });
  }
  TempDir dir_;
  const std::string prefix_ = dir_ / "b";
  const std::string index_ = prefix_ + ".index";
  const std::string header_ = encode_tf_bundle_header(1);
  const std::string fixture_ = test_data("tf-real/rust-regression-model/variables");
};

TEST_F(TfBundleReaderErrors, MissingIndex) {
  EXPECT_EQ(error_of([&] { TfBundleReader::open(prefix_); }),
            index_ + ": cannot open: No such file or directory");
}

TEST_F(TfBundleReaderErrors, IndexTooShortForAFooter) {
  write_file(index_, read_file(fixture_ + ".index").substr(0, 20));
  EXPECT_EQ(error_of([&] { TfBundleReader::open(prefix_); }),
            index_ + ": truncated: 20 bytes is too short for a table footer (48 bytes)");
}

TEST_F(TfBundleReaderErrors, IndexTruncatedAtTheEndLosesTheMagic) {
  const std::string bytes = read_file(fixture_ + ".index");
  write_file(index_, bytes.substr(0, bytes.size() - 1));
  EXPECT_EQ(error_of([&] { TfBundleReader::open(prefix_); }),
            index_ + ": bad table magic at offset 133 (not a TensorFlow bundle index)");
}

TEST_F(TfBundleReaderErrors, IndexTruncatedInTheMiddle) {
  const std::string bytes = read_file(fixture_ + ".index");  // 142 bytes, footer at 94
  write_file(index_, bytes.substr(50));
  // The footer's index handle is checked before leveldb reads the block (tf_table_bounds).
  EXPECT_EQ(error_of([&] { TfBundleReader::open(prefix_); }),
            index_ + ": index block (offset 75, size 14) runs past the end of the file (92 bytes)");
}

TEST_F(TfBundleReaderErrors, FlippedByteInTheIndexDataBlock) {
  std::string bytes = read_file(fixture_ + ".index");
  bytes[10] ^= 0x20;
  write_file(index_, bytes);
  EXPECT_EQ(error_of([&] { TfBundleReader::open(prefix_); }),
            index_ + ": corrupt index table: Corruption: block checksum mismatch");
}

TEST_F(TfBundleReaderErrors, EmptyTable) {
  EXPECT_EQ(open_error({}), index_ + ": the index table is empty (no bundle header)");
}

TEST_F(TfBundleReaderErrors, MissingHeader) {
  EXPECT_EQ(open_error({{"a", entry_bytes(1, {1}, 4)}}),
            index_ + ": missing bundle header (first key is 'a')");
}

TEST_F(TfBundleReaderErrors, BadHeaderProto) {
  EXPECT_EQ(open_error({{"", "\xff\xff"}}), index_ + ": bad BundleHeaderProto (2 bytes)");
}

TEST_F(TfBundleReaderErrors, BadNumShards) {
  EXPECT_EQ(open_error({{"", encode_tf_bundle_header(0)}}),
            index_ + ": bad num_shards 0 in the bundle header");
}

TEST_F(TfBundleReaderErrors, BigEndian) {
  tfproto::BundleHeaderProto h;
  h.set_num_shards(1);
  h.set_endianness(tfproto::BundleHeaderProto::BIG);
  EXPECT_EQ(open_error({{"", h.SerializeAsString()}}),
            index_ + ": big-endian bundles are not supported");
}

TEST_F(TfBundleReaderErrors, BadEntryProto) {
  EXPECT_EQ(open_error({{"", header_}, {"w", "\x0a\x05xy"}}),
            index_ + ": bad BundleEntryProto for tensor 'w'");
}

TEST_F(TfBundleReaderErrors, UnknownDtype) {
  EXPECT_EQ(open_error({{"", header_}, {"c", entry_bytes(8, {1}, 8)}}),
            index_ + ": tensor 'c': unsupported dtype DT_COMPLEX64");
  EXPECT_EQ(open_error({{"", header_}, {"c", entry_bytes(99, {1}, 8)}}),
            index_ + ": tensor 'c': unsupported dtype DataType 99");
}

TEST_F(TfBundleReaderErrors, SizeDoesNotMatchShape) {
  EXPECT_EQ(open_error({{"", header_}, {"w", entry_bytes(1, {2, 3}, 20)}}),
            index_ + ": tensor 'w': size 20 does not match shape [2, 3] of float32 (24 bytes)");
}

TEST_F(TfBundleReaderErrors, NegativeDimension) {
  EXPECT_EQ(open_error({{"", header_}, {"w", entry_bytes(1, {-2}, 8)}}),
            index_ + ": tensor 'w': negative dimension -2");
}

TEST_F(TfBundleReaderErrors, ShardIdOutOfRange) {
  EXPECT_EQ(open_error({{"", header_}, {"w", entry_bytes(1, {1}, 4, 1)}}),
            index_ + ": tensor 'w': shard_id 1 is not below num_shards 1");
}

TEST_F(TfBundleReaderErrors, SlicedTensor) {
  tfproto::BundleEntryProto e;
  e.set_dtype(tfproto::DT_FLOAT);
  e.add_slices()->add_extent()->set_start(0);
  EXPECT_EQ(open_error({{"", header_}, {"p", e.SerializeAsString()}}),
            index_ + ": tensor 'p': partitioned (sliced) tensors are not supported");
}

TEST_F(TfBundleReaderErrors, EntryBeyondTheDataFile) {
  TfBundleEntry e;
  e.name = "w";
  e.tf_dtype = 1;
  e.shape = {1};
  e.offset = 8;
  e.size = 4;
  {
    OutputFile out(index_);
    write_tf_bundle_index(out, {e});
    out.commit();
  }
  write_file(prefix_ + ".data-00000-of-00001", std::string(8, '\0'));
  auto reader = TfBundleReader::open(prefix_);
  EXPECT_EQ(error_of([&] { reader->view(reader->entries()[0]); }),
            prefix_ +
                ".data-00000-of-00001: tensor 'w' at offset 8 (4 bytes) lies beyond the end "
                "of the file (8 bytes)");
  EXPECT_EQ(error_of([&] { read_tf_bundle(prefix_); }),
            prefix_ +
                ".data-00000-of-00001: tensor 'w' at offset 8 (4 bytes) lies beyond the end "
                "of the file (8 bytes)");
}

TEST_F(TfBundleReaderErrors, TruncatedDataFile) {
  std::filesystem::copy_file(fixture_ + ".index", index_);
  write_file(prefix_ + ".data-00000-of-00001",
             read_file(fixture_ + ".data-00000-of-00001").substr(0, 6));
  EXPECT_EQ(error_of([&] { read_tf_bundle(prefix_); }),
            prefix_ +
                ".data-00000-of-00001: tensor 'w' at offset 4 (4 bytes) lies beyond the end "
                "of the file (6 bytes)");
}

TEST_F(TfBundleReaderErrors, FlippedDataByteFailsTheCrcNamingTheTensor) {
  std::filesystem::copy_file(fixture_ + ".index", index_);
  std::string data = read_file(fixture_ + ".data-00000-of-00001");
  data[5] ^= 0x01;  // inside 'w' (offset 4, 4 bytes)
  write_file(prefix_ + ".data-00000-of-00001", data);
  auto reader = TfBundleReader::open(prefix_);
  EXPECT_NO_THROW(reader->verify_crc(*reader->find("b")));
  // stored: EXPECTED.json's masked 458425717 unmasked; computed: crc32c of the damaged bytes.
  EXPECT_EQ(crc32c_unmask(458425717u), 0x0d4ebc68u);  // checked with a bitwise python crc
  EXPECT_EQ(error_of([&] { reader->verify_crc(*reader->find("w")); }),
            prefix_ +
                ".data-00000-of-00001: crc32c mismatch for tensor 'w' (stored 0x0d4ebc68, "
                "computed 0xa80f2e16)");
}

TEST_F(TfBundleReaderErrors, FlippedByteInAStringTensor) {
  const std::string src = test_data("tf-real/rust-regression-savedmodel/variables");
  std::filesystem::copy_file(src + ".index", index_);
  std::string data = read_file(src + ".data-00000-of-00001");
  data[28 + 2 + 4 + 10] ^= 0x01;  // object graph: 2-byte varint, 4-byte checksum, payload
  write_file(prefix_ + ".data-00000-of-00001", data);
  auto reader = TfBundleReader::open(prefix_);
  const std::string msg =
      error_of([&] { reader->verify_crc(*reader->find("_CHECKPOINTABLE_OBJECT_GRAPH")); });
  EXPECT_EQ(
      msg.substr(0, msg.find(" (stored")),
      prefix_ + ".data-00000-of-00001: crc32c mismatch for tensor '_CHECKPOINTABLE_OBJECT_GRAPH'");
  data[28 + 2 + 4 + 10] ^= 0x01;
  data[28] ^= 0x01;  // the length: its checksum no longer matches
  write_file(prefix_ + ".data-00000-of-00001", data);
  auto again = TfBundleReader::open(prefix_);
  EXPECT_EQ(error_of([&] { again->verify_crc(*again->find("_CHECKPOINTABLE_OBJECT_GRAPH")); }),
            prefix_ +
                ".data-00000-of-00001: string tensor '_CHECKPOINTABLE_OBJECT_GRAPH': length "
                "checksum mismatch");
}

TEST_F(TfBundleReaderErrors, TwoShardsReadAndAMissingShardIsNamed) {
  const std::string a = "\x01\x02\x03\x04", b = std::string("\x00\x00\x80\x3f\x00\x00\x00\x40", 8);
  auto entry = [](std::string name, int shard, const std::string& bytes, Shape shape) {
    TfBundleEntry e;
    e.name = std::move(name);
    e.tf_dtype = shard == 0 ? 4 : 1;  // uint8, float
    e.shape = std::move(shape);
    e.shard_id = shard;
    e.size = bytes.size();
    e.masked_crc32c =
        crc32c_mask(crc32c(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    return e;
  };
  {
    OutputFile out(index_);
    write_tf_bundle_index(out, {entry("x", 0, a, {4}), entry("y", 1, b, {2})}, 2);
    out.commit();
  }
  write_file(prefix_ + ".data-00000-of-00002", a);
  write_file(prefix_ + ".data-00001-of-00002", b);
  const Checkpoint c = read_tf_bundle(prefix_);
  ASSERT_EQ(c.tensors.size(), 2u);
  EXPECT_EQ(c.files.size(), 3u);
  EXPECT_EQ(c.tensors[1].file->path(), prefix_ + ".data-00001-of-00002");
  float y[2];
  std::memcpy(y, c.tensors[1].data(), 8);
  EXPECT_EQ(y[0], 1.0f);
  EXPECT_EQ(y[1], 2.0f);
  auto reader = TfBundleReader::open(prefix_);
  for (const auto& e : reader->entries()) EXPECT_NO_THROW(reader->verify_crc(e));
  std::filesystem::remove(prefix_ + ".data-00001-of-00002");
  auto again = TfBundleReader::open(prefix_);
  EXPECT_NO_THROW(again->view(*again->find("x")));
  EXPECT_EQ(error_of([&] { again->view(*again->find("y")); }),
            prefix_ + ".data-00001-of-00002: cannot open: No such file or directory");
}

}  // namespace
}  // namespace ckpt

namespace ckpt {
namespace {

// Every single-bit flip of a real index, and every truncation, either reads or fails with
// ckpt::Error - never a crash, never another exception (ASan/UBSan watch the reads).
TEST(TfBundleReaderHostile, EveryBitFlipAndTruncationOfARealIndex) {
  TempDir dir;
  const std::string src = test_data("tf-real/rust-regression-model/variables");
  const std::string index = read_file(src + ".index");
  std::filesystem::copy_file(src + ".data-00000-of-00001", dir / "b.data-00000-of-00001");
  auto attempt = [&](const std::string& bytes) {
    write_file(dir / "b.index", bytes);
    try {
      auto reader = TfBundleReader::open(dir / "b");
      for (const TfBundleEntry& e : reader->entries()) {
        try {
          reader->view(e);
          reader->verify_crc(e);
        } catch (const Error&) {
        }
      }
      return true;
    } catch (const Error&) {
      return false;
    }
  };
  int opened = 0;
  for (size_t i = 0; i < index.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bytes = index;
      bytes[i] = static_cast<char>(bytes[i] ^ (1 << bit));
      opened += attempt(bytes) ? 1 : 0;
    }
  }
  for (size_t n = 0; n < index.size(); ++n) EXPECT_FALSE(attempt(index.substr(0, n))) << n;
  // Harmless flips: the 36 footer padding bytes (288), the metaindex block and its handle
  // (never read without a filter policy: 104 + 15, the 16th breaks the varint). 407 in all.
  EXPECT_EQ(opened, 407);
}

}  // namespace
}  // namespace ckpt
