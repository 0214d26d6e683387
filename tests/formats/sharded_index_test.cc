#include "formats/sharded_index.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "formats/safetensors_test_util.h"
#include "io/error.h"
#include "test_util.h"

namespace ckpt {
namespace {

using testing::expect_matches_tensors_json;
using testing::names_of;
using testing::safetensors_blob;
using testing::tensors_json_names;

std::string variant(const std::string& name) { return test_data("gptj-variants/" + name); }

TEST(ShardedIndex, ReadsShardedSafetensorsInWeightMapOrder) {
  const std::string dir = variant("sharded-safetensors");
  const Checkpoint ckpt = read_sharded_index(dir + "/model.safetensors.index.json");
  EXPECT_EQ(ckpt.format, "sharded-safetensors");
  EXPECT_EQ(ckpt.files, (std::vector<std::string>{dir + "/model.safetensors.index.json",
                                                  dir + "/model-00001-of-00003.safetensors",
                                                  dir + "/model-00002-of-00003.safetensors",
                                                  dir + "/model-00003-of-00003.safetensors"}));
  expect_matches_tensors_json(ckpt, dir + "/tensors.json");
  EXPECT_EQ(names_of(ckpt), tensors_json_names(dir + "/tensors.json"));
  EXPECT_EQ(ckpt.find("lm_head.bias")->file->path(), dir + "/model-00003-of-00003.safetensors");
}

TEST(ShardedIndex, ReadsShardedPytorch) {
  const std::string dir = variant("sharded-bin");
  const Checkpoint ckpt = read_sharded_index(dir + "/pytorch_model.bin.index.json");
  EXPECT_EQ(ckpt.format, "sharded-pytorch");
  ASSERT_EQ(ckpt.files.size(), 4u);
  EXPECT_EQ(ckpt.files[3], dir + "/pytorch_model-00003-of-00003.bin");
  expect_matches_tensors_json(ckpt, dir + "/tensors.json");
  EXPECT_EQ(names_of(ckpt), tensors_json_names(dir + "/tensors.json"));
}

// A two-shard safetensors checkpoint in a temp dir: a.safetensors {x, y}, b.safetensors {z}.
class ShardedHandBuilt : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(dir_ / "a.safetensors",
               safetensors_blob(R"({"x":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},)"
                                R"("y":{"dtype":"U8","shape":[1],"data_offsets":[2,3]}})",
                                "\1\2\3"));
    write_file(
        dir_ / "b.safetensors",
        safetensors_blob(R"({"z":{"dtype":"I16","shape":[1],"data_offsets":[0,2]}})", "\4\5"));
  }
  std::string index() const { return dir_ / "model.safetensors.index.json"; }
  Checkpoint read(const std::string& json) {
    write_file(index(), json);
    return read_sharded_index(index());
  }
  // The message with "<index>: " removed (and checked).
  std::string error_of(const std::string& json) {
    try {
      read(json);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::kBadInput) << e.what();
      const std::string msg = e.what();
      const std::string prefix = index() + ": ";
      EXPECT_EQ(msg.rfind(prefix, 0), 0u) << msg;
      return msg.substr(prefix.size());
    }
    return "no error";
  }
  TempDir dir_;
};

TEST_F(ShardedHandBuilt, WeightMapOrderAcrossShards) {
  const Checkpoint ckpt =
      read(R"({"metadata":{"total_size":5},"weight_map":{"z":"b.safetensors","x":"a.safetensors",)"
           R"("y":"a.safetensors"}})");
  EXPECT_EQ(names_of(ckpt), (std::vector<std::string>{"z", "x", "y"}));
  EXPECT_EQ(ckpt.files,
            (std::vector<std::string>{index(), dir_ / "b.safetensors", dir_ / "a.safetensors"}));
  EXPECT_EQ(ckpt.tensors[0].data()[1], 5);
  EXPECT_EQ(ckpt.tensors[2].data()[0], 3);
}

