#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "io/error.h"
#include "models/registry.h"
#include "test_util.h"

namespace ckpt {
namespace {

ModelSpec tiny_config(bool share = false) {
  return read_hf_model_config(test_data("gptj-tiny/config.json"), share);
}

std::vector<MappedTensor> expand(const ModelSpec& m, bool share) {
  return expand_table(m.family->table(), m.dims, share, TableBounds::unlimited());
}

std::vector<MappedTensor> written(const std::vector<MappedTensor>& rows) {
  std::vector<MappedTensor> out;
  for (const auto& r : rows) {
    if (!r.tf_name.empty()) out.push_back(r);
  }
  return out;
}

// The expected variables were computed by real PyTorch (examples/gptj-tiny/tools/expected_cs.py).
void expect_matches_fixture(bool share, const std::string& fixture) {
  const auto rows = written(expand(tiny_config(share), share));
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
  const auto rows = expand(tiny_config(), false);
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
  const auto rows = expand(tiny_config(true), true);
  std::map<std::string, std::string> tf;
  for (const auto& r : rows) tf[r.hf_name] = r.tf_name;
  EXPECT_EQ(tf["lm_head.bias"], "bias");
  EXPECT_EQ(tf["lm_head.weight"], "");
}

TEST(GptjMapping, Gptj6bHas285VariablesAndTheKnownParameterCount) {
  const nlohmann::json cfg = {{"model_type", "gptj"}, {"n_embd", 4096},     {"n_layer", 28},
                              {"n_head", 16},         {"rotary_dim", 64},   {"n_inner", 16384},
                              {"n_positions", 2048},  {"vocab_size", 50400}};
  for (bool share : {false, true}) {
    const ModelSpec m = model_families()[0]->from_hf_config(cfg, "config.json", share);
    const auto rows = written(expand(m, share));
    int64_t params = 0;
    for (const auto& r : rows) params += shape_numel(r.tf_shape);
    EXPECT_EQ(rows.size(), share ? 284u : 285u);
    EXPECT_EQ(params, share ? 6050882784 - 4096 * 50400 : 6050882784);
  }
}

std::string config_error(const std::string& json) {
  TempDir dir;
  write_file(dir / "config.json", json);
  try {
    read_hf_model_config(dir / "config.json", false);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
    std::string what = e.what();
    what.replace(0, dir.path().size(), "cfg");
    return what;
  }
  return "no error";
}

TEST(GptjConfig, RejectsOtherModels) {
  EXPECT_EQ(config_error(R"({"model_type": "gpt2", "n_embd": 768})"),
            "cfg/config.json: model_type 'gpt2' is not supported; ckptconv converts 'gptj' (GPT-J) "
            "and 'gpt_neox' (GPT-NeoX)");
}

TEST(GptjConfig, RejectsMissingAndBadDimensions) {
  EXPECT_EQ(config_error(R"({"model_type": "gptj"})"), "cfg/config.json: missing \"n_embd\"");
  EXPECT_EQ(config_error(R"({"model_type": "gptj", "n_embd": -4})"),
            "cfg/config.json: \"n_embd\" must be a positive integer, got -4");
  EXPECT_EQ(config_error("{not json"),
            "cfg/config.json: config.json is not valid JSON (parse error at offset 2)");
  EXPECT_EQ(config_error("[1]"), "cfg/config.json: not a JSON object");
  EXPECT_EQ(config_error(R"({"n_embd": 4})"), "cfg/config.json: missing \"model_type\"");
}

TEST(GptjConfig, InnerSizeDefaultsToFourTimesEmbedding) {
  const CsParams c = tiny_config().params;
  EXPECT_EQ(c.filter_size, 256);
  EXPECT_EQ(c.hidden_size, 64);
  EXPECT_EQ(c.vocab_size, 128);
}

TEST(GptjConfig, MissingFileIsAClearError) {
  try {
    read_hf_model_config("/nonexistent/config.json", false);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(
        e.what(),
        "/nonexistent/config.json: cannot read config.json (every HF model directory has one)");
  }
}

}  // namespace
}  // namespace ckpt
