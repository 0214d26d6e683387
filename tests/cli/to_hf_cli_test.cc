// to-hf: HF -> Cerebras -> HF gives back every tensor bit for bit, in both output formats and
// both sharing modes; trained checkpoints with optimizer variables convert with a summary.
#include <gtest/gtest.h>

#include "cli_test_util.h"
#include "formats/checkpoint_discovery.h"

namespace ckpt {
namespace {

// name -> sha256 of each (contiguous) tensor of the checkpoint at `path`, in file order.
std::vector<std::pair<std::string, std::string>> tensor_hashes(const std::string& path) {
  const Checkpoint c = open_checkpoint(path);
  std::vector<std::pair<std::string, std::string>> out;
  for (const TensorView& t : c.tensors) {
    EXPECT_TRUE(t.is_contiguous()) << t.name;
    Sha256 h;
    h.update(t.data(), t.byte_size());
    out.emplace_back(
        t.name + " " + std::string(dtype_name(t.dtype)) + " " + shape_to_string(t.shape),
        h.hex_digest());
  }
  return out;
}

struct RoundTrip {
  std::string format;
  bool share;
};

class ToHfRoundTrip : public ::testing::TestWithParam<RoundTrip> {};

TEST_P(ToHfRoundTrip, GivesBackEveryTensorBitForBit) {
  const RoundTrip& p = GetParam();
  TempDir dir;
  std::vector<std::string> conv{"convert", "--input_dir", test_data("gptj-tiny"), "--output_dir",
                                dir / "cs"};
  if (p.share) conv.push_back("--share_embeddings");
  ASSERT_EQ(ckptconv(conv).exit_code, 0);
  const CommandResult r = ckptconv(
      {"to-hf", "--input_dir", dir / "cs", "--output_dir", dir / "hf", "--format", p.format});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "wrote 29 tensors, 117890 parameters (" +
                       std::string(p.format == "bin" ? "pytorch_model.bin" : "safetensors") +
                       (p.share ? ", shared embeddings" : "") + ") into " + dir / "hf" + "\n");
  auto want = tensor_hashes(test_data("gptj-tiny/pytorch_model.bin"));
  if (p.share) {  // the output layer is the embedding
    for (auto& [name, hash] : want) {
      if (name.rfind("lm_head.weight ", 0) == 0) hash = want[0].second;
    }
  }
  EXPECT_EQ(tensor_hashes(dir / "hf"), want);
  EXPECT_EQ(list_dir(dir / "hf"),
            (std::vector<std::string>{
                "config.json", p.format == "bin" ? "pytorch_model.bin" : "model.safetensors"}));

