// GPT-NeoX: the table expands to exactly the variables real PyTorch computed for neox-tiny,
// the fused query_key_value rows map as [H, 3, D] with the rotary pairs reordered, and every
// config refusal names its key.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "io/error.h"
#include "models/registry.h"
#include "test_util.h"

namespace ckpt {
namespace {

nlohmann::json tiny_json() {
  return nlohmann::json::parse(read_file(test_data("neox-tiny/config.json")));
}

// config.json text -> the error (or "no error"), with the temp dir shown as "cfg".
std::string config_error(const nlohmann::json& cfg, bool share = false,
                         ExitCode code = ExitCode::kBadInput) {
  TempDir dir;
  write_file(dir / "config.json", cfg.dump());
  try {
    read_hf_model_config(dir / "config.json", share);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code);
    std::string what = e.what();
    for (size_t at; (at = what.find(dir.path())) != std::string::npos;)
      what.replace(at, dir.path().size(), "cfg");
    return what;
  }
  return "no error";
}

std::map<std::string, const MappedTensor*> by_tf(const std::vector<MappedTensor>& rows) {
  std::map<std::string, const MappedTensor*> out;
  for (const auto& r : rows) out[r.tf_name] = &r;
  return out;
}

TEST(GptNeoxMapping, MatchesTheTorchComputedVariables) {
  const ModelSpec m = read_hf_model_config(test_data("neox-tiny/config.json"), false);
  EXPECT_EQ(m.family->model_type(), "gpt_neox");
  const auto rows = expand_table(m.family->table(), m.dims, false, TableBounds::unlimited());
  const auto expected = nlohmann::json::parse(read_file(test_data("neox-tiny/expected-cs.json")));
  std::set<std::string> want, got;
  for (const auto& [name, v] : expected.items()) {
    if (name != "param_count") want.insert(name);
  }
  int64_t params = 0;
  for (const auto& r : rows) {
    if (r.tf_name.empty()) continue;
    got.insert(r.tf_name);
    ASSERT_TRUE(expected.contains(r.tf_name)) << r.tf_name;
    EXPECT_EQ(r.tf_shape, expected[r.tf_name]["shape"].get<Shape>()) << r.tf_name;
    params += shape_numel(r.tf_shape);
  }
  EXPECT_EQ(got, want);
  EXPECT_EQ(params, expected["param_count"].get<int64_t>());
}

TEST(GptNeoxMapping, FusedRowsAreSplitPerHeadAndRotaryPairsReordered) {
  // neox-tiny: E 64, H 4, D 16, rotary_pct 0.25 -> r 4.
  const ModelSpec m = read_hf_model_config(test_data("neox-tiny/config.json"), false);
  const auto rows = expand_table(m.family->table(), m.dims, false, TableBounds::unlimited());
  const auto tf = by_tf(rows);
  const MappedTensor& q = *tf.at("gptj_decoder/1/attn/q_proj/q_proj/kernel");
  const MappedTensor& k = *tf.at("gptj_decoder/1/attn/k_proj/k_proj/bias");
  const MappedTensor& v = *tf.at("gptj_decoder/1/attn/v_proj/v_proj/kernel");
  EXPECT_EQ(q.hf_name, "gpt_neox.layers.1.attention.query_key_value.weight");
  EXPECT_EQ(q.hf_shape, (Shape{192, 64}));
  EXPECT_EQ(q.tf_shape, (Shape{64, 64}));
  EXPECT_EQ(q.op, TensorOp::kTranspose);
  EXPECT_EQ(k.hf_shape, (Shape{192}));
  EXPECT_EQ(k.op, TensorOp::kCopy);
  ASSERT_EQ(q.rows().size(), 64u);
  ASSERT_EQ(k.rows().size(), 64u);
  ASSERT_EQ(v.rows().size(), 64u);
  // Head 0 of q: Cerebras 2j <- HF j, 2j+1 <- HF j + 2 for j < 2, then 4..15 in place.
  const std::vector<int64_t> q_head0(q.rows().begin(), q.rows().begin() + 16);
  EXPECT_EQ(q_head0, (std::vector<int64_t>{0, 2, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}));
  // Head 2 of k starts at row (2 * 3 + 1) * 16 = 112.
  EXPECT_EQ(k.rows()[32], 112);
  EXPECT_EQ(k.rows()[33], 114);
  EXPECT_EQ(k.rows()[34], 113);
  EXPECT_EQ(k.rows()[36], 116);
  // v is not rotated: head 3 is rows (3 * 3 + 2) * 16 = 176 .. 191 in order.
  for (int64_t d = 0; d < 16; ++d) EXPECT_EQ(v.rows()[48 + d], 176 + d);
  EXPECT_EQ(q.rows_note, "rows: part 0 of [H, 3, D], rotary pairs");
  EXPECT_EQ(v.rows_note, "rows: part 2 of [H, 3, D]");
  // Every HF row is taken exactly once by q, k and v together.
  std::vector<int> hits(192);
  for (const MappedTensor* t : {&q, tf.at("gptj_decoder/1/attn/k_proj/k_proj/kernel"), &v}) {
    for (int64_t i : t->rows()) ++hits.at(static_cast<size_t>(i));
  }
  EXPECT_EQ(hits, std::vector<int>(192, 1));
}

TEST(GptNeoxMapping, NoAttentionBiasMeansNoBiasVariables) {
  auto cfg = tiny_json();
  cfg["attention_bias"] = false;
  const ModelSpec m = model_families()[1]->from_hf_config(cfg, "config.json", false);
  const auto tf = by_tf(expand_table(m.family->table(), m.dims, false, TableBounds::unlimited()));
  EXPECT_EQ(tf.count("gptj_decoder/0/attn/q_proj/q_proj/bias"), 0u);
  EXPECT_EQ(tf.count("gptj_decoder/0/attn/out_proj/out_proj/bias"), 0u);
  EXPECT_EQ(tf.count("gptj_decoder/0/mlp/dense_layer/dense_layer/bias"), 1u);
  EXPECT_FALSE(m.params.use_projection_bias_in_attention);
}

TEST(GptNeoxParams, ParamsYamlHasTheNeoxKeys) {
  CsParams p = read_hf_model_config(test_data("neox-tiny/config.json"), false).params;
  p.source = "config.json";
  EXPECT_EQ(params_yaml(p, "GPT-NeoX"),
            "# Cerebras GPT-NeoX params, made by ckptconv from config.json\n"
            "train_input:\n"
            "  vocab_size: 96\n"
            "  max_sequence_length: 32\n"
            "eval_input:\n"
            "  vocab_size: 96\n"
            "  max_sequence_length: 32\n"
            "model:\n"
            "  hidden_size: 64\n"
            "  num_hidden_layers: 2\n"
            "  num_heads: 4\n"
            "  rotary_dim: 4\n"
            "  filter_size: 256\n"
            "  max_position_embeddings: 32\n"
            "  layer_norm_epsilon: 1e-05\n"
            "  nonlinearity: gelu\n"
            "  share_embedding_weights: false\n"
            "  use_projection_bias_in_attention: true\n"
            "  use_ffn_bias_in_attention: true\n"
            "  use_ffn_bias: true\n"
            "  use_bias_in_output: false\n"
            "  use_untied_layer_norm: true\n");
  // Read back, it is recognised as GPT-NeoX again.
  TempDir dir;
  write_file(dir / "params.yaml", params_yaml(p, "GPT-NeoX"));
  const ModelSpec back = read_cs_model(
      dir / "params.yaml", [](const std::string&) { return nullptr; }, "x");
  EXPECT_EQ(back.family->model_type(), "gpt_neox");
  EXPECT_EQ(back.dims.symbols.at("R"), 4);
}

TEST(GptNeoxConfig, ExactGeluIsAcceptedWithANote) {
  const ModelSpec m = read_hf_model_config(test_data("neox-tiny/config.json"), false);
  EXPECT_EQ(m.notes, std::vector<std::string>{test_data("neox-tiny/config.json") +
                                              ": hidden_act \"gelu\" is the exact (erf) gelu; the "
                                              "Cerebras model will use the tanh form "
                                              "(nonlinearity: gelu)"});
  auto cfg = tiny_json();
  cfg["hidden_act"] = "gelu_pytorch_tanh";
  EXPECT_TRUE(model_families()[1]->from_hf_config(cfg, "c", false).notes.empty());
}

TEST(GptNeoxConfig, RefusalsNameTheKey) {
  auto with = [](const char* key, const nlohmann::json& value) {
    auto cfg = tiny_json();
    cfg[key] = value;
    return cfg;
  };
  EXPECT_EQ(config_error(with("use_parallel_residual", false)),
            "cfg/config.json: \"use_parallel_residual\" is false; the Cerebras GPT-J model "
            "computes attention and MLP in parallel only");
  EXPECT_EQ(config_error(with("rotary_emb_base", 20000)),
            "cfg/config.json: \"rotary_emb_base\" is 20000.0; the Cerebras rotary embedding uses "
            "base 10000 only");
  EXPECT_EQ(config_error(with("rope_theta", 500000.0)),
            "cfg/config.json: \"rope_theta\" is 500000.0; the Cerebras rotary embedding uses "
            "base 10000 only");
  EXPECT_EQ(config_error(with("rope_scaling", {{"type", "linear"}, {"factor", 2.0}})),
            "cfg/config.json: \"rope_scaling\" is an object; the Cerebras rotary embedding has "
            "no scaling");
  EXPECT_EQ(config_error(with("rotary_pct", 0.3125)),
            "cfg/config.json: \"rotary_pct\" 0.3125 of head size 16 gives rotary dimension 5; "
            "the Cerebras rotary embedding needs an even, non-zero one");
  EXPECT_EQ(config_error(with("hidden_act", "relu")),
            "cfg/config.json: \"hidden_act\" is 'relu'; the Cerebras model has only gelu (the "
            "tanh form: gelu_new, gelu_fast, gelu_pytorch_tanh; exact gelu with a note)");
  EXPECT_EQ(config_error(with("num_attention_heads", 5)),
            "cfg/config.json: hidden_size (64) is not a multiple of num_attention_heads (5)");
  EXPECT_EQ(config_error(with("hidden_size", "64")),
            "cfg/config.json: \"hidden_size\" must be a positive integer, got '64'");
  EXPECT_EQ(config_error(tiny_json(), true, ExitCode::kUsage),
            "cfg/config.json: --share_embeddings needs embed_out tied to embed_in, but "
            "\"tie_word_embeddings\" is not true");
  EXPECT_EQ(config_error(with("tie_word_embeddings", true), true), "no error");
}

// --- hostile config.json (issue 12) ------------------------------------------------------

TEST(ModelConfigHostile, DeepNestingIsRefusedWithoutRecursion) {
  TempDir dir;
  const std::string deep = std::string(10000, '[') + "1" + std::string(10000, ']');
  write_file(dir / "config.json", "{\"model_type\": \"gptj\", \"n_positions\": " + deep + "}");
  EXPECT_EQ(error_of([&] { read_hf_model_config(dir / "config.json", false); }),
            dir / "config.json" + ": config.json nests deeper than 64 levels (at offset 101)");
}

TEST(ModelConfigHostile, LongValuesAreNotEchoedWhole) {
  auto cfg = tiny_json();
  cfg["model_type"] = std::string(5000, 'x') + "\n";
  const std::string msg = config_error(cfg);
  EXPECT_LT(msg.size(), 300u) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos);
  cfg = tiny_json();
  cfg["num_hidden_layers"] = std::vector<int>(100000, 1);
  EXPECT_EQ(config_error(cfg),
            "cfg/config.json: \"num_hidden_layers\" must be a positive integer, got an array");
}

