// The Cerebras GPT-J model params (params.yaml) every supported family converts to: one
// writer and one reader for the keys the GPT-J model code reads (DESIGN.md §4, §3b).
#pragma once

#include <cstdint>
#include <string>

namespace ckpt {

struct CsParams {
  std::string source;  // the file these values were read from or made from, for messages
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_heads = 0;
  int64_t rotary_dim = 0;
  int64_t filter_size = 0;
  int64_t max_position_embeddings = 0;
  double layer_norm_epsilon = 1e-5;
  bool share_embedding_weights = false;
  bool use_projection_bias_in_attention = false;
  bool use_ffn_bias_in_attention = false;
  bool use_ffn_bias = true;
  bool use_bias_in_output = true;
  bool use_untied_layer_norm = false;  // written only when true (GPT-NeoX's ln_2)
};

// params.yaml text; `display_name` goes into the header comment ("Cerebras GPT-J params...").
std::string params_yaml(const CsParams& params, const std::string& display_name);

// Reads back a params.yaml (the two-level `section:` / `  key: value` form above, comments
// ignored). Throws Error(kBadInput) naming `path` for a missing key or a bad value.
CsParams parse_params_yaml(const std::string& text, const std::string& path);

// Reads `path` (at most 16 MiB) and parses it. Throws Error(kBadInput) naming it.
CsParams read_params_yaml(const std::string& path);

// The shortest text that reads back as the same double ("1e-05", "0.5"), always with a
// fraction or exponent so YAML keeps it a float ("1.0").
std::string shortest_float(double v);

}  // namespace ckpt