  // And the HF directory converts again to the very same TF bytes.
  conv[2] = dir / "hf";
  conv[4] = dir / "cs2";
  ASSERT_EQ(ckptconv(conv).exit_code, 0);
  expect_same_bundle(dir / "cs2", dir / "cs");
}

INSTANTIATE_TEST_SUITE_P(FormatsAndSharing, ToHfRoundTrip,
                         ::testing::Values(RoundTrip{"safetensors", false},
                                           RoundTrip{"safetensors", true}, RoundTrip{"bin", false},
                                           RoundTrip{"bin", true}),
                         [](const auto& info) {
                           return info.param.format + (info.param.share ? "_shared" : "");
                         });

TEST(ToHf, ShardsSafetensorsLikeHf) {
  TempDir dir;
  ASSERT_EQ(ckptconv({"convert", "--input_dir", test_data("gptj-tiny"), "--output_dir", dir / "cs"})
                .exit_code,
            0);
  const CommandResult r = ckptconv({"to-hf", "--input_dir", dir / "cs", "--output_dir", dir / "hf",
                                    "--max_shard_size", "200KB"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto files = list_dir(dir / "hf");
  EXPECT_EQ(files.front(), "config.json");
  EXPECT_EQ(files.back(), "model.safetensors.index.json");
  EXPECT_GE(files.size(), 4u);
  // HF writes the index's weight_map sorted by name, so compare without order.
  auto got = tensor_hashes(dir / "hf"),
       want = tensor_hashes(test_data("gptj-tiny/pytorch_model.bin"));
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
}

TEST(ToHf, OptimizerVariablesAreSkippedWithASummaryOrRefusedWhenStrict) {
  TempDir dir;
  ASSERT_EQ(ckptconv({"convert", "--input_dir", test_data("gptj-tiny"), "--output_dir", dir / "cs"})
                .exit_code,
            0);
  rewrite_bundle(dir / "cs", dir / "trained", [](const std::string&, std::string&) { return true; },
                 {{"global_step", std::string(4, '\0')},
                  {"input_embedding/embedding_weights/Adam", std::string(8, '\0')},
                  {"input_embedding/embedding_weights/Adam_1", std::string(8, '\0')}});
  const CommandResult r =
      ckptconv({"to-hf", "--input_dir", dir / "trained", "--output_dir", dir / "hf"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "skipped 3 variables that are not model weights: global_step, "
            "input_embedding/embedding_weights/Adam, input_embedding/embedding_weights/Adam_1\n"
            "wrote 29 tensors, 117890 parameters (safetensors) into " +
                dir / "hf" + "\n");
  EXPECT_EQ(tensor_hashes(dir / "hf"), tensor_hashes(test_data("gptj-tiny/pytorch_model.bin")));

  const CommandResult strict =
      ckptconv({"to-hf", "--input_dir", dir / "trained", "--output_dir", dir / "hf2", "--strict"});
  EXPECT_EQ(strict.exit_code, 3);
  EXPECT_EQ(strict.err,
            "ckptconv: error: " + dir / "trained/tf_model.ckpt.index" +
                ": variable 'global_step' is not part of a GPT-J checkpoint (--strict)\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "hf2/model.safetensors"));
}

TEST(ToHf, WithoutParamsYamlInfersTheShapesAndSaysWhatItAssumed) {
  TempDir dir;
  ASSERT_EQ(ckptconv({"convert", "--input_dir", test_data("gptj-tiny"), "--output_dir", dir / "cs"})
                .exit_code,
            0);
  std::filesystem::remove(dir / "cs/params.yaml");
  const CommandResult r =
      ckptconv({"to-hf", "--input_dir", dir / "cs", "--output_dir", dir / "hf"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err,
            "ckptconv: note: no params.yaml: n_head=16, rotary_dim=64, n_positions=2048 assumed "
            "(GPT-J 6B); check config.json\n");
  const auto cfg = nlohmann::json::parse(read_file(dir / "hf/config.json"));
  EXPECT_EQ(cfg["n_embd"], 64);
  EXPECT_EQ(cfg["n_layer"], 2);
  EXPECT_EQ(cfg["vocab_size"], 128);
  EXPECT_EQ(cfg["model_type"], "gptj");
}

TEST(ToHf, BadOptionsAreUsageErrors) {
  const CommandResult r =
      ckptconv({"to-hf", "--input_dir", "a", "--output_dir", "b", "--format", "onnx"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "ckptconv: error: --format must be safetensors or bin, got 'onnx'\n");
  const CommandResult s =
      ckptconv({"to-hf", "--input_dir", "a", "--output_dir", "b", "--max_shard_size", "lots"});
  EXPECT_EQ(s.exit_code, 2);
  EXPECT_EQ(s.err, "ckptconv: error: 'lots' is not a size (examples: 5GB, 500MB, 2GiB, 1048576)\n");
}

// torch.load is the real judge of a .bin (Debian's python3-torch, from scripts/install-deps.sh).
TEST(ToHf, TorchLoadsTheBinIdentically) {
  TempDir dir;
  ASSERT_EQ(ckptconv({"convert", "--input_dir", test_data("gptj-tiny"), "--output_dir", dir / "cs"})
                .exit_code,
            0);
  ASSERT_EQ(
      ckptconv({"to-hf", "--input_dir", dir / "cs", "--output_dir", dir / "hf", "--format", "bin"})
          .exit_code,
      0);
  const CommandResult r = run_command(
      {"/usr/bin/python3", "-c",
       "import sys, torch\n"
       "a = torch.load(sys.argv[1]); b = torch.load(sys.argv[2])\n"
       "assert list(a) == list(b), 'keys differ'\n"
       "bad = [k for k in a if a[k].dtype != b[k].dtype or not torch.equal(a[k], b[k])]\n"
       "print('identical' if not bad else 'differ: ' + ' '.join(bad))\n",
       dir / "hf/pytorch_model.bin", test_data("gptj-tiny/pytorch_model.bin")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "identical\n");
}

}  // namespace
}  // namespace ckpt