TEST(ModelConfigHostile, LayerCountBeyondTheCheckpointIsRefusedBeforeExpansion) {
  auto cfg = tiny_json();
  cfg["num_hidden_layers"] = 2147483648LL;
  const ModelSpec m = model_families()[1]->from_hf_config(cfg, "config.json", false);
  TableBounds b{TableBounds::Side::kHf, "model.bin", 36, 500000, 2};
  EXPECT_EQ(error_of([&] { expand_table(m.family->table(), m.dims, false, b); }),
            "config.json: num_hidden_layers is 2147483648, but model.bin holds 36 tensors, 12 per "
            "layer at least");
}

TEST(ModelConfigHostile, ShapesLargerThanTheCheckpointAreRefusedBeforeExpansion) {
  auto cfg = tiny_json();
  cfg["hidden_size"] = 1LL << 40;
  cfg["num_attention_heads"] = 1;
  cfg["rotary_pct"] = 1.0;
  const ModelSpec m = model_families()[1]->from_hf_config(cfg, "config.json", false);
  TableBounds b{TableBounds::Side::kHf, "model.bin", 36, 500000, 2};
  EXPECT_EQ(error_of([&] { expand_table(m.family->table(), m.dims, false, b); }),
            "config.json: tensor 'gpt_neox.embed_in.weight' would have shape [96, "
            "1099511627776], more than model.bin holds (500000 bytes)");
  cfg["hidden_size"] = 1LL << 61;
  cfg["vocab_size"] = 1LL << 40;
  const ModelSpec huge = model_families()[1]->from_hf_config(cfg, "config.json", false);
  EXPECT_EQ(error_of([&] { expand_table(huge.family->table(), huge.dims, false, b); }),
            "config.json: tensor 'gpt_neox.embed_in.weight' would have shape [1099511627776, "
            "2305843009213693952], more than model.bin holds (500000 bytes)");
}

}  // namespace
}  // namespace ckpt
