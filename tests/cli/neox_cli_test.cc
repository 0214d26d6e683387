// End-to-end GPT-NeoX: convert gives exactly the variables real PyTorch computed, verify finds
// the damage a wrong row split would do, to-hf gives the HF tensors back bit for bit, and
// every refusal names what it refuses and leaves nothing behind.
#include <gtest/gtest.h>

#include <cstring>

#include "cli_test_util.h"
#include "formats/checkpoint_discovery.h"

namespace ckpt {
namespace {

std::string gelu_note(const std::string& dir) {
  return "ckptconv: note: " + dir +
         "/config.json: hidden_act \"gelu\" is the exact (erf) gelu; the Cerebras model will use "
         "the tanh form (nonlinearity: gelu)\n";
}

// name -> sha256 of every tensor of the HF checkpoint at `path` but the buffers, in file order.
std::vector<std::pair<std::string, std::string>> weight_hashes(const std::string& path) {
  const Checkpoint c = open_checkpoint(path);
  std::vector<std::pair<std::string, std::string>> out;
  for (const TensorView& t : c.tensors) {
    if (t.name.find(".attention.bias") != std::string::npos &&
        t.name.find("query_key_value") == std::string::npos)
      continue;
    if (t.name.find("masked_bias") != std::string::npos ||
        t.name.find("inv_freq") != std::string::npos)
      continue;
    EXPECT_TRUE(t.is_contiguous()) << t.name;
    Sha256 h;
    h.update(t.data(), t.byte_size());
    out.emplace_back(
        t.name + " " + std::string(dtype_name(t.dtype)) + " " + shape_to_string(t.shape),
        h.hex_digest());
  }
  return out;
}

TEST(NeoxConvert, TinyMatchesTheTorchComputedVariablesAndVerifies) {
  TempDir out;
  const CommandResult r = ckptconv({"convert", "--input_dir", test_data("neox-tiny"),
                                    "--output_dir", out / "cs", "--no-progress"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, gelu_note(test_data("neox-tiny")));
  EXPECT_EQ(r.out,
            "converted 36 tensors, 112384 parameters (pytorch-zip) into " + out / "cs" + "\n");
  EXPECT_EQ(list_dir(out / "cs"), kOutputFiles);
  EXPECT_EQ(bundle_hashes(out / "cs"), expected_hashes(test_data("neox-tiny/expected-cs.json")));

  const CommandResult v =
      ckptconv({"verify", "--input_dir", test_data("neox-tiny"), "--output_dir", out / "cs"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_EQ(v.out, "verified 36 tensors, 112384 parameters\n");
}

TEST(NeoxConvert, SideFilesListEveryVariableOfAFusedTensor) {
  TempDir out;
  ASSERT_EQ(ckptconv({"convert", "--input_dir", test_data("neox-tiny"), "--output_dir", out / "cs"})
                .exit_code,
            0);
  const auto keys = nlohmann::json::parse(read_file(out / "cs/keys.json"));
  EXPECT_EQ(keys.size(), 28u);  // every HF weight: 1 + 2 * 12 + 2 + 1
  EXPECT_EQ(keys["gpt_neox.layers.1.attention.query_key_value.weight"],
            nlohmann::json({"gptj_decoder/1/attn/q_proj/q_proj/kernel",
                            "gptj_decoder/1/attn/k_proj/k_proj/kernel",
                            "gptj_decoder/1/attn/v_proj/v_proj/kernel"}));
  EXPECT_EQ(keys["gpt_neox.layers.0.mlp.dense_h_to_4h.weight"],
            "gptj_decoder/0/mlp/dense_layer/dense_layer/kernel");
  const auto shapes = nlohmann::json::parse(read_file(out / "cs/shapes.json"));
  EXPECT_EQ(shapes["gpt_neox.layers.1.attention.query_key_value.weight"], true);
  EXPECT_EQ(shapes["gpt_neox.layers.1.attention.query_key_value.bias"], false);
  EXPECT_EQ(shapes["embed_out.weight"], true);
  const std::string params = read_file(out / "cs/params.yaml");
  EXPECT_NE(params.find("  rotary_dim: 4\n"), std::string::npos);
  EXPECT_NE(params.find("  use_untied_layer_norm: true\n"), std::string::npos);
}

TEST(NeoxConvert, DebugShowsTheRowSelection) {
  TempDir out;
  const CommandResult r = ckptconv(
      {"convert", "--input_dir", test_data("neox-tiny"), "--output_dir", out / "cs", "--debug"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("Initialized model with param count: 112384\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("gpt_neox.layers.1.attention.query_key_value.weight -> "
                       "gptj_decoder/1/attn/k_proj/k_proj/kernel [64, 64] (transposed) (rows: "
                       "part 1 of [H, 3, D], rotary pairs)\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("gpt_neox.layers.0.attention.rotary_emb.inv_freq -> (not written)\n"),
            std::string::npos)
      << r.out;
}

struct Case {
  std::string dir;
  bool share;
  std::string verified;
};

class NeoxCase : public ::testing::TestWithParam<Case> {};

TEST_P(NeoxCase, ConvertsVerifiesAndComesBack) {
  const Case& c = GetParam();
  TempDir out;
  std::vector<std::string> conv{"convert", "--input_dir", test_data(c.dir), "--output_dir",
                                out / "cs"};
  if (c.share) conv.push_back("--share_embeddings");
  const CommandResult r = ckptconv(conv);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(bundle_hashes(out / "cs"), expected_hashes(test_data(c.dir + "/expected-cs.json")));
  std::vector<std::string> verify{"verify", "--input_dir", test_data(c.dir), "--output_dir",
                                  out / "cs"};
  if (c.share) verify.push_back("--share_embeddings");
  const CommandResult v = ckptconv(verify);
  EXPECT_EQ(v.exit_code, 0) << v.out;
  EXPECT_EQ(v.out, c.verified);
  // Back to HF: float32 of the same values (fp16 inputs were widened exactly).
  ASSERT_EQ(ckptconv({"to-hf", "--input_dir", out / "cs", "--output_dir", out / "hf"}).exit_code,
            0);
  conv[2] = out / "hf";
  conv[4] = out / "cs2";
  ASSERT_EQ(ckptconv(conv).exit_code, 0);
  expect_same_bundle(out / "cs2", out / "cs");
}

INSTANTIATE_TEST_SUITE_P(Cases, NeoxCase,
                         ::testing::Values(Case{"neox-cases/no-bias-full-rotary-fp16", false,
                                                "verified 28 tensors, 19456 parameters\n"},
                                           Case{"neox-cases/tied", true,
                                                "verified 35 tensors, 18432 parameters\n"}),
                         [](const auto& info) {
                           return info.param.share ? std::string("tied") : std::string("no_bias");
                         });

// --- verify catches what a wrong split or permutation would write ----------------------

class NeoxVerifyDamage : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(
        ckptconv({"convert", "--input_dir", test_data("neox-tiny"), "--output_dir", dir_ / "good"})
            .exit_code,
        0);
  }
  CommandResult verify(const std::string& out) {
    return ckptconv(
        {"verify", "--input_dir", test_data("neox-tiny"), "--output_dir", out, "--no-progress"});
  }
  std::string bytes_of(const std::string& name) {
    auto reader = TfBundleReader::open(dir_ / "good/tf_model.ckpt");
    const TensorView v = reader->view(*reader->find(name));
    return {reinterpret_cast<const char*>(v.data()), v.byte_size()};
  }
  TempDir dir_;
};

const char* kQ = "gptj_decoder/0/attn/q_proj/q_proj/kernel";
const char* kK = "gptj_decoder/0/attn/k_proj/k_proj/kernel";
const char* kQkv = "'gpt_neox.layers.0.attention.query_key_value.weight' (rows: part ";

TEST_F(NeoxVerifyDamage, OneFlippedBit) {
  auto reader = TfBundleReader::open(dir_ / "good/tf_model.ckpt");
  const TfBundleEntry* e = reader->find(kK);
  ASSERT_NE(e, nullptr);
  const std::string data_path = dir_ / "good/tf_model.ckpt.data-00000-of-00001";
  std::string data = read_file(data_path);
  data[e->offset + 4 * (64 * 3 + 7)] ^= 0x01;  // element [3, 7]
  reader.reset();
  write_file(data_path, data);
  const CommandResult r = verify(dir_ / "good");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("MISMATCH " + std::string(kK) + ": crc32c mismatch (stored 0x"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("MISMATCH " + std::string(kK) + ": 1 of 4096 values differ from HF " + kQkv +
                       "1 of [H, 3, D], rotary pairs); first at [3, 7]: TF "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("verification FAILED: 2 problems (36 tensors compared)\n"),
            std::string::npos)
      << r.out;
}

TEST_F(NeoxVerifyDamage, QueryKernelLeftInRotateHalfOrder) {
  // Undo the rotary reordering of q: within each head (D 16, r 4) the Cerebras columns 1 and
  // 2 hold HF dims 2 and 1; swapping them back gives HF's own order.
  rewrite_bundle(dir_ / "good", dir_ / "bad", [](const std::string& n, std::string& bytes) {
    if (n != kQ) return true;
    for (int row = 0; row < 64; ++row) {
      for (int head = 0; head < 4; ++head) {
        char* a = &bytes[(row * 64 + head * 16 + 1) * 4];
        char tmp[4];
        std::memcpy(tmp, a, 4);
        std::memcpy(a, a + 4, 4);
        std::memcpy(a + 4, tmp, 4);
      }
    }
    return true;
  });
  const CommandResult r = verify(dir_ / "bad");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out.substr(0, r.out.find("first at")), "MISMATCH " + std::string(kQ) +
                                                         ": 512 of 4096 values differ from HF " +
                                                         kQkv + "0 of [H, 3, D], rotary pairs); ");
  EXPECT_NE(r.out.find("; first at [0, 1]: TF "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nverification FAILED: 1 problem (36 tensors compared)\n"),
            std::string::npos)
      << r.out;
}

TEST_F(NeoxVerifyDamage, QueryAndKeySwapped) {
  const std::string q = bytes_of(kQ), k = bytes_of(kK);
  rewrite_bundle(dir_ / "good", dir_ / "bad", [&](const std::string& n, std::string& bytes) {
    if (n == kQ) bytes = k;
    if (n == kK) bytes = q;
    return true;
  });
  const CommandResult r = verify(dir_ / "bad");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("MISMATCH " + std::string(kK) + ": 4096 of 4096 values differ from HF " +
                       kQkv + "1 of [H, 3, D], rotary pairs); first at [0, 0]: TF "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("MISMATCH " + std::string(kQ) + ": 4096 of 4096 values differ from HF " +
                       kQkv + "0 of [H, 3, D], rotary pairs); first at [0, 0]: TF "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("verification FAILED: 2 problems (36 tensors compared)\n"),
            std::string::npos)
      << r.out;
}

// --- to-hf ------------------------------------------------------------------------------

class NeoxToHf : public ::testing::TestWithParam<std::string> {};

TEST_P(NeoxToHf, GivesBackEveryWeightBitForBit) {
  const std::string& format = GetParam();
  TempDir dir;
  ASSERT_EQ(ckptconv({"convert", "--input_dir", test_data("neox-tiny"), "--output_dir", dir / "cs"})
                .exit_code,
            0);
  const CommandResult r = ckptconv(
      {"to-hf", "--input_dir", dir / "cs", "--output_dir", dir / "hf", "--format", format});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, "wrote 28 tensors, 112384 parameters (" +
                       std::string(format == "bin" ? "pytorch_model.bin" : "safetensors") +
                       ") into " + dir / "hf" + "\n");
  EXPECT_EQ(weight_hashes(dir / "hf"), weight_hashes(test_data("neox-tiny/pytorch_model.bin")));
  const auto cfg = nlohmann::json::parse(read_file(dir / "hf/config.json"));
  EXPECT_EQ(cfg["model_type"], "gpt_neox");
  EXPECT_EQ(cfg["hidden_size"], 64);
  EXPECT_EQ(cfg["num_attention_heads"], 4);
  EXPECT_EQ(cfg["rotary_pct"], 0.25);
  EXPECT_EQ(cfg["attention_bias"], true);

  // Converting that again gives the very same TF bytes.
  ASSERT_EQ(ckptconv({"convert", "--input_dir", dir / "hf", "--output_dir", dir / "cs2"}).exit_code,
            0);
  for (const char* f :
       {"tf_model.ckpt.data-00000-of-00001", "tf_model.ckpt.index", "keys.json", "shapes.json"}) {
    EXPECT_EQ(read_file(dir / "cs2/" + f), read_file(dir / "cs/" + f)) << f;
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, NeoxToHf, ::testing::Values("safetensors", "bin"));

TEST(NeoxToHf, WithoutParamsYamlItSaysWhatIsMissing) {
  TempDir dir;
  ASSERT_EQ(ckptconv({"convert", "--input_dir", test_data("neox-tiny"), "--output_dir", dir / "cs"})
                .exit_code,
            0);
  std::filesystem::remove(dir / "cs/params.yaml");
  const CommandResult r =
      ckptconv({"to-hf", "--input_dir", dir / "cs", "--output_dir", dir / "hf"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "ckptconv: error: " + dir / "cs/tf_model.ckpt.index" +
                       ": no params.yaml beside it: a GPT-NeoX checkpoint needs its num_heads and "
                       "rotary_dim, which no variable shape tells\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "hf"));
}

TEST(NeoxToHf, HugeLayerCountInParamsYamlIsRefusedAtOnce) {
  TempDir dir;
  ASSERT_EQ(ckptconv({"convert", "--input_dir", test_data("neox-tiny"), "--output_dir", dir / "cs"})
                .exit_code,
            0);
  std::string params = read_file(dir / "cs/params.yaml");
  params.replace(params.find("num_hidden_layers: 2"), 20, "num_hidden_layers: 1000000000000");
  write_file(dir / "cs/params.yaml", params);
  const CommandResult r =
      ckptconv({"to-hf", "--input_dir", dir / "cs", "--output_dir", dir / "hf"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "ckptconv: error: " + dir / "cs/params.yaml" +
                       ": model.num_hidden_layers is 1000000000000, but " +
                       dir / "cs/tf_model.ckpt.index" +
                       " holds 36 tensors, 16 per layer at least\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "hf"));
}

// --- refusals: exact message, exit code, nothing left behind ----------------------------

// Copies neox-tiny with `edit` applied to its config.json, runs convert, returns stderr.
CommandResult convert_edited(const TempDir& dir, const std::function<void(nlohmann::json&)>& edit,
                             const std::vector<std::string>& extra = {}) {
  std::filesystem::create_directories(dir / "in");
  std::filesystem::copy_file(test_data("neox-tiny/pytorch_model.bin"), dir / "in/pytorch_model.bin",
                             std::filesystem::copy_options::overwrite_existing);
  auto cfg = nlohmann::json::parse(read_file(test_data("neox-tiny/config.json")));
  edit(cfg);
  write_file(dir / "in/config.json", cfg.dump(2));
  std::vector<std::string> args{"convert", "--input_dir", dir / "in", "--output_dir", dir / "out"};
  args.insert(args.end(), extra.begin(), extra.end());
  return ckptconv(args);
}

TEST(NeoxRefusals, UnsupportedConfigsNameTheKeyAndWriteNothing) {
  const std::vector<std::pair<std::function<void(nlohmann::json&)>, std::string>> cases{
      {[](auto& c) { c["use_parallel_residual"] = false; },
       "\"use_parallel_residual\" is false; the Cerebras GPT-J model computes attention and MLP "
       "in parallel only"},
      {[](auto& c) { c["rotary_emb_base"] = 1000000; },
       "\"rotary_emb_base\" is 1000000.0; the Cerebras rotary embedding uses base 10000 only"},
      {[](auto& c) {
         c["rope_scaling"] = {{"type", "dynamic"}, {"factor", 2.0}};
       },
       "\"rope_scaling\" is an object; the Cerebras rotary embedding has no scaling"},
      {[](auto& c) { c["rotary_pct"] = 0.1875; },
       "\"rotary_pct\" 0.1875 of head size 16 gives rotary dimension 3; the Cerebras rotary "
       "embedding needs an even, non-zero one"},
      {[](auto& c) { c["hidden_act"] = "silu"; },
       "\"hidden_act\" is 'silu'; the Cerebras model has only gelu (the tanh form: gelu_new, "
       "gelu_fast, gelu_pytorch_tanh; exact gelu with a note)"},
      {[](auto& c) { c["vocab_size"] = 100; },
       "tensor 'gpt_neox.embed_in.weight' has shape [96, 64], expected [100, 64] from <cfg> "
       "(hidden_size=64 num_hidden_layers=2 intermediate_size=256 vocab_size=100 "
       "max_position_embeddings=32)"},
      {[](auto& c) { c["num_hidden_layers"] = 2147483648LL; },
       "num_hidden_layers is 2147483648, but <bin> holds 34 tensors, 12 per layer at least"},
  };
  for (const auto& [edit, message] : cases) {
    TempDir dir;
    const CommandResult r = convert_edited(dir, edit);
    std::string want = message;
    const bool in_bin = want.find("tensor '") == 0;
    for (const auto& [tag, path] :
         {std::pair<std::string, std::string>{"<cfg>", dir / "in/config.json"},
          {"<bin>", dir / "in/pytorch_model.bin"}}) {
      if (auto at = want.find(tag); at != std::string::npos) want.replace(at, tag.size(), path);
    }
    EXPECT_EQ(r.exit_code, 3) << message;
    EXPECT_EQ(r.err, "ckptconv: error: " +
                         (in_bin ? dir / "in/pytorch_model.bin" : dir / "in/config.json") + ": " +
                         want + "\n");
    EXPECT_FALSE(std::filesystem::exists(dir / "out")) << message;
  }
}

TEST(NeoxRefusals, SharedEmbeddingsOnAnUntiedModelIsAUsageError) {
  TempDir dir;
  const CommandResult r = convert_edited(dir, [](auto&) {}, {"--share_embeddings"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "ckptconv: error: " + dir / "in/config.json" +
                       ": --share_embeddings needs embed_out tied to embed_in, but "
                       "\"tie_word_embeddings\" is not true\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "out"));
}

TEST(NeoxRefusals, MissingTensorIsNamed) {
  TempDir dir;
  std::filesystem::create_directories(dir / "in");
  std::filesystem::copy_file(test_data("neox-cases/tied/config.json"), dir / "in/config.json");
  std::filesystem::copy_file(test_data("neox-cases/tied/pytorch_model.bin"),
                             dir / "in/pytorch_model.bin");
  // Tied, but converted without --share_embeddings and embed_out.weight present: fine; the
  // no-bias case's weights under the tied config lack the attention biases.
  std::filesystem::copy_file(test_data("neox-cases/no-bias-full-rotary-fp16/pytorch_model.bin"),
                             dir / "in/pytorch_model.bin",
                             std::filesystem::copy_options::overwrite_existing);
  const CommandResult r =
      ckptconv({"convert", "--input_dir", dir / "in", "--output_dir", dir / "out"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "ckptconv: error: " + dir / "in/pytorch_model.bin" +
                       ": missing tensor 'gpt_neox.layers.0.attention.query_key_value.bias'\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "out"));
}

}  // namespace
}  // namespace ckpt
