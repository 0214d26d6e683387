// The reader against real TensorFlow-written bundles (tests/data/tf-real): every field of every
// entry must match what an independent decoder recorded in EXPECTED.json.
#include "formats/tf_bundle_reader.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "formats/tf_dtype.h"
#include "formats/tf_string_tensor.h"
#include "io/error.h"
#include "io/sha256.h"
#include "test_util.h"

namespace ckpt {
namespace {

nlohmann::json expected() {
  return nlohmann::json::parse(read_file(test_data("tf-real/EXPECTED.json")));
}

std::string fixture_prefix(const nlohmann::json& fx) {
  std::string p = test_data("tf-real/" + fx["path"].get<std::string>());
  if (p.ends_with(".index")) p.resize(p.size() - 6);
  return p;
}

TEST(TfBundleReader, DecodesEveryRealFixtureAsExpected) {
  const nlohmann::json all = expected();
  ASSERT_EQ(all.size(), 9u);
  for (const auto& [fixture, fx] : all.items()) {
    SCOPED_TRACE(fixture);
    const std::string prefix = fixture_prefix(fx);
    auto reader = TfBundleReader::open(prefix);
    const auto& tensors = fx["tensors"];
    ASSERT_EQ(reader->entries().size(), tensors.size());
    uint64_t total = 0;
    for (size_t i = 0; i < tensors.size(); ++i) {
      const auto& t = tensors[i];
      const TfBundleEntry& e = reader->entries()[i];
      SCOPED_TRACE(e.name);
      EXPECT_EQ(e.name, t["name"].get<std::string>());
      EXPECT_EQ(e.tf_dtype, t["dtype_enum"].get<int>());
      EXPECT_EQ(tf_dtype_name(e.tf_dtype), "DT_" + t["dtype"].get<std::string>());
      EXPECT_EQ(e.shape, t["shape"].get<Shape>());
      EXPECT_EQ(e.shard_id, t["shard_id"].get<int>());
      EXPECT_EQ(e.offset, t["offset"].get<uint64_t>());
      EXPECT_EQ(e.size, t["size"].get<uint64_t>());
      EXPECT_EQ(e.masked_crc32c, t["crc32c"].get<uint32_t>());
      EXPECT_EQ(reader->find(e.name), &e);
      total += e.size;
      if (fx["kind"] != "bundle") continue;
      const TensorView v = reader->view(e);
      EXPECT_EQ(v.offset, e.offset);
      EXPECT_EQ(v.dtype, e.dtype);
      EXPECT_EQ(sha256_hex(std::string(reinterpret_cast<const char*>(v.data()), e.size)),
                t["sha256"].get<std::string>());
      EXPECT_NO_THROW(reader->verify_crc(e));
      if (e.dtype == DType::kString) {
        const TfStringTensor s = decode_tf_string_tensor({v.data(), e.size}, shape_numel(e.shape),
                                                         reader->data_path(0), e.name);
        std::vector<uint64_t> lengths;
        for (auto sv : s.elements) lengths.push_back(sv.size());
        EXPECT_EQ(lengths, t["string_lengths"].get<std::vector<uint64_t>>());
        EXPECT_EQ(s.encoded_size, e.size);
      }
    }
    EXPECT_EQ(reader->find("no/such/tensor"), nullptr);
    if (fx["kind"] == "bundle") {
      // Tensors tile the data file exactly.
      EXPECT_EQ(read_file(reader->data_path(0)).size(), total);
    }
  }
}

TEST(TfBundleReader, KnownValuesOfTheRegressionModel) {
  auto reader = TfBundleReader::open(test_data("tf-real/rust-regression-savedmodel/variables"));
  const TfBundleEntry* iter = reader->find("optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE");
  ASSERT_NE(iter, nullptr);
  EXPECT_EQ(iter->dtype, DType::kI64);
  EXPECT_EQ(iter->shape, Shape{});
  const TfBundleEntry* graph = reader->find("_CHECKPOINTABLE_OBJECT_GRAPH");
  ASSERT_NE(graph, nullptr);
  EXPECT_EQ(graph->dtype, DType::kString);
  EXPECT_EQ(reader->index_path(), test_data("tf-real/rust-regression-savedmodel/variables.index"));
  EXPECT_EQ(reader->data_path(0),
            test_data("tf-real/rust-regression-savedmodel/variables.data-00000-of-00001"));
}

TEST(TfBundleReader, ReadsTheSnappyCompressedMinigoIndex) {
  auto reader = TfBundleReader::open(test_data("tf-real/swift-minigo/minigo"));
  EXPECT_EQ(reader->entries().size(), 333u);
}

TEST(TfBundleReader, ReadTfBundleGivesViewsInKeyOrder) {
  const std::string prefix = test_data("tf-real/rust-keras-single-input/variables");
  const Checkpoint c = read_tf_bundle(prefix);
  EXPECT_EQ(c.format, "tf-bundle");
  EXPECT_EQ(c.files,
            (std::vector<std::string>{prefix + ".index", prefix + ".data-00000-of-00001"}));
  ASSERT_EQ(c.tensors.size(), 28u);
  EXPECT_EQ(c.tensors[0].name, "_CHECKPOINTABLE_OBJECT_GRAPH");
  EXPECT_EQ(c.tensors[0].dtype, DType::kString);
  for (size_t i = 1; i < c.tensors.size(); ++i) EXPECT_LT(c.tensors[i - 1].name, c.tensors[i].name);
  const TensorView* k = c.find("layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE");
  ASSERT_NE(k, nullptr);
  EXPECT_TRUE(k->is_contiguous());
}

TEST(TfBundleReader, ReadTfBundleOfAnIndexOnlyBundleNamesTheMissingShard) {
  const std::string prefix = test_data("tf-real/swift-style/style");
  try {
    read_tf_bundle(prefix);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              prefix + ".data-00000-of-00001: cannot open: No such file or directory");
    EXPECT_EQ(e.code(), ExitCode::kIo);
  }
}

TEST(TfBundleReader, ResolvesPrefixIndexDataFileAndDirectory) {
  const std::string dir = test_data("tf-real/rust-regression-model");
  const std::string prefix = dir + "/variables";
  EXPECT_EQ(resolve_tf_prefix(prefix), prefix);
  EXPECT_EQ(resolve_tf_prefix(prefix + ".index"), prefix);
  EXPECT_EQ(resolve_tf_prefix(prefix + ".data-00000-of-00001"), prefix);
  EXPECT_EQ(resolve_tf_prefix(dir), prefix + "");
  EXPECT_EQ(resolve_tf_prefix(dir + "/nothing"), "");
  EXPECT_EQ(resolve_tf_prefix(test_data("tf-real")), "");  // no index directly inside
}

TEST(TfBundleReader, ResolvesThroughTheCheckpointFile) {
  TempDir dir;
  const std::string fixture = test_data("tf-real/rust-regression-model/variables");
  for (const char* name : {"a", "b"}) {
    write_file(dir / (std::string(name) + ".index"), read_file(fixture + ".index"));
  }
  EXPECT_EQ(resolve_tf_prefix(dir.path()), "");  // two indexes, no checkpoint file: ambiguous
  write_file(dir / "checkpoint",
             "model_checkpoint_path: \"b\"\nall_model_checkpoint_paths: \"b\"\n");
  EXPECT_EQ(resolve_tf_prefix(dir.path()), dir / "b");
}

}  // namespace
}  // namespace ckpt