TEST_F(ShardedHandBuilt, TensorMissingFromItsShard) {
  EXPECT_EQ(error_of(R"({"weight_map":{"x":"a.safetensors","y":"a.safetensors",)"
                     R"("z":"a.safetensors"}})"),
            "tensor 'z' is mapped to shard 'a.safetensors', which does not hold it");
}

TEST_F(ShardedHandBuilt, ShardTensorNotInWeightMap) {
  EXPECT_EQ(error_of(R"({"weight_map":{"x":"a.safetensors","z":"b.safetensors"}})"),
            "shard 'a.safetensors' holds tensor 'y', which the weight_map does not list");
}

TEST_F(ShardedHandBuilt, ShardTensorAssignedElsewhere) {
  // "y" is in a.safetensors but the map sends it to b, which also lacks it.
  std::filesystem::copy_file(dir_ / "a.safetensors", dir_ / "c.safetensors");
  EXPECT_EQ(error_of(R"({"weight_map":{"x":"a.safetensors","y":"c.safetensors",)"
                     R"("z":"b.safetensors"}})"),
            "shard 'a.safetensors' holds tensor 'y', which the weight_map assigns to shard "
            "'c.safetensors'");
}

TEST_F(ShardedHandBuilt, ShardNamesMustStayInTheDirectory) {
  EXPECT_EQ(error_of(R"({"weight_map":{"x":"../a.safetensors"}})"),
            "shard '../a.safetensors' (tensor 'x') is not a plain file name in the index's "
            "directory");
  EXPECT_EQ(error_of(R"({"weight_map":{"x":"/etc/passwd"}})"),
            "shard '/etc/passwd' (tensor 'x') is not a plain file name in the index's directory");
  EXPECT_EQ(error_of(R"({"weight_map":{"x":".."}})"),
            "shard '..' (tensor 'x') is not a plain file name in the index's directory");
  EXPECT_EQ(error_of(R"({"weight_map":{"x":""}})"),
            "shard '' (tensor 'x') is not a plain file name in the index's directory");
}

TEST_F(ShardedHandBuilt, MalformedIndex) {
  EXPECT_EQ(error_of("{\"weight_map\":"), "index is not valid JSON (parse error at offset 14)");
  EXPECT_EQ(error_of("[]"), "index is not a JSON object");
  EXPECT_EQ(error_of(R"({"metadata":{}})"), "index has no \"weight_map\"");
  EXPECT_EQ(error_of(R"({"weight_map":[]})"), "index \"weight_map\" is not a JSON object");
  EXPECT_EQ(error_of(R"({"weight_map":{}})"), "index \"weight_map\" is empty");
  EXPECT_EQ(error_of(R"({"metadata":3,"weight_map":{"x":"a.safetensors"}})"),
            "index \"metadata\" is not a JSON object");
  EXPECT_EQ(error_of(R"({"weight_map":{"x":7}})"),
            "weight_map entry of tensor 'x' is number, not a file name");
  EXPECT_EQ(error_of(R"({"weight_map":{"x":"a.safetensors","x":"b.safetensors"}})"),
            "index has duplicate key 'x'");
  EXPECT_EQ(error_of(R"({"weight_map":{"x":"a.safetensors","w":"w.bin"}})"),
            "index mixes safetensors and pytorch shards");
}

TEST_F(ShardedHandBuilt, MissingShardFile) {
  write_file(index(), R"({"weight_map":{"x":"gone.safetensors"}})");
  try {
    read_sharded_index(index());
    FAIL() << "no error";
  } catch (const Error& e) {
    // The index is wrong, not the disk (issue 12): bad input, naming the index.
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    EXPECT_EQ(std::string(e.what()),
              index() + ": shard 'gone.safetensors' named by the weight_map does not exist");
  }
}

TEST_F(ShardedHandBuilt, BadShardIsNamed) {
  write_file(dir_ / "b.safetensors", "short");
  try {
    read(R"({"weight_map":{"x":"a.safetensors","y":"a.safetensors","z":"b.safetensors"}})");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              dir_ / "b.safetensors" +
                  ": file is 5 bytes, too short for a safetensors header length (8 bytes)");
  }
}

}  // namespace
}  // namespace ckpt
