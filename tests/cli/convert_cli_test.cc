// End-to-end: the ckptconv binary converts every input format of the tiny GPT-J into exactly
// the TF variables real PyTorch computed (expected-cs*.json), and refuses bad input clearly.
#include <gtest/gtest.h>

#include "cli_test_util.h"

namespace ckpt {
namespace {

struct Variant {
  std::string dir;  // relative to tests/data
  bool share;
};

class ConvertVariant : public ::testing::TestWithParam<Variant> {};

TEST_P(ConvertVariant, MatchesTheTorchComputedVariables) {
  const Variant& v = GetParam();
  TempDir out;
  std::vector<std::string> args{"convert",      "--input_dir", test_data(v.dir),
                                "--output_dir", out / "cs",    "--no-progress"};
  if (v.share) args.push_back("--share_embeddings");
  const CommandResult r = ckptconv(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(list_dir(out / "cs"), kOutputFiles);
  const std::string expected =
      test_data(v.dir + (v.share ? "/expected-cs-shared.json" : "/expected-cs.json"));
  EXPECT_EQ(bundle_hashes(out / "cs"), expected_hashes(expected));

  std::vector<std::string> verify{"verify", "--input_dir", test_data(v.dir), "--output_dir",
                                  out / "cs"};
  if (v.share) verify.push_back("--share_embeddings");
  const CommandResult vr = ckptconv(verify);
  EXPECT_EQ(vr.exit_code, 0) << vr.out << vr.err;
  EXPECT_EQ(vr.out, v.share ? "verified 24 tensors, 107648 parameters\n"
                            : "verified 25 tensors, 115840 parameters\n");
}

std::vector<Variant> all_variants() {
  std::vector<Variant> out;
  for (const char* d : {"gptj-tiny", "gptj-variants/zip-fp16", "gptj-variants/zip-bf16",
                        "gptj-variants/legacy-fp32", "gptj-variants/legacy-fp16",
                        "gptj-variants/sharded-bin", "gptj-variants/safetensors",
                        "gptj-variants/safetensors-bf16", "gptj-variants/safetensors-sorted-header",
                        "gptj-variants/sharded-safetensors", "gptj-variants/tricky"}) {
    out.push_back({d, false});
    out.push_back({d, true});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(AllFormats, ConvertVariant, ::testing::ValuesIn(all_variants()),
                         [](const auto& info) {
                           std::string n = info.param.dir + (info.param.share ? "_shared" : "");
                           for (char& c : n) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });

TEST(Convert, OutputIsIdenticalForAnyThreadCount) {
  TempDir out;
  for (const char* t : {"1", "8"}) {
    const CommandResult r = ckptconv({"convert", "--input_dir", test_data("gptj-variants/tricky"),
                                      "--output_dir", out / t, "--threads", t, "--buffer-mb", "1"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  for (const std::string& f : kOutputFiles) {
    EXPECT_EQ(read_file(out / "1/" + f), read_file(out / "8/" + f)) << f;
  }
}

TEST(Convert, WritesTheSideFiles) {
  TempDir out;
  ASSERT_EQ(ckptconv({"convert", "--input-dir", test_data("gptj-tiny"), "--ouput_dir", out / "cs"})
                .exit_code,
            0);
  EXPECT_EQ(
      read_file(out / "cs/checkpoint"),
      "model_checkpoint_path: \"tf_model.ckpt\"\nall_model_checkpoint_paths: \"tf_model.ckpt\"\n");
  const auto keys = nlohmann::json::parse(read_file(out / "cs/keys.json"));
  EXPECT_EQ(keys.size(), 25u);
  EXPECT_EQ(keys["transformer.h.0.mlp.fc_in.weight"],
            "gptj_decoder/0/mlp/dense_layer/dense_layer/kernel");
  const auto shapes = nlohmann::json::parse(read_file(out / "cs/shapes.json"));
  EXPECT_EQ(shapes["lm_head.weight"], true);
  EXPECT_EQ(shapes["lm_head.bias"], false);
  EXPECT_NE(read_file(out / "cs/params.yaml").find("  hidden_size: 64\n"), std::string::npos);
}

TEST(Convert, DebugPrintsTheParameterCountAndTheTable) {
  TempDir out;
  const CommandResult r = ckptconv(
      {"convert", "--input_dir", test_data("gptj-tiny"), "--output_dir", out / "cs", "--debug"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("Initialized model with param count: 115840\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("transformer.h.1.attn.q_proj.weight"), std::string::npos);
  EXPECT_NE(r.out.find("-> gptj_decoder/1/attn/q_proj/q_proj/kernel [64, 64] (transposed)"),
            std::string::npos);
}

// --- refusals: exact message, exit code, nothing left behind ----------------------------

void expect_error(const std::vector<std::string>& args, int code, const std::string& message) {
  const CommandResult r = ckptconv(args);
  EXPECT_EQ(r.exit_code, code) << r.err;
  EXPECT_EQ(r.err, "ckptconv: error: " + message + "\n");
}

TEST(ConvertErrors, MissingRequiredOption) {
  expect_error({"convert", "--output_dir", "/tmp/x"}, 2, "missing required option --input_dir");
}

TEST(ConvertErrors, UnknownOption) {
  expect_error({"convert", "--input_dir", "a", "--output_dir", "b", "--fast"}, 2,
               "unknown option '--fast' for 'convert' (see ckptconv convert --help)");
}

TEST(ConvertErrors, NonEmptyOutputNeedsForce) {
  TempDir out;
  write_file(out / "keep.txt", "x");
  expect_error({"convert", "--input_dir", test_data("gptj-tiny"), "--output_dir", out.path()}, 2,
               out.path() + ": exists and is not empty (use --force to overwrite)");
  EXPECT_EQ(list_dir(out.path()), std::vector<std::string>{"keep.txt"});
  EXPECT_EQ(ckptconv({"convert", "--input_dir", test_data("gptj-tiny"), "--output_dir", out.path(),
                      "--force"})
                .exit_code,
            0);
}

TEST(ConvertErrors, MissingTensor) {
  TempDir out;
  expect_error({"convert", "--input_dir", test_data("gptj-variants/missing-tensor"), "--output_dir",
                out / "cs"},
               3,
               test_data("gptj-variants/missing-tensor") +
                   "/pytorch_model.bin: missing tensor 'transformer.h.1.attn.q_proj.weight'");
  EXPECT_FALSE(std::filesystem::exists(out / "cs"));
}

// transformers' save_pretrained(safe_serialization=True) of a tied GPT-J leaves lm_head.weight
// out (found by tests/interop; fixture made by tests/data/tools/make_transformers_tied.py).
TEST(ConvertErrors, TiedModelFromTransformersSaysToShareEmbeddings) {
  const std::string in = test_data("transformers-tied-gptj");
  TempDir out;
  expect_error({"convert", "--input_dir", in, "--output_dir", out / "cs"}, 3,
               in + "/model.safetensors: missing tensor 'lm_head.weight' (" + in +
                   "/config.json has tie_word_embeddings: true, and HF saves a tied output layer "
                   "only as the input embedding: convert with --share_embeddings)");
  EXPECT_FALSE(std::filesystem::exists(out / "cs"));
  ASSERT_EQ(
      ckptconv({"convert", "--input_dir", in, "--output_dir", out / "cs", "--share_embeddings"})
          .exit_code,
      0);
  const CommandResult v =
      ckptconv({"verify", "--input_dir", in, "--output_dir", out / "cs", "--share_embeddings"});
  EXPECT_EQ(v.exit_code, 0) << v.out;
}

TEST(ConvertErrors, ShapeThatDoesNotMatchTheConfig) {
  TempDir in, out;
  std::filesystem::copy_file(test_data("gptj-tiny/pytorch_model.bin"), in / "pytorch_model.bin");
  std::string cfg = read_file(test_data("gptj-tiny/config.json"));
  cfg.replace(cfg.find("\"vocab_size\": 128"), 17, "\"vocab_size\": 256");
  write_file(in / "config.json", cfg);
  expect_error(
      {"convert", "--input_dir", in.path(), "--output_dir", out / "cs"}, 3,
      in / "pytorch_model.bin" +
          ": tensor 'transformer.wte.weight' has shape [128, 64], expected [256, 64] from " +
          in / "config.json" + " (n_embd=64 n_layer=2 n_inner=256 vocab_size=256 n_positions=32)");
}

TEST(ConvertErrors, UnsupportedModelType) {
  TempDir in, out;
  write_file(in / "config.json", R"({"model_type": "llama"})");
  // Without weights too: the config is checked before any download is attempted.
  expect_error({"convert", "--input_dir", in.path(), "--output_dir", out / "cs"}, 3,
               in / "config.json" +
                   ": model_type 'llama' is not supported; ckptconv converts 'gptj' (GPT-J) and "
                   "'gpt_neox' (GPT-NeoX)");
  std::filesystem::copy_file(test_data("gptj-tiny/pytorch_model.bin"), in / "pytorch_model.bin");
  expect_error({"convert", "--input_dir", in.path(), "--output_dir", out / "cs"}, 3,
               in / "config.json" +
                   ": model_type 'llama' is not supported; ckptconv converts 'gptj' (GPT-J) and "
                   "'gpt_neox' (GPT-NeoX)");
}

TEST(ConvertErrors, OutputPathIsAFile) {
  TempDir out;
  write_file(out / "file", "x");
  expect_error({"convert", "--input_dir", test_data("gptj-tiny"), "--output_dir", out / "file"}, 4,
               out / "file" + ": exists and is not a directory");
}

TEST(ConvertErrors, DiskFullLeavesNothingBehind) {
  // The 475 KB model does not fit a 64 KiB tmpfs: the data file write fails.
  const std::string result = run_in_small_tmpfs([](const std::string& mnt) {
    const CommandResult r =
        ckptconv({"convert", "--input_dir", test_data("gptj-tiny"), "--output_dir", mnt + "/cs"});
    return std::to_string(r.exit_code) + " " + r.err +
           "files:" + std::to_string(list_dir(mnt + "/cs").size());
  });
  if (result == kNoMountNamespace) GTEST_SKIP() << result;
  EXPECT_EQ(result,
            "4 ckptconv: error: <tmpfs>/cs/tf_model.ckpt.data-00000-of-00001: cannot write: No "
            "space left on device\nfiles:0");
}

}  // namespace
}  // namespace ckpt
