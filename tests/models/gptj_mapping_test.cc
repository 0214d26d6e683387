#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "io/error.h"
#include "models/gptj.h"
#include "test_util.h"

namespace ckpt {
namespace {

GptjConfig tiny_config() { return read_gptj_config(test_data("gptj-tiny/config.json")); }

std::vector<MappedTensor> written(const std::vector<MappedTensor>& rows) {
  std::vector<MappedTensor> out;
  for (const auto& r : rows) {
    if (!r.tf_name.empty()) out.push_back(r);
  }
  return out;
}

// The expected variables were computed by real PyTorch (examples/gptj-tiny/tools/expected_cs.py).
void expect_matches_fixture(bool share, const std::string& fixture) {
  const auto rows = written(expand_table(gptj_table(), gptj_dims(tiny_config()), share));
  const auto expected = nlohmann::json::parse(read_file(test_data("gptj-tiny/" + fixture)));
  std::set<std::string> want, got;
  for (const auto& [name, v] : expected.items()) {
    if (name != "param_count") want.insert(name);
  }
  int64_t params = 0;
  for (const auto& r : rows) {
    got.insert(r.tf_name);
    ASSERT_TRUE(expected.contains(r.tf_name)) << r.tf_name;
    EXPECT_EQ(r.tf_shape, expected[r.tf_name]["shape"].get<Shape>()) << r.tf_name;
    params += shape_numel(r.tf_shape);
  }
  EXPECT_EQ(got, want);
  EXPECT_EQ(params, expected["param_count"].get<int64_t>());
}

TEST(GptjMapping, MatchesTheTorchComputedVariables) {
  expect_matches_fixture(false, "expected-cs.json");
}

TEST(GptjMapping, MatchesTheTorchComputedVariablesWithSharedEmbeddings) {
  expect_matches_fixture(true, "expected-cs-shared.json");
}

TEST(GptjMapping, DenseLayerZeroHasNoSuffix) {
  const auto rows = expand_table(gptj_table(), gptj_dims(tiny_config()), false);
  std::map<std::string, std::string> tf;
  for (const auto& r : rows) tf[r.hf_name] = r.tf_name;
  EXPECT_EQ(tf["transformer.h.0.mlp.fc_in.weight"],
            "gptj_decoder/0/mlp/dense_layer/dense_layer/kernel");
  EXPECT_EQ(tf["transformer.h.0.mlp.fc_out.bias"],
            "gptj_decoder/0/mlp/dense_layer_1/dense_layer_1/bias");
  EXPECT_EQ(tf["transformer.h.1.mlp.fc_in.bias"],
            "gptj_decoder/1/mlp/dense_layer_2/dense_layer_2/bias");
  EXPECT_EQ(tf["transformer.h.1.mlp.fc_out.weight"],
            "gptj_decoder/1/mlp/dense_layer_3/dense_layer_3/kernel");
  EXPECT_EQ(tf["transformer.h.1.attn.bias"], "");  // causal-mask buffer: not written
}

TEST(GptjMapping, SharedEmbeddingsMoveTheBiasAndDropTheKernel) {
  const auto rows = expand_table(gptj_table(), gptj_dims(tiny_config()), true);
  std::map<std::string, std::string> tf;
  for (const auto& r : rows) tf[r.hf_name] = r.tf_name;
  EXPECT_EQ(tf["lm_head.bias"], "bias");
  EXPECT_EQ(tf["lm_head.weight"], "");
}

TEST(GptjMapping, Gptj6bHas285VariablesAndTheKnownParameterCount) {
  GptjConfig c;
  c.n_embd = 4096;
  c.n_layer = 28;
  c.n_head = 16;
  c.rotary_dim = 64;
  c.n_inner = 16384;
  c.n_positions = 2048;
  c.vocab_size = 50400;
  for (bool share : {false, true}) {
    const auto rows = written(expand_table(gptj_table(), gptj_dims(c), share));
    int64_t params = 0;
    for (const auto& r : rows) params += shape_numel(r.tf_shape);
    EXPECT_EQ(rows.size(), share ? 284u : 285u);
    EXPECT_EQ(params, share ? 6050882784 - 4096 * 50400 : 6050882784);
  }
}

std::string config_error(const std::string& json) {
  try {
    parse_gptj_config(json, "cfg/config.json");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    return e.what();
  }
  return "no error";
}

TEST(GptjConfig, RejectsOtherModels) {
  EXPECT_EQ(config_error(R"({"model_type": "gpt2", "n_embd": 768})"),
            "cfg/config.json: model_type is \"gpt2\", but ckptconv converts GPT-J (\"gptj\") "
            "checkpoints");
}

TEST(GptjConfig, RejectsMissingAndBadDimensions) {
  EXPECT_EQ(config_error(R"({"model_type": "gptj"})"), "cfg/config.json: missing \"n_embd\"");
  EXPECT_EQ(config_error(R"({"model_type": "gptj", "n_embd": -4})"),
            "cfg/config.json: \"n_embd\" must be a positive integer, got -4");
  EXPECT_EQ(config_error("{not json"), "cfg/config.json: not a JSON object");
  EXPECT_EQ(config_error(R"({"n_embd": 4})"), "cfg/config.json: missing \"model_type\"");
}

TEST(GptjConfig, InnerSizeDefaultsToFourTimesEmbedding) {
  const GptjConfig c = tiny_config();
  EXPECT_EQ(c.n_inner, 256);
  EXPECT_EQ(c.n_embd, 64);
  EXPECT_EQ(c.vocab_size, 128);
}

TEST(GptjConfig, MissingFileIsAClearError) {
  try {
    read_gptj_config("/nonexistent/config.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(
        e.what(),
        "/nonexistent/config.json: cannot read config.json (every HF model directory has one)");
  }
}

}  // namespace
}  // namespace ckpt
