// The bundle index protos decoded on their own (the reader's table walk is tested in
// tf_bundle_reader_errors_test.cc): values kept, every refusal one exact message.
#include "formats/tf_bundle_decode.h"

#include <gtest/gtest.h>

#include "formats/tf_bundle_index.h"
#include "tensor_bundle.pb.h"
#include "test_util.h"

namespace ckpt {
namespace {

std::string header_error(const tfproto::BundleHeaderProto& h) {
  return error_of([&] { decode_tf_bundle_header(h.SerializeAsString(), "b.index"); });
}

std::string entry_error(const tfproto::BundleEntryProto& e, int32_t shards = 1) {
  return error_of([&] { decode_tf_bundle_entry("w", e.SerializeAsString(), shards, "b.index"); });
}

tfproto::BundleEntryProto float_entry(std::vector<int64_t> shape, int64_t size) {
  tfproto::BundleEntryProto e;
  e.set_dtype(tfproto::DT_FLOAT);
  for (int64_t d : shape) e.mutable_shape()->add_dim()->set_size(d);
  e.set_size(size);
  return e;
}

TEST(TfBundleDecode, HeaderAsCkptconvWritesIt) {
  EXPECT_EQ(decode_tf_bundle_header(encode_tf_bundle_header(3), "b.index"), 3);
  EXPECT_EQ(decode_tf_bundle_header(std::string("\x08\x01\x1a\x02\x08\x01", 6), "b.index"), 1);
}

TEST(TfBundleDecode, HeaderRefusals) {
  EXPECT_EQ(error_of([] { decode_tf_bundle_header("\xff", "b.index"); }),
            "b.index: bad BundleHeaderProto (1 bytes)");
  tfproto::BundleHeaderProto h;
  h.set_num_shards(1);
  h.set_endianness(tfproto::BundleHeaderProto::BIG);
  EXPECT_EQ(header_error(h), "b.index: big-endian bundles are not supported");
  h.set_endianness(tfproto::BundleHeaderProto::LITTLE);
  h.set_num_shards(100001);
  EXPECT_EQ(header_error(h), "b.index: bad num_shards 100001 in the bundle header");
  h.set_num_shards(1);
  h.mutable_version()->set_min_consumer(2);
  EXPECT_EQ(header_error(h),
            "b.index: bundle needs a reader of version 2 or newer (this one is 1)");
}

TEST(TfBundleDecode, EntryRoundTripsThroughTheEncoder) {
  TfBundleEntry in;
  in.name = "w";
  in.tf_dtype = 1;
  in.shape = {2, 3};
  in.shard_id = 1;
  in.offset = 40;
  in.size = 24;
  in.masked_crc32c = 0xdeadbeef;
  const TfBundleEntry out = decode_tf_bundle_entry("w", encode_tf_bundle_entry(in), 2, "b.index");
  EXPECT_EQ(out.name, "w");
  EXPECT_EQ(out.dtype, DType::kF32);
  EXPECT_EQ(out.tf_dtype, 1);
  EXPECT_EQ(out.shape, (Shape{2, 3}));
  EXPECT_EQ(out.shard_id, 1);
  EXPECT_EQ(out.offset, 40u);
  EXPECT_EQ(out.size, 24u);
  EXPECT_EQ(out.masked_crc32c, 0xdeadbeefu);
}

TEST(TfBundleDecode, EntryRefusals) {
  EXPECT_EQ(error_of([] { decode_tf_bundle_entry("w", "\x0a", 1, "b.index"); }),
            "b.index: bad BundleEntryProto for tensor 'w'");
  tfproto::BundleEntryProto e = float_entry({2}, 8);
  e.add_slices();
  EXPECT_EQ(entry_error(e), "b.index: tensor 'w': partitioned (sliced) tensors are not supported");
  e = float_entry({2}, 8);
  e.set_dtype(tfproto::DT_INVALID);
  EXPECT_EQ(entry_error(e), "b.index: tensor 'w': unsupported dtype DT_INVALID");
  e = float_entry({}, 4);
  e.mutable_shape()->set_unknown_rank(true);
  EXPECT_EQ(entry_error(e), "b.index: tensor 'w': shape has unknown rank");
  EXPECT_EQ(entry_error(float_entry({2, -1}, 0)), "b.index: tensor 'w': negative dimension -1");
  EXPECT_EQ(entry_error(float_entry({1LL << 40, 1LL << 40}, 0)),
            "b.index: tensor 'w': shape [1099511627776, 1099511627776] of float32 has a byte size "
            "that overflows 64 bits");
  e = float_entry({2}, 8);
  e.set_shard_id(2);
  EXPECT_EQ(entry_error(e, 2), "b.index: tensor 'w': shard_id 2 is not below num_shards 2");
  e = float_entry({2}, 8);
  e.set_offset(-1);
  EXPECT_EQ(entry_error(e), "b.index: tensor 'w': negative offset or size");
  EXPECT_EQ(entry_error(float_entry({2, 3}, 20)),
            "b.index: tensor 'w': size 20 does not match shape [2, 3] of float32 (24 bytes)");
}

TEST(TfBundleDecode, InvalidUtf8InADimNameIsOurErrorAloneOnStderr) {
  // Found by fuzzing: libprotobuf refuses the string field and logged its own line as well.
  tfproto::BundleEntryProto e = float_entry({2}, 8);
  e.mutable_shape()->mutable_dim(0)->set_name("ok");
  std::string bytes = e.SerializeAsString();
  const size_t at = bytes.find("ok");
  ASSERT_NE(at, std::string::npos);
  bytes[at] = '\xff';
  testing::internal::CaptureStderr();
  const std::string error = error_of([&] { decode_tf_bundle_entry("w", bytes, 1, "b.index"); });
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  EXPECT_EQ(error, "b.index: bad BundleEntryProto for tensor 'w'");
}

}  // namespace
}  // namespace ckpt
