// End-to-end, GPT-NeoX (issue 9): the ckptconv binary converts the shared tiny GPT-NeoX oracle
// (tests/data/neox-tiny) and every tests/data/neox-variants input into exactly the Cerebras GPT-J
// TF variables computed with real PyTorch (expected-cs.json: name, shape, sha256 of the float32
// bytes), verifies them, and to-hf gives the HF weights back bit for bit.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "cli_test_util.h"
#include "formats/checkpoint_discovery.h"

namespace ckpt {
namespace {

// The buffers HF GPT-NeoX checkpoints may hold; they are not model weights.
bool is_neox_buffer(const std::string& name) {
  for (const char* suffix :
       {".attention.bias", ".attention.masked_bias", ".attention.rotary_emb.inv_freq"}) {
    const std::string s = suffix;
    if (name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      return true;
    }
  }
  return false;
}

std::string param_name(const std::string& dir) {
  std::string n = dir;
  for (char& c : n) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return n;
}

// Element `i` of a float32 tensor view, read without assuming alignment.
float float_at(const TensorView& v, int64_t i) {
  float f = 0;
  std::memcpy(&f, v.data() + i * 4, sizeof f);
  return f;
}

struct Expected {
  std::map<std::string, std::string> hashes;  // name -> sha256
  std::map<std::string, Shape> shapes;
  int64_t param_count = 0;
};

Expected read_expected(const std::string& json_path) {
  const auto j = nlohmann::json::parse(read_file(json_path));
  Expected e;
  e.hashes = expected_hashes(json_path);
  for (const auto& [name, v] : j.items()) {
    if (name == "param_count") {
      e.param_count = v.get<int64_t>();
    } else {
      EXPECT_EQ(v["dtype"], "float32") << name;
      e.shapes[name] = v["shape"].get<Shape>();
    }
  }
  return e;
}

// name -> shape and dtype of every variable of the bundle ckptconv wrote into `dir`.
std::map<std::string, Shape> bundle_shapes(const std::string& dir) {
  auto reader = TfBundleReader::open(dir + "/tf_model.ckpt");
  std::map<std::string, Shape> out;
  for (const TfBundleEntry& e : reader->entries()) {
    EXPECT_EQ(e.dtype, DType::kF32) << e.name;
    out[e.name] = e.shape;
  }
  return out;
}

CommandResult convert(const std::string& in, const std::string& out) {
  return ckptconv({"convert", "--input_dir", in, "--output_dir", out, "--no-progress"});
}

const std::vector<std::string> kFp32Fixtures{"neox-tiny",
                                             "neox-variants/zip-fp32-buffers",
                                             "neox-variants/zip-fp32",
                                             "neox-variants/legacy-fp32",
                                             "neox-variants/safetensors",
                                             "neox-variants/sharded-bin",
                                             "neox-variants/sharded-safetensors",
                                             "neox-variants/rotary-pct-0.25",
                                             "neox-variants/rotary-pct-1.0",
                                             "neox-variants/no-attention-bias"};

std::vector<std::string> all_fixtures() {
  std::vector<std::string> out = kFp32Fixtures;
  out.emplace_back("neox-variants/zip-fp16");
  out.emplace_back("neox-variants/zip-bf16");
  return out;
}

class NeoxVariant : public ::testing::TestWithParam<std::string> {};

TEST_P(NeoxVariant, ConvertsToTheTorchComputedVariables) {
  const std::string in = test_data(GetParam());
  TempDir out;
  const CommandResult r = convert(in, out / "cs");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("error"), std::string::npos) << r.err;
  EXPECT_EQ(list_dir(out / "cs"), kOutputFiles);
  const Expected want = read_expected(in + "/expected-cs.json");
  EXPECT_EQ(bundle_shapes(out / "cs"), want.shapes);
  EXPECT_EQ(bundle_hashes(out / "cs"), want.hashes);

