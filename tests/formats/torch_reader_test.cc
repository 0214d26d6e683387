// read_pytorch_file against files written by real torch (tests/data/gptj-variants, made by
// torch 1.13) and against hand-built hostile archives.
#include "formats/torch_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

#include "io/error.h"
#include "torch_test_util.h"

namespace ckpt {
namespace {

using torch_test::expect_matches_json;
using torch_test::make_zip;
using torch_test::PickleTensor;
using torch_test::state_dict_pickle;

std::string variant(const std::string& rel) { return test_data("gptj-variants/" + rel); }

std::string error_of(const std::string& path) {
  try {
    read_pytorch_file(path);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    return e.what();
  }
  return "no error";
}

TEST(TorchReader, RefusesAMissingFile) {
  EXPECT_THAT([] { read_pytorch_file(MappedFilePtr{}); },
              ::testing::ThrowsMessage<std::invalid_argument>("read_pytorch_file: no file"));
}

TEST(TorchReader, TinyFixtureZip) {
  const std::string path = test_data("gptj-tiny/pytorch_model.bin");
  const Checkpoint ck = read_pytorch_file(path);
  EXPECT_EQ(ck.format, "pytorch-zip");
  EXPECT_EQ(ck.files, std::vector<std::string>{path});
  // Same state dict as the fp32 legacy variant.
  expect_matches_json(ck.tensors, variant("legacy-fp32/tensors.json"));
  ASSERT_EQ(ck.tensors.size(), 29u);
  EXPECT_EQ(ck.tensors[0].name, "transformer.wte.weight");
  EXPECT_EQ(ck.tensors[0].strides, (Shape{64, 1}));
  EXPECT_EQ(ck.tensors[0].offset % 64, 0u);  // torch aligns record data to 64 bytes
  const TensorView* mask = ck.find("transformer.h.0.attn.bias");
  ASSERT_NE(mask, nullptr);
  EXPECT_EQ(mask->dtype, DType::kBool);
  EXPECT_EQ(mask->shape, (Shape{1, 1, 32, 32}));
  EXPECT_EQ(mask->strides, (Shape{1024, 1024, 32, 1}));
  const TensorView* masked_bias = ck.find("transformer.h.0.attn.masked_bias");
  ASSERT_NE(masked_bias, nullptr);
  EXPECT_TRUE(masked_bias->shape.empty());
  EXPECT_TRUE(masked_bias->strides.empty());
  float value = 0;
  std::memcpy(&value, masked_bias->data(), 4);
  EXPECT_EQ(value, -1e9f);
}

class TorchVariant : public ::testing::TestWithParam<const char*> {};

TEST_P(TorchVariant, MatchesTensorsJson) {
  const std::string dir = GetParam();
  const Checkpoint ck = read_pytorch_file(variant(dir + "/pytorch_model.bin"));
  EXPECT_EQ(ck.format, dir.starts_with("legacy") ? "pytorch-legacy" : "pytorch-zip");
  expect_matches_json(ck.tensors, variant(dir + "/tensors.json"));
}

INSTANTIATE_TEST_SUITE_P(Variants, TorchVariant,
                         ::testing::Values("zip-fp16", "zip-bf16", "legacy-fp32", "legacy-fp16",
                                           "tricky", "missing-tensor"));

TEST(TorchReader, VariantDtypes) {
  EXPECT_EQ(read_pytorch_file(variant("zip-fp16/pytorch_model.bin")).tensors[0].dtype, DType::kF16);
  EXPECT_EQ(read_pytorch_file(variant("zip-bf16/pytorch_model.bin")).tensors[0].dtype,
            DType::kBF16);
  EXPECT_EQ(read_pytorch_file(variant("legacy-fp16/pytorch_model.bin")).tensors[0].dtype,
            DType::kF16);
}

TEST(TorchReader, ShardedBinShardsTogetherMatchTensorsJson) {
  std::vector<TensorView> all;
  for (int i = 1; i <= 3; ++i) {
    const Checkpoint ck = read_pytorch_file(
        variant("sharded-bin/pytorch_model-0000" + std::to_string(i) + "-of-00003.bin"));
    EXPECT_FALSE(ck.tensors.empty());
    all.insert(all.end(), ck.tensors.begin(), ck.tensors.end());
  }
  expect_matches_json(all, variant("sharded-bin/tensors.json"));
}

TEST(TorchReader, TrickyViewsKeepStridesOffsetsAndSharing) {
  const Checkpoint ck = read_pytorch_file(variant("tricky/pytorch_model.bin"));
  const TensorView* q = ck.find("transformer.h.0.attn.q_proj.weight");
  const TensorView* k = ck.find("transformer.h.0.attn.k_proj.weight");
  const TensorView* v = ck.find("transformer.h.0.attn.v_proj.weight");
  const TensorView* o = ck.find("transformer.h.0.attn.out_proj.weight");
  const TensorView* fc_in = ck.find("transformer.h.0.mlp.fc_in.weight");
  const TensorView* ln = ck.find("transformer.h.1.ln_1.bias");
  const TensorView* wte = ck.find("transformer.wte.weight");
  const TensorView* lm = ck.find("lm_head.weight");
  ASSERT_TRUE(q && k && v && o && fc_in && ln && wte && lm);
  EXPECT_EQ(q->strides, (Shape{1, 64}));
  EXPECT_FALSE(q->is_contiguous());
  EXPECT_EQ(o->offset, v->offset + 64 * 64 * 4);  // two halves of one storage
  EXPECT_EQ(fc_in->strides, (Shape{69, 1}));
  EXPECT_EQ(ln->strides, (Shape{0}));
  EXPECT_EQ(lm->offset, wte->offset);  // tied: the same storage
  EXPECT_EQ(lm->file, wte->file);
  // k_proj sits at storage offset 37 of a larger storage.
  EXPECT_EQ(torch_test::view_sha256(*k),
            nlohmann::json::parse(read_file(
                variant("tricky/tensors.json")))["transformer.h.0.attn.k_proj.weight"]["sha256"]
                .get<std::string>());
}

TEST(TorchReader, TruncatedZip) {
  const std::string path = variant("malformed-truncated/pytorch_model.bin");
  EXPECT_EQ(
      error_of(path),
      path + ": not a valid zip archive: end of central directory not found (truncated file?)");
}

TEST(TorchReader, RefusesOsSystem) {
  const std::string path = variant("malformed-pickle-os-system/pytorch_model.bin");
  EXPECT_EQ(error_of(path),
            path + ": data.pkl: refusing global 'os.system' (not on the allow-list)");
}

TEST(TorchReader, RefusesBuiltinsEval) {
  const std::string path = variant("malformed-pickle-builtins-eval/pytorch_model.bin");
  EXPECT_EQ(error_of(path),
            path + ": data.pkl: refusing global 'builtins.eval' (not on the allow-list)");
}

TEST(TorchReader, GitLfsPointer) {
  const std::string path = variant("malformed-lfs-pointer/pytorch_model.bin");
  EXPECT_EQ(error_of(path), path +
                                ": is a git-lfs pointer, not the weights (run `git lfs pull` or "
                                "let ckptconv download them)");
}

TEST(TorchReader, EmptyAndForeignFiles) {
  TempDir tmp;
  write_file(tmp / "empty.bin", "");
  EXPECT_EQ(error_of(tmp / "empty.bin"), tmp / "empty.bin: is empty, not a PyTorch checkpoint");
  write_file(tmp / "text.bin", "hello world");
  EXPECT_EQ(error_of(tmp / "text.bin"),
            tmp /
                "text.bin: not a PyTorch checkpoint (neither a zip archive nor a legacy "
                "torch.save file)");
  try {
    read_pytorch_file(tmp / "missing.bin");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kIo);
    EXPECT_STREQ(e.what(), (tmp / "missing.bin: cannot open: No such file or directory").c_str());
  }
}

std::string floats(std::initializer_list<float> values) {
  std::string out;
  for (float f : values) out.append(reinterpret_cast<const char*>(&f), 4);
  return out;
}

// fuzz/corpus/torch_file/small_{zip,legacy}.bin (fuzz/make_seeds.py): views of one storage,
// fp16/bf16/bool storages, a 0-dim tensor and a non-tensor entry, in both formats.
class SmallSeed : public ::testing::TestWithParam<const char*> {};

TEST_P(SmallSeed, ValuesViewsAndSharing) {
  const Checkpoint ck =
      read_pytorch_file(std::string(CKPT_SOURCE_DIR) + "/fuzz/corpus/torch_file/" + GetParam());
  ASSERT_EQ(ck.tensors.size(), 7u);  // "step" (an int) is skipped
  const auto& t = ck.tensors;
  EXPECT_EQ(t[0].name, "w");
  EXPECT_EQ(t[0].shape, (Shape{3, 4}));
  EXPECT_EQ(torch_test::gather(t[0]), floats({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
  EXPECT_EQ(t[1].name, "wt");
  EXPECT_EQ(t[1].strides, (Shape{1, 4}));
  EXPECT_EQ(t[1].offset, t[0].offset);  // same storage
  EXPECT_EQ(torch_test::gather(t[1]), floats({0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}));
  EXPECT_EQ(t[2].name, "tail");
  EXPECT_EQ(t[2].offset, t[0].offset + 5 * 4);
  EXPECT_EQ(torch_test::gather(t[2]), floats({5, 6, 7, 8}));
  EXPECT_EQ(t[3].dtype, DType::kF16);
  EXPECT_EQ(torch_test::gather(t[3]), std::string("\x00\x3c\x00\x3c\x00\x3c", 6));
  EXPECT_EQ(t[4].dtype, DType::kBF16);
  EXPECT_EQ(torch_test::gather(t[4]), std::string("\x00\x3f\x00\x3f", 4));
  EXPECT_EQ(t[5].name, "mask");
  EXPECT_EQ(t[5].dtype, DType::kBool);
  EXPECT_EQ(t[5].shape, (Shape{1, 1, 2, 2}));
  EXPECT_EQ(torch_test::gather(t[5]), std::string("\x01\x00\x01\x01", 4));
  EXPECT_EQ(t[6].name, "scalar");
  EXPECT_TRUE(t[6].shape.empty());
  EXPECT_EQ(torch_test::gather(t[6]), floats({-1e9f}));
}

INSTANTIATE_TEST_SUITE_P(Formats, SmallSeed,
                         ::testing::Values("small_zip.bin", "small_legacy.bin"));

TEST(TorchReader, HandBuiltArchiveWithArchiveFolder) {
  TempDir tmp;
  const std::string pkl = state_dict_pickle({{"w", "FloatStorage", "0", 6, 1, {2, 2}, {1, 2}, ""}});
  write_file(tmp / "a.bin", make_zip({{"archive/data.pkl", pkl},
                                      {"archive/data/0", floats({0, 1, 2, 3, 4, 5})},
                                      {"archive/version", "3\n"}}));
  const Checkpoint ck = read_pytorch_file(tmp / "a.bin");
  ASSERT_EQ(ck.tensors.size(), 1u);
  EXPECT_EQ(torch_test::gather(ck.tensors[0]), floats({1, 3, 2, 4}));  // transposed view
}

TEST(TorchReader, ViewBeyondStorageNamesTheTensor) {
  TempDir tmp;
  const std::string pkl = state_dict_pickle({{"w", "FloatStorage", "0", 4, 1, {2, 2}, {2, 1}, ""}});
  write_file(tmp / "a.bin",
             make_zip({{"archive/data.pkl", pkl}, {"archive/data/0", floats({0, 1, 2, 3})}}));
  EXPECT_EQ(error_of(tmp / "a.bin"),
            tmp /
                "a.bin: tensor 'w' (shape [2, 2], stride [2, 1], byte offset 4) reaches past "
                "the end of storage '0' (16 bytes)");
}

TEST(TorchReader, StorageLargerThanItsEntry) {
  TempDir tmp;
  const std::string pkl = state_dict_pickle({{"w", "FloatStorage", "0", 5, 0, {4}, {1}, ""}});
  write_file(tmp / "a.bin",
             make_zip({{"archive/data.pkl", pkl}, {"archive/data/0", floats({0, 1, 2, 3})}}));
  EXPECT_EQ(error_of(tmp / "a.bin"),
            tmp /
                "a.bin: tensor 'w': storage '0' declares 5 float32 elements but zip entry "
                "'archive/data/0' holds 16 bytes");
}

TEST(TorchReader, MissingStorageEntry) {
  TempDir tmp;
  const std::string pkl = state_dict_pickle({{"w", "FloatStorage", "7", 4, 0, {4}, {1}, ""}});
  write_file(tmp / "a.bin", make_zip({{"archive/data.pkl", pkl}}));
  EXPECT_EQ(error_of(tmp / "a.bin"),
            tmp / "a.bin: tensor 'w': storage '7' has no zip entry 'archive/data/7'");
}

TEST(TorchReader, ZipWithoutDataPkl) {
  TempDir tmp;
  write_file(tmp / "a.bin", make_zip({{"archive/other.pkl", "x"}}));
  EXPECT_EQ(error_of(tmp / "a.bin"),
            tmp / "a.bin: zip archive has no <folder>/data.pkl entry (not a PyTorch checkpoint)");
}

TEST(TorchReader, UnknownStorageClassIsRefused) {
  TempDir tmp;
  const std::string pkl =
      state_dict_pickle({{"w", "ComplexFloatStorage", "0", 1, 0, {1}, {1}, ""}});
  write_file(tmp / "a.bin", make_zip({{"archive/data.pkl", pkl}}));
  EXPECT_EQ(error_of(tmp / "a.bin"),
            tmp /
                "a.bin: data.pkl: refusing global 'torch.ComplexFloatStorage' (not on the "
                "allow-list)");
}

TEST(TorchReader, NonTensorValuesAreSkipped) {
  TempDir tmp;
  std::string pkl = state_dict_pickle({{"w", "FloatStorage", "0", 1, 0, {}, {}, ""}});
  pkl.pop_back();  // STOP
  pkl += torch_test::p_unicode("step") + torch_test::p_int(7) + "s.";
  write_file(tmp / "a.bin",
             make_zip({{"archive/data.pkl", pkl}, {"archive/data/0", floats({2.5f})}}));
  const Checkpoint ck = read_pytorch_file(tmp / "a.bin");
  ASSERT_EQ(ck.tensors.size(), 1u);
  EXPECT_EQ(ck.tensors[0].name, "w");
  EXPECT_EQ(torch_test::gather(ck.tensors[0]), floats({2.5f}));
}

TEST(TorchReader, BigEndianZipIsRefused) {
  TempDir tmp;
  const std::string pkl = state_dict_pickle({{"w", "FloatStorage", "0", 1, 0, {}, {}, ""}});
  write_file(tmp / "a.bin", make_zip({{"archive/data.pkl", pkl},
                                      {"archive/byteorder", "big"},
                                      {"archive/data/0", floats({1})}}));
  EXPECT_EQ(error_of(tmp / "a.bin"),
            tmp / "a.bin: byteorder is 'big'; only little-endian checkpoints are supported");
}

// Hand-built legacy files: a storage view (6th persistent id item) and broken data sections.
PickleTensor legacy_view_tensor() {
  // ('storage', FloatStorage, 'r', 'cpu', 6, ('v', 2, 3)): elements 2..4 of root 'r'.
  return {
      "w", "FloatStorage",
      "r", 6,
      0,   {3},
      {1}, "(" + torch_test::p_unicode("v") + torch_test::p_int(2) + torch_test::p_int(3) + "t"};
}

TEST(TorchReader, LegacyStorageView) {
  TempDir tmp;
  const std::string objects = state_dict_pickle({legacy_view_tensor()});
  write_file(tmp / "a.bin", torch_test::legacy_file(objects, {{"r", floats({0, 1, 2, 3, 4, 5})}}));
  const Checkpoint ck = read_pytorch_file(tmp / "a.bin");
  EXPECT_EQ(ck.format, "pytorch-legacy");
  ASSERT_EQ(ck.tensors.size(), 1u);
  EXPECT_EQ(torch_test::gather(ck.tensors[0]), floats({2, 3, 4}));
}

TEST(TorchReader, LegacyViewBeyondItsStorage) {
  TempDir tmp;
  PickleTensor t = legacy_view_tensor();
  t.offset = 1;  // elements 1..3 of a 3-element view
  write_file(tmp / "a.bin",
             torch_test::legacy_file(state_dict_pickle({t}), {{"r", floats({0, 1, 2, 3, 4, 5})}}));
  EXPECT_EQ(error_of(tmp / "a.bin"),
            tmp /
                "a.bin: tensor 'w' (shape [3], stride [1], byte offset 4) reaches past the "
                "end of storage 'r' (12 bytes)");
}

TEST(TorchReader, LegacyCountMismatch) {
  TempDir tmp;
  const std::string objects = state_dict_pickle({legacy_view_tensor()});
  const std::string file =
      torch_test::legacy_file(objects, {{"r", floats({0, 1, 2, 3, 4, 5})}}, "\x80\x02}.", {5});
  write_file(tmp / "a.bin", file);
  const size_t count_at = file.size() - 24 - 8;
  EXPECT_EQ(error_of(tmp / "a.bin"),
            tmp / ("a.bin: storage 'r' at offset " + std::to_string(count_at) +
                   " holds 5 elements but its persistent id says 6"));
}

TEST(TorchReader, LegacyUndeclaredKey) {
  TempDir tmp;
  const std::string objects = state_dict_pickle({legacy_view_tensor()});
  write_file(tmp / "a.bin", torch_test::legacy_file(
                                objects, {{"zz", floats({1})}, {"r", floats({0, 1, 2, 3, 4, 5})}}));
  EXPECT_EQ(error_of(tmp / "a.bin"),
            tmp / "a.bin: storage 'zz' is in the key list but no tensor declares its type");
}

TEST(TorchReader, LegacyStorageMissingFromKeyList) {
  TempDir tmp;
  const std::string objects = state_dict_pickle({legacy_view_tensor()});
  write_file(tmp / "a.bin", torch_test::legacy_file(objects, {}));
  EXPECT_EQ(error_of(tmp / "a.bin"),
            tmp / "a.bin: tensor 'w': storage 'r' is missing from the key list");
}

TEST(TorchReader, LegacyBigEndianIsRefused) {
  TempDir tmp;
  const std::string objects = state_dict_pickle({legacy_view_tensor()});
  const std::string sys_info = "\x80\x02}" + torch_test::p_unicode("little_endian") + "\x89s.";
  write_file(tmp / "a.bin", torch_test::legacy_file(objects, {}, sys_info));
  EXPECT_EQ(error_of(tmp / "a.bin"),
            tmp /
                "a.bin: sys_info (pickle at offset 21): only little-endian checkpoints are "
                "supported");
}

TEST(TorchReader, TruncatedLegacyFile) {
  TempDir tmp;
  const std::string whole = read_file(variant("legacy-fp32/pytorch_model.bin"));
  write_file(tmp / "a.bin", whole.substr(0, whole.size() - 100));
  const std::string err = error_of(tmp / "a.bin");
  EXPECT_EQ(err.substr(0, (tmp / "a.bin: storage '").size()), tmp / "a.bin: storage '");
  EXPECT_NE(err.find(" data at offset "), std::string::npos) << err;
  EXPECT_NE(err.find(" lies beyond the end of the file (" + std::to_string(whole.size() - 100) +
                     " bytes)"),
            std::string::npos)
      << err;
}

TEST(TorchReader, LegacyMagicMismatch) {
  TempDir tmp;
  std::string whole = read_file(variant("legacy-fp32/pytorch_model.bin"));
  whole[4] ^= 1;  // inside the LONG1 magic number
  write_file(tmp / "a.bin", whole);
  EXPECT_EQ(error_of(tmp / "a.bin"),
            tmp / "a.bin: not a PyTorch checkpoint (bad magic number in the legacy format)");
}

}  // namespace
}  // namespace ckpt
