#include <gtest/gtest.h>

#include "io/error.h"
#include "models/cs_params.h"
#include "models/registry.h"
#include "test_util.h"

namespace ckpt {
namespace {

TEST(ParamsYaml, TinyGptj) {
  CsParams c = read_hf_model_config(test_data("gptj-tiny/config.json"), false).params;
  c.source = "config.json";
  EXPECT_EQ(params_yaml(c, "GPT-J"),
            "# Cerebras GPT-J params, made by ckptconv from config.json\n"
            "train_input:\n"
            "  vocab_size: 128\n"
            "  max_sequence_length: 32\n"
            "eval_input:\n"
            "  vocab_size: 128\n"
            "  max_sequence_length: 32\n"
            "model:\n"
            "  hidden_size: 64\n"
            "  num_hidden_layers: 2\n"
            "  num_heads: 4\n"
            "  rotary_dim: 16\n"
            "  filter_size: 256\n"
            "  max_position_embeddings: 32\n"
            "  layer_norm_epsilon: 1e-05\n"
            "  nonlinearity: gelu\n"
            "  share_embedding_weights: false\n"
            "  use_projection_bias_in_attention: false\n"
            "  use_ffn_bias_in_attention: false\n"
            "  use_ffn_bias: true\n"
            "  use_bias_in_output: true\n");
}

TEST(ParamsYaml, ReadsBackWhatItWrites) {
  const CsParams c = read_hf_model_config(test_data("gptj-tiny/config.json"), true).params;
  const CsParams p = parse_params_yaml(params_yaml(c, "GPT-J"), "params.yaml");
  EXPECT_TRUE(p.share_embedding_weights);
  EXPECT_EQ(p.hidden_size, 64);
  EXPECT_EQ(p.num_hidden_layers, 2);
  EXPECT_EQ(p.num_heads, 4);
  EXPECT_EQ(p.rotary_dim, 16);
  EXPECT_EQ(p.filter_size, 256);
  EXPECT_EQ(p.max_position_embeddings, 32);
  EXPECT_EQ(p.vocab_size, 128);
  EXPECT_EQ(p.layer_norm_epsilon, 1e-5);
  EXPECT_FALSE(p.use_untied_layer_norm);
}

TEST(ParamsYaml, MissingKeyIsNamed) {
  try {
    parse_params_yaml("model:\n  hidden_size: 64\n", "out/params.yaml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "out/params.yaml: missing \"model.num_hidden_layers\"");
  }
}

TEST(ParamsYaml, BadNumberIsNamed) {
  try {
    parse_params_yaml("model:\n  hidden_size: sixty\n", "p.yaml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "p.yaml: \"model.hidden_size\" must be a positive integer, got 'sixty'");
  }
}

TEST(ParamsYaml, FloatsAreWrittenInShortestRoundTripForm) {
  EXPECT_EQ(shortest_float(1e-5), "1e-05");
  EXPECT_EQ(shortest_float(0.1), "0.1");
  EXPECT_EQ(shortest_float(1.0), "1.0");
  EXPECT_EQ(shortest_float(1e-12), "1e-12");
  EXPECT_EQ(shortest_float(500000.0), "500000.0");
  EXPECT_EQ(shortest_float(0.0001), "0.0001");
  EXPECT_EQ(shortest_float(1e16), "1e+16");
}

}  // namespace
}  // namespace ckpt
