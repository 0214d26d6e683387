#include "models/params_yaml.h"

#include <gtest/gtest.h>

#include "io/error.h"
#include "test_util.h"

namespace ckpt {
namespace {

TEST(ParamsYaml, TinyGptj) {
  GptjConfig c = read_gptj_config(test_data("gptj-tiny/config.json"));
  c.path = "config.json";
  EXPECT_EQ(gptj_params_yaml(c, false),
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
            "  layer_norm_epsilon: 1.0000000000000001e-05\n"
            "  nonlinearity: gelu\n"
            "  share_embedding_weights: false\n"
            "  use_projection_bias_in_attention: false\n"
            "  use_ffn_bias_in_attention: false\n"
            "  use_ffn_bias: true\n"
            "  use_bias_in_output: true\n");
}

TEST(ParamsYaml, ReadsBackWhatItWrites) {
  GptjConfig c = read_gptj_config(test_data("gptj-tiny/config.json"));
  const GptjParams p = parse_gptj_params_yaml(gptj_params_yaml(c, true), "params.yaml");
  EXPECT_TRUE(p.share_embeddings);
  EXPECT_EQ(p.config.n_embd, 64);
  EXPECT_EQ(p.config.n_layer, 2);
  EXPECT_EQ(p.config.n_head, 4);
  EXPECT_EQ(p.config.rotary_dim, 16);
  EXPECT_EQ(p.config.n_inner, 256);
  EXPECT_EQ(p.config.n_positions, 32);
  EXPECT_EQ(p.config.vocab_size, 128);
  EXPECT_DOUBLE_EQ(p.config.layer_norm_epsilon, 1e-5);
}

TEST(ParamsYaml, MissingKeyIsNamed) {
  try {
    parse_gptj_params_yaml("model:\n  hidden_size: 64\n", "out/params.yaml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "out/params.yaml: missing \"model.num_hidden_layers\"");
  }
}

TEST(ParamsYaml, BadNumberIsNamed) {
  try {
    parse_gptj_params_yaml("model:\n  hidden_size: sixty\n", "p.yaml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "p.yaml: \"model.hidden_size\" must be a positive integer, got \"sixty\"");
  }
}

}  // namespace
}  // namespace ckpt