  const CommandResult v =
      ckptconv({"verify", "--input_dir", in, "--output_dir", out / "cs", "--no-progress"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_EQ(v.out, "verified " + std::to_string(want.hashes.size()) + " tensors, " +
                       std::to_string(want.param_count) + " parameters\n");
}

INSTANTIATE_TEST_SUITE_P(AllNeoxInputs, NeoxVariant, ::testing::ValuesIn(all_fixtures()),
                         [](const auto& info) { return param_name(info.param); });

// name + dtype + shape -> sha256 of every weight (buffers left out) of the checkpoint at `path`.
std::map<std::string, std::string> weight_hashes(const std::string& path) {
  const Checkpoint c = open_checkpoint(path);
  std::map<std::string, std::string> out;
  for (const TensorView& t : c.tensors) {
    if (is_neox_buffer(t.name)) continue;
    EXPECT_TRUE(t.is_contiguous()) << t.name;
    Sha256 h;
    h.update(t.data(), t.byte_size());
    out[t.name + " " + std::string(dtype_name(t.dtype)) + " " + shape_to_string(t.shape)] =
        h.hex_digest();
  }
  return out;
}

class NeoxVariantToHf : public ::testing::TestWithParam<std::string> {};

// DESIGN.md §3b: to-hf inverts the mapping (the q/k row permutation included), so float32
// weights come back bit for bit; the buffers are not weights and are not compared.
TEST_P(NeoxVariantToHf, GivesBackTheWeightsBitForBit) {
  const std::string in = test_data(GetParam());
  TempDir dir;
  ASSERT_EQ(convert(in, dir / "cs").exit_code, 0);
  const CommandResult r =
      ckptconv({"to-hf", "--input_dir", dir / "cs", "--output_dir", dir / "hf"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(weight_hashes(dir / "hf"), weight_hashes(in));

  // And the HF output converts to the very same TF bytes.
  ASSERT_EQ(convert(dir / "hf", dir / "cs2").exit_code, 0);
  expect_same_bundle(dir / "cs2", dir / "cs");
}

INSTANTIATE_TEST_SUITE_P(Fp32NeoxInputs, NeoxVariantToHf, ::testing::ValuesIn(kFp32Fixtures),
                         [](const auto& info) { return param_name(info.param); });

// The permutation is really applied: the q kernel of the tiny NeoX differs from the plain
// transposed q rows (rotary_pct 0.25, D = 16, r = 4: dims 1 and 2 of every head swap).
TEST(NeoxConvert, QueryColumnsArePermutedInsideEachHead) {
  TempDir out;
  ASSERT_EQ(convert(test_data("neox-tiny"), out / "cs").exit_code, 0);
  const Checkpoint hf = open_checkpoint(test_data("neox-tiny"));
  const TensorView* qkv = nullptr;
  for (const TensorView& t : hf.tensors) {
    if (t.name == "gpt_neox.layers.0.attention.query_key_value.weight") qkv = &t;
  }
  ASSERT_NE(qkv, nullptr);
  ASSERT_TRUE(qkv->is_contiguous());
  auto reader = TfBundleReader::open(out / "cs/tf_model.ckpt");
  const TfBundleEntry* e = reader->find("gptj_decoder/0/attn/q_proj/q_proj/kernel");
  ASSERT_NE(e, nullptr);
  const TensorView q = reader->view(*e);
  ASSERT_EQ(q.shape, (Shape{64, 64}));
  ASSERT_EQ(qkv->dtype, DType::kF32);
  ASSERT_EQ(qkv->shape, (Shape{192, 64}));  // rows [H=4, 3, D=16]
  constexpr int kE = 64, kD = 16;
  // Cerebras dim 2j <- HF dim j, 2j+1 <- HF dim j + r/2 (r = 4), dims >= r unchanged.
  constexpr std::array<int, kD> kFrom{0, 2, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  for (int h = 0; h < 4; ++h) {
    for (int d = 0; d < kD; ++d) {
      const int hf_row = (h * 3 + 0) * kD + kFrom[static_cast<size_t>(d)];
      for (int in = 0; in < kE; ++in) {
        ASSERT_EQ(float_at(q, in * kE + h * kD + d), float_at(*qkv, hf_row * kE + in))
            << "head " << h << " dim " << d << " input " << in;
      }
    }
  }
}

}  // namespace
}  // namespace ckpt
